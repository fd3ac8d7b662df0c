"""/api/v1/cases/: opening, listing, editing and submitting cases."""

from audit.models import AuditEvent
from cases.models import Case, CaseStatus
from clinic_factories import client_for, make_case, record_reading


def test_patient_opens_a_case_for_herself_whatever_patient_she_names(alice, charlie):
    response = client_for(alice).post("/api/v1/cases/", {"title": "Chest pain", "patient": charlie.pk}, format="json")
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.patient == alice and case.status == CaseStatus.DRAFT


def test_doctor_opens_a_case_for_his_patient(alice, bob):
    response = client_for(bob).post("/api/v1/cases/", {"title": "Follow-up", "patient": alice.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["patient"]["username"] == "alice"


def test_doctor_cannot_open_a_case_for_someone_elses_patient(alice, dan):
    response = client_for(dan).post("/api/v1/cases/", {"title": "Follow-up", "patient": alice.pk}, format="json")
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_patient_cannot_see_other_patients_case(alice, charlie):
    case = make_case(patient=charlie)
    response = client_for(alice).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_missing_and_forbidden_cases_look_the_same(alice, charlie):
    case = make_case(patient=charlie)
    forbidden = client_for(alice).get(f"/api/v1/cases/{case.pk}/")
    missing = client_for(alice).get("/api/v1/cases/987654/")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json()["error"]["message"] == missing.json()["error"]["message"]


def test_each_user_lists_only_the_cases_they_may_see(alice, bob, charlie, dan, admin):
    mine, theirs = make_case(patient=alice), make_case(patient=charlie)

    def listed(user):
        return {row["id"] for row in client_for(user).get("/api/v1/cases/").json()["results"]}

    assert listed(alice) == listed(bob) == {mine.pk}
    assert listed(charlie) == listed(dan) == {theirs.pk}
    assert listed(admin) == {mine.pk, theirs.pk}


def test_worklist_shows_ai_flagged_cases_first(alice, bob):
    calm = make_case(patient=alice, title="calm", images=1, submit=True)
    record_reading(case=calm, image=calm.images.get(), user=bob, score=0.1)
    worrying = make_case(patient=alice, title="worrying", images=1, submit=True)
    record_reading(case=worrying, image=worrying.images.get(), user=bob, score=0.97)
    make_case(patient=alice, title="newest")
    titles = [row["title"] for row in client_for(bob).get("/api/v1/cases/").json()["results"]]
    assert titles[0] == "worrying"


def test_cases_filter_by_status_and_paginate(alice, bob):
    for index in range(3):
        make_case(patient=alice, title=f"draft {index}")
    make_case(patient=alice, title="sent", images=1, submit=True)
    client = client_for(alice)
    submitted = client.get("/api/v1/cases/?status=submitted").json()
    assert [row["title"] for row in submitted["results"]] == ["sent"]
    page = client.get("/api/v1/cases/?page_size=2").json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]


def test_bad_filter_value_is_a_json_400(alice):
    response = client_for(alice).get("/api/v1/cases/?status=lost")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_draft_case_can_be_edited_and_then_not_after_submission(alice, bob):
    case = make_case(patient=alice, images=1)
    client = client_for(alice)
    assert client.patch(f"/api/v1/cases/{case.pk}/", {"title": "Sharper pain"}, format="json").status_code == 200
    assert client.post(f"/api/v1/cases/{case.pk}/submit/").json()["status"] == "submitted"
    response = client.patch(f"/api/v1/cases/{case.pk}/", {"title": "Again"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_not_editable"


def test_case_without_images_cannot_be_submitted(alice):
    case = make_case(patient=alice)
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "case_has_no_images"


def test_case_cannot_be_submitted_twice(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"from": "submitted", "to": "submitted"}


def test_a_reading_taken_while_drafting_makes_the_submitted_case_ai_read(alice, bob):
    case = make_case(patient=alice, images=1)
    record_reading(case=case, image=case.images.get(), user=alice)
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.json()["status"] == "ai_read"


def test_reading_a_case_is_audited(alice, bob):
    case = make_case(patient=alice)
    client_for(bob).get(f"/api/v1/cases/{case.pk}/")
    event = AuditEvent.objects.get(action="case.read")
    assert (event.actor, event.object_id, event.patient_id, event.allowed) == (bob, str(case.pk), alice.pk, True)


def test_listing_cases_records_which_cases_were_shown(alice, bob):
    case = make_case(patient=alice)
    client_for(bob).get("/api/v1/cases/")
    assert AuditEvent.objects.get(action="case.list", actor=bob).detail == {"ids": [case.pk]}


def test_absurdly_large_ids_are_a_plain_404(alice):
    response = client_for(alice).get(f"/api/v1/cases/{'9' * 80}/")
    assert response.status_code == 404
    assert AuditEvent.objects.get(action="case.read").allowed is False
