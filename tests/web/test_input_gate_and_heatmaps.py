"""Readings a clinician can trust, end to end: what is not a chest X-ray gets no reading, and a heat map
is shown only for a pneumonia reading. Debian's Chromium against a live Django server on PostgreSQL,
with a real Celery worker re-reading every browser reading.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_input_gate_and_heatmaps.py

- A patient chooses a real CT (DICOM) and a photograph: the portal shows the model package's refusal
  and no label, probability or heat map; added to her case, each is stored as refused, and the
  server, re-reading it, refuses it too.
- A real pneumonia X-ray the model reads as pneumonia shows the heat map, over the centre square the
  model saw only, with its legend; a normal one shows none and says why.
- Her doctor sees the refused image as not read (never a diagnosis), and the pneumonia reading with
  its band, the threshold and the goal it was chosen for.
Screenshots go to test-artifacts/ (patient-portal-refused-*.png, patient-portal-heatmap.png, ...).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from live_pages import (
    DESKTOP,
    FILE_LABEL,
    MODEL_LOAD_MS,
    PageErrors,
    accessibility_violations,
    finished_readings,
    first_read_as,
    require,
    screenshot,
    server_decisions,
    sign_in,
    sign_up_and_open_case,
)

from bench.browser_inference import REPO, chest_xrays, default_data_dir

pytestmark = pytest.mark.django_db(transaction=True)
CHEST = "chest-xray-pneumonia"
PHOTO = REPO / ".venv" / "lib" / "python3.11" / "site-packages" / "sklearn" / "datasets" / "images" / "china.jpg"

# How far from grey a canvas pixel must be to count as coloured by the heat map (JPEG X-rays are grey).
COLOURED = 24
CANVAS_PIXELS = """() => {
    const canvas = document.getElementById('canvas');
    const { width, height } = canvas;
    const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
    // The model's crop: the centre square on the short edge, as drawn (with 2 pixels of rounding).
    const side = Math.min(width, height);
    const x0 = Math.floor((width - side) / 2), y0 = Math.floor((height - side) / 2);
    let inside = 0, outside = 0;
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const i = 4 * (y * width + x);
            const spread = Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
            if (spread < %d) continue;
            if (x >= x0 + 2 && x < x0 + side - 2 && y >= y0 + 2 && y < y0 + side - 2) inside++;
            else if (x < x0 - 2 || x >= x0 + side + 2 || y < y0 - 2 || y >= y0 + side + 2) outside++;
        }
    }
    return { width, height, side, inside, outside };
}""" % COLOURED


def active_metadata() -> dict:
    """The metadata of the version of the chest model the portal loads (the active one)."""
    from inference.selectors import model_active_get

    return model_active_get(CHEST).metadata


@pytest.fixture
def gated(portal_settings) -> dict:
    metadata = active_metadata()
    require(bool(metadata.get("input_check")),
            f"the active {CHEST} {metadata['version']} has no input gate (a package made before it)")
    return metadata


def add_to_case(page) -> None:
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_selector("#status:has-text('added to your case')", timeout=MODEL_LOAD_MS)
    assert page.get_by_role("alert").text_content() == "", page.get_by_role("alert").text_content()


def assert_no_reading_shown(page, refusal: str) -> None:
    """The refusal, and nothing that reads as a diagnosis: no label, probability, band or heat map."""
    assert page.text_content("#refusal") == refusal
    assert page.is_visible("#refusal")
    result = page.text_content("#result")
    assert refusal in result
    for word in ("Probability", "pneumonia (", "normal", "What this means", "likely"):
        assert word not in result, result
    assert page.is_hidden("#canvas") and page.is_hidden("#heatmap-legend") and page.is_hidden("#heatmap-note")
    assert page.get_by_text("This is not a diagnosis").is_visible()


def test_a_ct_and_a_photograph_are_refused_and_stored_as_refused(gated, celery_worker, live_server, browser):
    from readings.models import Reading

    ct = default_data_dir() / "dicom" / "CT_small.dcm"
    require(ct.exists(), f"{ct} not found (set MEDICAL_DATA_DIR)")
    require(PHOTO.exists(), f"{PHOTO} not found (scikit-learn's sample photograph)")
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    case = sign_up_and_open_case(page, live_server.url, "nora", "Scans from another clinic")

    # A CT: its DICOM header says so, and the model is not even run.
    header_refusal = "The DICOM header says this is a CT (Modality CT), not a chest X-ray."
    page.get_by_label(FILE_LABEL).set_input_files(str(ct))
    page.wait_for_selector("#refusal:visible", timeout=MODEL_LOAD_MS)
    assert_no_reading_shown(page, header_refusal)
    assert "was not read" in page.text_content("#status") and "Nothing has been sent" in page.text_content("#status")
    assert not Reading.objects.filter(case=case).exists()
    screenshot(page, "patient-portal-refused-ct")
    add_to_case(page)
    assert "without a reading" in page.text_content("#status")

    # A photograph: the model's input gate refuses it, with the package's own words.
    page.get_by_label(FILE_LABEL).set_input_files(str(PHOTO))
    page.wait_for_selector("#refusal:visible", timeout=MODEL_LOAD_MS)
    assert_no_reading_shown(page, gated["input_check"]["refusal"])
    assert gated["input_check"]["refusal"] == "This does not look like a chest X-ray."
    assert not accessibility_violations(page), accessibility_violations(page)
    screenshot(page, "patient-portal-refused-photo")
    add_to_case(page)

    # Stored as refused, with the reason and the gate's score; the worker's re-run refuses them too.
    checks = {c.verifies_id: c for c in finished_readings(2, case=case, runs_on="server")}
    browser_readings = {r.image.original_filename: r for r in Reading.objects.filter(case=case, runs_on="browser")}
    ct_reading, photo_reading = browser_readings[ct.name], browser_readings[PHOTO.name]
    for reading in (ct_reading, photo_reading):
        assert reading.status == "refused", (reading.status, reading.label)
        assert reading.label == "" and reading.probabilities == {} and reading.heatmap is None
        assert reading.score is None and not reading.flagged
        check = checks[reading.pk]
        assert check.status == "refused", (check.status, check.error, check.label)
        assert check.refusal == reading.refusal and not check.disagrees, (check.refusal, check.max_difference)
    assert ct_reading.refusal == header_refusal and ct_reading.input_score is None
    assert photo_reading.refusal == gated["input_check"]["refusal"]
    assert photo_reading.input_score < gated["input_check"]["threshold"]
    assert abs(checks[photo_reading.pk].input_score - photo_reading.input_score) <= 1e-3
    case.refresh_from_db()
    assert not case.ai_flagged

    # Opened again, the case lists them as not read, never with a label.
    page.locator("#case-list button", has_text="Scans from another clinic").click()
    # Both server checks are done in the database: wait until the reopened case shows them.
    page.wait_for_function(
        "() => document.querySelector('#case-readings').textContent.split('the same result').length === 3",
        timeout=MODEL_LOAD_MS,
    )
    listed = page.text_content("#case-readings")
    assert listed.count("Not read: ") == 2, listed  # the browser's, for each image
    assert listed.count("Checked on the serverthe same result") == 2, listed  # and the server's check of it
    assert header_refusal in listed and gated["input_check"]["refusal"] in listed
    assert not errors, errors
    page.close()


def test_a_pneumonia_reading_shows_its_heat_map_with_a_legend_and_a_normal_one_none(gated, live_server, browser,
                                                                                  data_dir):
    rows = chest_xrays(data_dir)
    xrays = {kind: [data_dir / "chest_xray_kermany" / r["file"] for r in rows if r["file"].startswith(f"{kind}/")]
             for kind in ("PNEUMONIA", "NORMAL")}
    pneumonia = first_read_as(xrays["PNEUMONIA"], positive=True)
    normal = first_read_as(xrays["NORMAL"], positive=False)
    label = gated["heatmap"]["label"]
    assert label == "pneumonia"
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_up_and_open_case(page, live_server.url, "olga", "Cough")

    page.get_by_label(FILE_LABEL).set_input_files(str(pneumonia))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    legend = page.locator("#heatmap-legend")
    assert legend.is_visible() and "Evidence for pneumonia" in legend.text_content()
    assert "low" in legend.text_content() and "high" in legend.text_content()
    assert page.get_by_role("img", name="colour scale from blue (low) through yellow to red (high)").is_visible()
    assert page.is_hidden("#heatmap-note") and page.is_hidden("#refusal")
    result = page.text_content("#result")
    bands = gated["operating_point"]["bands"]
    assert any(f"Result{name[0].upper()}{name[1:]}" in result for name in bands["names"][1:]), result
    assert "signs" in result and page.get_by_text("This is not a diagnosis").is_visible()
    # The map is drawn over the centre square the model saw, and nowhere else.
    pixels = page.evaluate(CANVAS_PIXELS)
    assert pixels["width"] != pixels["height"], pixels  # an X-ray that is not square, so there is an outside
    assert pixels["inside"] > 0.5 * (pixels["side"] - 4) ** 2, pixels
    assert pixels["outside"] == 0, pixels
    assert not accessibility_violations(page), accessibility_violations(page)
    screenshot(page, "patient-portal-heatmap")

    page.get_by_label(FILE_LABEL).set_input_files(str(normal))
    page.wait_for_selector(f"#result:has-text('{normal.name}')", timeout=MODEL_LOAD_MS)
    assert page.is_hidden("#heatmap-legend")
    assert page.text_content("#heatmap-note") == "Heat maps are shown for pneumonia readings only."
    assert page.is_visible("#heatmap-note")
    assert page.evaluate(CANVAS_PIXELS)["inside"] == 0, "a heat map was drawn on a normal reading"
    assert any(f"Result{name[0].upper()}{name[1:]}" in page.text_content("#result") for name in bands["names"][:2])
    screenshot(page, "patient-portal-normal")
    assert not errors, errors
    page.close()


def test_the_doctor_sees_a_refused_image_as_not_read_and_the_pneumonia_reading_with_its_operating_point(
        gated, celery_worker, live_server, browser, data_dir):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import CareRelationship, Role, User
    from cases.services import case_create, case_submit
    from imaging.services import image_upload
    from readings.queueing import browser_reading_submit, server_reading_request
    from readings.models import Reading

    require(PHOTO.exists(), f"{PHOTO} not found")
    password = "a long passphrase 42"
    admin = User.objects.create_user(username="admin", email="a@example.org", password=password, role=Role.ADMIN,
                                     is_staff=True)
    doctor = User.objects.create_user(username="dr-ng", email="ng@example.org", password=password, role=Role.DOCTOR,
                                      first_name="Kim", last_name="Ng")
    patient = User.objects.create_user(username="pia", email="pia@example.org", password=password, role=Role.PATIENT)
    CareRelationship.objects.create(doctor=doctor, patient=patient, created_by=admin)
    pneumonia = first_read_as([data_dir / "chest_xray_kermany" / r["file"] for r in chest_xrays(data_dir)
                               if r["file"].startswith("PNEUMONIA/")], positive=True)
    photo_score = server_decisions([PHOTO])[PHOTO].input_score  # what the browser's graph computes too

    case = case_create(created_by=patient, patient=patient, title="Fever")
    photo = image_upload(case=case, uploaded_by=patient, file=SimpleUploadedFile(PHOTO.name, PHOTO.read_bytes()))
    xray = image_upload(case=case, uploaded_by=patient, file=SimpleUploadedFile(pneumonia.name, pneumonia.read_bytes()))
    # What the portal sends for a photograph its model refused (see test above); the worker re-runs it.
    browser_reading_submit(case=case, image=photo, recorded_by=patient, model_name=CHEST,
                           model_version=gated["version"], backend="wasm", input_accepted=False,
                           input_score=photo_score, refusal=gated["input_check"]["refusal"], latency_ms=3.0)
    case_submit(case=case, submitted_by=patient)
    server_reading_request(case=case, image=xray, requested_by=doctor, model_name=CHEST)
    finished_readings(2, case=case, runs_on="server")
    read = Reading.objects.get(case=case, image=xray, runs_on="server")
    assert read.status == "succeeded" and read.flagged, (read.status, read.score)

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "dr-ng", password)
    page.wait_for_url("**/doctor.html")
    page.get_by_role("button", name="Fever").click()
    page.wait_for_selector(f".image-block[data-image-id='{xray.pk}'] canvas.picture[data-loaded=true]")

    refused_block = page.locator(f".image-block[data-image-id='{photo.pk}']")
    for cell in (refused_block.locator("td").nth(0), refused_block.locator("td").nth(1)):
        text = cell.text_content()
        assert "Not read" in text and gated["input_check"]["refusal"] in text, text
        # No label, probability, band or threshold: nothing that reads as a finding.
        for finding in ("normal", "P(pneumonia)", "%", "likely", "uncertain", "Threshold"):
            assert finding not in text.replace(CHEST, ""), text
    assert "both refused" in refused_block.text_content() and refused_block.locator(".mismatch").count() == 0
    assert refused_block.locator(".heatmap-legend").count() == 0
    assert refused_block.get_by_label("No heat map").is_disabled()

    read_block = page.locator(f".image-block[data-image-id='{xray.pk}']")
    cell = read_block.locator("td").nth(1).text_content()
    point = gated["operating_point"]
    bands = point["bands"]
    band = bands["names"][0 if read.score < bands["below"] else 2 if read.score >= bands["from"] else 1]
    assert f"P(pneumonia) {read.score * 100:.1f} %" in cell and band in cell, cell
    assert f"Threshold {point['threshold'] * 100:.1f} %, chosen for {point['goal']}" in cell, cell
    assert "Evidence for pneumonia" in read_block.locator(".heatmap-legend").text_content()
    assert not accessibility_violations(page), accessibility_violations(page)
    screenshot(page, "doctor-refused-and-heatmap")
    assert not errors, errors
    page.close()


def test_the_demo_page_reads_with_the_active_version_as_the_portal_does(portal_settings, live_server, browser):
    """One rule for which version reads: the demo page, like the portal, takes the active one from
    GET /api/v1/models/ (given no model, or a model's name), never a version of its own; the list
    is public, so a visitor without an account is offered it too."""
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    page.goto(f"{live_server.url}/static/web/demo.html")
    page.evaluate("window.inference.ready")
    active = {p["name"]: p for p in page.evaluate("fetch('/api/v1/models/').then((r) => r.json())") if p["active"]}
    for query in ("", f"?model={CHEST}"):
        page.goto(f"{live_server.url}/static/web/demo.html{query}")
        page.evaluate("window.inference.ready")
        assert page.input_value("#model-name") == CHEST, query
        assert page.input_value("#model") == active[CHEST]["base_url"], query
        offered = page.eval_on_selector_all("#model-name option", "options => options.map((o) => o.value)")
        assert sorted(offered) == sorted(active), offered
    # Choosing another model offers its versions, its active one preselected.
    page.select_option("#model-name", "breast-ultrasound-malignancy")
    assert page.input_value("#model") == active["breast-ultrasound-malignancy"]["base_url"]
    assert page.text_content("#model-reads") == "Reads breast ultrasound images."
    page.select_option("#model-name", CHEST)
    info = page.evaluate("(url) => window.inference.load(url)", page.input_value("#model"))
    assert (info["name"], info["version"]) == (CHEST, active[CHEST]["version"])
    assert page.is_hidden("#data-note")  # measured on real scans
    breast = active["breast-ultrasound-malignancy"]
    page.evaluate("(url) => window.inference.load(url)", breast["base_url"])
    assert "only on small (28x28) public images" in page.text_content("#data-note")
    assert page.is_visible("#data-note")
    assert not errors, errors
    page.close()
