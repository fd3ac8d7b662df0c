"""The admin page's "Research datasets" section, end to end: Debian's Chromium against a live Django
server on PostgreSQL, with the shipped model packages and real Kermany chest X-rays.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_dataset_admin_page.py

Two patients without research consent have signed chest X-ray reports: exporting says, beside the
button, that there is nothing to export and why. Six consenting patients' reports follow; the export
shows the counts the database holds, writes the manifest under DATASETS_DIR and is audited; the same
export again says the version is already there; reports signed until yesterday and an exam type
nobody has reports of say there is nothing to export. The section's screenshot goes to
test-artifacts/admin-datasets.png (docs/screenshots/admin-datasets.png).
"""
from __future__ import annotations

import datetime
import json
from collections import Counter

import pytest
from live_pages import ARTIFACTS, DESKTOP, PHONE, PageErrors, accessibility_violations, sign_in

NOT_CONSENTING, CONSENTING = 2, 6


@pytest.mark.django_db(transaction=True)
def test_an_admin_exports_a_research_dataset_and_sees_what_it_holds(portal_settings, live_server, browser, tmp_path):
    from accounts.models import Role
    from audit.models import AuditEvent
    from clinic_factories import PASSWORD, make_user
    from django.utils import timezone
    from reviewed_cases import seed_reviewed_cases

    portal_settings.DATASETS_DIR = tmp_path / "datasets"
    admin = make_user("clinic-admin", Role.ADMIN)
    seed_reviewed_cases(NOT_CONSENTING, consent=False, prefix="private")

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username, PASSWORD)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")
    section = page.locator("#datasets")
    assert section.get_by_text("No dataset has been exported yet.").is_visible()
    assert not page.is_visible("#datasets-table")
    exam_types = page.locator("#datasets-exam-type option").all_text_contents()
    assert {"Chest X-ray", "Breast ultrasound"} <= set(exam_types), exam_types

    # Only patients without consent: nothing to export, said beside the button with the reason.
    page.select_option("#datasets-exam-type", "chest_xray")
    export = section.get_by_role("button", name="Export")
    export.click()
    beside = page.locator("#datasets-export-status.failed")
    beside.wait_for()
    assert beside.text_content() == (f"Nothing to export: {NOT_CONSENTING} signed chest x-ray reports, none usable "
                                     f"({NOT_CONSENTING} from patients without research consent).")
    assert not page.is_visible("#datasets-result")
    assert not portal_settings.DATASETS_DIR.exists()

    # A name the export refuses: the API's sentence, beside the button.
    page.fill("#datasets-name", "../elsewhere")
    export.click()
    page.wait_for_selector("#datasets-export-status.failed:has-text('A dataset name is 1 to 100 letters')")
    page.fill("#datasets-name", "")

    seeded = seed_reviewed_cases(CONSENTING, consent=True, prefix="consenting", start=1)
    export.click()
    page.wait_for_selector("#datasets-export-status:has-text('Exported')")
    assert "failed" not in page.get_attribute("#datasets-export-status", "class")
    result = page.locator("#datasets-result")
    version = result.get_attribute("data-version")
    assert result.get_attribute("data-already") == "false"
    manifest_path = portal_settings.DATASETS_DIR / "chest-xray-pneumonia" / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert len(manifest["examples"]) == CONSENTING

    # The counts on the page are the database's: one example per consenting report, labelled as signed.
    labels = Counter(case.label for case in seeded)
    splits = Counter(example["split"] for example in manifest["examples"])
    assert result.locator("h3").text_content() == f"chest-xray-pneumonia {version}"
    assert result.locator(".datasets-sentence").text_content() == (
        f"Exported chest-xray-pneumonia version {version}: {CONSENTING} examples.")
    counts = dict(zip(result.locator("dt").all_text_contents(), result.locator("dd").all_text_contents()))
    assert counts == {
        "Examples": str(CONSENTING),
        "Per label": f"normal {labels['normal']}, pneumonia {labels['pneumonia']}",
        "Per split": ", ".join(f"{split} {splits[split]}" for split in ("train", "validation", "test") if splits[split]),
        "Left out": f"{NOT_CONSENTING} reports of patients without research consent",
    }
    assert page.text_content("#status") == f"Exported chest-xray-pneumonia {version}: {CONSENTING} examples."

    # The list shows it, and the audit log has the export with its counts.
    assert not page.is_visible("#datasets-empty")
    rows = page.locator("#datasets-table tbody tr")
    assert rows.count() == 1
    assert rows.first.inner_text().split("\t") == [
        "chest-xray-pneumonia", version, "Chest X-ray", str(CONSENTING), f"normal {labels['normal']}, pneumonia {labels['pneumonia']}",
    ]
    event = AuditEvent.objects.get(action="dataset.export")
    assert event.actor_id == admin.pk and event.object_id == f"chest-xray-pneumonia/{version}"
    assert event.detail["examples"] == CONSENTING and event.detail["created"] is True
    assert event.detail["excluded"]["no_consent"] == NOT_CONSENTING

    violations = accessibility_violations(page, context="#datasets")
    assert not violations, violations
    ARTIFACTS.mkdir(exist_ok=True)
    section.screenshot(path=str(ARTIFACTS / "admin-datasets.png"))

    # The same reports again: the same version, left as it is, and the page says so.
    written = manifest_path.stat().st_mtime_ns
    export.click()
    page.wait_for_selector("#datasets-export-status:has-text('Already there')")
    assert result.get_attribute("data-already") == "true"
    assert result.locator(".datasets-sentence").text_content() == (
        f"chest-xray-pneumonia version {version} is already there, with the same {CONSENTING} examples: no signed report "
        "has changed since it was exported, so nothing new was written.")
    assert rows.count() == 1 and manifest_path.stat().st_mtime_ns == written
    again = AuditEvent.objects.filter(action="dataset.export").order_by("-id").first()
    assert again.detail["created"] is False

    # Reports signed until yesterday: none yet (the date goes with the request).
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    page.fill("#datasets-signed-until", yesterday.isoformat())
    export.click()
    page.wait_for_selector("#datasets-export-status.failed")
    assert page.text_content("#datasets-export-status") == "Nothing to export: there is no signed chest x-ray report."
    page.fill("#datasets-signed-until", "")

    # An exam type nobody has a signed report of.
    page.select_option("#datasets-exam-type", "breast_ultrasound")
    export.click()
    page.wait_for_selector("#datasets-export-status.failed:has-text('breast ultrasound')")
    assert page.text_content("#datasets-export-status") == "Nothing to export: there is no signed breast ultrasound report."
    assert not page.is_visible("#datasets-result")
    assert AuditEvent.objects.filter(action="dataset.export").count() == 2

    # On a phone the section fits the screen; the list scrolls inside its own box.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []
