"""Opening one case on the doctor's page records one event per object each request shows.

The sequence of calls is the doctor page's (web/src/doctor.js, openCase and renderHistory, then
each image's preview); the rule is backend/README.md, "Auditing": a request records one event per
object it shows; a list read records one event per patient shown, naming the objects in
`detail["ids"]`; the case whose contents a request lists is named by that list's event, not read
again.
"""

from collections import Counter

import pytest

from audit.models import AuditEvent
from clinic_factories import client_for, make_case, record_reading
from reports.services import report_create, report_sign

pytestmark = pytest.mark.django_db


def doctor_opens_case(client, case) -> list[str]:
    """The doctor page's requests for one case, in its order; returns each answer's X-Request-ID."""
    paths = [
        f"/api/v1/cases/{case.pk}/",
        f"/api/v1/cases/{case.pk}/images/",
        f"/api/v1/cases/{case.pk}/readings/",
        f"/api/v1/cases/{case.pk}/reports/",
        f"/api/v1/patients/{case.patient_id}/history/",
        f"/api/v1/cases/?patient={case.patient_id}&ordering=-created_at&page_size=25",
        *(f"/api/v1/images/{image.pk}/preview/" for image in case.images.order_by("pk")),
    ]
    request_ids = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        request_ids.append(response["X-Request-ID"])
    return request_ids


def named(event: AuditEvent) -> list[tuple[str, str]]:
    ids = [event.object_id] if event.object_id else []
    return [(event.object_type, str(pk)) for pk in ids + event.detail.get("ids", [])]


@pytest.fixture
def reported_case(alice, bob):
    case = make_case(patient=alice, images=2, submit=True)
    first, second = case.images.order_by("pk")
    reading = record_reading(case=case, image=first, user=alice)
    report = report_create(case=case, author=bob, findings="Clear.", impression="Normal.",
                           ai_agreement="disagrees", reading=reading)
    report_sign(report=report, signer=bob)
    return case


def test_a_doctor_opening_a_case_records_each_object_once_per_request(reported_case, alice, bob):
    case = reported_case
    image_ids = sorted(case.images.values_list("pk", flat=True))
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    request_ids = doctor_opens_case(client_for(bob), case)

    events = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    assert [(e.action, e.object_type, e.object_id, sorted(e.detail.get("ids", []))) for e in events] == [
        ("case.read", "case", str(case.pk), []),
        ("image.list", "image", "", image_ids),
        ("reading.list", "reading", "", [case.readings.get().pk]),
        ("report.list", "report", "", [case.reports.get().pk]),
        ("patient.history", "patient", str(alice.pk), []),
        ("case.list", "case", "", [case.pk]),
        ("image.preview", "image", str(image_ids[0]), []),
        ("image.preview", "image", str(image_ids[1]), []),
    ]
    assert all(e.actor == bob and e.allowed and e.patient_id == alice.pk for e in events)
    # One request, one event here; and no request names an object twice.
    assert [str(e.request_id) for e in events] == request_ids
    for request_id in request_ids:
        names = Counter(name for e in events if str(e.request_id) == request_id for name in named(e))
        assert all(count == 1 for count in names.values()), names
    # The case is read where it is shown (its own page and the patient's case list), not by
    # each list of what it holds.
    assert [e.path for e in events if ("case", str(case.pk)) in named(e)] == [
        f"/api/v1/cases/{case.pk}/",
        "/api/v1/cases/",
    ]


def test_an_empty_list_of_a_case_still_names_its_patient(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(bob).get(f"/api/v1/cases/{case.pk}/reports/")
    (event,) = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    assert (event.action, event.patient_id, event.detail) == ("report.list", alice.pk, {"case": case.pk, "ids": []})


def test_a_list_of_a_case_the_user_may_not_see_records_the_refused_case(alice, dan):
    case = make_case(patient=alice, images=1)
    response = client_for(dan).get(f"/api/v1/cases/{case.pk}/images/")
    assert response.status_code == 404
    (event,) = AuditEvent.objects.filter(request_id=response["X-Request-ID"])
    assert (event.action, event.object_id, event.allowed) == ("case.read", str(case.pk), False)
