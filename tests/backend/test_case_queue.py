"""GET /api/v1/cases/queue/ and POST /api/v1/cases/<id>/take/: the practice's shared queue."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import CareRelationship, Role
from audit.models import AuditEvent
from cases.models import CaseStatus
from clinic_factories import client_for, make_case, make_user


@pytest.fixture
def queue_on(settings):
    settings.PRACTICE_QUEUE = True


def queued(name: str, **fields):
    patient = make_user(name, Role.PATIENT)
    for field, value in fields.items():
        setattr(patient, field, value)
    patient.save()
    return make_case(patient=patient, title=f"{name}'s case", images=1, submit=True)


def queue_of(doctor):
    response = client_for(doctor).get("/api/v1/cases/queue/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def take(doctor, case):
    return client_for(doctor).post(f"/api/v1/cases/{case.pk}/take/")


def test_the_queue_lists_sent_cases_of_patients_without_a_doctor_oldest_first(queue_on, alice, bob, dan):
    first = queued("erin", date_of_birth=datetime.date(1990, 1, 1))
    second = queued("fay")
    make_case(patient=alice, images=1, submit=True)  # alice has bob
    draft_patient = make_user("gil", Role.PATIENT)
    make_case(patient=draft_patient, images=1)  # a draft: not sent
    withdrawn = queued("hal")
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.save()

    rows = queue_of(dan)
    assert [row["id"] for row in rows] == [first.pk, second.pk]
    today = timezone.localdate()
    age = today.year - 1990 - ((today.month, today.day) < (1, 1))
    assert rows[0] == {
        "id": first.pk,
        "title": "erin's case",
        "exam_type": "chest_xray",
        "exam_type_label": "Chest X-ray",
        "submitted_at": rows[0]["submitted_at"],
        "ai_flagged": False,
        "patient_first_name": "Erin",
        "patient_age": age,
    }
    assert rows[0]["submitted_at"] and rows[1]["patient_age"] is None


def test_reading_the_queue_is_audited_per_patient(queue_on, bob):
    case = queued("erin")
    queue_of(bob)
    event = AuditEvent.objects.get(action="case.queue_list", actor=bob)
    assert event.patient_id == case.patient_id and event.detail["ids"] == [case.pk]


def test_a_doctor_takes_a_case_and_it_moves_to_her_worklist(queue_on, bob, dan):
    case = queued("erin")
    response = take(dan, case)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == case.pk and response.json()["care_team"] == ["Dan"]
    link = CareRelationship.objects.get(patient=case.patient, ended_at__isnull=True)
    assert link.doctor == dan and link.created_by == dan
    assert [row["id"] for row in client_for(dan).get("/api/v1/cases/").json()["results"]] == [case.pk]
    assert queue_of(bob) == [] and queue_of(dan) == []
    assert AuditEvent.objects.filter(action="case.take", actor=dan, object_id=str(case.pk), allowed=True).exists()
    assert AuditEvent.objects.filter(action="care.create", actor=dan, patient_id=case.patient_id).exists()


def test_taking_a_case_someone_took_answers_409_plainly(queue_on, bob, dan):
    case = queued("erin")
    assert take(dan, case).status_code == 200
    response = take(bob, case)
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "already_taken",
        "message": "Another doctor has taken this case already.",
        "details": {},
    }
    again = take(dan, case)
    assert again.status_code == 409 and "on your worklist" in again.json()["error"]["message"]
    assert CareRelationship.objects.filter(patient=case.patient).count() == 1
    assert AuditEvent.objects.filter(action="case.take", actor=bob, allowed=False).exists()


def test_a_draft_a_withdrawn_or_an_unknown_case_cannot_be_taken(queue_on, dan):
    patient = make_user("erin", Role.PATIENT)
    draft = make_case(patient=patient, images=1)
    for case_id in (draft.pk, 999999):
        assert client_for(dan).post(f"/api/v1/cases/{case_id}/take/").status_code == 404
    assert not CareRelationship.objects.filter(patient=patient).exists()


def test_only_doctors_use_the_queue(queue_on, alice, admin, bob):
    case = queued("erin")
    for user in (alice, admin):
        assert client_for(user).get("/api/v1/cases/queue/").status_code == 403
        assert take(user, case).status_code == 403
    assert case.status == CaseStatus.SUBMITTED
    assert not CareRelationship.objects.filter(patient=case.patient).exists()


def test_without_the_queue_it_does_not_exist(alice, bob, dan):
    case = make_case(patient=alice, images=1, submit=True)
    for user in (alice, bob):
        response = client_for(user).get("/api/v1/cases/queue/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert client_for(user).post(f"/api/v1/cases/{case.pk}/take/").status_code == 404
    assert AuditEvent.objects.filter(actor=bob, allowed=False, detail__reason="queue_off").count() == 2
