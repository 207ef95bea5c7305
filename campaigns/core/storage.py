"""Where files live: supporter exports, uploaded import files and share images.

Two stores behind one small interface. By default the instance folder (one machine, as a
laptop or a single VM runs it). With `STORAGE_URL=s3://bucket/prefix`, an S3-compatible object
store (Amazon S3, MinIO, Ceph, Backblaze, ...), so that a file one node writes is read by any
other and nothing is lost when a PaaS replaces a machine's disk (docs/deploy.md).

A file is named by its *area* (`exports`, `imports`, `uploads`) and a name the application
made up itself (random, checked by the caller): never a path a person typed.

Downloads go through the application, streamed in chunks, in both stores: the object store
may sit on a private network the browser cannot reach, and an export stays behind the
organizer's login, fresh password and audit record rather than a URL that works for anyone
holding it.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import Flask, Response, current_app, send_file

AREAS = ("exports", "imports", "uploads")
# Parts of an upload to the object store; the whole file never sits in memory.
CHUNK = 8 * 1024 * 1024
# Files read back (an import being checked and run) stay in memory up to this size, then
# spill to a temporary file.
SPOOL = 4 * 1024 * 1024


class StorageError(RuntimeError):
    """The store cannot be reached or refused the operation."""


class Missing(LookupError):
    """No file of that name in that area."""


class LocalStorage:
    """The instance folder (or the folders the deployment names), as before object storage."""

    kind = "local"

    def __init__(self, folders: dict[str, Path]):
        self.folders = folders

    def _path(self, area: str, name: str) -> Path:
        folder = self.folders[area]
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder / name

    @contextmanager
    def writer(self, area: str, name: str) -> Iterator[BinaryIO]:
        with self._path(area, name).open("wb") as out:
            yield out

    def put(self, area: str, name: str, data: bytes) -> None:
        self._path(area, name).write_bytes(data)

    def open(self, area: str, name: str) -> BinaryIO:
        try:
            return self._path(area, name).open("rb")
        except FileNotFoundError:
            raise Missing(f"{area}/{name}") from None

    def delete(self, area: str, name: str) -> None:
        self._path(area, name).unlink(missing_ok=True)

    def download(self, area: str, name: str, **options) -> Response:
        path = self._path(area, name)
        if not path.is_file():
            raise Missing(f"{area}/{name}")
        return send_file(path, **options)

    def check(self) -> None:
        """Each folder exists (or can be made) and takes a file."""
        for area, folder in self.folders.items():
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                with tempfile.TemporaryFile(dir=folder):
                    pass
            except OSError as exc:
                raise StorageError(f"{area} folder {folder} is not writable: {exc}") from None


class ObjectStorage:
    """An S3-compatible bucket; keys are `<prefix>/<area>/<name>`."""

    kind = "s3"

    def __init__(self, client, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def key(self, area: str, name: str) -> str:
        if area not in AREAS:
            raise ValueError(f"unknown storage area {area!r}")
        return "/".join(part for part in (self.prefix, area, name) if part)

    @contextmanager
    def writer(self, area: str, name: str) -> Iterator[BinaryIO]:
        """A file to write into; uploaded in parts when it is closed without an error, so a
        failed export leaves nothing half-written in the bucket."""
        with tempfile.SpooledTemporaryFile(max_size=CHUNK) as spool:
            yield spool
            spool.seek(0)
            self._call(
                self.client.upload_fileobj,
                spool,
                self.bucket,
                self.key(area, name),
                Config=_transfer_config(),
            )

    def put(self, area: str, name: str, data: bytes) -> None:
        self._call(self.client.put_object, Bucket=self.bucket, Key=self.key(area, name), Body=data)

    def open(self, area: str, name: str) -> BinaryIO:
        """The whole object, read into a spooled temporary file (callers seek and re-read)."""
        body = self._get(area, name)["Body"]
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 (returned open)
        try:
            for chunk in body.iter_chunks(64 * 1024):
                spool.write(chunk)
        except (BotoCoreError, ClientError) as exc:
            spool.close()
            raise StorageError(str(exc)) from None
        finally:
            body.close()
        spool.seek(0)
        return spool

    def delete(self, area: str, name: str) -> None:
        self._call(self.client.delete_object, Bucket=self.bucket, Key=self.key(area, name))

    def download(
        self,
        area: str,
        name: str,
        *,
        mimetype: str,
        as_attachment: bool = False,
        download_name: str | None = None,
        max_age: int = 0,
    ) -> Response:
        found = self._get(area, name)
        body = found["Body"]

        def chunks():
            try:
                yield from body.iter_chunks(64 * 1024)
            finally:
                body.close()

        response = Response(chunks(), mimetype=mimetype, direct_passthrough=True)
        response.content_length = found["ContentLength"]
        if as_attachment:
            response.headers.set(
                "Content-Disposition", "attachment", filename=download_name or name
            )
        if max_age:
            response.cache_control.public = True
            response.cache_control.max_age = max_age
        else:
            response.cache_control.no_cache = True
        return response

    def check(self) -> None:
        self._call(self.client.head_bucket, Bucket=self.bucket)

    def _get(self, area: str, name: str) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(area, name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise Missing(f"{area}/{name}") from None
            raise StorageError(str(exc)) from None
        except BotoCoreError as exc:
            raise StorageError(str(exc)) from None

    @staticmethod
    def _call(method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise StorageError(str(exc)) from None


def _transfer_config():
    return TransferConfig(multipart_threshold=CHUNK, multipart_chunksize=CHUNK, use_threads=False)


def parse_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` → (bucket, prefix); anything else is a configuration error."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    return parts.netloc, parts.path.strip("/")


def local_folders(config: dict, instance_path: str) -> dict[str, Path]:
    exports = Path(config.get("EXPORT_FOLDER") or Path(instance_path, "exports"))
    return {
        "exports": exports,
        "imports": exports / "imports",
        "uploads": Path(config.get("UPLOAD_FOLDER") or Path(instance_path, "uploads")),
    }


def init_app(app: Flask) -> None:
    """Refuse a malformed storage configuration when the app starts, not at the first
    export an hour later."""
    if app.config.get("STORAGE_URL"):
        parse_url(app.config["STORAGE_URL"])
    style = app.config.get("STORAGE_ADDRESSING_STYLE") or "path"
    if style not in ("path", "virtual", "auto"):
        raise ValueError(f"STORAGE_ADDRESSING_STYLE must be path, virtual or auto, not {style!r}")


def build(app: Flask) -> LocalStorage | ObjectStorage:
    """The store the configuration names."""
    config = app.config
    url = config.get("STORAGE_URL", "")
    if not url:
        return LocalStorage(local_folders(config, app.instance_path))
    bucket, prefix = parse_url(url)
    endpoint = config.get("STORAGE_ENDPOINT_URL") or None
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=config.get("STORAGE_REGION") or None,
        # Empty: boto3's own chain (AWS_ACCESS_KEY_ID..., a profile, an instance role).
        aws_access_key_id=config.get("STORAGE_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("STORAGE_SECRET_ACCESS_KEY") or None,
        config=Config(
            # Most self-hosted stores (MinIO, Ceph, a store on a private host name) answer
            # only path-style requests; Amazon answers both.
            s3={"addressing_style": config.get("STORAGE_ADDRESSING_STYLE") or "path"},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 4, "mode": "standard"},
        ),
    )
    return ObjectStorage(client, bucket, prefix)


def current() -> LocalStorage | ObjectStorage:
    """This process's store, built on first use: a forked RQ work horse builds its own
    client rather than share the parent's sockets."""
    cached = current_app.extensions.get("storage")
    if cached is None or cached[0] != os.getpid():
        cached = (os.getpid(), build(current_app))
        current_app.extensions["storage"] = cached
    return cached[1]


def text_reader(binary: BinaryIO) -> io.TextIOWrapper:
    """A stored CSV as text: UTF-8 with or without a byte-order mark, newlines untouched."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
