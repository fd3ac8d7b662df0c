"""Doctor reports: drafting, signing, immutability and amendments."""

import pytest

from cases.models import CaseStatus
from clinic_factories import client_for, make_case, record_reading
from reports.models import Report, ReportIsSigned, ReportStatus


@pytest.fixture
def case(alice):
    return make_case(patient=alice, images=1, submit=True)


def draft(doctor, case, **overrides):
    body = {
        "findings": "Right lower lobe opacity.",
        "impression": "Pneumonia.",
        "ai_agreement": "no_reading",
        **overrides,
    }
    return client_for(doctor).post(f"/api/v1/cases/{case.pk}/reports/", body, format="json")


def test_doctor_drafts_and_signs_a_report(bob, case):
    response = draft(bob, case)
    assert response.status_code == 201
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    report_id = response.json()["id"]
    signed = client_for(bob).post(f"/api/v1/reports/{report_id}/sign/")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED and case.reported_at


def test_report_can_agree_with_a_reading_of_the_same_case(alice, bob, case):
    reading = record_reading(case=case, image=case.images.get(), user=alice)
    response = draft(bob, case, ai_agreement="agrees", reading=reading.pk)
    assert response.status_code == 201
    assert response.json()["reading"] == reading.pk


def test_agreeing_with_the_ai_needs_a_reading(bob, case):
    response = draft(bob, case, ai_agreement="disagrees")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "reading_required"


def test_draft_cannot_be_reported_twice(bob, case):
    draft(bob, case)
    assert draft(bob, case).status_code == 409


def test_draft_case_cannot_get_a_report(alice, bob):
    case = make_case(patient=alice, images=1)
    response = draft(bob, case)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_not_reportable"


def test_signed_report_cannot_be_edited(bob, case):
    report_id = draft(bob, case).json()["id"]
    client = client_for(bob)
    client.post(f"/api/v1/reports/{report_id}/sign/")
    response = client.patch(f"/api/v1/reports/{report_id}/", {"impression": "Changed my mind."}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "report_signed"
    assert client.post(f"/api/v1/reports/{report_id}/sign/").status_code == 409


def test_signed_report_refuses_changes_even_outside_the_api(bob, case):
    report = Report.objects.get(pk=draft(bob, case).json()["id"])
    client_for(bob).post(f"/api/v1/reports/{report.pk}/sign/")
    report.refresh_from_db()
    report.impression = "Rewritten."
    with pytest.raises(ReportIsSigned):
        report.save()
    with pytest.raises(ReportIsSigned):
        report.delete()


def test_amendment_keeps_the_original_as_signed(bob, case):
    client = client_for(bob)
    original_id = draft(bob, case).json()["id"]
    client.post(f"/api/v1/reports/{original_id}/sign/")
    response = client.post(
        f"/api/v1/reports/{original_id}/amend/",
        {
            "findings": "Also a small effusion.",
            "impression": "Pneumonia with effusion.",
            "ai_agreement": "no_reading",
            "reason": "Missed the effusion.",
        },
        format="json",
    )
    assert response.status_code == 201
    amendment_id = response.json()["id"]
    assert client.post(f"/api/v1/reports/{amendment_id}/sign/").status_code == 200

    original = Report.objects.get(pk=original_id)
    assert original.impression == "Pneumonia." and original.status == ReportStatus.SIGNED
    assert client.get(f"/api/v1/reports/{original_id}/").json()["amended_by"] == amendment_id
    case.refresh_from_db()
    assert case.status == CaseStatus.REPORTED


def test_a_report_is_amended_once_then_the_amendment_is(bob, case):
    client = client_for(bob)
    original_id = draft(bob, case).json()["id"]
    client.post(f"/api/v1/reports/{original_id}/sign/")
    body = {"findings": "f", "impression": "i", "ai_agreement": "no_reading", "reason": "r"}
    assert client.post(f"/api/v1/reports/{original_id}/amend/", body, format="json").status_code == 201
    response = client.post(f"/api/v1/reports/{original_id}/amend/", body, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_amended"


def test_only_the_author_signs(alice, bob, case, admin):
    from accounts.models import CareRelationship, Role
    from clinic_factories import make_user

    colleague = make_user("carol", Role.DOCTOR)
    CareRelationship.objects.create(doctor=colleague, patient=alice, created_by=admin)
    report_id = draft(bob, case).json()["id"]
    response = client_for(colleague).post(f"/api/v1/reports/{report_id}/sign/")
    assert response.status_code == 403


def test_patient_sees_signed_reports_only(alice, bob, case):
    report_id = draft(bob, case).json()["id"]
    patient = client_for(alice)
    assert patient.get(f"/api/v1/cases/{case.pk}/reports/").json() == []
    assert patient.get(f"/api/v1/reports/{report_id}/").status_code == 404
    client_for(bob).post(f"/api/v1/reports/{report_id}/sign/")
    assert [row["id"] for row in patient.get(f"/api/v1/cases/{case.pk}/reports/").json()] == [report_id]


def test_patient_gets_what_links_an_amendment_to_the_report_it_replaces_once_it_is_signed(alice, bob, case):
    doctor, patient = client_for(bob), client_for(alice)
    original_id = draft(bob, case).json()["id"]
    doctor.post(f"/api/v1/reports/{original_id}/sign/")
    body = {"findings": "f", "impression": "i", "ai_agreement": "no_reading", "reason": "Wrong side."}
    amendment_id = doctor.post(f"/api/v1/reports/{original_id}/amend/", body, format="json").json()["id"]

    # A draft amendment replaces nothing yet: she sees the original alone, not marked as amended.
    rows = patient.get(f"/api/v1/cases/{case.pk}/reports/").json()
    assert [(row["id"], row["amended_by"]) for row in rows] == [(original_id, None)]

    doctor.post(f"/api/v1/reports/{amendment_id}/sign/")
    original, amendment = patient.get(f"/api/v1/cases/{case.pk}/reports/").json()
    assert (original["id"], original["amended_by"], original["amends"]) == (original_id, amendment_id, None)
    assert (amendment["id"], amendment["amends"], amendment["amended_by"]) == (amendment_id, original_id, None)
    assert amendment["amendment_reason"] == "Wrong side." and amendment["signed_at"]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE reports_report SET impression = 'Rewritten.' WHERE id = %s", "DELETE FROM reports_report WHERE id = %s"],
)
def test_database_refuses_to_change_a_signed_report(bob, case, statement):
    from django.db import DatabaseError, connection, transaction

    report_id = draft(bob, case).json()["id"]
    with connection.cursor() as cursor:  # drafts stay editable
        cursor.execute("UPDATE reports_report SET findings = 'Edited draft.' WHERE id = %s", [report_id])
    client_for(bob).post(f"/api/v1/reports/{report_id}/sign/")
    with pytest.raises(DatabaseError, match="immutable"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [report_id])
    assert Report.objects.get(pk=report_id).impression == "Pneumonia."
