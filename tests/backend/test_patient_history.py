"""GET /api/v1/patients/<id>/history/: one timeline across a patient's cases."""

from clinic_factories import client_for, make_case, record_reading
from reports.services import report_create, report_sign


def test_history_runs_across_cases_newest_first(alice, bob):
    first = make_case(patient=alice, title="first", images=1, submit=True)
    record_reading(case=first, image=first.images.get(), user=alice)
    report = report_create(case=first, author=bob, findings="f", impression="Clear.", ai_agreement="no_reading")
    report_sign(report=report, signer=bob)
    make_case(patient=alice, title="second")

    entries = client_for(bob).get(f"/api/v1/patients/{alice.pk}/history/").json()
    kinds = [entry["kind"] for entry in entries]
    assert kinds[0] == "case_opened" and entries[0]["summary"] == "second"
    assert {"case_submitted", "image_uploaded", "ai_reading", "report_signed"} <= set(kinds)
    times = [entry["at"] for entry in entries]
    assert times == sorted(times, reverse=True)


def test_patient_history_hides_draft_reports_from_the_patient(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    report_create(case=case, author=bob, findings="f", impression="Unsure.", ai_agreement="no_reading")
    assert "report_drafted" in {e["kind"] for e in client_for(bob).get(f"/api/v1/patients/{alice.pk}/history/").json()}
    assert "report_drafted" not in {
        e["kind"] for e in client_for(alice).get(f"/api/v1/patients/{alice.pk}/history/").json()
    }


def test_outsiders_get_404_for_a_patients_history(alice, charlie, dan):
    for user in (charlie, dan):
        assert client_for(user).get(f"/api/v1/patients/{alice.pk}/history/").status_code == 404
