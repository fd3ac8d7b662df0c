"""/api/v1/care-relationships/: which doctor cares for which patient."""

from accounts.models import CareRelationship
from clinic_factories import client_for, make_case


def test_admin_links_a_doctor_to_a_patient_and_the_doctor_sees_her_cases(admin, alice, dan):
    case = make_case(patient=alice)
    assert client_for(dan).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    response = client_for(admin).post(
        "/api/v1/care-relationships/", {"doctor": dan.pk, "patient": alice.pk}, format="json"
    )
    assert response.status_code == 201
    assert client_for(dan).get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_the_same_active_link_cannot_be_made_twice(admin, alice, bob):
    response = client_for(admin).post(
        "/api/v1/care-relationships/", {"doctor": bob.pk, "patient": alice.pk}, format="json"
    )
    assert response.status_code == 409


def test_only_doctors_care_for_only_patients(admin, alice, charlie):
    response = client_for(admin).post(
        "/api/v1/care-relationships/", {"doctor": charlie.pk, "patient": alice.pk}, format="json"
    )
    assert response.status_code == 400


def test_ending_care_removes_access_but_keeps_the_record(admin, alice, bob):
    case = make_case(patient=alice)
    link = CareRelationship.objects.get(doctor=bob, patient=alice)
    assert client_for(admin).post(f"/api/v1/care-relationships/{link.pk}/end/").status_code == 200
    assert client_for(bob).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    link.refresh_from_db()
    assert link.ended_at is not None


def test_patient_sees_her_doctors_and_doctor_sees_his_patients(alice, bob, charlie, dan):
    mine = client_for(alice).get("/api/v1/care-relationships/").json()["results"]
    assert [row["doctor"]["username"] for row in mine] == ["bob"]
    patients = client_for(bob).get("/api/v1/patients/").json()["results"]
    assert [row["username"] for row in patients] == ["alice"]


def test_a_doctor_whose_care_ended_no_longer_sees_the_relationship(admin, alice, bob):
    link = CareRelationship.objects.get(doctor=bob, patient=alice)
    assert client_for(admin).post(f"/api/v1/care-relationships/{link.pk}/end/").status_code == 200
    assert client_for(bob).get("/api/v1/care-relationships/").json()["results"] == []
    assert client_for(bob).get(f"/api/v1/patients/{alice.pk}/history/").status_code == 404
    # She keeps the record of who cared for her; the admin sees it too.
    for user in (alice, admin):
        rows = client_for(user).get("/api/v1/care-relationships/").json()["results"]
        assert [(row["id"], row["ended_at"] is not None) for row in rows] == [(link.pk, True)], user
