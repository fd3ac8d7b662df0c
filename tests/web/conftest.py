"""Shared fixtures for the browser tests: Debian's Chromium driven by Playwright against a live Django
server on PostgreSQL, with a real Celery worker on Redis where a test needs server readings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web

A missing browser, database, broker or data set skips a test with the reason; under CI=true it fails.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bench.browser_inference import CHROMIUM, REPO, chromium, default_data_dir, ensure_built

from live_pages import REDIS_URL, require

# The worker helpers live with the backend tests that exercise them most.
sys.path.insert(0, str(REPO / "tests" / "backend"))
from celery_workers import Worker, app_sending_to, new_broker  # noqa: E402

@pytest.fixture
def data_dir() -> Path:
    """The real data set (MEDICAL_DATA_DIR, default ../shared/data)."""
    path = default_data_dir()
    require((path / "chest_xray_kermany" / "manifest.csv").exists(),
            f"real data not found at {path} (set MEDICAL_DATA_DIR to the data directory)")
    return path


@pytest.fixture
def postgresql(transactional_db):
    """The pages' writes go through the live server's threads and are flushed afterwards; SQLite's
    flush is a DELETE, which the audit log's trigger refuses (PostgreSQL truncates)."""
    from django.db import connection

    require(connection.vendor == "postgresql", "the live browser tests need PostgreSQL: set DATABASE_URL")


@pytest.fixture
def portal_settings(postgresql, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.PATIENT_SELF_REGISTRATION = True
    settings.LOGIN_THROTTLE_RATE = "1000/min"
    return settings


@pytest.fixture
def celery_worker(portal_settings, tmp_path):
    """A real `celery worker` process on a private corner of the real Redis, sharing the test
    database, media folder and model packages; this process's Celery app sends to it."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at {REDIS_URL}: {exc}")
    broker = new_broker(REDIS_URL)
    portal_settings.INFERENCE_QUEUE = broker.queue
    with app_sending_to(broker):
        worker = Worker("web", broker=broker, log_dir=tmp_path, env={
            "MEDIA_ROOT": str(portal_settings.MEDIA_ROOT),
            "MODEL_PACKAGES_DIR": str(portal_settings.MODEL_PACKAGES_DIR),
        })
        try:
            yield worker.wait_ready()
        finally:
            worker.stop()


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM queries of the test are
    # still plain blocking calls, made between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require(shutil.which("npm") is not None or (REPO / "web" / "dist" / "portal.js").exists(),
            "npm not found to build web/dist")
    ensure_built()
    from django.db import connections

    with chromium() as browser:
        yield browser
        # Queries made while Playwright's loop runs get their own connections (Django keeps them per
        # async context); close them here, or the test database cannot be dropped afterwards.
        connections.close_all()
