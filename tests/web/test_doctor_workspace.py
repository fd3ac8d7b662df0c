"""The doctor workspace, end to end: from the worklist to a signed and then amended report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_doctor_workspace.py

A patient reads a real full-size pneumonia X-ray in her browser and adds it to her case; a real
Celery worker re-reads it on the server. A second image carries a browser reading the server does
not confirm (what a modified page would send). Her doctor signs in on the front page, lands on his
worklist (AI-flagged first, then the longest waiting), filters it, opens the case, sees both images
with zoom, contrast and the heat map, the browser and server readings side by side with the
mismatch flagged, her history, and signs a report that agrees with the AI; then amends it.
Screenshots go to test-artifacts/doctor-*.png.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone
from live_pages import (DEMO_PASSWORD, DESKTOP, MODEL_LOAD_MS, PHONE, PageErrors, accessibility_violations,
                        finished_readings, first_read_as, screenshot, sign_in)

from bench.browser_inference import chest_xrays

pytestmark = pytest.mark.django_db(transaction=True)
WORKER_WAIT_S = 120


def xrays(data_dir: Path, kind: str) -> list[Path]:
    return [data_dir / "chest_xray_kermany" / r["file"] for r in chest_xrays(data_dir) if r["file"].startswith(f"{kind}/")]


def clinic():
    from accounts.models import CareRelationship, Role, User

    admin = User.objects.create_user(username="clinic-admin", email="admin@example.org", password=DEMO_PASSWORD,
                                     role=Role.ADMIN, is_staff=True)
    doctor = User.objects.create_user(username="dr-lee", email="lee@example.org", password=DEMO_PASSWORD,
                                      role=Role.DOCTOR, first_name="Sam", last_name="Lee")
    erin = User.objects.create_user(username="erin", email="erin@example.org", password=DEMO_PASSWORD,
                                    role=Role.PATIENT, first_name="Erin", last_name="Hale")
    CareRelationship.objects.create(doctor=doctor, patient=erin, created_by=admin)
    return doctor, erin


def test_a_doctor_goes_from_the_worklist_to_a_signed_and_amended_report(portal_settings, celery_worker, live_server,
                                                                         browser, data_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.models import Case
    from cases.services import case_create, case_submit
    from imaging.services import image_upload
    from readings.queueing import browser_reading_submit
    from readings.models import Reading
    from reports.models import Report

    doctor, erin = clinic()
    # Real X-rays the model reads as what they are: pneumonia (with a heat map) and normal.
    pneumonia = first_read_as(xrays(data_dir, "PNEUMONIA"), positive=True)
    normal = first_read_as(xrays(data_dir, "NORMAL"), positive=False)

    # An older case the AI did not flag: submitted three days ago, read as normal on the server.
    older = case_create(created_by=erin, patient=erin, title="Annual check")
    image_upload(case=older, uploaded_by=erin, file=SimpleUploadedFile(normal.name, normal.read_bytes()))
    case_submit(case=older, submitted_by=erin)
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    Case.objects.filter(pk=older.pk).update(created_at=three_days_ago, submitted_at=three_days_ago)

    # The patient reads her X-ray in her browser and adds it to a new case.
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "erin")
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    page.get_by_label("What is it about?").fill("Cough and fever")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_selector("#case-title:has-text('Cough and fever')")
    page.get_by_label("Chest X-ray (PNG, JPEG or uncompressed DICOM)").set_input_files(str(pneumonia))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_selector("#status:has-text('were added to your case')", timeout=MODEL_LOAD_MS)
    case = Case.objects.get(patient=erin, title="Cough and fever")
    real = Reading.objects.get(case=case, runs_on="browser")

    # A second image arrives with a browser reading copied from the first: the server will not confirm it.
    second = image_upload(case=case, uploaded_by=erin, file=SimpleUploadedFile(normal.name, normal.read_bytes()))
    fields = ("model_name", "model_version", "backend", "probabilities", "label", "score", "threshold", "heatmap",
              "latency_ms")
    wrong = browser_reading_submit(case=case, image=second, recorded_by=erin, **{f: getattr(real, f) for f in fields})
    case_submit(case=case, submitted_by=erin)
    checks = {r.verifies_id: r for r in finished_readings(2, timeout=WORKER_WAIT_S, case=case, runs_on="server")}
    assert checks[real.pk].status == "succeeded" and not checks[real.pk].disagrees, checks[real.pk].error
    assert checks[wrong.pk].status == "succeeded" and checks[wrong.pk].disagrees
    case.refresh_from_db()
    assert case.ai_flagged and case.status == "ai_read"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("#sign-in-form", state="visible")

    # The doctor signs in on the front page and is taken to his workspace.
    sign_in(page, live_server.url, "dr-lee")
    page.wait_for_url("**/doctor.html")
    page.wait_for_selector("#worklist tbody tr[data-case-id]")
    rows = page.locator("#worklist tbody tr")
    assert rows.count() == 2
    # Flagged first, although the other case has waited longer.
    assert "Cough and fever" in rows.nth(0).text_content() and "flagged" in rows.nth(0).text_content()
    assert "Annual check" in rows.nth(1).text_content() and "flagged" not in rows.nth(1).text_content()
    assert "Erin Hale" in rows.nth(0).text_content()

    page.get_by_label("AI-flagged only").check()
    # A function, not an expression: Playwright evals an expression in the page, which its CSP refuses.
    page.wait_for_function("() => document.querySelectorAll('#worklist tbody tr[data-case-id]').length === 1")
    page.get_by_label("AI-flagged only").uncheck()
    page.get_by_label("Cases").select_option("reported")
    page.wait_for_selector("#worklist tbody:has-text('No cases match these filters.')")
    page.get_by_label("Cases").select_option("to-review")
    page.wait_for_selector("#worklist tbody tr[data-case-id] >> nth=1")

    page.get_by_role("button", name="Cough and fever").click()
    page.wait_for_selector("#case-title:has-text('Cough and fever')")
    page.wait_for_selector(f".image-block[data-image-id='{second.pk}'] canvas.picture[data-loaded=true]")
    blocks = page.locator(".image-block")
    assert blocks.count() == 2
    first_block = page.locator(f".image-block[data-image-id='{real.image_id}']")
    second_block = page.locator(f".image-block[data-image-id='{second.pk}']")
    first_block.locator("canvas.picture[data-loaded=true]").wait_for()
    # Side by side: the browser's and the server's reading of each image.
    assert real.label in first_block.locator("td").nth(0).text_content()
    assert checks[real.pk].label in first_block.locator("td").nth(1).text_content()
    assert "agree" in first_block.text_content() and "Mismatch" not in first_block.text_content()
    assert "Mismatch" in second_block.locator(".mismatch").text_content()
    # Beside each probability of pneumonia its band; the threshold with the goal it was chosen for.
    metadata = json.loads((Path(portal_settings.MODEL_PACKAGES_DIR) / real.model_name / real.model_version
                           / "model_metadata.json").read_text())
    server_cell = first_block.locator("td").nth(1).text_content()
    assert f"Threshold {real.threshold * 100:.1f} %" in server_cell, server_cell
    point = metadata.get("operating_point")
    if point:
        bands = point["bands"]
        score = checks[real.pk].score
        band = bands["names"][0 if score < bands["below"] else 2 if score >= bands["from"] else 1]
        assert band in server_cell and point["goal"] in server_cell, server_cell
    assert "Evidence for pneumonia" in first_block.locator(".heatmap-legend").text_content()

    # Zoom, contrast and the heat map layer.
    heatmap = first_block.get_by_label("Heat map", exact=True)
    assert heatmap.is_checked()
    overlay = first_block.locator("canvas.overlay")
    assert overlay.is_visible()
    assert page.evaluate("""(id) => {
        const c = document.querySelector(`.image-block[data-image-id='${id}'] canvas.overlay`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
        return false;
    }""", real.image_id), "the heat map layer is empty"
    heatmap.uncheck()
    assert overlay.is_hidden()
    width_before = first_block.locator(".stack").bounding_box()["width"]
    first_block.get_by_label("Zoom").fill("2")
    assert first_block.locator(".stack").bounding_box()["width"] > 1.9 * width_before
    first_block.get_by_label("Contrast").fill("1.5")
    assert "contrast(1.5)" in first_block.locator("canvas.picture").get_attribute("style")
    first_block.get_by_role("button", name="Reset view").click()
    assert heatmap.is_checked() and overlay.is_visible()

    # Her history lists both cases and what happened.
    assert "Annual check" in page.text_content("#patient-cases")
    assert page.locator("#history li").count() >= 3

    # A draft first; the report cites the server's reading of the real X-ray.
    page.get_by_label("Findings").fill("Patchy consolidation in the right lower zone.")
    page.get_by_label("Impression").fill("Right lower lobe pneumonia.")
    page.get_by_label("I agree with the AI").check()
    page.get_by_label("AI reading referred to").select_option(str(checks[real.pk].pk))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector("#status:has-text('The draft is saved.')")
    draft = Report.objects.get(case=case)
    assert draft.status == "draft" and draft.reading_id == checks[real.pk].pk and draft.ai_agreement == "agrees"
    screenshot(page, "doctor-case")
    assert not accessibility_violations(page), accessibility_violations(page)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign report").click()
    page.wait_for_selector("#status:has-text('The report is signed.')")
    assert page.get_by_role("alert").text_content() == "", page.get_by_role("alert").text_content()
    draft.refresh_from_db()
    case.refresh_from_db()
    assert draft.status == "signed" and draft.author == doctor and case.status == "reported"
    assert "Signed by Sam Lee" in page.text_content("#reports")
    # Signed: off the "to review" worklist.
    assert page.locator("#worklist tbody tr[data-case-id]").count() == 1

    # Amend it: a reason, a corrected impression, signed again.
    page.get_by_role("button", name="Amend this report").click()
    page.get_by_label("Reason for the amendment").fill("Laterality corrected after comparison with the lateral view.")
    page.get_by_label("Impression").fill("Left lower lobe pneumonia.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign report").click()
    page.wait_for_selector("#status:has-text('The report is signed.')")
    amendment = Report.objects.get(amends=draft)
    assert amendment.status == "signed" and amendment.impression == "Left lower lobe pneumonia."
    assert amendment.amendment_reason.startswith("Laterality corrected")
    assert "amended later" in page.text_content("#reports")
    screenshot(page, "doctor-workspace")

    # The older case has no AI reading yet: he asks the server (the Celery worker) for one.
    page.locator("#patient-cases").get_by_role("button", name="Annual check").click()
    page.wait_for_selector("#case-title:has-text('Annual check')")
    assert "none" in page.locator(".image-block td").nth(1).text_content()
    page.get_by_role("button", name="Ask the server to read this image").click()
    page.wait_for_selector("#status:has-text('The server has read the image.')", timeout=WORKER_WAIT_S * 1000)
    server_reading = Reading.objects.get(case=older, runs_on="server")
    assert server_reading.status == "succeeded" and server_reading.requested_by == doctor
    assert server_reading.label in page.locator(".image-block td").nth(1).text_content()
    page.locator("#patient-cases").get_by_role("button", name="Cough and fever").click()
    page.wait_for_selector("#case-title:has-text('Cough and fever')")

    # The address names the open case: a reload comes back to it.
    page.reload()
    page.wait_for_selector("#case-title:has-text('Cough and fever')")
    # A case that is not his (or does not exist) is refused with the API's own message.
    page.goto(f"{live_server.url}/static/web/doctor.html#case-999999")
    page.wait_for_function("() => document.getElementById('error').textContent !== ''")
    assert "Something went wrong" not in page.text_content("#error"), page.text_content("#error")
    assert page.is_hidden("#case")

    # A phone-sized screen needs no sideways scrolling.
    page.set_viewport_size(PHONE)
    page.get_by_label("Cases").select_option("all")
    page.wait_for_selector("#worklist tbody tr[data-case-id] >> nth=1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not accessibility_violations(page), accessibility_violations(page)
    assert not errors, errors
    page.close()
