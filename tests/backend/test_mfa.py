"""Two-factor sign-in: doctors and admins enter an authenticator code after the password.

Real sessions through Django's test client, real django-otp devices in the database, codes
computed from the secret the API hands out, as an authenticator app computes them.
"""

import base64
import re

import pytest

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import AuditEvent
from clinic_factories import PASSWORD, authenticator_code, authenticator_for, client_for

API = "/api/v1"


def signed_in_with_password(username: str) -> APIClient:
    client = APIClient()
    response = client.post(f"{API}/auth/login/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return client


def code_from_secret(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def verify(client: APIClient, code: str):
    return client.post(f"{API}/mfa/verify/", {"code": code}, format="json")


def enrol(client: APIClient) -> list[str]:
    """Set up an authenticator through the API; returns the recovery codes."""
    started = client.post(f"{API}/mfa/enrolment/")
    assert started.status_code == 201, started.content
    confirmed = client.post(
        f"{API}/mfa/enrolment/confirm/", {"code": code_from_secret(started.json()["secret"])}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    return confirmed.json()["recovery_codes"]


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_doctor_without_an_authenticator_sees_no_patient_data_until_she_sets_one_up(bob, alice):
    client = signed_in_with_password("bob")
    for path in ("/cases/", "/patients/", f"/patients/{alice.pk}/history/", "/care-relationships/"):
        response = client.get(f"{API}{path}")
        assert response.status_code == 403, path
        assert error_code(response) == "second_factor_enrolment_required"
    # What she may still do: ask who she is (and what is missing), get a CSRF token, sign out.
    me = client.get(f"{API}/auth/me/")
    assert me.status_code == 200 and me.json()["second_factor"] == "enrolment_required"
    assert client.get(f"{API}/auth/csrf/").status_code == 200
    refusal = AuditEvent.objects.filter(action="request.forbidden", actor=bob).first()
    assert refusal is not None and refusal.detail["reason"] == "second_factor_enrolment_required"
    assert client.post(f"{API}/auth/logout/").status_code == 204


def test_enrolment_gives_a_qr_code_and_a_secret_then_ten_recovery_codes(bob):
    client = signed_in_with_password("bob")
    started = client.post(f"{API}/mfa/enrolment/").json()
    assert started["qr_svg"].startswith("<svg") and "<script" not in started["qr_svg"]
    assert re.fullmatch(r"[A-Z2-7]{32}", started["secret"])
    assert started["otpauth_uri"].startswith("otpauth://totp/Healthcare%20Image%20Analysis%3Abob?")
    assert f"secret={started['secret']}" in started["otpauth_uri"]
    assert client.get(f"{API}/cases/").status_code == 403  # not before the first code

    confirmed = client.post(
        f"{API}/mfa/enrolment/confirm/", {"code": code_from_secret(started["secret"])}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.content
    codes = confirmed.json()["recovery_codes"]
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=bob).confirmed
    # This session entered a code, so it is verified; enrolling again needs an admin's reset.
    assert client.get(f"{API}/cases/").status_code == 200
    assert client.get(f"{API}/auth/me/").json()["second_factor"] == "verified"
    assert error_code(client.post(f"{API}/mfa/enrolment/")) == "already_enrolled"
    assert list(AuditEvent.objects.filter(actor=bob, action__startswith="mfa.").order_by("id").values_list("action", flat=True)) == [
        "mfa.enrol_start",
        "mfa.enrol",
    ]


def test_an_enrolled_doctor_enters_a_code_at_each_sign_in(bob):
    device = authenticator_for(bob)
    client = signed_in_with_password("bob")
    assert client.get(f"{API}/auth/me/").json()["second_factor"] == "code_required"
    response = client.get(f"{API}/cases/")
    assert response.status_code == 403 and error_code(response) == "second_factor_required"

    half_signed_in_key = client.cookies["sessionid"].value
    answer = verify(client, authenticator_code(device))
    assert answer.status_code == 200 and answer.json()["second_factor"] == "verified"
    assert client.cookies["sessionid"].value != half_signed_in_key  # a leaked key stays unverified
    assert client.get(f"{API}/cases/").status_code == 200
    assert AuditEvent.objects.filter(actor=bob, action="mfa.verify", allowed=True).exists()


def test_a_wrong_code_is_refused_audited_and_slows_the_next_tries(bob):
    device = authenticator_for(bob)
    client = signed_in_with_password("bob")
    right = authenticator_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    response = verify(client, wrong)
    assert response.status_code == 400 and error_code(response) == "invalid_code"
    # Straight after a wrong code even the right one waits (1 s, then 2, 4, 8...).
    response = verify(client, right)
    assert response.status_code == 429 and error_code(response) == "too_many_attempts"
    assert response.json()["error"]["details"]["retry_after"] >= 1
    assert client.get(f"{API}/cases/").status_code == 403
    refusals = AuditEvent.objects.filter(actor=bob, action="mfa.verify", allowed=False).order_by("id")
    assert [event.detail["reason"] for event in refusals] == ["wrong_code", "too_many_attempts"]


def test_a_code_is_accepted_once(bob):
    device = authenticator_for(bob)
    code = authenticator_code(device)
    assert verify(signed_in_with_password("bob"), code).status_code == 200
    # Someone who saw the code (over a shoulder, in a phishing page) cannot use it again.
    replayed = verify(signed_in_with_password("bob"), code)
    assert replayed.status_code == 400 and error_code(replayed) == "invalid_code"


def test_a_recovery_code_signs_in_once(bob):
    codes = enrol(signed_in_with_password("bob"))

    client = signed_in_with_password("bob")
    assert verify(client, codes[3].upper()).status_code == 200  # as typed from a printout
    assert client.get(f"{API}/cases/").status_code == 200
    used = AuditEvent.objects.get(actor=bob, action="mfa.recovery_code_used")
    assert used.detail["codes_left"] == 9

    again = verify(signed_in_with_password("bob"), codes[3])
    assert again.status_code == 400 and error_code(again) == "invalid_code"
    assert StaticDevice.objects.get(user=bob).token_set.count() == 9


def test_an_api_token_for_a_doctor_needs_a_current_code(bob, alice):
    def token(username: str, **extra):
        body = {"username": username, "password": PASSWORD, "name": "PACS bridge", **extra}
        return APIClient().post(f"{API}/auth/token/", body, format="json")

    # Not set up yet: the token would skip the second factor for good.
    assert error_code(token("bob")) == "second_factor_enrolment_required"
    device = authenticator_for(bob)
    missing = token("bob")
    assert missing.status_code == 403 and error_code(missing) == "second_factor_required"
    wrong = token("bob", code=f"{(int(authenticator_code(device)) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400 and error_code(wrong) == "invalid_code"
    device.throttle_reset()
    issued = token("bob", code=authenticator_code(device))
    assert issued.status_code == 201, issued.content
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.json()['key']}")
    assert bearer.get(f"{API}/cases/").status_code == 200
    # A patient who has not turned it on needs no code.
    assert token("alice").status_code == 201


def test_the_django_admin_needs_the_second_factor(admin):
    client = Client()
    client.force_login(admin)  # the password alone
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    device = authenticator_for(admin)
    sign_in = {"username": "admin", "password": PASSWORD}
    assert client.post("/admin/login/", sign_in).status_code == 200  # the form again, asking for the code
    with_code = {**sign_in, "otp_device": device.persistent_id, "otp_token": authenticator_code(device)}
    response = client.post("/admin/login/", with_code)
    assert response.status_code == 302, response.content
    assert client.get("/admin/").status_code == 200


def test_an_admin_resets_a_lost_authenticator(bob, admin):
    bob_client = client_for(bob)
    assert bob_client.get(f"{API}/cases/").status_code == 200
    url = f"{API}/users/{bob.pk}/second-factor/reset/"
    assert client_for(bob).post(url).status_code == 403  # not his own to reset

    assert client_for(admin).post(url).status_code == 204
    assert not TOTPDevice.objects.filter(user=bob).exists()
    assert not StaticDevice.objects.filter(user=bob).exists()
    # The session verified with the lost phone is verified no longer: he sets up a new one.
    response = bob_client.get(f"{API}/cases/")
    assert response.status_code == 403 and error_code(response) == "second_factor_enrolment_required"
    event = AuditEvent.objects.get(action="mfa.reset")
    assert (event.actor, event.object_id) == (admin, str(bob.pk))


def test_patients_are_not_asked_unless_they_turn_it_on(alice):
    client = signed_in_with_password("alice")
    assert client.get(f"{API}/auth/me/").json()["second_factor"] == "optional"
    assert client.get(f"{API}/cases/").status_code == 200

    enrol(client)
    later = signed_in_with_password("alice")
    response = later.get(f"{API}/cases/")
    assert response.status_code == 403 and error_code(response) == "second_factor_required"


def test_the_required_roles_are_a_setting(bob, settings):
    settings.MFA_REQUIRED_ROLES = ["admin"]
    client = signed_in_with_password("bob")
    assert client.get(f"{API}/auth/me/").json()["second_factor"] == "optional"
    assert client.get(f"{API}/cases/").status_code == 200


def test_the_demo_doctor_sets_up_her_authenticator_at_first_sign_in(db, medical_data_dir, settings, capsys):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", "--data-dir", str(medical_data_dir), "--password", PASSWORD)
    assert "authenticator app" in capsys.readouterr().out
    client = signed_in_with_password("dr-grey")
    assert client.get(f"{API}/auth/me/").json()["second_factor"] == "enrolment_required"
    enrol(client)
    assert client.get(f"{API}/cases/").json()["count"] > 0


def test_on_the_server_an_operator_resets_the_last_admins_authenticator(admin, capsys):
    from django.core.management import CommandError, call_command

    authenticator_for(admin)
    call_command("mfa_reset", "admin")
    assert "reset for admin" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=admin).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert (event.actor, event.object_id, event.detail) == (None, str(admin.pk), {"by": "manage.py mfa_reset"})
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("mfa_reset", "nobody")
