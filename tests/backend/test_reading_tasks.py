"""The reading task's failure handling: retries, giving up, and a broker that cannot take it."""

import numpy as np
import pytest
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db import OperationalError

from clinic_factories import client_for
from inference_cases import case_with_images, png_of
from model_packages import CHEST
from readings import running, services, tasks
from readings.models import Reading, ReadingStatus
from readings.services import reading_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(alice, bob) -> Reading:
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 70, np.uint8))])
    return reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST, model_version="1")


def _fails_with(monkeypatch, exc: BaseException) -> None:
    def run(*, reading_id: int) -> int:
        raise exc

    monkeypatch.setattr(running, "readings_run", run)


def test_a_transient_error_is_retried_with_backoff(monkeypatch, pending):
    _fails_with(monkeypatch, OperationalError("connection reset"))
    with pytest.raises(Retry) as retry:
        tasks.readings_run.apply(kwargs={"reading_id": pending.pk}, retries=2)
    assert 2 <= retry.value.when <= 4  # seconds: 2 ** retries, with jitter
    pending.refresh_from_db()
    assert pending.status == ReadingStatus.PENDING


def test_a_reading_fails_with_the_reason_after_transient_errors_outlast_the_retries(monkeypatch, pending):
    _fails_with(monkeypatch, OperationalError("connection reset"))
    last = tasks.readings_run.max_retries
    assert tasks.readings_run.apply(kwargs={"reading_id": pending.pk}, retries=last).get() == 0
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
    assert tasks.readings_run.apply(kwargs={"reading_id": pending.pk}).get() == 0
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


def test_the_task_keeps_the_name_queued_tasks_are_delivered_by():
    assert tasks.readings_run.name == "inference.tasks.run_reading"
