"""Refused requests in the audit log: each one recorded, with its status and reason, and found by
the log's "Refused" filter (allowed=false); never with a password, a token or a request body."""

import json
import uuid

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic_factories import PASSWORD, client_for, make_case, png_bytes, upload_file

pytestmark = pytest.mark.django_db


def events_after(last: int):
    return AuditEvent.objects.filter(id__gt=last).order_by("id")


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def refused_in_the_log(admin, **filters) -> list[dict]:
    """What the admin page's "Refused" filter lists."""
    response = client_for(admin).get("/api/v1/audit-events/", {"allowed": "false", "page_size": 500, **filters})
    assert response.status_code == 200
    return response.json()["results"]


def test_a_pdf_upload_is_refused_with_its_reason_and_found_by_the_refused_filter(alice, admin):
    case = make_case(patient=alice)
    last = last_id()
    pdf = upload_file("scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "application/pdf")
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/images/", {"file": pdf}, format="multipart")
    assert response.status_code == 415

    (refusal,) = events_after(last).filter(allowed=False)
    assert (refusal.actor, refusal.method, refusal.path) == (alice, "POST", f"/api/v1/cases/{case.pk}/images/")
    assert refusal.detail["status"] == 415 and refusal.detail["code"] == "unsupported_type"
    assert refusal.detail["message"] == response.json()["error"]["message"]
    assert str(refusal.request_id) == response["X-Request-ID"]
    assert "%PDF" not in json.dumps(refusal.detail)  # no part of the file

    listed = refused_in_the_log(admin, actor=alice.pk)
    assert [(row["id"], row["detail"]["code"], row["request_id"]) for row in listed] == [
        (refusal.pk, "unsupported_type", response["X-Request-ID"])
    ]


def test_sign_ins_refused_by_the_limit_are_recorded_without_the_password(alice, admin, settings):
    settings.LOGIN_THROTTLE_RATE = "3/min"
    client = APIClient()
    last = last_id()
    statuses = [
        client.post("/api/v1/auth/login/", {"username": "alice", "password": "guess-number-%d" % n}, format="json")
        .status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]

    refusals = list(events_after(last).filter(allowed=False))
    assert [(e.action, e.detail["status"], e.detail["code"]) for e in refusals] == [
        ("auth.login", 400, "invalid_credentials")
    ] * 3 + [("request.refused", 429, "throttled")] * 2
    throttled = refusals[-1]
    assert throttled.actor is None and throttled.detail["view"] == "auth-login"
    assert "throttled" in throttled.detail["message"].lower()
    assert "guess-number" not in json.dumps([e.detail for e in refusals])
    assert len({e.request_id for e in refusals}) == 5  # one request each

    settings.LOGIN_THROTTLE_RATE = "1000/min"
    found = refused_in_the_log(admin, action="request.refused")
    assert [row["detail"]["status"] for row in found] == [429, 429]


def test_an_anonymous_request_is_refused_with_401_and_recorded(db):
    last = last_id()
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    (refusal,) = events_after(last)
    assert (refusal.action, refusal.allowed, refusal.actor_username) == ("request.refused", False, "")
    assert refusal.detail == {
        "view": "case-list",
        "status": 401,
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
    }


def test_a_validation_error_names_the_fields_it_refused_but_not_their_values(db):
    last = last_id()
    secret = "correct horse battery staple 1"
    response = APIClient().post(
        "/api/v1/auth/register/", {"username": "", "email": "not-an-address", "password": secret}, format="json"
    )
    assert response.status_code == 400
    (refusal,) = events_after(last).filter(allowed=False)
    assert refusal.detail["status"] == 400 and refusal.detail["code"] == "invalid"
    assert set(refusal.detail["fields"]) <= set(response.json()["error"]["details"]["fields"])
    assert "email" in refusal.detail["fields"]
    assert secret not in json.dumps(refusal.detail) and "not-an-address" not in json.dumps(refusal.detail)


def test_an_upload_over_the_size_limit_is_refused_with_413_and_recorded(alice, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    case = make_case(patient=alice)
    last = last_id()
    # Over the file limit, within the body's allowance for the form: the upload itself is refused.
    big = upload_file("big.png", png_bytes((100, 100), color=7, compress_level=0))
    assert 1000 < big.size < 64 * 1024
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/images/", {"file": big}, format="multipart")
    assert response.status_code == 413
    (refusal,) = events_after(last).filter(allowed=False)
    assert (refusal.detail["status"], refusal.detail["code"]) == (413, response.json()["error"]["code"])


def test_a_conflict_is_recorded_with_its_reason(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    last = last_id()
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")
    assert response.status_code == 409
    (refusal,) = events_after(last).filter(allowed=False)
    assert refusal.detail["status"] == 409 and refusal.detail["code"] == response.json()["error"]["code"]


def test_a_case_the_user_may_not_see_is_one_refusal_naming_the_case_and_the_404(alice, charlie):
    case = make_case(patient=alice)
    last = last_id()
    response = client_for(charlie).get(f"/api/v1/cases/{case.pk}/images/")
    assert response.status_code == 404
    (refusal,) = events_after(last)
    assert (refusal.action, refusal.object_id, refusal.patient_id, refusal.allowed) == (
        "case.read", str(case.pk), alice.pk, False
    )
    assert (refusal.detail["status"], refusal.detail["code"]) == (404, "not_found")


def test_an_unknown_api_address_is_recorded(db):
    last = last_id()
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    (refusal,) = events_after(last)
    assert (refusal.action, refusal.detail["status"], refusal.detail["code"]) == ("request.refused", 404, "not_found")


def test_the_django_admin_sign_in_limit_is_recorded(admin, settings):
    from django.test import Client

    settings.LOGIN_THROTTLE_RATE = "2/min"
    client = Client()
    last = last_id()
    statuses = [
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code for _ in range(3)
    ]
    assert statuses[-1] == 429
    refusal = events_after(last).filter(allowed=False).last()
    assert (refusal.path, refusal.detail["status"]) == ("/admin/login/", 429)
    assert refusal.detail["message"] == "Too many sign-in attempts. Try again later."


def test_every_answer_names_its_request_and_the_events_it_wrote_share_that_id(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(bob).get(f"/api/v1/cases/{case.pk}/images/")
    request_id = uuid.UUID(response["X-Request-ID"])
    events = AuditEvent.objects.filter(request_id=request_id)
    assert [(e.action, e.allowed) for e in events] == [("image.list", True)]
    other = client_for(bob).get(f"/api/v1/cases/{case.pk}/")
    assert other["X-Request-ID"] != response["X-Request-ID"]


def test_the_log_is_filtered_by_request_id(alice, bob, admin):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(bob).get(f"/api/v1/cases/{case.pk}/readings/")
    listed = client_for(admin).get("/api/v1/audit-events/", {"request_id": response["X-Request-ID"]}).json()
    assert [(row["action"], row["request_id"]) for row in listed["results"]] == [
        ("reading.list", response["X-Request-ID"])
    ]
    assert client_for(admin).get("/api/v1/audit-events/", {"request_id": "not-a-uuid"}).status_code == 400


def test_events_outside_a_request_have_no_request_id_and_refusals_are_written_at_once(alice):
    from audit.services import audit_record

    event = audit_record(actor=alice, action="case.read", object_type="case", object_id=1, allowed=False)
    assert event.pk is not None and event.request_id is None


def test_a_refusal_recorded_inside_a_rolled_back_transaction_still_reaches_the_log(alice, charlie):
    # The refusal of charlie's read is written when the answer is known, after the view's work.
    case = make_case(patient=alice)
    client_for(charlie).patch(f"/api/v1/cases/{case.pk}/", {"title": "mine now"}, format="json")
    refusal = AuditEvent.objects.filter(allowed=False, actor=charlie).get()
    assert (refusal.action, refusal.detail["status"]) == ("case.update", 404)
