"""POST and GET /api/v1/datasets/: clinic admins export reviewed cases and list the exports."""

import pytest

from audit.models import AuditEvent
from clinic_factories import client_for
from reviewed_cases import seed_reviewed_cases

pytestmark = pytest.mark.django_db


def test_an_admin_exports_and_lists_datasets(admin, settings):
    # DATASETS_DIR is a fresh folder per test (conftest).
    seeded = seed_reviewed_cases(2)
    client = client_for(admin)
    response = client.post("/api/v1/datasets/", {"name": "clinic-chest"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "clinic-chest" and body["examples"] == 2
    assert body["labels"] == {seeded[0].label: 1, seeded[1].label: 1}
    assert sum(body["splits"].values()) == 2 and body["excluded"]["no_consent"] == 0
    assert (settings.DATASETS_DIR / "clinic-chest" / body["version"] / "manifest.json").is_file()
    event = AuditEvent.objects.get(action="dataset.export")
    assert event.actor_id == admin.pk and event.object_id == f"clinic-chest/{body['version']}"

    listed = client.get("/api/v1/datasets/").json()
    assert listed == [body]


def test_nothing_to_export_is_a_409_that_says_why(admin, settings):
    seed_reviewed_cases(1, consent=False)
    response = client_for(admin).post("/api/v1/datasets/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "nothing_to_export"
    assert "1 from a patient without research consent" in response.json()["error"]["message"]
    assert not settings.DATASETS_DIR.exists()


def test_an_unknown_exam_type_is_refused_before_anything_runs(admin):
    response = client_for(admin).post("/api/v1/datasets/", {"exam_type": "ct"}, format="json")
    assert response.status_code == 400
    assert "exam_type" in response.json()["error"]["details"]["fields"]
