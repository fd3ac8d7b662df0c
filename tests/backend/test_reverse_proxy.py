"""The nginx example of docs/deployment.md, run for real in front of the app.

The configuration is taken from the document itself (only ports and certificate paths change), so
the example cannot drift from what was tested: TLS at the proxy, HTTP redirected, the client's
address from X-Forwarded-For with NUM_PROXIES=1, HTTPS known to the app through X-Forwarded-Proto,
the upload limit answered by the app, /metrics not reachable through it.
"""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import requests

from audit.models import AuditEvent
from tests.unavailable import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
MiB = 1024 * 1024


def nginx_example() -> str:
    section = DOC.read_text().split("\n## Reverse proxy", 1)[1]
    return section.split("```nginx", 1)[1].split("```", 1)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REPO_ROOT = DOC.parents[1]


def wait_for_port(port: int, process: subprocess.Popen, name: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {process.stdout.read().decode()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def app_server(tmp_path):
    """The app as production runs it: gunicorn, DEBUG off, on this test's database."""
    from django.db import connection

    gunicorn = Path(sys.executable).parent / "gunicorn"  # the one requirements.txt pins
    if not gunicorn.is_file():
        skip_or_fail("gunicorn is missing (requirements.txt)")
    db = connection.settings_dict
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "OBJECT_STORAGE_"))}
    env.update({
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "proxy-test-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_TRUST_X_FORWARDED_PROTO": "true",
        "NUM_PROXIES": "1",
        "DJANGO_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    })
    process = subprocess.Popen([str(gunicorn), "--bind", f"127.0.0.1:{port}", "--workers", "2", "config.wsgi"],
                               cwd=REPO_ROOT / "backend", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, "gunicorn")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def proxy(app_server, tmp_path):
    """nginx, configured as documented, in front of the app; yields (http base, https base)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        skip_or_fail("nginx is missing (apt-get install nginx-light)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=imaging.example.org",
         "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.crt")],
        check=True, capture_output=True,
    )
    http_port, https_port = free_port(), free_port()
    upstream = app_server
    site = nginx_example()
    replacements = [
        ("server 127.0.0.1:8000;", f"server {upstream};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/nginx/tls/imaging.example.org.crt", str(tmp_path / "tls.crt")),
        ("/etc/nginx/tls/imaging.example.org.key", str(tmp_path / "tls.key")),
    ]
    for old, new in replacements:
        assert old in site, f"docs/deployment.md's nginx example no longer has {old!r}"
        site = site.replace(old, new)
    temp = tmp_path / "nginx"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; worker_processes 1; pid {temp}/nginx.pid; error_log {temp}/error.log;\n"
        + "events {}\nhttp {\n access_log off;\n"
        + "".join(f" {kind}_temp_path {temp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + site + "}\n"
    )
    process = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf"), "-e", str(temp / "error.log")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_port(https_port, process, "nginx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the certificate is self-signed
            yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_plain_http_is_redirected_to_https(proxy):
    http, _ = proxy
    response = requests.get(f"{http}/api/v1/cases/", allow_redirects=False, timeout=10)
    assert response.status_code == 301 and response.headers["Location"].startswith("https://")


def test_the_app_knows_the_request_came_over_https(proxy):
    _, https = proxy
    response = requests.get(f"{https}/api/v1/cases/", verify=False, allow_redirects=False, timeout=10)
    assert response.status_code in (401, 403), response.status_code  # not a redirect loop
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_client_address_is_the_one_nginx_saw_not_the_one_the_client_wrote(proxy):
    """The client calls from 127.0.0.2; nginx reaches the app from 127.0.0.1; the client claims 203.0.113.9."""
    _, https = proxy
    host, port = https.removeprefix("https://").split(":")
    connection = http.client.HTTPSConnection(host, int(port), source_address=("127.0.0.2", 0),
                                             context=ssl._create_unverified_context(), timeout=10)
    connection.request("GET", "/api/v1/cases/", headers={"X-Forwarded-For": "203.0.113.9"})
    response = connection.getresponse()
    response.read()
    connection.close()
    event = AuditEvent.objects.get(request_id=response.getheader("X-Request-ID"))
    assert event.allowed is False and event.ip_address == "127.0.0.2"


def test_a_body_over_the_upload_limit_is_refused_by_the_app_with_its_own_answer(proxy, settings):
    _, https = proxy
    limit = int(re.search(r"client_max_body_size (\d+)m;", nginx_example()).group(1)) * MiB
    over_the_app = settings.UPLOAD_MAX_BYTES + 64 * 1024 + 1
    assert over_the_app < limit  # nginx lets it through, so that the app answers (and audits) it
    response = requests.post(f"{https}/api/v1/cases/1/images/", data=b"\0" * over_the_app, verify=False, timeout=60,
                             headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413 and response.json()["error"]["code"]


def test_metrics_are_not_served_through_the_proxy(proxy):
    _, https = proxy
    assert requests.get(f"{https}/metrics", verify=False, timeout=10).status_code == 404
