"""The patient portal without browser inference, and browser-vs-server parity through the real app.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_portal_fallback_and_parity.py

Debian's Chromium against a live Django server on PostgreSQL, with a real Celery worker on Redis
doing every server reading:
- a patient who ticks "Read my images on the server instead of in this browser" never loads the
  model; her X-ray is read by the worker and the page says so;
- when the model files fail to load (503), the portal says so plainly and the server reads instead;
- one patient adds all 20 full-size X-rays of chest_xray_kermany/ to one case, each read in the
  browser first; the worker's verification of every one agrees within 1e-3.
Screenshots go to test-artifacts/, the parity table to test-artifacts/portal-parity.json.
"""
from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import pytest
from live_pages import (
    ARTIFACTS,
    FILE_LABEL,
    MODEL_LOAD_MS,
    PHONE,
    PageErrors,
    SERVER_BUTTON,
    accessibility_violations,
    finished_readings,
    screenshot,
    sign_up_and_open_case,
)

from bench.browser_inference import chest_xrays

TOLERANCE = 1e-3
# The model's files, not the list of models (/api/v1/models/) that the portal asks first.
MODEL_FILES = "**/api/v1/models/*/*/**"


def package_metadata(name: str, version: str) -> dict:
    from django.conf import settings

    return json.loads((Path(settings.MODEL_PACKAGES_DIR) / name / version / "model_metadata.json").read_text())


def band_name(score: float, metadata: dict) -> str | None:
    """The operating point's band of `score` (docs/model-package.md), or None without bands."""
    bands = (metadata.get("operating_point") or {}).get("bands")
    if not bands:
        return None
    return bands["names"][0 if score < bands["below"] else 2 if score >= bands["from"] else 1]


def assert_read_on_the_server(page, case, xray: Path, reason: str, *, metadata_served: bool = True):
    """The file was uploaded, the worker read it, and the page shows that reading and why (with the
    probability's band, unless the model's files, its metadata among them, could not be fetched)."""
    from imaging.models import Image

    # Before the click the status already says the image "will be read on the server": wait for the end.
    page.wait_for_selector("#status:has-text('added to your case and read on the server')", timeout=MODEL_LOAD_MS)
    assert page.get_by_role("alert").text_content() == "", page.get_by_role("alert").text_content()
    [reading] = finished_readings(case=case)
    assert reading.status == "succeeded", reading.error
    assert reading.runs_on == "server" and reading.verifies_id is None
    assert reading.model_name == "chest-xray-pneumonia" and reading.backend
    assert math.isclose(sum(reading.probabilities.values()), 1.0, abs_tol=1e-4)
    assert Image.objects.get(case=case).original_filename == xray.name
    result = page.text_content("#result")
    assert f"read on the server, because {reason}" in result, result
    assert f"on the server ({reading.backend})" in page.text_content("#result details"), result
    # The label with its own probability; the result is the band the probability of pneumonia is in.
    label_probability = reading.probabilities[reading.label]
    assert f"Probability{reading.label}: {label_probability * 100:.1f} %" in result, result
    band = band_name(reading.score, package_metadata(reading.model_name, reading.model_version))
    if band and metadata_served:
        assert f"Result{band[0].upper()}{band[1:]}" in result, result
        assert f"here it is {reading.score * 100:.1f} %" in result, result
    assert xray.name in result
    assert f"on the server ({reading.backend})" in page.text_content("#case-readings")
    return reading


@pytest.fixture
def xrays(data_dir) -> list[Path]:
    """The 20 full-size chest X-rays of the manifest, in its order."""
    return [data_dir / "chest_xray_kermany" / row["file"] for row in chest_xrays(data_dir)]


