"""The reading task's failure handling, and what the health check says when the broker is down."""

import numpy as np
import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db import OperationalError

from clinic_factories import client_for
from config.celery import app
from inference import services, tasks, workers
from inference_cases import case_with_images, png_of
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from readings.services import reading_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(alice, bob) -> Reading:
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 70, np.uint8))])
    return reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST, model_version="1")


@pytest.fixture
def unreachable_broker():
    """Points the app at a broker that refuses connections, then back."""
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",  # the discard port: nothing listens
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_TRANSPORT_OPTIONS={"max_retries": 1, "socket_connect_timeout": 0.5},
    )
    app._after_fork()
    yield
    app.conf.update(saved)
    app._after_fork()


def _fails_with(monkeypatch, exc: BaseException) -> None:
    def run(*, reading_id: int) -> int:
        raise exc

    monkeypatch.setattr(services, "readings_run", run)


def test_a_transient_error_is_retried_with_backoff(monkeypatch, pending):
    _fails_with(monkeypatch, OperationalError("connection reset"))
    with pytest.raises(Retry) as retry:
        tasks.run_reading.apply(kwargs={"reading_id": pending.pk}, retries=2)
    assert 2 <= retry.value.when <= 4  # seconds: 2 ** retries, with jitter
    pending.refresh_from_db()
    assert pending.status == ReadingStatus.PENDING


def test_a_reading_fails_with_the_reason_after_transient_errors_outlast_the_retries(monkeypatch, pending):
    _fails_with(monkeypatch, OperationalError("connection reset"))
    last = tasks.run_reading.max_retries
    assert tasks.run_reading.apply(kwargs={"reading_id": pending.pk}, retries=last).get() == 0
    pending.refresh_from_db()
    assert pending.status == ReadingStatus.FAILED
    assert pending.error == f"Gave up after {last + 1} attempts: connection reset"


@pytest.mark.parametrize(
    "exc, message",
    [
        (SoftTimeLimitExceeded(), "The reading took longer than"),
        (ValueError("unexpected shape"), "The reading failed: ValueError: unexpected shape"),
    ],
)
def test_a_reading_fails_with_the_reason_on_other_errors(monkeypatch, pending, exc, message):
    _fails_with(monkeypatch, exc)
    assert tasks.run_reading.apply(kwargs={"reading_id": pending.pk}).get() == 0
    pending.refresh_from_db()
    assert pending.status == ReadingStatus.FAILED and pending.error.startswith(message)


def test_a_finished_reading_is_left_alone_by_a_late_failure(pending):
    services.reading_give_up(reading_id=pending.pk, error="first")
    services.reading_give_up(reading_id=pending.pk, error="second")
    pending.refresh_from_db()
    assert pending.error == "first"


def test_a_reading_that_cannot_be_queued_fails_at_once(
    unreachable_broker, shipped_models, alice, bob, django_capture_on_commit_callbacks
):
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 70, np.uint8))])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(
            f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": CHEST}
        )
    assert response.status_code == 202
    reading = Reading.objects.get(pk=response.json()["id"])
    assert reading.status == ReadingStatus.FAILED and "could not be queued" in reading.error


def test_health_is_down_when_the_broker_is(unreachable_broker, anon_client, settings):
    settings.HEALTH_WORKER_TIMEOUT = 0.2
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"] == {"status": "down"}
    assert checks["workers"]["count"] == 0


@pytest.mark.parametrize("visible, expected", [(None, 2), ("", 0), ("-1", 0), ("1", 1), ("0,1,2", 2)])
def test_gpus_are_counted_without_starting_cuda(monkeypatch, tmp_path, visible, expected):
    real_glob = workers.Path.glob

    def fake_glob(self, pattern):
        if str(self) == "/dev":
            return iter([tmp_path / "nvidia0", tmp_path / "nvidia1", tmp_path / "nvidiactl"])
        return real_glob(self, pattern)

    monkeypatch.setattr(workers.Path, "glob", fake_glob)
    if visible is None:
        monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    else:
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    assert workers.gpus_visible() == expected
