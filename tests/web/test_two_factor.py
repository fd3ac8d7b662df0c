"""Two-factor sign-in in the browser: Debian's Chromium against a live Django server on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_two_factor.py

A new doctor signs in with her password and is led through setting up an authenticator app: she
types the key shown beside the QR code into the "app" (here the TOTP algorithm, as any app runs
it), confirms its code, sees her recovery codes once and reaches her workspace. She signs out,
signs in again, mistypes the code and is told so, then enters the right one. Until then the API
shows her nothing. Screenshots: test-artifacts/two-factor-*.png.
"""
from __future__ import annotations

import base64

import pytest
from live_pages import DEMO_PASSWORD, PHONE, PageErrors, accessibility_violations, screenshot


def code_from_key(key: str) -> str:
    """What an authenticator app shows now for the key typed into it."""
    from django_otp.oath import totp

    return f"{totp(base64.b32decode(key.replace(' ', ''))):06d}"


def enter_password(page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.wait_for_selector("#sign-in-form", state="visible")
    page.fill("#sign-in-username", "dr-kim")
    page.fill("#sign-in-password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.django_db(transaction=True)
def test_a_doctor_sets_up_her_authenticator_then_signs_in_with_its_code(portal_settings, live_server, browser):
    from accounts.models import Role, User
    from audit.models import AuditEvent
    from clinic_factories import authenticator_code, authenticator_for

    doctor = User.objects.create_user(username="dr-kim", email="kim@example.org", password=DEMO_PASSWORD,
                                      role=Role.DOCTOR, first_name="Ana", last_name="Kim")
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)

    # The password alone: the doctor's page sends her back to finish signing in.
    enter_password(page, live_server.url)
    page.wait_for_selector("#enrolment", state="visible")
    assert page.is_visible("#enrolment-qr svg")
    assert page.evaluate("fetch('/api/v1/cases/').then((r) => r.status)") == 403
    page.goto(f"{live_server.url}/static/web/doctor.html")
    page.wait_for_url("**/static/web/portal.html")
    page.wait_for_selector("#enrolment", state="visible")
    screenshot(page, "two-factor-enrolment")
    assert not accessibility_violations(page)

    key = page.text_content("#enrolment-secret")
    page.get_by_label("The 6-digit code the app shows now").fill(code_from_key(key))
    page.get_by_role("button", name="Confirm code").click()
    page.wait_for_selector("#recovery", state="visible")
    codes = page.locator("#recovery-codes li").all_text_contents()
    assert len(set(codes)) == 10
    assert "shown only this once" in page.text_content("#recovery")
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("button", name="I have saved them: continue").click()
    page.wait_for_url("**/static/web/doctor.html")
    page.wait_for_selector("#whoami", state="visible")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/static/web/portal.html")

    # Next time: the password, then the code; a mistyped code is refused with a clear message.
    enter_password(page, live_server.url)
    page.wait_for_selector("#code-form", state="visible")
    device = authenticator_for(doctor)
    right = authenticator_code(device)
    page.get_by_label("Code", exact=True).fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#error:has-text('That code is not right')")
    screenshot(page, "two-factor-wrong-code")
    assert page.is_visible("#code-form")
    page.wait_for_timeout(1_500)  # after a wrong code the next try waits a second
    page.get_by_label("Code", exact=True).fill(right)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/static/web/doctor.html")
    page.wait_for_selector("#whoami", state="visible")

    actions = list(AuditEvent.objects.filter(actor=doctor, action__startswith="mfa.").order_by("id")
                   .values_list("action", "allowed"))
    # Each visit to the set-up step starts afresh with a new key (two here); the first code confirms it.
    assert actions == [("mfa.enrol_start", True), ("mfa.enrol_start", True), ("mfa.enrol", True),
                       ("mfa.verify", False), ("mfa.verify", True)]
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_a_patient_may_turn_it_on_and_is_then_asked_for_a_code(portal_settings, live_server, browser):
    from accounts.models import Role, User
    from clinic_factories import authenticator_code, authenticator_for
    from live_pages import sign_in

    patient = User.objects.create_user(username="erin", email="erin@example.org", password=DEMO_PASSWORD,
                                       role=Role.PATIENT)
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "erin")  # no code asked: it is optional for patients
    page.wait_for_selector("#workspace", state="visible")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_selector("#enrolment", state="visible")
    page.get_by_label("The 6-digit code the app shows now").fill(code_from_key(page.text_content("#enrolment-secret")))
    page.get_by_role("button", name="Confirm code").click()
    page.wait_for_selector("#recovery", state="visible")
    page.get_by_role("button", name="I have saved them: continue").click()
    page.wait_for_selector("#second-factor-on", state="visible")
    assert page.is_hidden("#second-factor-offer")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#sign-in-form", state="visible")
    page.fill("#sign-in-username", "erin")
    page.fill("#sign-in-password", DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#code-form", state="visible")
    page.get_by_label("Code", exact=True).fill(authenticator_code(authenticator_for(patient)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("#second-factor-on", state="visible")
    assert not errors, errors
    page.close()