@pytest.mark.django_db(transaction=True)
def test_a_patient_can_choose_to_have_her_images_read_on_the_server(celery_worker, live_server, browser, xrays):
    from readings.models import Reading

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    model_requests: list[str] = []
    page.on("request", lambda request: "/tfjs/" in request.url and model_requests.append(request.url))
    case = sign_up_and_open_case(page, live_server.url, "gina", "Chest pain")

    page.get_by_label("Read my images on the server instead of in this browser").check()
    assert page.evaluate("localStorage.getItem('portal.readOnServer')") == "true"
    # Remembered: after a reload the portal starts without TF.js and without the model.
    model_requests.clear()
    page.reload()
    page.locator("#case-list button", has_text="Chest pain").click()
    page.wait_for_selector("#case-title:has-text('Chest pain')")
    assert page.is_checked("#read-on-server")
    assert "read on the server" in page.text_content("#read-title")

    xray = xrays[-1]
    page.get_by_label(FILE_LABEL).set_input_files(str(xray))
    page.get_by_role("button", name=SERVER_BUTTON).wait_for()
    assert "will be read on the server" in page.text_content("#status")
    assert not Reading.objects.filter(case=case).exists()  # nothing is sent before she adds it
    page.get_by_role("button", name=SERVER_BUTTON).click()
    assert_read_on_the_server(page, case, xray, "you chose to have your images read on the server")
    assert not Reading.objects.filter(case=case, runs_on="browser").exists()
    assert not model_requests, model_requests
    # The button she pressed is disabled now; focus moves to the message beside it, not the page's top.
    assert page.evaluate("document.activeElement.id") == "add-to-case-status"
    assert "added to your case and read on the server" in page.text_content("#add-to-case-status")

    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "patient-portal-server-choice")

    # The API's refusals are shown as they are: the same image cannot be added twice.
    page.get_by_label(FILE_LABEL).set_input_files(str(xray))
    page.get_by_role("button", name=SERVER_BUTTON).click()
    page.get_by_role("alert").filter(has_text="already attached").wait_for()
    assert "Something went wrong" not in page.get_by_role("alert").text_content()
    assert page.is_enabled("#add-to-case")  # she may try again
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", ["503", "abort"])
def test_when_the_model_cannot_load_the_portal_says_so_and_the_server_reads(celery_worker, live_server, browser, xrays,
                                                                            failure):
    """503: every model file is refused. abort: the metadata and graph load, the weights never arrive."""
    from readings.models import Reading

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    refused: list[str] = []

    def unavailable(route):
        refused.append(route.request.url)
        if failure == "503":
            route.fulfill(status=503, content_type="application/json",
                          body='{"error": {"code": "unavailable", "message": "Down for maintenance."}}')
        else:
            route.abort("connectionreset")

    page.route(MODEL_FILES if failure == "503" else "**/api/v1/models/*/*/tfjs/*.bin", unavailable)
    case = sign_up_and_open_case(page, live_server.url, f"hana-{failure}", "Short of breath")
    notice = page.locator("#fallback-notice")
    notice.wait_for(state="visible", timeout=MODEL_LOAD_MS)
    assert "cannot run in this browser" in notice.text_content(), notice.text_content()
    assert "read on the server instead" in notice.text_content()
    if failure == "503":
        assert "HTTP 503" in notice.text_content(), notice.text_content()
    assert refused
    assert "read on the server" in page.text_content("#read-title")

    xray = xrays[0]
    page.get_by_label(FILE_LABEL).set_input_files(str(xray))
    page.get_by_role("button", name=SERVER_BUTTON).wait_for(timeout=MODEL_LOAD_MS)
    assert "cannot run in this browser" in page.text_content("#status")
    assert "not possible in this browser" in page.text_content("#result")
    assert not Reading.objects.filter(case=case).exists()
    page.get_by_role("button", name=SERVER_BUTTON).click()
    assert_read_on_the_server(page, case, xray, "the model could not run in this browser", metadata_served=failure != "503")
    assert not Reading.objects.filter(case=case, runs_on="browser").exists()

    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "patient-portal-server-fallback" if failure == "503" else "patient-portal-server-fallback-abort")
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_browser_and_server_readings_of_the_20_xrays_agree(celery_worker, live_server, browser, xrays):
    """One page, one case, one model load: each X-ray is read in the browser and added; the worker
    re-reads every one: the input gate decides alike, and the two readings of each file (the
    probabilities and the gate's score) differ by at most 1e-3."""
    from readings.models import Reading

    assert len(xrays) == 20
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    model_loads: list[str] = []
    page.on("request", lambda request: request.url.endswith("/tfjs/model.json") and model_loads.append(request.url))
    case = sign_up_and_open_case(page, live_server.url, "ivy", "All my X-rays")
    # Every status the page shows, to check that each upload showed its progress.
    page.evaluate("""() => {
        window.statusLog = [];
        new MutationObserver(() => window.statusLog.push(document.getElementById('status').textContent))
            .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
    }""")

    started = time.monotonic()
    for xray in xrays:
        page.get_by_label(FILE_LABEL).set_input_files(str(xray))
        page.wait_for_selector(f"#result:has-text('{xray.name}')", timeout=MODEL_LOAD_MS)
        page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
        assert page.text_content("#add-to-case") == "Add to my case", page.text_content("#result")
        page.get_by_role("button", name="Add to my case").click()
        # "The image and its reading were added to your case", or, for an image the gate refused,
        # "The image was added to your case, without a reading".
        page.wait_for_selector("#status:has-text('added to your case')", timeout=MODEL_LOAD_MS)
        assert page.get_by_role("alert").text_content() == "", (xray.name, page.get_by_role("alert").text_content())
    browser_s = time.monotonic() - started
    checks = finished_readings(20, case=case, verifies__isnull=False, timeout=300)
    server_s = time.monotonic() - started

    statuses = page.evaluate("window.statusLog")
    for xray in xrays:
        # The name and size at once, then the bytes sent (XMLHttpRequest's upload progress).
        uploading = re.compile(rf"Uploading {re.escape(xray.name)} \(\d+(\.\d)? (KB|MB)\)…")
        assert any(uploading.fullmatch(status) for status in statuses), (xray.name, statuses)
        sent = re.compile(rf"Uploading {re.escape(xray.name)} .* of \d+(\.\d)? (KB|MB) \(100%\)")
        assert any(sent.fullmatch(status) for status in statuses), (xray.name, statuses)
    assert len(model_loads) == 1, model_loads

    browser_readings = {r.image.original_filename: r for r in
                        Reading.objects.filter(case=case, runs_on="browser").select_related("image")}
    assert sorted(browser_readings) == sorted(x.name for x in xrays)
    rows = []
    for check in checks:
        reading = Reading.objects.get(pk=check.verifies_id)
        assert check.status in ("succeeded", "refused"), (reading.image.original_filename, check.error)
        assert check.image_id == reading.image_id and check.model_version == reading.model_version
        assert reading.backend == "wasm"
        # The input gate decides alike on both sides: both read the image, or both refused it.
        assert check.status == reading.status, (reading.image.original_filename, reading.status, reading.input_score,
                                                check.status, check.input_score)
        assert set(check.probabilities) == set(reading.probabilities)
        differences = [abs(reading.probabilities[k] - check.probabilities[k]) for k in reading.probabilities]
        if reading.input_score is not None or check.input_score is not None:
            differences.append(abs(reading.input_score - check.input_score))
        rows.append({"file": reading.image.original_filename, "label": reading.label, "server_label": check.label,
                     "status": reading.status, "server_status": check.status,
                     "input_score": reading.input_score, "server_input_score": check.input_score,
                     "browser": reading.probabilities, "server": check.probabilities,
                     "difference": max(differences), "stored_max_difference": check.max_difference})
    worst = max(rows, key=lambda row: row["difference"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "portal-parity.json").write_text(json.dumps({
        "images": len(rows), "worst_difference": worst["difference"], "worst_file": worst["file"],
        "browser_seconds": round(browser_s, 1), "until_all_verified_seconds": round(server_s, 1),
        "upload_progress_statuses": [status for status in statuses if status.endswith("%)")], "rows": rows,
    }, indent=1))
    print(f"\n20 X-rays: worst browser-vs-server difference {worst['difference']:.2e} ({worst['file']}); "
          f"{browser_s:.1f} s to read and add in the browser, {server_s:.1f} s until all verified")

    refused = [row["file"] for row in rows if row["status"] == "refused"]
    print(f"input gate: {len(rows) - len(refused)} accepted, {len(refused)} refused {refused}")
    for row in rows:
        assert row["difference"] <= TOLERANCE, row
        assert row["stored_max_difference"] is not None and row["stored_max_difference"] <= TOLERANCE, row
        assert math.isclose(row["stored_max_difference"], row["difference"], abs_tol=1e-9), row
        assert row["label"] == row["server_label"], row
    assert not Reading.objects.filter(case=case, disagrees=True).exists()
    assert Reading.objects.filter(case=case).count() == 40
    case.refresh_from_db()
    assert case.status == "draft"
    screenshot(page, "patient-portal-20-xrays")
    assert not errors, errors
    page.close()
