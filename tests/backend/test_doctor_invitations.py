"""POST /api/v1/invitations/ by a doctor: the invited patient is hers from the start."""

from django.core import mail

from accounts.models import CareRelationship, User
from audit.models import AuditEvent
from clinic_factories import client_for


def invite(inviter, capture, username="frank"):
    with capture(execute=True):
        response = client_for(inviter).post(
            "/api/v1/invitations/", {"username": username, "email": f"{username}@example.org"}, format="json"
        )
    assert response.status_code == 201, response.content
    return User.objects.get(username=username)


def test_a_doctors_invitee_is_under_her_care(bob, django_capture_on_commit_callbacks):
    frank = invite(bob, django_capture_on_commit_callbacks)
    link = CareRelationship.objects.get(patient=frank)
    assert link.doctor == bob and link.created_by == bob and link.ended_at is None
    assert mail.outbox[-1].to == ["frank@example.org"]
    assert AuditEvent.objects.filter(action="care.create", actor=bob, patient_id=frank.pk).exists()
    # She is among his patients at once.
    assert {row["username"] for row in client_for(bob).get("/api/v1/patients/").json()["results"]} == {"alice", "frank"}


def test_an_admins_invitee_chooses_her_doctor_herself(admin, django_capture_on_commit_callbacks):
    frank = invite(admin, django_capture_on_commit_callbacks)
    assert not CareRelationship.objects.filter(patient=frank).exists()


def test_a_patient_cannot_invite(alice):
    response = client_for(alice).post("/api/v1/invitations/", {"username": "x1x", "email": "x@example.org"}, format="json")
    assert response.status_code == 403
    assert not User.objects.filter(username="x1x").exists()
