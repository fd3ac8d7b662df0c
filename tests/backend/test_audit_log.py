"""The audit log: what is recorded, that it cannot be changed, and how admins read it."""

import csv
import io

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import audit_record
from clinic_factories import client_for, make_case


@pytest.fixture
def event(alice):
    return audit_record(actor=alice, action="case.read", object_type="case", object_id=1, patient_id=alice.pk)


def test_reads_and_writes_of_patient_data_are_recorded(alice, bob):
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    client_for(bob).get(f"/api/v1/images/{image.pk}/file/")
    client_for(bob).get(f"/api/v1/images/{image.pk}/preview/")
    client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/")
    actions = set(AuditEvent.objects.filter(patient_id=alice.pk).values_list("action", flat=True))
    assert {"case.create", "image.upload", "image.download", "image.preview", "case.transition"} <= actions


def test_denied_attempts_are_recorded_as_not_allowed(alice, charlie):
    case = make_case(patient=alice)
    client_for(charlie).get(f"/api/v1/cases/{case.pk}/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="curl/8")
    event = AuditEvent.objects.get(action="case.read")
    assert (event.actor, event.allowed, event.patient_id) == (charlie, False, alice.pk)
    assert (event.ip_address, event.user_agent, event.method) == ("192.0.2.7", "curl/8", "GET")
    assert event.path == f"/api/v1/cases/{case.pk}/"


def test_forbidden_actions_are_recorded(alice, admin):
    case = make_case(patient=alice)
    client_for(admin).post(f"/api/v1/cases/{case.pk}/submit/")
    client_for(alice).get("/api/v1/audit-events/")
    denied = AuditEvent.objects.filter(action="request.forbidden", allowed=False)
    assert {event.actor for event in denied} == {admin, alice}


def test_forwarded_client_address_is_used_only_when_trusted(alice, settings):
    case = make_case(patient=alice)
    client = client_for(alice)
    client.get(f"/api/v1/cases/{case.pk}/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4")
    settings.NUM_PROXIES = 2  # the client, then two proxies of ours: 10.0.0.1 and 10.0.0.2
    client.get(f"/api/v1/cases/{case.pk}/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.4, 10.0.0.1")
    addresses = list(AuditEvent.objects.filter(action="case.read").order_by("id").values_list("ip_address", flat=True))
    assert addresses == ["10.0.0.2", "198.51.100.4"]


def test_event_cannot_be_changed_through_the_model(event):
    event.action = "case.nothing"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()


def test_events_cannot_be_changed_through_querysets(event):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(allowed=False)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET allowed = FALSE", "DELETE FROM audit_auditevent"],
)
def test_database_refuses_to_change_or_delete_events(event, statement):
    """A trigger installed by migration, on PostgreSQL and on SQLite alike."""
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    event_after = AuditEvent.objects.get(pk=event.pk)
    assert event_after.allowed is True


def test_admin_site_shows_the_log_read_only(admin, event):
    model_admin = site._registry[AuditEvent]
    request = RequestFactory().get("/admin/audit/auditevent/")
    request.user = admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    response = client_for(admin).get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert response.status_code == 200  # viewable...
    response = client_for(admin).post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403  # ...but not deletable
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_lists_and_filters_the_log(admin, alice, bob, charlie):
    case = make_case(patient=alice)
    client_for(bob).get(f"/api/v1/cases/{case.pk}/")
    client_for(charlie).get(f"/api/v1/cases/{case.pk}/")
    client = client_for(admin)
    denied = client.get("/api/v1/audit-events/?action=case.read&allowed=false").json()["results"]
    assert [row["actor_username"] for row in denied] == ["charlie"]
    by_patient = client.get(f"/api/v1/audit-events/?patient={alice.pk}&action_prefix=case.").json()["results"]
    assert {row["action"] for row in by_patient} == {"case.create", "case.read"}


def test_admin_exports_the_log_as_csv(admin, alice, charlie):
    case = make_case(patient=alice)
    client_for(charlie).get(f"/api/v1/cases/{case.pk}/")
    response = client_for(admin).get(f"/api/v1/audit-events/export/?patient={alice.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"case.create", "case.read"}
    denied = next(row for row in rows if row["action"] == "case.read")
    assert (denied["actor_username"], denied["allowed"]) == ("charlie", "False")
    assert AuditEvent.objects.filter(action="audit.export", actor=admin).exists()


def test_csv_export_neutralises_spreadsheet_formulas(admin):
    audit_record(
        actor=None, action="auth.login", object_type="user", allowed=False, detail={"username": "=HYPERLINK(1)"}
    )
    audit_record(actor=None, action="=cmd|' /C calc'!A0", object_type="user", allowed=False)
    body = b"".join(client_for(admin).get("/api/v1/audit-events/export/").streaming_content).decode()
    assert "\n=cmd" not in body and ",=cmd" not in body
    assert "'=cmd" in body


def test_bad_export_filter_is_a_json_400(admin):
    response = client_for(admin).get("/api/v1/audit-events/export/?created_after=yesterday")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_admin_site_pages_over_patient_data_are_audited(admin, alice, dan):
    case = make_case(patient=alice)
    client = client_for(admin)
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    response = client.post(
        "/admin/accounts/carerelationship/add/",
        {"doctor": dan.pk, "patient": alice.pk, "started_at_0": "2026-01-02", "started_at_1": "10:00:00"},
    )
    assert response.status_code == 302, response.content[:2000]
    actions = set(AuditEvent.objects.filter(actor=admin).values_list("action", flat=True))
    assert {"case.admin_list", "case.admin_read", "care_relationship.admin_create"} <= actions
    created = AuditEvent.objects.get(action="care_relationship.admin_create")
    assert created.patient_id == alice.pk


def test_clinical_records_are_read_only_in_the_admin_site(admin, alice):
    case = make_case(patient=alice, title="Original")
    client = client_for(admin)
    client.post(f"/admin/cases/case/{case.pk}/change/", {"title": "Changed in admin"})
    case.refresh_from_db()
    assert case.title == "Original"
    assert client.get("/admin/cases/case/add/").status_code == 403


@pytest.mark.parametrize("model", ["cases/case", "imaging/image", "readings/reading", "reports/report", "audit/auditevent"])
def test_no_clinical_record_or_audit_event_can_be_added_or_deleted_in_the_admin_site(admin, model):
    client = client_for(admin)
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 403
    app_label, model_name = model.split("/")
    registered = next(m for m in site._registry if (m._meta.app_label, m._meta.model_name) == (app_label, model_name))
    assert not site._registry[registered].has_delete_permission(RequestFactory().get("/"))


def test_a_list_read_is_found_by_each_patient_it_showed(admin, alice, charlie):
    alice_case, charlie_case = make_case(patient=alice), make_case(patient=charlie)
    client = client_for(admin)
    client.get("/api/v1/cases/")
    for patient, case in ((alice, alice_case), (charlie, charlie_case)):
        rows = client.get(f"/api/v1/audit-events/?patient={patient.pk}&action=case.list").json()["results"]
        assert [row["detail"]["ids"] for row in rows] == [[case.pk]]
