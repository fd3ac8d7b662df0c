"""Withdrawing a draft case or an image nobody has reviewed: hidden everywhere, kept for the record."""

import pytest

from audit.models import AuditEvent
from cases.models import Case, CaseStatus
from clinic_factories import client_for, make_case, png_bytes, record_reading, upload_file
from imaging.models import Image
from reports.models import AIAgreement
from reports.services import report_create


def withdraw_case(user, case):
    return client_for(user).post(f"/api/v1/cases/{case.pk}/withdraw/")


def withdraw_image(user, image):
    return client_for(user).post(f"/api/v1/images/{image.pk}/withdraw/")


def listed_case_ids(user) -> set[int]:
    return {row["id"] for row in client_for(user).get("/api/v1/cases/").json()["results"]}


def history_objects(user, patient) -> set[tuple[str, int]]:
    entries = client_for(user).get(f"/api/v1/patients/{patient.pk}/history/").json()
    return {(entry["object_type"], entry["object_id"]) for entry in entries}


# --- cases ------------------------------------------------------------------


def test_a_withdrawn_draft_case_is_hidden_from_everyone_and_kept(alice, bob, admin):
    case = make_case(patient=alice, title="Wrong arm", images=1)
    image = case.images.get()
    reading = record_reading(case=case, image=image, user=alice)

    response = withdraw_case(alice, case)

    assert response.status_code == 204
    for user in (alice, bob, admin):
        client = client_for(user)
        assert case.pk not in listed_case_ids(user)
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/images/").status_code == 404
        assert client.get(f"/api/v1/images/{image.pk}/").status_code == 404
        assert client.get(f"/api/v1/images/{image.pk}/preview/").status_code == 404
        assert client.get(f"/api/v1/readings/{reading.pk}/").status_code == 404
        assert not {("case", case.pk), ("image", image.pk), ("reading", reading.pk)} & history_objects(user, alice)
    case.refresh_from_db()
    assert case.withdrawn_at is not None and case.status == CaseStatus.DRAFT
    assert Image.objects.filter(pk=image.pk).exists()


def test_withdrawing_a_case_is_audited_with_its_patient(alice):
    case = make_case(patient=alice)
    withdraw_case(alice, case)
    event = AuditEvent.objects.get(action="case.withdraw")
    assert (event.actor, event.object_id, event.patient_id, event.allowed) == (alice, str(case.pk), alice.pk, True)
    assert event.detail == {"status": "draft"}


def test_her_doctor_may_withdraw_a_draft_case_he_opened_for_her(alice, bob):
    case = Case.objects.get(pk=client_for(bob).post("/api/v1/cases/", {"title": "Typo", "patient": alice.pk}).json()["id"])
    assert withdraw_case(bob, case).status_code == 204
    assert case.pk not in listed_case_ids(alice)


def test_a_case_sent_to_the_doctor_cannot_be_withdrawn(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)

    response = withdraw_case(alice, case)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_not_withdrawable"
    assert response.json()["error"]["message"] == (
        "Only a draft case can be withdrawn. This one was sent to your doctor already."
    )
    case.refresh_from_db()
    assert case.withdrawn_at is None
    refusal = AuditEvent.objects.get(action="case.withdraw")
    assert (refusal.allowed, refusal.patient_id, refusal.detail["refused"]) == (False, alice.pk, "case_not_withdrawable")


def test_a_withdrawn_case_cannot_be_withdrawn_or_changed_again(alice):
    case = make_case(patient=alice, images=1)
    withdraw_case(alice, case)
    client = client_for(alice)
    assert withdraw_case(alice, case).status_code == 404
    assert client.post(f"/api/v1/cases/{case.pk}/submit/").status_code == 404
    upload = client.post(f"/api/v1/cases/{case.pk}/images/", {"file": upload_file("x.png", png_bytes(color=9))})
    assert upload.status_code == 404


def test_another_patient_cannot_withdraw_her_case(alice, charlie):
    case = make_case(patient=alice)
    assert withdraw_case(charlie, case).status_code == 404
    case.refresh_from_db()
    assert case.withdrawn_at is None
    assert AuditEvent.objects.get(action="case.withdraw", actor=charlie).allowed is False


# --- images -----------------------------------------------------------------


