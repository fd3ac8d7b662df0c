"""How concurrent workers share readings: row locks in PostgreSQL, never waiting on each other."""

import threading

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from config.env import envfloat
from inference_cases import case_with_images, png_of
from model_packages import shipped_package
from readings.models import Reading, ReadingStatus
from readings.running import ReadingBusy, readings_run
from readings.services import reading_request
from tests.unavailable import skip_or_fail


def _hold_lock(reading_id: int, locked: threading.Event, release: threading.Event) -> None:
    """Another worker in the middle of a batch holding this reading."""
    try:
        with transaction.atomic():
            list(Reading.objects.select_for_update().filter(pk=reading_id))
            locked.set()
            release.wait(timeout=30)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_reading_in_another_workers_batch_is_skipped_not_waited_for(shipped_models, alice, bob):
    if connection.vendor != "postgresql":
        skip_or_fail("row locks need PostgreSQL: set DATABASE_URL")
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), v, np.uint8)) for v in (60, 160)])
    package = shipped_package(shipped_models)
    held, free = (  # pending, and not queued: this test plays the workers
        reading_request(
            case=case, image=image, requested_by=bob, model_name=package.name, model_version=package.version
        )
        for image in case.images.all()
    )
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(held.pk, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(ReadingBusy):  # the task retries shortly instead of blocking a worker
            readings_run(reading_id=held.pk)
        assert readings_run(reading_id=free.pk) == 1  # its batch skipped the held reading
    finally:
        release.set()
        holder.join()
    assert Reading.objects.get(pk=held.pk).status == ReadingStatus.PENDING
    assert readings_run(reading_id=held.pk) == 1


def test_float_settings_are_checked_at_start(monkeypatch):
    monkeypatch.setenv("INFERENCE_VERIFY_TOLERANCE", "0.01")
    assert envfloat("INFERENCE_VERIFY_TOLERANCE", 1e-3, minimum=0) == 0.01
    for bad in ("lots", "nan", "-1"):
        monkeypatch.setenv("INFERENCE_VERIFY_TOLERANCE", bad)
        with pytest.raises(ImproperlyConfigured):
            envfloat("INFERENCE_VERIFY_TOLERANCE", 1e-3, minimum=0)
