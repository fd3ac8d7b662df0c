"""AI readings: browser readings attached through the API, server readings through the service."""

import pytest

from cases.models import CaseStatus
from clinic_factories import client_for, make_case
from config.errors import ApplicationError
from readings.models import Reading, ReadingStatus
from readings.services import reading_complete, reading_fail, reading_request


def browser_reading(image, **overrides) -> dict:
    return {
        "image": image.pk,
        "model_name": "pneumonia-cnn",
        "model_version": "2.1.0",
        "backend": "wasm",
        "probabilities": {"normal": 0.18, "pneumonia": 0.82},
        "label": "pneumonia",
        "score": 0.82,
        "threshold": 0.5,
        "heatmap": [[0.1, 0.9], [0.4, 0.2]],
        "latency_ms": 1.6,
        **overrides,
    }


def test_patient_attaches_a_browser_reading(alice):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/readings/", browser_reading(case.images.get()), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["runs_on"], body["status"], body["flagged"]) == ("browser", "succeeded", True)
    assert body["heatmap"] == [[0.1, 0.9], [0.4, 0.2]]
    case.refresh_from_db()
    assert case.status == CaseStatus.AI_READ and case.ai_flagged


def test_browser_cannot_claim_a_server_reading(alice):
    case = make_case(patient=alice, images=1)
    body = browser_reading(case.images.get(), runs_on="server")
    client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert Reading.objects.get().runs_on == "browser"


def test_reading_of_an_image_from_another_case_is_refused(alice, charlie):
    case = make_case(patient=alice, images=1)
    other = make_case(patient=charlie, images=1)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/readings/", browser_reading(other.images.get()), format="json"
    )
    assert response.status_code == 400
    assert "image" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"score": 1.5},
        {"label": "cancer"},
        {"probabilities": {}},
        {"heatmap": [[0.1, 0.2], [0.3]]},
        {"heatmap": [[2.0]]},
        {"latency_ms": -1},
    ],
)
def test_invalid_readings_are_refused(alice, overrides):
    case = make_case(patient=alice, images=1)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/readings/", browser_reading(case.images.get(), **overrides), format="json"
    )
    assert response.status_code == 400, overrides
    assert Reading.objects.count() == 0


def test_server_reading_goes_from_pending_to_succeeded(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    reading = reading_request(
        case=case, image=case.images.get(), requested_by=bob, model_name="pneumonia-cnn", model_version="2.1.0"
    )
    assert reading.status == ReadingStatus.PENDING and reading.runs_on == "server"
    reading = reading_complete(
        reading_id=reading.pk,
        probabilities={"normal": 0.9, "pneumonia": 0.1},
        label="normal",
        score=0.1,
        threshold=0.5,
        backend="cpu",
        latency_ms=2.0,
    )
    assert reading.status == ReadingStatus.SUCCEEDED and not reading.flagged
    case.refresh_from_db()
    assert case.status == CaseStatus.AI_READ and not case.ai_flagged


def test_failed_server_reading_keeps_the_error_and_cannot_be_completed_later(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    reading = reading_request(case=case, image=case.images.get(), requested_by=bob, model_name="m", model_version="1")
    reading_fail(reading_id=reading.pk, error="model file missing")
    with pytest.raises(ApplicationError):
        reading_complete(reading_id=reading.pk, probabilities={"a": 1.0}, label="a", score=1.0, threshold=0.5)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.FAILED and reading.error == "model file missing"
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_readings_are_listed_for_the_case(alice, bob):
    case = make_case(patient=alice, images=1)
    client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", browser_reading(case.images.get()), format="json")
    rows = client_for(bob).get(f"/api/v1/cases/{case.pk}/readings/").json()
    assert [row["model_version"] for row in rows] == ["2.1.0"]
