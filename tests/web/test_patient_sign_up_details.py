"""A patient gives her date of birth and sex when she signs up (both optional); her doctor then
reads her age and sex beside her case.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_patient_sign_up_details.py
"""
from __future__ import annotations

import datetime

import pytest
from live_pages import DEMO_PASSWORD, PHONE, PageErrors, accessibility_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_gives_her_date_of_birth_and_sex_at_sign_up(portal_settings, live_server, browser):
    from accounts.ages import age_in_years
    from accounts.models import User
    from accounts.serializers import PatientSerializer

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#sign-up-form", state="visible")
    page.fill("#sign-up-username", "gwen")
    page.fill("#sign-up-email", "gwen@example.org")
    page.get_by_label("Date of birth (optional, shown to your doctor)").fill("1984-07-09")
    page.get_by_label("Sex (optional, shown to your doctor)").select_option("female")
    page.fill("#sign-up-password", DEMO_PASSWORD)
    assert not accessibility_violations(page, context="#sign-up-form"), accessibility_violations(page, context="#sign-up-form")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    gwen = User.objects.get(username="gwen")
    assert gwen.date_of_birth == datetime.date(1984, 7, 9) and gwen.sex == "female"
    shown = PatientSerializer(gwen).data
    assert shown["age"] == age_in_years(datetime.date(1984, 7, 9), datetime.date.today()) and shown["sex"] == "female"
    assert not errors, errors
    page.close()


def test_both_may_be_left_out(portal_settings, live_server, browser):
    from accounts.models import User

    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#sign-up-form", state="visible")
    page.fill("#sign-up-username", "hana")
    page.fill("#sign-up-email", "hana@example.org")
    page.fill("#sign-up-password", DEMO_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    hana = User.objects.get(username="hana")
    assert hana.date_of_birth is None and hana.sex == ""
    page.close()
