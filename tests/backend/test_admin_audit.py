"""The Django admin's account, token and audit-log pages write to the audit log, and so do the
changes made there: who may do what (role, staff, superuser, active) with the old and new value."""

from django.utils import timezone

from accounts.models import ApiToken, Role, User
from accounts.services import api_token_create
from audit.models import AuditEvent
from audit.services import audit_record
from clinic_factories import client_for


def _events(action: str):
    return AuditEvent.objects.filter(action=action)


def test_the_admin_pages_over_accounts_tokens_and_the_log_are_recorded(admin, alice, bob):
    token, _ = api_token_create(user=alice, name="laptop")
    event = audit_record(actor=bob, action="case.read", object_type="case", object_id=1, patient_id=alice.pk)
    client = client_for(admin)
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{alice.pk}/change/",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        "/admin/audit/auditevent/",
        f"/admin/audit/auditevent/{event.pk}/change/",
    ):
        assert client.get(path).status_code == 200, path

    # The user list names each patient it showed, as API list reads do.
    assert alice.pk in set(_events("user.admin_list").values_list("patient_id", flat=True))
    read = _events("user.admin_read").get()
    assert (read.actor, read.object_id, read.patient_id) == (admin, str(alice.pk), alice.pk)
    assert _events("api_token.admin_list").get().patient_id == alice.pk
    assert _events("api_token.admin_read").get().patient_id == alice.pk
    assert _events("audit_event.admin_list").filter(actor=admin).exists()
    assert _events("audit_event.admin_read").get().object_id == str(event.pk)


def _change_form(user: User, **changes) -> dict:
    """The admin's change form for `user`, as the page would post it back, with `changes`."""
    fields = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined_0": timezone.localtime(user.date_joined).strftime("%Y-%m-%d"),
        "date_joined_1": timezone.localtime(user.date_joined).strftime("%H:%M:%S"),
        **changes,
    }
    # Unticked checkboxes are not sent at all.
    return {name: ("on" if value is True else value) for name, value in fields.items() if value is not False}


def test_a_role_and_staff_change_in_the_admin_is_recorded_with_old_and_new_values(admin, bob):
    response = client_for(admin).post(
        f"/admin/accounts/user/{bob.pk}/change/", _change_form(bob, role=Role.ADMIN, is_staff=True)
    )
    assert response.status_code == 302, response.content[:3000]
    bob.refresh_from_db()
    assert (bob.role, bob.is_staff) == (Role.ADMIN, True)
    event = _events("user.admin_update").get()
    assert (event.actor, event.object_id, event.patient_id) == (admin, str(bob.pk), None)
    assert event.detail["changes"] == {
        "role": {"from": Role.DOCTOR, "to": Role.ADMIN},
        "is_staff": {"from": False, "to": True},
    }


def test_a_password_set_in_the_admin_is_recorded(admin, alice):
    new = "another-Horse-battery-7"
    response = client_for(admin).post(
        f"/admin/accounts/user/{alice.pk}/password/", {"password1": new, "password2": new, "usable_password": "true"}
    )
    assert response.status_code == 302, response.content[:3000]
    event = _events("user.admin_password_change").get()
    assert (event.object_id, event.patient_id) == (str(alice.pk), alice.pk)


def test_deleting_a_token_in_the_admin_is_recorded(admin, alice):
    token, _ = api_token_create(user=alice)
    response = client_for(admin).post(f"/admin/accounts/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    event = _events("api_token.admin_delete").get()
    assert (event.object_id, event.patient_id) == (str(token.pk), alice.pk)
