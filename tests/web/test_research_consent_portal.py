"""A patient turns research use of her reviewed cases on in the portal, and off again; the
database and the audit log say so each time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_research_consent_portal.py
"""
from __future__ import annotations

import pytest
from live_pages import DEMO_PASSWORD, PHONE, PageErrors, accessibility_violations, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BOX = "Use my reviewed cases, de-identified, for research and model improvement"


def test_a_patient_turns_research_use_on_and_off_in_the_portal(portal_settings, live_server, browser):
    from accounts.models import Role, User
    from audit.models import AuditEvent

    User.objects.create_user(username="iris", email="iris@example.org", password=DEMO_PASSWORD, role=Role.PATIENT)
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "iris")
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    box = page.get_by_label(BOX)
    page.wait_for_selector("#research-consent-summary:has-text('Off')")
    assert not box.is_checked()
    # What it means is said beside the box, in plain words.
    explained = page.locator("#research-explained").inner_text()
    for words in ("What never leaves", "date of birth", "Datasets made while it was on keep them"):
        assert words in explained

    box.check()
    page.wait_for_selector("#research-consent-summary:has-text('On since')")
    page.wait_for_selector("#status:has-text('Research use is on.')")
    iris = User.objects.get(username="iris")
    assert iris.research_consent and iris.research_consent_changed_at is not None
    event = AuditEvent.objects.get(action="account.research_consent")
    assert (event.actor_id, event.patient_id, event.detail["consent"]) == (iris.pk, iris.pk, "on")
    assert not accessibility_violations(page, context="#research-use"), accessibility_violations(page, context="#research-use")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#research-use").scroll_into_view_if_needed()
    screenshot(page, "portal-research-consent")

    # Her choice is the server's, not the page's: it is there after a reload.
    page.reload()
    page.wait_for_selector("#research-consent-summary:has-text('On since')")
    assert page.get_by_label(BOX).is_checked()

    page.get_by_label(BOX).uncheck()
    page.wait_for_selector("#research-consent-summary:has-text('Off since')")
    iris.refresh_from_db()
    assert iris.research_consent is False
    assert list(
        AuditEvent.objects.filter(action="account.research_consent").order_by("id").values_list("detail__consent", flat=True)
    ) == ["on", "off"]
    assert not errors, errors
    page.close()
