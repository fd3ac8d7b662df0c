"""AI readings: browser readings attached through the API, server readings through the service."""

import pytest

from cases.models import Case, CaseStatus
from clinic_factories import client_for, make_case
from config.errors import ApplicationError
from inference.registry import package_get
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from readings.services import reading_complete, reading_fail, reading_request


# A browser reading of an installed model version, as the portal sends it (chest-xray-pneumonia 1.0.0:
# labels normal and pneumonia, threshold 0.7078...).
CHEST_VERSION = "1.0.0"


def browser_reading(image, **overrides) -> dict:
    threshold = package_get(CHEST, CHEST_VERSION).threshold
    return {
        "image": image.pk,
        "model_name": CHEST,
        "model_version": CHEST_VERSION,
        "backend": "wasm",
        "probabilities": {"normal": 0.125, "pneumonia": 0.875},
        "label": "pneumonia",
        "score": 0.875,
        "threshold": threshold,
        "heatmap": [[0.1, 0.9], [0.4, 0.2]],
        "latency_ms": 1.6,
        **overrides,
    }


@pytest.fixture(autouse=True)
def _installed_models(shipped_models):
    """Browser readings are taken only for model versions the server has."""


def test_patient_attaches_a_browser_reading(alice, bob):
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
    # The other reading is the server's pending re-run of it.
    assert Reading.objects.get(verifies=None).runs_on == "browser"


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
        case=case, image=case.images.get(), requested_by=bob, model_name=CHEST, model_version=CHEST_VERSION
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
    # The browser's reading and the server's (pending) re-run of it.
    assert sorted((row["runs_on"], row["model_version"]) for row in rows) == [
        ("browser", CHEST_VERSION),
        ("server", CHEST_VERSION),
    ]


def test_a_browser_reading_of_a_model_version_the_server_lacks_is_refused(alice):
    case = make_case(patient=alice, images=1)
    body = browser_reading(case.images.get(), model_version="9.9.9")
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "model_not_installed"
    assert not Reading.objects.exists()


@pytest.mark.parametrize(
    "status, expected",
    [
        (CaseStatus.DRAFT, 201),
        (CaseStatus.SUBMITTED, 201),
        (CaseStatus.AI_READ, 409),
        (CaseStatus.IN_REVIEW, 409),
        (CaseStatus.REPORTED, 409),
    ],
)
def test_browser_readings_are_taken_only_while_the_case_waits_for_them(alice, status, expected):
    case = make_case(patient=alice, images=1)
    Case.objects.filter(pk=case.pk).update(status=status)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/readings/", browser_reading(case.images.get()), format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 409:
        assert response.json()["error"]["code"] == "case_closed_to_readings"
        assert not Reading.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"threshold": 0.99, "label": "normal"}, "threshold"),  # a higher bar would clear the flag
        ({"score": 0.1}, "score"),
        ({"label": "normal"}, "label"),
        ({"probabilities": {"cat": 0.875, "dog": 0.125}, "label": "cat"}, "probabilities"),
    ],
)
def test_a_browser_reading_that_contradicts_the_installed_model_is_refused(alice, overrides, field):
    case = make_case(patient=alice, images=1)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/readings/", browser_reading(case.images.get(), **overrides), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]["fields"]
    assert not Reading.objects.exists()


def test_an_unverified_browser_reading_never_lowers_the_flag_the_server_set(alice, bob):
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    server = reading_request(case=case, image=image, requested_by=bob, model_name=CHEST, model_version=CHEST_VERSION)
    reading_complete(
        reading_id=server.pk, probabilities={"normal": 0.1, "pneumonia": 0.9}, label="pneumonia", score=0.9,
        threshold=0.7,
    )
    case.refresh_from_db()
    assert case.ai_flagged

    clear = browser_reading(
        image, probabilities={"normal": 0.875, "pneumonia": 0.125}, label="normal", score=0.125, heatmap=None
    )
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", clear, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["flagged"] is False
    case.refresh_from_db()
    assert case.ai_flagged, "a claim the server has not checked cannot clear its flag"

    # Once the server re-ran the browser's reading and agreed, the flag is the server's latest word.
    check = Reading.objects.get(pk=response.json()["id"]).verification
    reading_complete(
        reading_id=check.pk, probabilities={"normal": 0.875, "pneumonia": 0.125}, label="normal", score=0.125,
        threshold=0.7, max_difference=0.0,
    )
    case.refresh_from_db()
    assert not case.ai_flagged
