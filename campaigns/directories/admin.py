"""Organizers' side of directories: making one and uploading its files."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import abort
from sqlalchemy import func, select

from campaigns.directories import importing as directory_import
from campaigns.extensions import db
from campaigns.models import Directory, Organization, PostcodeDistrict, Target

IMPORTERS = {
    ("targets", "generic"): directory_import.import_targets,
    ("targets", "legislators"): directory_import.import_legislators,
    ("postcodes", "generic"): directory_import.import_postcodes,
    ("postcodes", "zccd"): directory_import.import_zccd,
}


@dataclass
class DirectorySummary:
    directory: Directory
    targets: int
    postcodes: int


def directories_with_counts(org: Organization) -> list[DirectorySummary]:
    targets = dict(
        db.session.execute(
            select(Target.directory_id, func.count())
            .where(Target.organization_id == org.id, Target.directory_id.is_not(None))
            .group_by(Target.directory_id)
        ).all()
    )
    postcodes = dict(
        db.session.execute(
            select(
                PostcodeDistrict.directory_id, func.count(func.distinct(PostcodeDistrict.postcode))
            )
            .join(Directory, Directory.id == PostcodeDistrict.directory_id)
            .where(Directory.organization_id == org.id)
            .group_by(PostcodeDistrict.directory_id)
        ).all()
    )
    directories = db.session.scalars(
        select(Directory).where(Directory.organization_id == org.id).order_by(Directory.name)
    )
    return [DirectorySummary(d, targets.get(d.id, 0), postcodes.get(d.id, 0)) for d in directories]


def directory_of(org: Organization, directory_id: int) -> Directory:
    directory = db.session.get(Directory, directory_id)
    if directory is None or directory.organization_id != org.id:
        abort(404)
    return directory


def create_directory(org: Organization, name: str) -> Directory:
    directory = Directory(organization_id=org.id, name=name.strip())
    db.session.add(directory)
    db.session.commit()
    return directory


def import_upload(
    directory: Directory, kind: str, file_format: str, upload
) -> directory_import.ImportResult:
    """Import an uploaded CSV; raises `ImportErrors` (nothing changed) when any row is bad."""
    importer = IMPORTERS[(kind, file_format)]
    text = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", newline="")
    try:
        return importer(directory, text)
    except UnicodeDecodeError as exc:
        db.session.rollback()
        raise directory_import.ImportErrors(
            [
                directory_import.RowError(
                    1, None, "the file is not UTF-8 text (save it as CSV UTF-8)"
                )
            ]
        ) from exc
