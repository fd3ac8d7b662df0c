"""Server readings through real Redis and real Celery worker processes (not eager mode).

Needs PostgreSQL (the workers share the test database, which SQLite cannot do across processes)
and Redis. Without them these tests skip, except in CI, where they fail.
"""

import re

import numpy as np
import pytest
from django.db import DatabaseError, transaction

from audit.models import AuditEvent
from celery_workers import wait_until
from clinic_factories import client_for
from readings.tasks import readings_run
from inference.worker_health import gpus_visible
from inference_cases import case_with_images, png_of, serve_directly, xray_files
from model_packages import CHEST, accepted_cases, shipped_package
from readings.models import Reading, ReadingStatus
from real_workers import broker, start_worker  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def _status(reading_id: int) -> str:
    return Reading.objects.values_list("status", flat=True).get(pk=reading_id)


def _locked(reading_id: int) -> bool:
    """Whether another process holds the reading's row lock, i.e. a worker is in the middle of it."""
    try:
        with transaction.atomic():
            list(Reading.objects.select_for_update(nowait=True).filter(pk=reading_id))
    except DatabaseError:
        return True
    return False


def _task_ids(log: str) -> set[str]:
    return set(re.findall(r"run_reading\[([0-9a-f-]+)\] received", log))


def test_a_reading_goes_from_api_request_through_redis_and_a_worker_to_the_database(
    start_worker, shipped_models, medical_data_dir, alice, bob, anon_client
):
    worker = start_worker("one").wait_ready()
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": CHEST}, format="json"
    )
    assert response.status_code == 202 and response.json()["status"] == "pending"
    reading_id = response.json()["id"]

    def poll():
        body = client_for(alice).get(f"/api/v1/readings/{reading_id}/").json()
        return body if body["status"] != "pending" else None

    body = wait_until(poll, timeout=90, what="the worker to store the reading")
    assert body["status"] == "succeeded", body["error"]
    direct = serve_directly(shipped_package(shipped_models), xray.read_bytes())
    np.testing.assert_allclose(list(body["probabilities"].values()), direct["probabilities"], atol=1e-5)
    np.testing.assert_allclose(np.array(body["heatmap"]).shape, direct["heatmaps"].shape[:2])
    assert "stored 1 chest-xray-pneumonia" in worker.log()

    health = anon_client.get("/api/v1/health/").json()
    assert health["status"] == "ok"
    assert health["checks"]["broker"] == {"status": "ok", "mode": "broker"}
    assert health["checks"]["workers"]["count"] == 1 and health["checks"]["workers"]["status"] == "ok"
    # The worker runs on this machine with this environment: it must see the GPUs this process sees.
    assert health["checks"]["workers"]["gpus"] == gpus_visible()
    assert any(active.startswith(f"{CHEST}@") for active in health["checks"]["models"]["active"])


def test_a_worker_killed_mid_task_is_replaced_and_the_reading_is_stored_once(start_worker, shipped_models, alice, bob):
    # This worker holds its claim for a minute before storing anything: long enough to be killed.
    doomed = start_worker("doomed", INFERENCE_TASK_DELAY_SECONDS="60").wait_ready()
    cases = accepted_cases(shipped_package(shipped_models))
    case = case_with_images(patient=alice, blobs=[png_of(cases[0]["image"][0])])
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": CHEST}, format="json"
    )
    reading_id = response.json()["id"]
    wait_until(lambda: _locked(reading_id), timeout=60, what="the worker to start the reading")

    doomed.kill()
    assert _status(reading_id) == ReadingStatus.PENDING  # its transaction died with it
    # Redis hands an unacknowledged task to another worker once its visibility timeout has passed.
    survivor = start_worker("survivor", CELERY_VISIBILITY_TIMEOUT="1").wait_ready()
    wait_until(lambda: _status(reading_id) != ReadingStatus.PENDING, timeout=90, what="the redelivered task")

    assert _status(reading_id) == ReadingStatus.SUCCEEDED
    [task_id] = _task_ids(doomed.log())
    assert task_id in _task_ids(survivor.log()), "the same task ran again on the other worker"
    assert "stored" not in doomed.log()
    assert AuditEvent.objects.filter(action="reading.complete", object_id=str(reading_id)).count() == 1


def test_two_workers_share_the_queue_and_duplicate_deliveries_store_each_reading_once(
    broker, start_worker, shipped_models, medical_data_dir, alice, bob, anon_client
):
    workers = [start_worker("left"), start_worker("right")]
    for worker in workers:
        worker.wait_ready()
    cases = accepted_cases(shipped_package(shipped_models))
    case = case_with_images(
        patient=alice, files=xray_files(medical_data_dir, 3), blobs=[png_of(c["image"][0]) for c in cases[:3]]
    )
    readings = [
        client_for(bob)
        .post(f"/api/v1/cases/{case.pk}/server-readings/", {"image": image.pk, "model_name": CHEST}, format="json")
        .json()["id"]
        for image in case.images.all()
    ]
    for reading_id in readings:  # a second delivery of every task, as after a broker failover
        readings_run.apply_async(kwargs={"reading_id": reading_id}, queue=broker.queue)

    wait_until(
        lambda: all(_status(r) != ReadingStatus.PENDING for r in readings), timeout=120, what="all readings to finish"
    )
    assert {_status(r) for r in readings} == {ReadingStatus.SUCCEEDED}
    completions = sorted(AuditEvent.objects.filter(action="reading.complete").values_list("object_id", flat=True))
    assert completions == sorted(str(r) for r in readings)
    health = anon_client.get("/api/v1/health/").json()
    assert health["checks"]["workers"]["count"] == 2
