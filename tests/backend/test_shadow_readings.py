"""Shadow readings: a candidate in shadow reads every new case, and no patient or doctor ever sees it.

Each check runs the real paths: the queueing services, the API as patient and doctor, the worker's
`readings_run` in this process with the shipped SavedModels.
"""

import pytest

from cases.models import CaseStatus
from clinic_factories import browser_reading_body, client_for, make_case
from inference.registry import package_get
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from readings.queueing import browser_reading_submit, server_reading_request
from readings.running import readings_run
from readings.services import reading_fail, reading_request
from shadow_cases import ACTIVE, CANDIDATE, NEGATIVE, POSITIVE, active_reading_of, candidate_in_shadow, shadow_reading_of

pytestmark = pytest.mark.django_db


def _shadow_of(case) -> list[Reading]:
    return list(Reading.all_objects.filter(case=case, shadow=True))


def _browser_reading(version: str, image) -> dict:
    return {**browser_reading_body(package_get(CHEST, version), image), "image": image}


def test_every_new_server_reading_queues_one_by_the_candidate(
    shipped_models, admin, alice, bob, django_capture_on_commit_callbacks
):
    candidate_in_shadow(admin)
    case = make_case(patient=alice, images=1, submit=True)
    image = case.images.get()
    with django_capture_on_commit_callbacks() as queued:
        reading = server_reading_request(case=case, image=image, requested_by=bob, model_name=CHEST)
    assert reading.model_version == ACTIVE and not reading.shadow
    [shadow] = _shadow_of(case)
    assert (shadow.model_version, shadow.runs_on, shadow.status) == (CANDIDATE, "server", "pending")
    assert shadow.requested_by is None
    assert shadow.verifies is None
    assert len(queued) == 2  # the active reading and the candidate's, each handed to the workers

    # A browser reading's verification brings one too, of the model the browser ran.
    with django_capture_on_commit_callbacks() as queued:
        browser_reading_submit(case=case, recorded_by=alice, **_browser_reading(ACTIVE, image))
    assert len(_shadow_of(case)) == 2 and len(queued) == 2


def test_no_shadow_reading_without_a_candidate_or_by_the_version_already_reading(
    shipped_models, admin, alice, bob, django_capture_on_commit_callbacks
):
    case = make_case(patient=alice, images=1, submit=True)
    image = case.images.get()
    server_reading_request(case=case, image=image, requested_by=bob, model_name=CHEST)
    assert _shadow_of(case) == []
    candidate_in_shadow(admin)
    # The browser ran the candidate itself: its verification is that version's reading already.
    browser_reading_submit(case=case, recorded_by=alice, **_browser_reading(CANDIDATE, image))
    assert _shadow_of(case) == []


def test_patients_and_doctors_never_see_a_shadow_reading(shipped_models, settings, admin, alice, bob):
    candidate_in_shadow(admin)
    case = make_case(patient=alice, images=1, submit=True)
    image = case.images.get()
    active = active_reading_of(case, image, NEGATIVE)
    shadow = shadow_reading_of(case, image, POSITIVE)  # a finding the active version did not make
    assert shadow.flagged

    for user in (alice, bob):
        client = client_for(user)
        listed = client.get(f"/api/v1/cases/{case.pk}/readings/").json()
        assert [row["id"] for row in listed] == [active.pk]
        assert client.get(f"/api/v1/readings/{shadow.pk}/").status_code == 404
        history = client.get(f"/api/v1/patients/{alice.pk}/history/").json()
        assert ("reading", shadow.pk) not in {(entry["object_type"], entry["object_id"]) for entry in history}
        detail = client.get(f"/api/v1/cases/{case.pk}/").json()
        assert detail["ai_flagged"] is False
        [listed_case] = [row for row in client.get("/api/v1/cases/").json()["results"] if row["id"] == case.pk]
        assert listed_case["ai_flagged"] is False
    assert not Reading.objects.filter(pk=shadow.pk).exists()
    assert Reading.all_objects.filter(pk=shadow.pk, shadow=True).exists()
    # Nor do the readings' metrics count it.
    settings.METRICS_CACHE_SECONDS = 0
    metrics = client_for(admin).get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    counted = [line for line in metrics.splitlines() if line.startswith("healthcare_readings_total{")]
    assert any(f'version="{ACTIVE}"' in line for line in counted), counted
    assert not any(f'version="{CANDIDATE}"' in line for line in counted), counted


def test_a_shadow_finding_or_failure_neither_flags_nor_moves_the_case(shipped_models, admin, alice, bob):
    candidate_in_shadow(admin)
    case = make_case(patient=alice, images=2, submit=True)
    first, second = case.images.all()
    shadow_reading_of(case, first, POSITIVE)
    pending = reading_request(
        case=case, image=second, requested_by=None, model_name=CHEST, model_version=CANDIDATE, shadow=True
    )
    reading_fail(reading_id=pending.pk, error="The image cannot be decoded.")
    case.refresh_from_db()
    assert (case.status, case.ai_flagged) == (CaseStatus.SUBMITTED, False)


def test_a_report_cannot_cite_a_shadow_reading(shipped_models, admin, alice, bob):
    candidate_in_shadow(admin)
    case = make_case(patient=alice, images=1, submit=True)
    shadow = shadow_reading_of(case, case.images.get(), POSITIVE)
    body = {"findings": "Clear.", "impression": "Pneumonia.", "ai_agreement": "agrees", "reading": shadow.pk}
    response = client_for(bob).post(f"/api/v1/cases/{case.pk}/reports/", body, format="json")
    assert response.status_code == 400
    assert "reading" in response.json()["error"]["details"]["fields"]


def test_the_worker_runs_each_version_in_its_own_batch(shipped_models, medical_data_dir, admin, alice, bob):
    from inference_cases import case_with_images, xray_files

    candidate_in_shadow(admin)
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    active = server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
    [shadow] = _shadow_of(case)
    assert readings_run(reading_id=active.pk) == 1  # its own reading only: the candidate's waits
    assert Reading.all_objects.get(pk=shadow.pk).status == ReadingStatus.PENDING
    assert readings_run(reading_id=shadow.pk) == 1
    shadow.refresh_from_db()
    assert shadow.status == ReadingStatus.SUCCEEDED and shadow.threshold == package_get(CHEST, CANDIDATE).threshold
    case.refresh_from_db()
    assert case.status == CaseStatus.AI_READ  # from the active reading alone
    assert [r.pk for r in case.readings.all()] == [active.pk]
