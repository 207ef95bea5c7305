"""District maps: a directory's uploaded boundaries, and the same districts shaded by signatures.

The counts are the sources page's own (`sources.district_counts`, one GROUP BY for the whole
table); the map adds no query per district. Each web process keeps the parsed shapes of a
map in memory, keyed by the digest of what was stored, so a page asks the database only for
the digests (a few bytes per directory) and reads a map's paths once per upload.

Shades are five classes of a single-hue ramp (ColorBrewer's "Blues", readable with every
common colour-vision deficiency and in greyscale), chosen by quantile: each class holds about
a fifth of the districts that have any signatures, so one huge district does not leave every
other one in the palest shade. Districts with none are a neutral grey, not the palest blue.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from campaigns.core import audit
from campaigns.core.cache import MISSING, TTLCache
from campaigns.directories import boundaries
from campaigns.extensions import db
from campaigns.models import Directory, DistrictMap, Organization, PostcodeDistrict, User, utcnow
from campaigns.tracking.sources import Breakdown, Row

SHADES = 5
CACHE_SIZE = 64
# Shapes by digest: what a digest names never changes, so they are kept a day, a few dozen
# maps at most.
SHAPES = TTLCache("district_shapes", seconds=24 * 3600, max_size=CACHE_SIZE)


@dataclass(frozen=True)
class Shapes:
    width: int
    height: int
    shapes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Area:
    """One district on the map: its path, its signatures and its shade (0 for none)."""

    district: str
    path: str
    count: int
    shade: int

    @property
    def title(self) -> str:
        noun = "signature" if self.count == 1 else "signatures"
        return f"District {self.district}: {self.count:,} {noun}"


@dataclass(frozen=True)
class Step:
    """One entry of the legend: a shade and the counts it stands for."""

    shade: int
    low: int
    high: int

    @property
    def label(self) -> str:
        if self.low == self.high:
            return f"{self.low:,}"
        return f"{self.low:,}–{self.high:,}"


@dataclass
class ShadedMap:
    directory_id: int
    title: str
    width: int
    height: int
    areas: list[Area]
    legend: list[Step]
    # Districts with signatures that have no shape in the boundaries, most signatures first.
    missing: list[Row] = field(default_factory=list)


# --- shading --------------------------------------------------------------------------------


def breaks(counts: Iterable[int], classes: int = SHADES) -> list[int]:
    """The upper bound of each class: quantiles of the counts above zero, without repeats."""
    values = sorted(c for c in counts if c > 0)
    uppers: list[int] = []
    for k in range(1, classes + 1):
        if not values:
            break
        upper = values[math.ceil(k * len(values) / classes) - 1]
        if not uppers or upper > uppers[-1]:
            uppers.append(upper)
    return uppers


def shades_for(classes: int) -> list[int]:
    """Which of the SHADES a map with fewer classes uses: spread from light to dark."""
    if classes <= 1:
        return [3] * classes
    return [round(1 + i * (SHADES - 1) / (classes - 1)) for i in range(classes)]


def shade(shapes: Shapes, counts: Counter[str], directory_id: int, title: str) -> ShadedMap:
    mapped = {code for code, _ in shapes.shapes}
    uppers = breaks(counts.get(code, 0) for code in mapped)
    ramp = shades_for(len(uppers))
    legend = [Step(0, 0, 0)]
    low = 1
    for upper, tone in zip(uppers, ramp, strict=True):
        legend.append(Step(tone, low, upper))
        low = upper + 1

    def tone_of(count: int) -> int:
        if count <= 0:
            return 0
        for upper, tone in zip(uppers, ramp, strict=True):
            if count <= upper:
                return tone
        return ramp[-1]

    areas = [
        Area(code, path, counts.get(code, 0), tone_of(counts.get(code, 0)))
        for code, path in shapes.shapes
    ]
    missing = sorted(
        (Row(code, n) for code, n in counts.items() if code and n and code not in mapped),
        key=lambda row: (-row.count, row.name),
    )
    return ShadedMap(directory_id, title, shapes.width, shapes.height, areas, legend, missing)


def maps_for(breakdowns: list[Breakdown]) -> dict[int, ShadedMap]:
    """A shaded map for each district table whose directory has boundaries, by directory."""
    tables = {b.directory_id: b for b in breakdowns if b.directory_id is not None}
    loaded = shapes_of(list(tables))
    result = {}
    for directory_id, shapes in loaded.items():
        table = tables[directory_id]
        result[directory_id] = shade(shapes, table.counts or Counter(), directory_id, table.title)
    return result


def preview(item: DistrictMap, title: str) -> ShadedMap:
    """The boundaries as uploaded, every district unshaded."""
    shapes = shapes_of([item.directory_id]).get(item.directory_id)
    return shade(shapes, Counter(), item.directory_id, title)


# --- the per-process copy -------------------------------------------------------------------


def shapes_of(directory_ids: list[int]) -> dict[int, Shapes]:
    """The shapes of each directory that has boundaries, from memory where this process has
    read them already."""
    if not directory_ids:
        return {}
    rows = db.session.execute(
        select(DistrictMap.directory_id, DistrictMap.digest).where(
            DistrictMap.directory_id.in_(directory_ids)
        )
    ).all()
    result: dict[int, Shapes] = {}
    unread = []
    for directory_id, digest in rows:
        shapes = SHAPES.get(digest)
        if shapes is MISSING:
            unread.append(directory_id)
        else:
            result[directory_id] = shapes
    if unread:
        for item in db.session.scalars(
            select(DistrictMap).where(DistrictMap.directory_id.in_(unread))
        ):
            shapes = Shapes(item.width, item.height, tuple((c, p) for c, p in item.shapes))
            SHAPES.put(item.digest, shapes)
            result[item.directory_id] = shapes
    return result


def digest(width: int, height: int, shapes: list[list[str]]) -> str:
    text = json.dumps([width, height, shapes], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- organizers' side -----------------------------------------------------------------------


def map_of(directory: Directory) -> DistrictMap | None:
    return db.session.scalars(
        select(DistrictMap).where(DistrictMap.directory_id == directory.id)
    ).first()


def save(
    organization: Organization, directory: Directory, stream, key: str | None, actor: User
) -> DistrictMap:
    """Check the uploaded GeoJSON and make it the directory's boundaries, replacing any before.

    Raises `boundaries.BoundaryErrors` (nothing changed) when the file is not acceptable.
    """
    drawn = boundaries.read(stream.read(boundaries.MAX_BYTES + 1), key)
    shapes = [[code, path] for code, path in drawn.shapes]
    item = map_of(directory)
    replaced = item is not None
    if item is None:
        item = DistrictMap(directory_id=directory.id)
        db.session.add(item)
    item.key_property = drawn.key
    item.width, item.height = drawn.width, drawn.height
    item.shapes = shapes
    item.points, item.source_points = drawn.points, drawn.source_points
    item.digest = digest(drawn.width, drawn.height, shapes)
    item.uploaded_by_id = actor.id
    item.uploaded_at = utcnow()
    audit.record(
        "boundaries_uploaded",
        organization=organization,
        actor=actor,
        subject=directory.name,
        details={
            "directory_id": directory.id,
            "districts": len(shapes),
            "property": drawn.key,
            "replaced": replaced,
        },
    )
    db.session.commit()
    return item


def delete(organization: Organization, directory: Directory, actor: User) -> bool:
    item = map_of(directory)
    if item is None:
        return False
    audit.record(
        "boundaries_deleted",
        organization=organization,
        actor=actor,
        subject=directory.name,
        details={"directory_id": directory.id, "districts": len(item.shapes)},
    )
    db.session.delete(item)
    db.session.commit()
    return True


@dataclass
class Coverage:
    """How the boundaries' codes meet the directory's postcode table."""

    matched: int
    only_on_map: list[str]
    only_in_directory: list[str]


def coverage(directory: Directory, item: DistrictMap) -> Coverage:
    """Codes on the map the directory has no postcode for, and the other way round: a map
    keyed by GEOID ("0612") for a directory keyed "CA-12" matches nothing."""
    known = set(
        db.session.scalars(
            select(PostcodeDistrict.district)
            .where(PostcodeDistrict.directory_id == directory.id)
            .distinct()
        )
    )
    mapped = {code for code, _ in item.shapes}
    return Coverage(
        matched=len(mapped & known),
        only_on_map=sorted(mapped - known),
        only_in_directory=sorted(known - mapped),
    )
