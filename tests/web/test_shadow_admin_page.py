"""The admin page's "Candidates in shadow" section, end to end: Debian's Chromium against a live
Django server on PostgreSQL, with the shipped chest packages (2.0.0 active, 1.0.0 the candidate).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_shadow_admin_page.py

Three signed cases were read by both versions (doctor, active, candidate): (P, P, P), (P, N, P),
(N, N, N). The admin puts 1.0.0 in shadow with a reason, reads the comparison (candidate 3 of 3,
active 2 of 3, one case to review, linked), and promotes it with a reason. The screenshot goes to
test-artifacts/admin-shadow.png
(and the comparison alone, admin-shadow-comparison.png).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from live_pages import ARTIFACTS, DESKTOP, PageErrors, accessibility_violations, screenshot, sign_in
from model_packages import CHEST

CANDIDATE = "1.0.0"


@pytest.mark.django_db(transaction=True)
def test_an_admin_puts_a_version_in_shadow_compares_it_and_promotes_it(portal_settings, live_server, browser):
    from accounts.models import CareRelationship, Role
    from audit.models import AuditEvent
    from clinic_factories import make_user
    from inference.models import ActiveModel, ShadowCandidate
    from shadow_cases import NEGATIVE as N, POSITIVE as P, signed_shadow_case

    if not any(Path(portal_settings.MODEL_PACKAGES_DIR).glob(f"{CHEST}/{CANDIDATE}/model_metadata.json")):
        pytest.skip(f"no {CHEST} {CANDIDATE} package (set MODEL_PACKAGES_DIR)")
    admin = make_user("clinic-admin", Role.ADMIN)
    patient, doctor = make_user("alice", Role.PATIENT), make_user("dr-bob", Role.DOCTOR)
    CareRelationship.objects.create(doctor=doctor, patient=patient, created_by=admin)
    reports = [
        signed_shadow_case(patient=patient, doctor=doctor, active=active, candidate=candidate, agrees=doctor_label == active)
        for doctor_label, active, candidate in [(P, P, P), (P, N, P), (N, N, N)]
    ]

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username, "correct-Horse-battery-9")
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")
    assert page.is_visible("#shadow-empty")
    # The active version (2.0.0, pinned on first sight) is not offered: it reads every case already.
    offered = page.locator("#shadow-version option").all_text_contents()
    assert f"{CHEST} {CANDIDATE}" in offered and f"{CHEST} 2.0.0" not in offered

    page.select_option("#shadow-version", f"{CHEST}|{CANDIDATE}")
    page.fill("#shadow-reason", "Compare the first release on our own patients")
    page.get_by_role("button", name="Put in shadow").click()
    article = page.locator(f"article.shadow-candidate[data-version='{CANDIDATE}']")
    article.wait_for()
    page.wait_for_selector("#status:has-text('now reads every new case in shadow')")
    assert ShadowCandidate.objects.get(ended_at__isnull=True).version == CANDIDATE
    assert "against active 2.0.0" in article.locator("h3").text_content()
    assert article.locator(".shadow-summary").text_content() == "3 signed cases compared."

    # The intervals are drawn: a dot and a line per version and measure.
    article.locator("svg.shadow-chart").wait_for()
    candidate_agreement = article.locator("g.interval[data-measure=agreement][data-side=candidate]")
    assert candidate_agreement.locator("circle").count() == 1 and candidate_agreement.locator("line").count() == 1
    assert article.locator("svg.shadow-chart g.interval").count() == 6
    numbers = [row.split("\t") for row in article.locator("table.shadow-numbers tbody tr").all_inner_texts()]
    assert numbers[0] == ["Agreement with doctors", "Active 2.0.0", "67% (2 of 3; 95% CI 21%–94%)"]
    assert numbers[1] == ["Agreement with doctors", f"Candidate {CANDIDATE}", "100% (3 of 3; 95% CI 44%–100%)"]
    # The one case to review, linked to its page.
    [row] = article.locator("table.shadow-disagreements tbody tr").all()
    assert row.get_attribute("data-case") == str(reports[1].case_id)
    assert row.locator("a").get_attribute("href") == f"/admin/cases/case/{reports[1].case_id}/change/"
    assert row.locator("td").all_text_contents()[2:] == [P, f"{N} (0.03)", f"{P} (0.97)"]
    assert not accessibility_violations(page, context="#shadow")
    screenshot(page, "admin-shadow")
    article.screenshot(path=str(ARTIFACTS / "admin-shadow-comparison.png"))  # docs/shadow.md shows it
    assert AuditEvent.objects.filter(actor=admin, action="shadow.comparison_read", patient=patient).exists()

    # Promotion asks why, and the answer goes to the audit log with her name.
    page.once("dialog", lambda dialog: dialog.accept("Better on our own patients"))
    article.get_by_role("button", name=f"Promote {CANDIDATE} to active").click()
    page.wait_for_selector("#status:has-text('is now active')")
    assert ActiveModel.objects.get(name=CHEST).version == CANDIDATE
    activation = AuditEvent.objects.get(action="model.activate", actor=admin)
    assert activation.detail == {"version": CANDIDATE, "reason": "Better on our own patients"}
    assert AuditEvent.objects.filter(action="model.shadow_stop", actor=admin).count() == 1
    assert page.is_visible("#shadow-empty")
    chest = page.locator(f"article[data-model='{CHEST}']")
    chest.locator(f"li[data-version='{CANDIDATE}'] .badge").wait_for()
    assert chest.locator(f"li[data-version='{CANDIDATE}'] .badge").text_content() == "Active"
    # The version it replaced may now go in shadow in turn.
    offered = page.locator("#shadow-version option").all_text_contents()
    assert f"{CHEST} 2.0.0" in offered and f"{CHEST} {CANDIDATE}" not in offered
    assert not errors, errors
