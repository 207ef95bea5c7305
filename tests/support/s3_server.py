"""A local S3-compatible object store for tests and benchmarks: moto's server, run as its own
process on a free port, spoken to over HTTP by boto3 exactly as a real store would be.

`python -m tests.support.s3_server --port 9000` runs one by hand (with a bucket `campaigns`)
for trying `STORAGE_URL=s3://campaigns/files` with `campaigns up`.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

import boto3
from botocore.config import Config

from tests.support.servers import free_port

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


class S3Server:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> S3Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from moto.server import main; main()",
                "-H",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the S3 test server stopped at start-up")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the S3 test server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}),
        )

    def make_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def environment(self) -> dict[str, str]:
        """The variables (or configuration keys) that point the app at this store."""
        return {
            "STORAGE_ENDPOINT_URL": self.url,
            "STORAGE_REGION": REGION,
            "STORAGE_ACCESS_KEY_ID": ACCESS_KEY,
            "STORAGE_SECRET_ACCESS_KEY": SECRET_KEY,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--bucket", default="campaigns")
    args = parser.parse_args()
    server = S3Server(args.port).start()
    server.make_bucket(args.bucket)
    print(f"S3 store at {server.url}, bucket {args.bucket}. Set:")
    for name, value in server.environment().items():
        print(f"  export {name}={value}")
    print(f"  export STORAGE_URL=s3://{args.bucket}/files")
    try:
        server.process.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
