"""The admin page's "Drift watch" section, end to end: Debian's Chromium against a live Django server on
PostgreSQL, with the shipped chest package 2.0.0 reading real X-rays in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_drift_admin_page.py

Three weeks of readings: two of real Kermany scans (the same distribution as the package's
validation split), then the same scans darkened to half their grey levels. The page draws the three
weeks in each chart, marks the third as a breach, and says in words which check breached. The
section's screenshot goes to test-artifacts/drift-view.png (docs/screenshots/drift-view.png).
"""
from __future__ import annotations

import pytest
from live_pages import ARTIFACTS, DESKTOP, PageErrors, accessibility_violations, sign_in
from model_packages import CHEST

VERSION = "2.0.0"


@pytest.mark.django_db(transaction=True)
def test_the_drift_section_draws_the_weeks_and_names_the_breach(portal_settings, live_server, browser, data_dir):
    from accounts.models import Role
    from clinic_factories import PASSWORD, make_user
    from drift_samples import darkened, same_distribution_scans, week_of_readings
    from inference.registry import package_get

    admin = make_user("clinic-admin", Role.ADMIN)
    patient, doctor = make_user("alice", Role.PATIENT), make_user("dr-bob", Role.DOCTOR)
    package = package_get(CHEST, VERSION)
    scans = same_distribution_scans(data_dir)
    for week, sample in enumerate([scans[:50], scans[50:], [darkened(scan) for scan in scans[:50]]]):
        week_of_readings(package=package, patient=patient, doctor=doctor, scans=sample, week=week)

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username, PASSWORD)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")
    assert page.locator("#drift-model").input_value() == CHEST  # the model with readings comes first

    version = page.locator(f"#drift article.drift-version[data-version='{VERSION}']")
    assert version.locator("h3").text_content() == f"{CHEST} {VERSION} (active)"
    assert "302 validation images" in version.locator(".note").text_content()
    charts = version.locator("svg.drift-chart")
    assert charts.count() == 4
    for check in ("score", "intensity", "refusals", "agreement"):
        chart = version.locator(f"svg.drift-chart[data-check='{check}']")
        assert chart.locator(".week").count() == 3, check
        assert chart.locator("line.threshold.warn").count() == 1 and chart.locator("line.threshold.breach").count() == 1
    intensity = version.locator("svg.drift-chart[data-check='intensity']")
    assert intensity.locator("rect.week.breach").get_attribute("data-week") == "2026-W47"
    assert intensity.locator(".week.breach").count() == 1

    assert "breached" in page.text_content("#drift-verdict")
    breaches = page.locator("#drift-breaches li").all_text_contents()
    assert any(text.startswith(f"{CHEST} {VERSION}, week 2026-W47: the intensity check breached.") for text in breaches), breaches
    assert not any("2026-W45" in text or "2026-W46" in text for text in breaches), breaches
    rows = page.locator("#drift-table tbody tr").all_inner_texts()
    assert [row.split("\t")[0] for row in rows] == [f"{VERSION} 2026-W45", f"{VERSION} 2026-W46", f"{VERSION} 2026-W47"]
    assert "(BREACH)" in rows[2].split("\t")[3] and "(BREACH)" not in rows[0]

    violations = accessibility_violations(page, context="#drift")
    assert not violations, violations
    assert errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#drift").screenshot(path=str(ARTIFACTS / "drift-view.png"))
