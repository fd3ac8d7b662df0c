"""NUL characters in request input are refused with 400, never stored (PostgreSQL would answer
DataError, a 500)."""

import pytest

from cases.models import Case
from clinic_factories import client_for, make_case
from readings.models import Reading


def _refused_for_nul(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "nul_character"


@pytest.mark.parametrize(
    "query",
    ["x=%00", "from=2026-01-01%00", "%00=1", "actor=1&actor=%00"],
)
def test_a_nul_in_any_query_parameter_is_refused(admin, query):
    _refused_for_nul(client_for(admin).get(f"/api/v1/audit-events/export/?{query}"))


def test_a_nul_in_a_list_filter_is_refused(bob):
    _refused_for_nul(client_for(bob).get("/api/v1/cases/?status=%00"))


def test_a_nul_in_the_path_is_refused_and_audited_without_it(db, anon_client):
    from audit.models import AuditEvent

    _refused_for_nul(anon_client.get("/api/v1/models/chest%00/"))
    [event] = AuditEvent.objects.filter(allowed=False)
    assert event.detail["status"] == 400 and "\x00" not in str(event.detail)


def test_a_nul_in_a_json_key_is_refused_before_it_reaches_the_database(shipped_models, alice):
    case = make_case(patient=alice, images=1)
    body = {
        "image": case.images.get().pk,
        "model_name": "chest-xray-pneumonia",
        "model_version": "1.0.0",
        "probabilities": {"normal\x00": 0.125, "pneumonia": 0.875},
        "label": "pneumonia",
        "score": 0.875,
        "threshold": 0.7078073024749756,
    }
    _refused_for_nul(client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json"))
    assert not Reading.objects.exists()


def test_a_nul_in_a_json_string_is_refused(alice):
    response = client_for(alice).post("/api/v1/cases/", {"title": "Cough\x00"}, format="json")
    _refused_for_nul(response)
    assert not Case.objects.exists()

