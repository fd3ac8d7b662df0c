"""The links sent by e-mail, end to end: an invited patient chooses her password, and a patient who
forgot hers asks for a reset link and chooses a new one. Debian's Chromium against a live Django
server; the e-mails are read from Django's locmem outbox, which the live server's threads share.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_password_links.py
"""
from __future__ import annotations

import re

import pytest
from live_pages import DEMO_PASSWORD, PHONE, PageErrors, accessibility_violations, sign_in

NEW_PASSWORD = "Harbour-lantern-evening-7"


def last_link(mail) -> str:
    return re.search(r"http\S+", mail.outbox[-1].body).group(0)


def choose_password(browser, link: str):
    """Opens the e-mailed link in a new tab, as a mail program would, and chooses the password."""
    page = browser.new_page(viewport=PHONE)
    page.goto(link)
    page.wait_for_selector("#password-form", state="visible")
    # The token is taken out of the address bar and the history at once.
    assert "token" not in page.url
    assert not accessibility_violations(page)
    page.locator("#new-password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_selector("#done", state="visible")
    return page


@pytest.fixture
def mail_settings(portal_settings, live_server):
    from django.core import mail

    portal_settings.PUBLIC_BASE_URL = live_server.url
    mail.outbox.clear()
    return mail


@pytest.mark.django_db(transaction=True)
def test_an_invited_patient_follows_the_link_and_signs_in(mail_settings, live_server, browser):
    from accounts.models import Role, User
    from accounts.services import patient_invite

    admin = User.objects.create_user("clinic", "clinic@example.org", DEMO_PASSWORD, role=Role.ADMIN)
    patient_invite(invited_by=admin, username="frank", email="frank@example.org", first_name="Frank")
    link = last_link(mail_settings)
    assert link.startswith(f"{live_server.url}/static/web/invitation.html#uid=")

    page = choose_password(browser, link)
    errors = PageErrors(page)
    assert page.locator("#username").text_content() == "frank"
    page.get_by_role("link", name="Sign in to the patient portal").click()
    sign_in(page, live_server.url, "frank", NEW_PASSWORD)
    page.wait_for_selector("#workspace", state="visible")

    # The link has done its work: opened again, it is refused with a message she can act on.
    page.goto(link)
    page.locator("#new-password").fill("Another-harbour-evening-8")
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_selector("#error:has-text('invalid or has expired')")
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_a_patient_who_forgot_her_password_resets_it_by_e_mail(mail_settings, live_server, browser):
    from accounts.models import User

    User.objects.create_user("grace", "grace@example.org", DEMO_PASSWORD)
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_selector("#request-form", state="visible")
    assert not accessibility_violations(page)
    page.get_by_label("E-mail address").fill("grace@example.org")
    page.get_by_role("button", name="E-mail me a link").click()
    page.wait_for_selector("#status:has-text('we have sent it a link')")
    assert mail_settings.outbox[-1].to == ["grace@example.org"]

    page.close()
    page = choose_password(browser, last_link(mail_settings))
    errors = PageErrors(page)
    sign_in(page, live_server.url, "grace", DEMO_PASSWORD)
    page.wait_for_selector("#error:has-text('Wrong username or password')")
    sign_in(page, live_server.url, "grace", NEW_PASSWORD)
    page.wait_for_selector("#workspace", state="visible")
    assert not errors, errors
