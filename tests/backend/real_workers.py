"""Fixtures for tests that run server readings through real Redis and real Celery workers.

Import them into a test module (`from real_workers import broker, start_worker`). They need
PostgreSQL (the workers share the test database) and Redis: without them the tests skip, except
under CI, where they fail.
"""

import os
import socket

import pytest
import redis
from django.db import connection

from celery_workers import Worker, app_sending_to, new_broker
from tests.unavailable import skip_or_fail

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker(settings, shipped_models):
    """Points this process's Celery app at a private corner of the real Redis, then back."""
    if connection.vendor != "postgresql":
        skip_or_fail("worker tests need PostgreSQL: set DATABASE_URL")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis not reachable at {REDIS_URL}: {exc}")
    broker = new_broker(REDIS_URL)
    settings.INFERENCE_QUEUE = broker.queue
    settings.CELERY_BROKER_URL = broker.url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": broker.prefix}
    with app_sending_to(broker):
        yield broker


@pytest.fixture
def start_worker(broker, settings, tmp_path):
    """Starts workers sharing this test's broker, database, media and model packages; stops them after.

    Each serves its metrics on a free loopback port of its own, never the shared default.
    """
    workers: list[Worker] = []

    def start(name: str, **env: str) -> Worker:
        common = {
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "MODEL_PACKAGES_DIR": str(settings.MODEL_PACKAGES_DIR),
            "WORKER_METRICS_ADDRESS": "127.0.0.1",
            "WORKER_METRICS_PORT": str(free_port()),
        }
        worker = Worker(name, broker=broker, env={**common, **env}, log_dir=tmp_path)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
