"""A patient's research consent: hers to give and withdraw (PUT /auth/research-consent/), audited,
off by default; her doctors see it with her details, read-only; later exports follow it."""

import pytest

from audit.models import AuditEvent
from clinic_factories import client_for, make_case
from config.errors import ApplicationError
from datasets.services import dataset_export
from reviewed_cases import seed_reviewed_cases

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/research-consent/"


def test_it_is_off_until_she_turns_it_on(alice):
    response = client_for(alice).get(URL)
    assert response.status_code == 200
    assert response.json() == {"research_consent": False, "research_consent_changed_at": None}


def test_she_turns_it_on_and_off_and_each_change_is_audited(alice):
    client = client_for(alice)
    response = client.put(URL, {"research_consent": True}, format="json")
    assert response.status_code == 200 and response.json()["research_consent"] is True
    alice.refresh_from_db()
    assert alice.research_consent and alice.research_consent_changed_at is not None
    assert response.json()["research_consent_changed_at"] is not None

    assert client.put(URL, {"research_consent": False}, format="json").status_code == 200
    alice.refresh_from_db()
    assert alice.research_consent is False
    events = AuditEvent.objects.filter(action="account.research_consent").order_by("id")
    assert [(e.actor_id, e.patient_id, e.detail["consent"], e.detail["changed"]) for e in events] == [
        (alice.pk, alice.pk, "on", True),
        (alice.pk, alice.pk, "off", True),
    ]


def test_a_choice_that_changes_nothing_keeps_its_date_and_is_still_recorded(alice):
    client = client_for(alice)
    client.put(URL, {"research_consent": True}, format="json")
    alice.refresh_from_db()
    first = alice.research_consent_changed_at
    client.put(URL, {"research_consent": True}, format="json")
    alice.refresh_from_db()
    assert alice.research_consent_changed_at == first
    assert AuditEvent.objects.filter(action="account.research_consent", detail__changed=False).count() == 1


def test_the_answer_must_be_yes_or_no(alice):
    response = client_for(alice).put(URL, {"research_consent": "perhaps"}, format="json")
    assert response.status_code == 400
    assert "research_consent" in response.json()["error"]["details"]["fields"]
    response = client_for(alice).put(URL, {}, format="json")
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.research_consent is False


def test_only_the_patient_herself_changes_it(alice, bob, admin):
    for other in (bob, admin):
        response = client_for(other).put(URL, {"research_consent": True}, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "Only a patient gives or withdraws her own research consent."
    alice.refresh_from_db()
    assert alice.research_consent is False


def test_her_doctor_sees_it_with_her_details_read_only(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    client_for(alice).put(URL, {"research_consent": True}, format="json")
    shown = client_for(bob).get(f"/api/v1/cases/{case.pk}/").json()["patient"]
    assert shown["research_consent"] is True
    # A field of the case's patient cannot be written through the case.
    client_for(bob).patch(f"/api/v1/cases/{case.pk}/", {"patient": {"research_consent": False}}, format="json")
    alice.refresh_from_db()
    assert alice.research_consent is True


def test_turning_it_off_leaves_her_out_of_later_exports_not_earlier_ones(db, tmp_path):
    (seeded,) = seed_reviewed_cases(1)
    before = dataset_export(out_dir=tmp_path)
    client_for(seeded.patient).put(URL, {"research_consent": False}, format="json")
    with pytest.raises(ApplicationError, match="1 from a patient without research consent"):
        dataset_export(out_dir=tmp_path)
    assert (before.path / "manifest.json").is_file()  # the export made before stays as it was