def test_a_withdrawn_image_and_its_readings_leave_the_case(alice, bob):
    case = make_case(patient=alice, images=2)
    kept, withdrawn = case.images.order_by("id")
    reading = record_reading(case=case, image=withdrawn, user=alice)
    kept_reading = record_reading(case=case, image=kept, user=alice)

    response = withdraw_image(alice, withdrawn)

    assert response.status_code == 204
    for user in (alice, bob):
        client = client_for(user)
        assert [row["id"] for row in client.get(f"/api/v1/cases/{case.pk}/images/").json()] == [kept.pk]
        assert [row["id"] for row in client.get(f"/api/v1/cases/{case.pk}/readings/").json()] == [kept_reading.pk]
        assert client.get(f"/api/v1/images/{withdrawn.pk}/").status_code == 404
        assert client.get(f"/api/v1/images/{withdrawn.pk}/file/").status_code == 404
        assert client.get(f"/api/v1/readings/{reading.pk}/").status_code == 404
        history = history_objects(user, alice)
        assert ("image", kept.pk) in history and ("reading", kept_reading.pk) in history
        assert not {("image", withdrawn.pk), ("reading", reading.pk)} & history
    withdrawn.refresh_from_db()
    assert withdrawn.withdrawn_at is not None
    event = AuditEvent.objects.get(action="image.withdraw")
    assert (event.object_id, event.patient_id, event.detail) == (
        str(withdrawn.pk),
        alice.pk,
        {"case": case.pk, "case_status": "draft"},
    )


def test_an_image_of_a_sent_case_may_be_withdrawn_until_a_doctor_reviews_it(alice, bob):
    case = make_case(patient=alice, images=2, submit=True)
    first, second = case.images.order_by("id")
    record_reading(case=case, image=first, user=alice)
    case.refresh_from_db()
    assert case.status == CaseStatus.AI_READ

    assert withdraw_image(alice, first).status_code == 204

    # The last one stays: a sent case without images would reach the doctor empty.
    response = withdraw_image(alice, second)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "last_image_of_sent_case"


@pytest.mark.parametrize("signed", [False, True])
def test_an_image_a_doctor_reviews_cannot_be_withdrawn(alice, bob, signed):
    from reports.services import report_sign

    case = make_case(patient=alice, images=2, submit=True)
    image = case.images.first()
    report = report_create(case=case, author=bob, findings="f", impression="i", ai_agreement=AIAgreement.NO_READING)
    if signed:
        report_sign(report=report, signer=bob)

    response = withdraw_image(alice, image)

    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "image_not_withdrawable",
        "message": "A doctor is already reviewing this case, so its images stay in it.",
        "details": {"status": "reported" if signed else "in_review"},
    }
    image.refresh_from_db()
    assert image.withdrawn_at is None
    refusal = AuditEvent.objects.get(action="image.withdraw")
    assert (refusal.allowed, refusal.detail["case"], refusal.detail["refused"]) == (False, case.pk, "image_not_withdrawable")


def test_a_withdrawn_image_cannot_be_read_or_cited(alice, bob):
    case = make_case(patient=alice, images=2, submit=True)
    image = case.images.first()
    reading = record_reading(case=case, image=image, user=alice)
    withdraw_image(alice, image)

    body = {"image": image.pk, "model_name": "chest-xray-pneumonia"}
    server_reading = client_for(alice).post(f"/api/v1/cases/{case.pk}/server-readings/", body, format="json")
    assert server_reading.status_code == 400
    assert "image" in server_reading.json()["error"]["details"]["fields"]
    report = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/reports/",
        {"findings": "f", "impression": "i", "ai_agreement": "agrees", "reading": reading.pk},
        format="json",
    )
    assert report.status_code == 400
    assert "reading" in report.json()["error"]["details"]["fields"]


def test_another_patient_cannot_withdraw_her_image(alice, charlie):
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    assert withdraw_image(charlie, image).status_code == 404
    image.refresh_from_db()
    assert image.withdrawn_at is None


def test_a_withdrawn_image_cannot_be_added_to_the_same_case_again(alice):
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    withdraw_image(alice, image)
    again = client_for(alice).post(f"/api/v1/cases/{case.pk}/images/", {"file": upload_file("scan-0.png", png_bytes(color=40))})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "image_withdrawn"
    # Another case takes it.
    other = make_case(patient=alice)
    moved = client_for(alice).post(f"/api/v1/cases/{other.pk}/images/", {"file": upload_file("scan-0.png", png_bytes(color=40))})
    assert moved.status_code == 201


def test_a_case_whose_images_were_all_withdrawn_cannot_be_sent(alice, bob):
    case = make_case(patient=alice, images=1)
    withdraw_image(alice, case.images.get())

    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "case_has_no_images"


def test_a_reading_that_finishes_after_its_image_was_withdrawn_changes_nothing(alice, bob):
    case = make_case(patient=alice, images=2, submit=True)
    withdrawn = case.images.order_by("id").first()
    assert withdraw_image(alice, withdrawn).status_code == 204

    record_reading(case=case, image=withdrawn, user=None, score=0.97)  # a finding, on an image no longer in the case

    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.ai_flagged is False
