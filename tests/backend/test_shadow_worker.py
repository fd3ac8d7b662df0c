"""A candidate in shadow reads a real X-ray on a real Celery worker, beside the active version.

Needs PostgreSQL and Redis, like tests/backend/test_celery_workers.py: without them it skips,
except in CI, where it fails.
"""

import numpy as np
import pytest

from celery_workers import wait_until
from clinic_factories import client_for
from inference.registry import package_get
from inference_cases import case_with_images, serve_directly, xray_files
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from real_workers import broker, start_worker  # noqa: F401 (fixtures)
from shadow_cases import ACTIVE, CANDIDATE, candidate_in_shadow

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_reads_a_real_xray_by_the_active_version_and_in_shadow_by_the_candidate(
    start_worker, shipped_models, medical_data_dir, admin, alice, bob
):
    worker = start_worker("shadow").wait_ready()
    candidate_in_shadow(admin)
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": CHEST}, format="json"
    )
    assert response.status_code == 202 and response.json()["model_version"] == ACTIVE

    def finished():
        rows = Reading.all_objects.filter(case=case).exclude(status__in=[ReadingStatus.PENDING, ReadingStatus.RUNNING])
        return list(rows) if rows.count() == 2 else None

    readings = {r.shadow: r for r in wait_until(finished, timeout=120, what="both readings")}
    active, shadow = readings[False], readings[True]
    assert (active.model_version, shadow.model_version) == (ACTIVE, CANDIDATE)
    assert {active.status, shadow.status} == {ReadingStatus.SUCCEEDED}, (active.error, shadow.error)
    direct = serve_directly(package_get(CHEST, CANDIDATE), xray.read_bytes())
    np.testing.assert_allclose(list(shadow.probabilities.values()), direct["probabilities"], atol=1e-5)
    # Each version ran in a batch of its own.
    log = worker.log()
    assert f"stored 1 {CHEST} {ACTIVE} readings" in log and f"stored 1 {CHEST} {CANDIDATE} readings" in log
    # The patient and her doctor see the active reading only.
    for user in (alice, bob):
        listed = client_for(user).get(f"/api/v1/cases/{case.pk}/readings/").json()
        assert [row["id"] for row in listed] == [active.pk]
