"""POST /api/v1/cases/<id>/submit/ and the case's `care_team`: a case cannot be sent to no one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import CareRelationship, Role
from cases.models import Case, CaseStatus
from clinic_factories import client_for, make_case, make_user


def submit(patient, case):
    return client_for(patient).post(f"/api/v1/cases/{case.pk}/submit/")


def test_a_patient_without_a_doctor_is_told_to_choose_one(charlie):
    case = make_case(patient=charlie, images=1)
    response = submit(charlie, case)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_doctor"
    assert response.json()["error"]["message"] == "Choose your doctor before sending your case."
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.submitted_at is None


def test_the_case_sent_names_her_doctor(alice, bob):
    bob.last_name = "Hart"
    bob.save()
    response = submit(alice, make_case(patient=alice, images=1))
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert response.json()["care_team"] == ["Bob Hart"]


def test_with_the_practice_queue_on_it_is_sent_to_nobody_yet(charlie, settings):
    settings.PRACTICE_QUEUE = True
    response = submit(charlie, make_case(patient=charlie, images=1))
    assert response.status_code == 200
    assert response.json()["status"] == "submitted" and response.json()["care_team"] == []


def test_an_ended_care_or_a_closed_doctor_account_is_no_doctor(alice, bob, admin):
    link = CareRelationship.objects.get(patient=alice, doctor=bob)
    bob.is_active = False
    bob.save()
    assert submit(alice, make_case(patient=alice, images=1)).json()["error"]["code"] == "no_doctor"
    bob.is_active = True
    bob.save()
    link.ended_at = link.started_at
    link.save()
    assert submit(alice, make_case(patient=alice, images=1)).json()["error"]["code"] == "no_doctor"


def test_the_care_team_lists_every_doctor_oldest_first(alice, bob, admin):
    carol = make_user("carol", Role.DOCTOR)
    CareRelationship.objects.create(doctor=carol, patient=alice, created_by=admin)
    case = make_case(patient=alice)
    assert client_for(alice).get(f"/api/v1/cases/{case.pk}/").json()["care_team"] == ["Bob", "Carol"]


def care_queries_of_a_worklist(doctor) -> int:
    """How many queries reading care relationships one page of the worklist makes."""
    client = client_for(doctor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/cases/?page_size=100")
    assert response.status_code == 200
    assert {tuple(row["care_team"]) for row in response.json()["results"]} == {("Bob",)}
    return sum("accounts_carerelationship" in query["sql"] for query in queries.captured_queries)


def test_the_care_team_costs_the_worklist_the_same_queries_for_one_patient_or_many(admin, bob):
    def new_patient_with_a_case(name):
        patient = make_user(name, Role.PATIENT)
        CareRelationship.objects.create(doctor=bob, patient=patient, created_by=admin)
        make_case(patient=patient, images=1, submit=True)

    new_patient_with_a_case("p0")
    one = care_queries_of_a_worklist(bob)
    for index in range(1, 8):
        new_patient_with_a_case(f"p{index}")
    assert care_queries_of_a_worklist(bob) == one <= 3  # the count and the page (filtered by care), the prefetch


def test_queue_cases_need_images_first_as_any(charlie, settings):
    settings.PRACTICE_QUEUE = True
    case = make_case(patient=charlie)
    assert submit(charlie, case).json()["error"]["code"] == "case_has_no_images"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT
