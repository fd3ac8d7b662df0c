"""What the API answers when the database, the broker or the cache cannot be reached, and with a
body larger than the upload limit: a quick, JSON refusal, never a 500 or a spooled body.

The unreachable services are real: the settings point at a closed local port, in a fresh process
(settings are read once per process), and each answer is timed there."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from clinic_factories import make_case, png_bytes

REPO_ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT = 9  # the discard port: nothing listens on it
# Generous enough never to flake on a busy machine; the figures printed are the measured ones.
QUICK_SECONDS = 3.0

# Run in the fresh process: each request, its status, Retry-After, body and duration.
PROBE = """
import json, os, sys, time
sys.path.insert(0, "backend")
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="localhost", raise_request_exception=False)
for method, path, headers in json.loads(sys.argv[1]):
    started = time.monotonic()
    response = getattr(client, method)(path, **headers)
    print(json.dumps({
        "path": path,
        "status": response.status_code,
        "seconds": round(time.monotonic() - started, 3),
        "retry_after": response.get("Retry-After"),
        "content_type": response.get("Content-Type"),
        "body": response.content.decode(errors="replace")[:2000],
    }))
"""


def probe(requests: list[tuple[str, str, dict]], **env: str) -> list[dict]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "CACHE_"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(requests)],
        env={**clean, "DJANGO_DATA_DIR": env.pop("DJANGO_DATA_DIR"), **env},
        capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    for answer in answers:
        print(f"{answer['path']}: {answer['status']} in {answer['seconds']} s")
    return answers


DOWN = f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/healthcare"
SIGNED_IN = {"HTTP_AUTHORIZATION": "Token an-integration-token"}


@pytest.mark.parametrize("debug", ["false", "true"])
def test_with_the_database_down_every_call_is_a_quick_503_with_retry_after(tmp_path, debug):
    production = {"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SECURE_SSL_REDIRECT": "false"} if debug == "false" else {}
    answers = probe(
        [
            ("get", "/api/v1/cases/", SIGNED_IN),
            ("get", "/api/v1/auth/me/", SIGNED_IN),
            ("post", "/api/v1/auth/login/", {"data": {"username": "alice", "password": "x" * 12}}),
            ("get", "/admin/", {"HTTP_COOKIE": "sessionid=a-session-key"}),
        ],
        DATABASE_URL=DOWN, DJANGO_DEBUG=debug, DJANGO_ALLOWED_HOSTS="localhost", DJANGO_DATA_DIR=str(tmp_path),
        **production,
    )
    assert len(answers) == 4
    for answer in answers:
        assert answer["status"] == 503, answer
        assert answer["content_type"] == "application/json", answer  # never Django's HTML traceback
        assert json.loads(answer["body"])["error"]["code"] == "service_unavailable"
        assert int(answer["retry_after"]) > 0
        assert answer["seconds"] < QUICK_SECONDS, answer


def test_health_answers_quickly_with_each_dependency_down(tmp_path):
    closed = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    answers = probe(
        [("get", "/api/v1/health/", {})] * 3,
        DATABASE_URL=DOWN, CELERY_BROKER_URL=closed, CACHE_REDIS_URL=closed, DJANGO_DATA_DIR=str(tmp_path),
    )
    for answer in answers:
        assert answer["status"] == 503
        assert answer["seconds"] < QUICK_SECONDS, answer
        checks = json.loads(answer["body"])["checks"]
        assert {name: check["status"] for name, check in checks.items()} == {
            "database": "down", "cache": "down", "broker": "down", "workers": "down", "models": "down",
        }


def test_health_answers_quickly_when_only_the_broker_is_down(tmp_path):
    answers = probe(
        [("get", "/api/v1/health/", {})] * 2,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{CLOSED_PORT}/0", DJANGO_DATA_DIR=str(tmp_path),
    )
    for answer in answers:
        checks = json.loads(answer["body"])["checks"]
        assert checks["broker"] == {"status": "down"} and checks["cache"] == {"status": "ok"}
        assert answer["seconds"] < QUICK_SECONDS, answer


class CountingStream(io.BytesIO):
    """A request body that records how much of it the server read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def wsgi_post(path: str, body: CountingStream, content_length: int, token: str) -> tuple[str, dict, bytes]:
    """One request through Django's real WSGI handler, middleware and all."""
    boundary = "boundary"
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "localhost", "SERVER_PORT": "80",
        "HTTP_HOST": "localhost", "wsgi.url_scheme": "http", "wsgi.input": body, "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}", "CONTENT_LENGTH": str(content_length),
        "HTTP_AUTHORIZATION": f"Token {token}",
    }
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=dict(headers))

    # As Django's test client does: the test's own database connection stays open across the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        content = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


@pytest.mark.django_db
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(alice, settings, tmp_path):
    from accounts.services import api_token_create

    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir()
    case = make_case(patient=alice)
    token = api_token_create(user=alice, name="uploader")[1]
    head = (b'--boundary\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + png_bytes() + b"\0" * 65536)
    body = CountingStream(head)  # the rest of the 256 MB is never sent
    status, headers, content = wsgi_post(f"/api/v1/cases/{case.pk}/images/", body, 256 * 1024 * 1024, token)
    assert status.startswith("413")
    assert headers["Content-Type"] == "application/json"
    error = json.loads(content)["error"]
    assert error["code"] == "file_too_large" and error["details"] == {"max_bytes": settings.UPLOAD_MAX_BYTES}
    assert body.bytes_read == 0, "the body was read before the refusal"
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


@pytest.mark.django_db
def test_a_body_within_the_limit_still_reaches_the_upload(alice, settings):
    from accounts.services import api_token_create

    case = make_case(patient=alice)
    token = api_token_create(user=alice, name="uploader")[1]
    content = png_bytes()
    head = (b'--boundary\r\nContent-Disposition: form-data; name="file"; filename="small.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + content + b"\r\n--boundary--\r\n")
    body = CountingStream(head)
    status, _, answer = wsgi_post(f"/api/v1/cases/{case.pk}/images/", body, len(head), token)
    assert status.startswith("201"), answer
    assert body.bytes_read == len(head)


def asgi_post(headers: list[tuple[bytes, bytes]], chunks: int, chunk_size: int = 16 * 1024) -> tuple[int, dict, int]:
    """One POST through the project's ASGI application (config/asgi.py), its body sent in chunks
    as a server sends a chunked upload; returns the status, the body and how many chunks were read."""
    import asyncio

    from config.asgi import application

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/api/v1/cases/1/images/", "raw_path": b"/api/v1/cases/1/images/",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("localhost", 80)}
    sent = {"read": 0}
    answer: dict = {}

    async def receive():
        sent["read"] += 1
        more = sent["read"] < chunks
        return {"type": "http.request", "body": b"\0" * chunk_size, "more_body": more}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = answer.get("body", b"") + message.get("body", b"")

    asyncio.run(application(scope, receive, send))
    return answer["status"], json.loads(answer["body"]), sent["read"]


def test_asgi_refuses_a_declared_length_over_the_limit_unread(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    status, body, read = asgi_post([(b"content-length", str(256 * 1024 * 1024).encode())], chunks=16384)
    assert status == 413 and body["error"]["code"] == "file_too_large"
    assert read == 0


def test_asgi_stops_reading_a_chunked_body_once_it_passes_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    status, body, read = asgi_post([(b"transfer-encoding", b"chunked")], chunks=16384)  # 256 MB offered
    assert status == 413 and body["error"]["code"] == "file_too_large"
    # 1000 bytes plus 64 KiB for the form: the fifth 16 KiB chunk passes it, and nothing more is read.
    assert read == 5, read
