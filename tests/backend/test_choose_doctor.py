"""POST /api/v1/care-relationships/ and .../end/ by a patient: she chooses, or leaves, her own doctor."""

from accounts.models import CareRelationship, Role
from audit.models import AuditEvent
from clinic_factories import client_for, make_case, make_user


def choose(patient, body):
    return client_for(patient).post("/api/v1/care-relationships/", body, format="json")


def test_a_patient_chooses_her_doctor_and_the_doctor_sees_her_cases(charlie, bob):
    case = make_case(patient=charlie, images=1)
    assert client_for(bob).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    response = choose(charlie, {"doctor": bob.pk})
    assert response.status_code == 201, response.content
    assert response.json()["doctor"]["id"] == bob.pk and response.json()["patient"]["id"] == charlie.pk
    link = CareRelationship.objects.get(doctor=bob, patient=charlie)
    assert link.created_by == charlie and link.ended_at is None
    assert client_for(bob).get(f"/api/v1/cases/{case.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="care.create", object_id=str(link.pk))
    assert event.actor == charlie and event.patient_id == charlie.pk and event.detail == {"doctor": bob.pk}


def test_she_may_name_herself_as_the_patient(charlie, bob):
    assert choose(charlie, {"doctor": bob.pk, "patient": charlie.pk}).status_code == 201


def test_she_cannot_choose_a_doctor_for_anyone_else(alice, charlie, bob):
    response = choose(charlie, {"doctor": bob.pk, "patient": alice.pk})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "You can choose a doctor for yourself only."
    assert not CareRelationship.objects.filter(patient=charlie).exists()
    assert AuditEvent.objects.filter(actor=charlie, action="request.forbidden", allowed=False).exists()


def test_choosing_the_same_doctor_twice_is_harmless(charlie, bob):
    assert choose(charlie, {"doctor": bob.pk}).status_code == 201
    response = choose(charlie, {"doctor": bob.pk})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_linked"
    assert CareRelationship.objects.filter(patient=charlie, ended_at__isnull=True).count() == 1


def test_only_an_active_doctor_can_be_chosen(charlie, alice):
    gone = make_user("gone", Role.DOCTOR)
    gone.is_active = False
    gone.save()
    for doctor_id in (gone.pk, alice.pk, 999999):
        response = choose(charlie, {"doctor": doctor_id})
        assert response.status_code == 400, doctor_id
        assert "doctor" in response.json()["error"]["details"]["fields"]
    assert not CareRelationship.objects.filter(patient=charlie).exists()


def test_a_patient_ends_her_own_care_and_keeps_the_record(alice, bob):
    link = CareRelationship.objects.get(doctor=bob, patient=alice)
    response = client_for(alice).post(f"/api/v1/care-relationships/{link.pk}/end/")
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.ended_at is not None
    assert AuditEvent.objects.filter(actor=alice, action="care.end", object_id=str(link.pk)).exists()


def test_a_patient_cannot_end_someone_elses_care(alice, bob, charlie):
    link = CareRelationship.objects.get(doctor=bob, patient=alice)
    assert client_for(charlie).post(f"/api/v1/care-relationships/{link.pk}/end/").status_code == 404
    link.refresh_from_db()
    assert link.ended_at is None


def test_a_doctor_neither_links_nor_ends(alice, bob, charlie):
    assert client_for(bob).post("/api/v1/care-relationships/", {"doctor": bob.pk, "patient": charlie.pk},
                                format="json").status_code == 403
    link = CareRelationship.objects.get(doctor=bob, patient=alice)
    assert client_for(bob).post(f"/api/v1/care-relationships/{link.pk}/end/").status_code == 403
