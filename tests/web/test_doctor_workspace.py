"""The doctor workspace, end to end: from the worklist to a signed and then amended report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_doctor_workspace.py

A patient reads a real full-size pneumonia X-ray in her browser and adds it to her case; a real
Celery worker re-reads it on the server. A second image carries a browser reading the server does
not confirm (what a modified page would send). Her doctor signs in on the front page, lands on his
worklist (AI-flagged first, then the longest waiting), filters it, opens the case, and works the
viewer: dark and full-height, wheel zoom that keeps the point under the pointer, drag to pan, Fit
and 1:1, the keyboard, invert, the heat map's opacity, the shortcuts and their "?" list. He sees
the browser and server readings side by side with the mismatch flagged, her age and sex, the
reason for the exam, her earlier chest X-rays side by side and her timeline by case and day; he
starts from a template, signs a report that agrees with the AI, is offered the next case, amends
the report, and goes on with j. A 16-bit DICOM is windowed on its own values in a test of its own.
Screenshots go to test-artifacts/doctor-*.png.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone
from live_pages import (ARTIFACTS, DEMO_PASSWORD, DESKTOP, MODEL_LOAD_MS, PHONE, PageErrors, accessibility_violations,
                        finished_readings, first_read_as, screenshot, sign_in)

from bench.browser_inference import chest_xrays

pytestmark = pytest.mark.django_db(transaction=True)
WORKER_WAIT_S = 120


def xrays(data_dir: Path, kind: str) -> list[Path]:
    return [data_dir / "chest_xray_kermany" / r["file"] for r in chest_xrays(data_dir) if r["file"].startswith(f"{kind}/")]


GEOMETRY = """(id) => {
    const block = document.querySelector(`.image-block[data-image-id='${id}']`);
    const rect = (e) => { const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, width: r.width, height: r.height}; };
    const picture = block.querySelector('canvas.picture');
    return {viewer: rect(block.querySelector('.viewer')), image: rect(block.querySelector('.stack')),
            natural: {width: picture.width, height: picture.height}, innerHeight: window.innerHeight};
}"""
PIXEL = """([id, x, y]) => Array.from(document.querySelector(`.image-block[data-image-id='${id}'] canvas.picture`)
    .getContext('2d').getImageData(x, y, 1, 1).data)"""
VIEWER_BACKGROUND = "(id) => getComputedStyle(document.querySelector(`.image-block[data-image-id='${id}'] .viewer`)).backgroundColor"
ERIN_BORN = datetime.date(1979, 5, 17)


def erin_age() -> int:
    from accounts.ages import age_in_years

    return age_in_years(ERIN_BORN, timezone.localdate())


def inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def image_point(box: dict, x: float, y: float) -> tuple[float, float]:
    """The image pixel under a screen point."""
    image, natural = box["image"], box["natural"]
    return (x - image["x"]) * natural["width"] / image["width"], (y - image["y"]) * natural["height"] / image["height"]


def screen_point(box: dict, ix: float, iy: float) -> tuple[float, float]:
    """Where an image pixel is on the screen."""
    image, natural = box["image"], box["natural"]
    return image["x"] + ix * image["width"] / natural["width"], image["y"] + iy * image["height"] / natural["height"]


def clinic():
    from accounts.models import CareRelationship, Role, User

    admin = User.objects.create_user(username="clinic-admin", email="admin@example.org", password=DEMO_PASSWORD,
                                     role=Role.ADMIN, is_staff=True)
    doctor = User.objects.create_user(username="dr-lee", email="lee@example.org", password=DEMO_PASSWORD,
                                      role=Role.DOCTOR, first_name="Sam", last_name="Lee")
    erin = User.objects.create_user(username="erin", email="erin@example.org", password=DEMO_PASSWORD,
                                    role=Role.PATIENT, first_name="Erin", last_name="Hale",
                                    date_of_birth=ERIN_BORN, sex="female")
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
    from reports.services import report_create, report_sign

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
    # Last year's chest X-ray, reported: the prior shown beside the new case.
    last_year = case_create(created_by=erin, patient=erin, title="Last year's chest X-ray")
    image_upload(case=last_year, uploaded_by=erin, file=SimpleUploadedFile(normal.name, normal.read_bytes()))
    case_submit(case=last_year, submitted_by=erin)
    report_sign(report=report_create(case=last_year, author=doctor, findings="Clear lungs.",
                                     impression="No focal consolidation.", ai_agreement="no_reading"), signer=doctor)
    a_year_ago = timezone.now() - datetime.timedelta(days=365)
    Case.objects.filter(pk=last_year.pk).update(created_at=a_year_ago, submitted_at=a_year_ago)

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
    page.wait_for_function("() => document.querySelector('#worklist tbody').textContent.includes('Last year')")
    assert page.locator("#worklist tbody tr[data-case-id]").count() == 1
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

    # The viewer: dark, as tall as the window, the whole portrait X-ray fitted (never cut).
    first_id = real.image_id
    box = page.evaluate(GEOMETRY, first_id)
    assert page.evaluate(VIEWER_BACKGROUND, first_id) == "rgb(0, 0, 0)"
    assert box["innerHeight"] - 200 <= box["viewer"]["height"] <= box["innerHeight"]
    assert inside(box["image"], box["viewer"]), box
    assert abs(box["image"]["height"] - box["viewer"]["height"]) < 3 or abs(box["image"]["width"] - box["viewer"]["width"]) < 3

    # Heat map: on, not empty, its opacity a slider; h hides and shows it.
    heatmap = first_block.get_by_label("Heat map", exact=True)
    assert heatmap.is_checked()
    overlay = first_block.locator("canvas.overlay")
    assert overlay.is_visible()
    assert page.evaluate("""(id) => {
        const c = document.querySelector(`.image-block[data-image-id='${id}'] canvas.overlay`);
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
        return false;
    }""", first_id), "the heat map layer is empty"
    assert overlay.evaluate("(c) => getComputedStyle(c).opacity") == "0.45"
    first_block.get_by_label("Heat-map opacity").fill("80")
    assert overlay.evaluate("(c) => getComputedStyle(c).opacity") == "0.8"
    heatmap.uncheck()
    assert overlay.is_hidden()
    page.keyboard.press("h")
    assert heatmap.is_checked() and overlay.is_visible()

    # Wheel zoom at the pointer: the image point under it stays under it (less than a pixel).
    viewer = first_block.locator(".viewer")
    viewer.evaluate("(v) => v.scrollIntoView({block: 'center'})")
    for px, py, delta in ((0.3, 0.6, -360), (0.7, 0.2, -240), (0.5, 0.9, 300)):
        before = page.evaluate(GEOMETRY, first_id)
        x = before["viewer"]["x"] + px * before["viewer"]["width"]
        y = before["viewer"]["y"] + py * before["viewer"]["height"]
        point = image_point(before, x, y)
        scale = viewer.get_attribute("data-scale")
        page.mouse.move(x, y)
        page.mouse.wheel(0, delta)
        page.wait_for_function("([id, s]) => document.querySelector(`.image-block[data-image-id='${id}'] .viewer`)"
                               ".dataset.scale !== s", arg=[first_id, scale])
        after = page.evaluate(GEOMETRY, first_id)
        assert (after["image"]["width"] > before["image"]["width"]) == (delta < 0)
        sx, sy = screen_point(after, *point)
        assert abs(sx - x) < 1 and abs(sy - y) < 1, (sx, sy, x, y)
    # Drag to pan.
    before = page.evaluate(GEOMETRY, first_id)
    page.mouse.move(before["viewer"]["x"] + 200, before["viewer"]["y"] + 200)
    page.mouse.down()
    page.mouse.move(before["viewer"]["x"] + 260, before["viewer"]["y"] + 170, steps=4)
    page.mouse.up()
    after = page.evaluate(GEOMETRY, first_id)
    assert abs(after["image"]["x"] - before["image"]["x"] - 60) < 1 and abs(after["image"]["y"] - before["image"]["y"] + 30) < 1
    # 1:1 shows one image pixel per screen pixel; Fit the whole image again.
    first_block.get_by_role("button", name="1:1").click()
    box = page.evaluate(GEOMETRY, first_id)
    assert abs(box["image"]["width"] - box["natural"]["width"]) < 1
    first_block.get_by_role("button", name="Fit").click()
    assert inside(page.evaluate(GEOMETRY, first_id)["image"], box["viewer"])
    # The keyboard does the same in the viewer: + zooms, arrows pan, 0 resets.
    viewer.focus()
    fitted = page.evaluate(GEOMETRY, first_id)["image"]
    page.keyboard.press("+")
    assert page.evaluate(GEOMETRY, first_id)["image"]["width"] > fitted["width"] * 1.2
    moved = page.evaluate(GEOMETRY, first_id)["image"]
    page.keyboard.press("ArrowRight")
    assert page.evaluate(GEOMETRY, first_id)["image"]["x"] < moved["x"] - 30
    page.keyboard.press("0")
    assert page.evaluate(GEOMETRY, first_id)["image"] == fitted

    # Invert turns each grey level g into 255 - g; Reset view brings everything back.
    centre = [box["natural"]["width"] // 2, box["natural"]["height"] // 2]
    grey = page.evaluate(PIXEL, [first_id, *centre])[0]
    window = page.locator(f".image-block[data-image-id='{first_id}'] canvas.picture").get_attribute("data-window")
    first_block.get_by_role("button", name="Invert").click()
    page.wait_for_function("([id, x, y, g]) => document.querySelector(`.image-block[data-image-id='${id}'] canvas.picture`)"
                           ".getContext('2d').getImageData(x, y, 1, 1).data[0] !== g", arg=[first_id, *centre, grey])
    assert page.evaluate(PIXEL, [first_id, *centre])[0] == 255 - grey
    assert first_block.get_by_role("button", name="Invert").get_attribute("aria-pressed") == "true"
    first_block.get_by_label("Heat-map opacity").fill("20")
    first_block.get_by_role("button", name="Reset view").click()
    page.wait_for_function("([id, x, y, g]) => document.querySelector(`.image-block[data-image-id='${id}'] canvas.picture`)"
                           ".getContext('2d').getImageData(x, y, 1, 1).data[0] === g", arg=[first_id, *centre, grey])
    assert heatmap.is_checked() and overlay.is_visible() and overlay.evaluate("(c) => getComputedStyle(c).opacity") == "0.45"
    assert page.locator(f".image-block[data-image-id='{first_id}'] canvas.picture").get_attribute("data-window") == window
    ARTIFACTS.mkdir(exist_ok=True)
    first_block.locator("figure").screenshot(path=str(ARTIFACTS / "doctor-viewer.png"))

    # n goes from image to image; ? lists the shortcuts in a dialog that Escape closes.
    page.locator("#case-title").focus()
    page.keyboard.press("n")
    assert page.evaluate("() => document.activeElement.closest('.image-block')?.dataset.imageId") == str(first_id)
    page.keyboard.press("n")
    assert page.evaluate("() => document.activeElement.closest('.image-block')?.dataset.imageId") == str(second.pk)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    dialog.wait_for()
    assert "Next case in the worklist" in dialog.text_content() and "Ctrl+Enter" in dialog.text_content()
    assert not accessibility_violations(page), accessibility_violations(page)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # The patient, the exam and its reason; her earlier chest X-ray side by side, with its impression.
    assert page.text_content("#case-patient") == f"Erin Hale, {erin_age()} years, female"
    assert page.text_content("#case-exam-type") == "Chest X-ray"
    assert page.text_content("#case-reason") == "Cough and fever"
    prior = page.locator(f"#priors li[data-case-id='{last_year.pk}']")
    assert "No focal consolidation" in prior.text_content()
    page.wait_for_function("() => [...document.querySelectorAll('#priors img')].every((i) => i.complete && i.naturalWidth > 0)")
    assert page.locator("#priors li[data-case-id]").count() == 2
    # The timeline: one group per case, each by day.
    groups = page.locator("#history > li.timeline-case")
    assert groups.count() == 3
    assert "Cough and fever (this case)" in groups.nth(0).text_content()

    # A template fills findings and impression; whether he agrees with the AI stays his choice.
    page.get_by_label("Template").select_option(label="Pneumonia")
    assert page.get_by_label("Impression").input_value().startswith("Findings consistent with pneumonia")
    assert page.locator("input[name=ai_agreement]:checked").count() == 0
    # Her history lists both cases and what happened.
    assert "Annual check" in page.text_content("#patient-cases")
    assert page.locator("#history li").count() >= 3

    # A draft first; the report cites the server's reading of the real X-ray.
    # Letters typed in a field are text, never shortcuts.
    page.get_by_label("Findings").press_sequentially("jkhnr?")
    assert page.get_by_label("Findings").input_value().endswith("jkhnr?")
    assert page.text_content("#case-title") == "Cough and fever" and not page.get_by_role("dialog").is_visible()
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
    # The next case is offered, with the focus on it.
    assert page.text_content("#next-case") == "Next case: Annual check"
    assert page.evaluate("() => document.activeElement.id") == "next-case"

    # Amend it: a reason, a corrected impression, signed again.
    page.get_by_role("button", name="Amend this report").click()
    page.get_by_label("Reason for the amendment").fill("Laterality corrected after comparison with the lateral view.")
    page.get_by_label("Impression").fill("Left lower lobe pneumonia.")
    # Ctrl+Enter signs from the text itself, after the same confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Impression").press("Control+Enter")
    page.wait_for_selector("#status:has-text('The report is signed.')")
    amendment = Report.objects.get(amends=draft)
    assert amendment.status == "signed" and amendment.impression == "Left lower lobe pneumonia."
    assert amendment.amendment_reason.startswith("Laterality corrected")
    assert "amended later" in page.text_content("#reports")
    screenshot(page, "doctor-workspace")

    # The older case has no AI reading yet: he asks the server (the Celery worker) for one.
    # j goes to the next case of the worklist.
    page.keyboard.press("j")
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


COUNT_GREYS = """(id) => {
    const c = document.querySelector(`.image-block[data-image-id='${id}'] canvas.picture`);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add(d[i]);
    return seen.size;
}"""

# Two touch pointers, `start` and then `end` pixels either side of (x, y), as a phone sends them.
PINCH = """([id, x, y, start, end]) => {
    const viewer = document.querySelector(`.image-block[data-image-id='${id}'] .viewer`);
    const send = (type, pointerId, dx) => viewer.dispatchEvent(new PointerEvent(type, {
        pointerId, pointerType: 'touch', isPrimary: pointerId === 1, clientX: x + dx, clientY: y,
        button: type === 'pointermove' ? -1 : 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true }));
    send('pointerdown', 1, -start);
    send('pointerdown', 2, start);
    for (let d = start + 10; d <= end; d += 10) { send('pointermove', 1, -d); send('pointermove', 2, d); }
    send('pointerup', 1, -end);
    send('pointerup', 2, end);
}"""

def window_of(block) -> tuple[float, float]:
    return float(block.get_by_label("Window centre").input_value()), float(block.get_by_label("Window width").input_value())


def test_a_16_bit_dicom_is_windowed_on_its_own_values(portal_settings, live_server, browser, data_dir):
    """A real 16-bit CR radiograph (MONOCHROME1, Window 15000/30000 in its header): the viewer starts
    from the file's window, and a narrow window shows grey levels the 8-bit picture does not have."""
    import numpy as np
    import pydicom
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.services import case_create, case_submit
    from imaging.services import image_upload
    from training.decoding import decode_image_file

    path = data_dir / "dicom" / "RG1_UNCI.dcm"
    doctor, erin = clinic()
    case = case_create(created_by=erin, patient=erin, title="Radiograph from the clinic")
    image = image_upload(case=case, uploaded_by=erin, file=SimpleUploadedFile(path.name, path.read_bytes()))
    case_submit(case=case, submitted_by=erin)
    stored = pydicom.dcmread(path).pixel_array.astype(np.float64)
    assert int(stored.max()) > 255 and pydicom.dcmread(path).BitsStored == 15

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "dr-lee")
    page.wait_for_url("**/doctor.html")
    page.get_by_role("button", name="Radiograph from the clinic").click()
    block = page.locator(f".image-block[data-image-id='{image.pk}']")
    block.locator("canvas.picture[data-loaded=true]").wait_for(timeout=60_000)
    source = block.locator(".viewer-source").text_content()
    assert "DICOM's own values (803 to 26512)" in source and "file's window" in source and "MONOCHROME1" in source
    assert window_of(block) == (15000, 30000)

    # Each pixel is the file's window over its 16-bit value (DICOM LINEAR), inverted for MONOCHROME1.
    def expected(y: int, x: int, center: float, width: float) -> float:
        level = ((stored[y, x] - (center - 0.5)) / (width - 1) + 0.5) * 255
        return 255 - min(255, max(0, level))

    for y, x in ((977, 920), (400, 300), (1500, 1200)):
        shown = page.evaluate(PIXEL, [image.pk, x, y])[0]
        assert abs(shown - expected(y, x, 15000, 30000)) <= 1, (y, x, shown)

    # A window 200 values wide around the median: the 16-bit values fill the grey scale, where the
    # 8-bit picture (the preview and the model's input) has a handful of levels in that range.
    center = float(np.median(stored))
    in_window = np.abs(stored - center) < 100
    eight_bit = decode_image_file(path, channels=1)[..., 0]
    assert len(np.unique(eight_bit[in_window])) <= 4
    block.get_by_label("Window centre").fill(str(center))
    block.get_by_label("Window width").fill("200")
    page.wait_for_function("([id, w]) => document.querySelector(`.image-block[data-image-id='${id}'] canvas.picture`)"
                           ".dataset.window === w", arg=[image.pk, f"{center:.1f}/200.0"])
    assert page.evaluate(COUNT_GREYS, image.pk) > 150
    y, x = map(int, np.argwhere(in_window)[len(np.argwhere(in_window)) // 2])
    assert abs(page.evaluate(PIXEL, [image.pk, x, y])[0] - expected(y, x, center, 200)) <= 1

    # Right-drag sets the window as radiologists expect: right widens it, down raises the level.
    viewer = block.locator(".viewer")
    viewer.evaluate("(v) => v.scrollIntoView({block: 'center'})")
    box = viewer.bounding_box()
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down(button="right")
    page.mouse.move(box["x"] + 400, box["y"] + 350, steps=5)
    page.mouse.up(button="right")
    c, w = window_of(block)
    assert w > 200 and c > center, (c, w)
    # Shift+arrows do it from the keyboard; the W/L mode makes a plain drag set the window, not pan.
    viewer.focus()
    page.keyboard.press("Shift+ArrowUp")
    assert window_of(block)[0] > c
    block.get_by_role("button", name="W/L drag").click()
    before = page.evaluate(GEOMETRY, image.pk)["image"]
    window = window_of(block)
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 250, box["y"] + 300, steps=5)
    page.mouse.up()
    assert window_of(block)[1] < window[1] and page.evaluate(GEOMETRY, image.pk)["image"] == before
    block.get_by_role("button", name="Reset view").click()
    assert window_of(block) == (15000, 30000)
    screenshot(page, "doctor-dicom-window")
    assert not accessibility_violations(page), accessibility_violations(page)

    # On a phone the viewer fits the screen's width and the page needs no sideways scrolling.
    page.set_viewport_size(PHONE)
    page.wait_for_function("() => document.querySelector('.viewer').getBoundingClientRect().width <= window.innerWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    fitted = page.evaluate(GEOMETRY, image.pk)
    assert inside(fitted["image"], fitted["viewer"])
    block.locator("figure").evaluate("(f) => f.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(ARTIFACTS / "doctor-viewer-phone.png"))
    # Pinch: two fingers moving apart zoom in around the point between them.
    before = page.evaluate(GEOMETRY, image.pk)
    mx = before["viewer"]["x"] + before["viewer"]["width"] / 2
    my = before["viewer"]["y"] + before["viewer"]["height"] * 0.4
    point = image_point(before, mx, my)
    page.evaluate(PINCH, [image.pk, mx, my, 30, 90])
    after = page.evaluate(GEOMETRY, image.pk)
    assert abs(after["image"]["width"] / before["image"]["width"] - 3) < 0.01
    sx, sy = screen_point(after, *point)
    assert abs(sx - mx) < 1 and abs(sy - my) < 1, (sx, sy, mx, my)
    assert not accessibility_violations(page), accessibility_violations(page)
    assert not errors, errors
    page.close()
