"""Reports as the patient sees them: an amendment replaces the report it corrects.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_amended_reports.py

Her doctor signs a report on her case in his workspace, then amends it with a reason. She sees one
report, the amendment, with when and why it was amended; the report it replaced is readable only
behind a disclosure. The doctor's workspace still shows both. Screenshot: test-artifacts/portal-amended-report.png.
"""
from __future__ import annotations

import pytest
from live_pages import DEMO_PASSWORD, DESKTOP, PageErrors, accessibility_violations, screenshot, sign_in

from bench.browser_inference import chest_xrays

pytestmark = pytest.mark.django_db(transaction=True)

ORIGINAL_IMPRESSION = "Right lower lobe pneumonia."
AMENDED_IMPRESSION = "Left lower lobe pneumonia."
REASON = "Laterality corrected after comparison with the lateral view."


def submitted_case(data_dir):
    """Erin's case with one real chest X-ray, sent to Dr Lee, who cares for her."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import CareRelationship, Role, User
    from cases.services import case_create, case_submit
    from imaging.services import image_upload

    admin = User.objects.create_user(username="clinic-admin", email="admin@example.org", password=DEMO_PASSWORD,
                                      role=Role.ADMIN, is_staff=True)
    doctor = User.objects.create_user(username="dr-lee", email="lee@example.org", password=DEMO_PASSWORD,
                                      role=Role.DOCTOR, first_name="Sam", last_name="Lee")
    erin = User.objects.create_user(username="erin", email="erin@example.org", password=DEMO_PASSWORD,
                                    role=Role.PATIENT, first_name="Erin", last_name="Hale")
    CareRelationship.objects.create(doctor=doctor, patient=erin, created_by=admin)
    xray = data_dir / "chest_xray_kermany" / chest_xrays(data_dir)[0]["file"]
    case = case_create(created_by=erin, patient=erin, title="Cough and fever")
    image_upload(case=case, uploaded_by=erin,
                 file=SimpleUploadedFile(xray.name, xray.read_bytes(), content_type="image/jpeg"))
    return case_submit(case=case, submitted_by=erin)


def sign_report(page, impression: str) -> None:
    page.get_by_label("Impression").fill(impression)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign report").click()
    page.wait_for_selector("#status:has-text('The report is signed.')")


def test_the_patient_sees_an_amended_report_once_with_its_reason_and_the_original_behind_a_disclosure(
    portal_settings, live_server, browser, data_dir
):
    from reports.models import Report

    case = submitted_case(data_dir)
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)

    # The doctor signs a report in his workspace, then amends it with a reason.
    sign_in(page, live_server.url, "dr-lee")
    page.wait_for_url("**/doctor.html")
    page.get_by_role("button", name="Cough and fever").click()
    # Opening a case clears the report form last; fill it once the case is open.
    page.wait_for_selector("#status:has-text('Case \"Cough and fever\" is open.')")
    page.get_by_label("Findings").fill("Patchy consolidation in the lower zone.")
    page.get_by_label("No AI reading used").check()
    sign_report(page, ORIGINAL_IMPRESSION)
    page.get_by_role("button", name="Amend this report").click()
    page.get_by_label("Reason for the amendment").fill(REASON)
    sign_report(page, AMENDED_IMPRESSION)
    original = Report.objects.get(case=case, amends=None)
    amendment = Report.objects.get(amends=original)
    assert original.status == amendment.status == "signed" and amendment.amendment_reason == REASON
    # His workspace keeps the whole chain: the original, marked as amended, and the amendment with its reason.
    doctor_reports = page.text_content("#reports")
    assert ORIGINAL_IMPRESSION in doctor_reports and AMENDED_IMPRESSION in doctor_reports
    assert "amended later" in doctor_reports and REASON in doctor_reports
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#sign-in-form", state="visible")

    # She sees one report: the amendment, with when and why.
    sign_in(page, live_server.url, "erin")
    page.wait_for_selector("#workspace", state="visible")
    page.locator("#case-list").get_by_role("button", name="Cough and fever").click()
    page.wait_for_selector("#case-reports article")
    reports = page.locator("#case-reports > article")
    assert reports.count() == 1
    report = reports.first
    assert AMENDED_IMPRESSION in report.text_content()
    amended = report.locator(".amended")
    assert amended.is_visible() and REASON in amended.text_content()
    assert amended.locator("time").get_attribute("datetime")[:10] == amendment.signed_at.isoformat()[:10]
    assert str(amendment.signed_at.year) in amended.locator("time").text_content()

    # The original's text only behind the disclosure: closed, it is not shown.
    disclosure = report.locator("details")
    assert disclosure.count() == 1 and disclosure.get_attribute("open") is None
    assert ORIGINAL_IMPRESSION not in report.inner_text()
    assert ORIGINAL_IMPRESSION in disclosure.text_content()
    disclosure.locator("summary").click()
    assert disclosure.get_attribute("open") is not None
    assert disclosure.locator("p", has_text=ORIGINAL_IMPRESSION).is_visible()
    screenshot(page, "portal-amended-report")
    assert not accessibility_violations(page), accessibility_violations(page)
    assert not errors, errors
