"""The patient portal, end to end: Debian's Chromium against a live Django server and its database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_patient_portal.py

A new patient signs up, opens a case and reads a real full-size chest X-ray in the browser (TF.js,
the active pneumonia model served by the API); nothing is sent until she presses "Add to my case",
after which the image and the browser reading are in the database and a real Celery worker re-reads
the image to verify the browser's reading; she sends the case and sees her doctor's signed report.
A JPEG 2000 DICOM, which the browser cannot decode, is read on the server (by the worker) once
added. Runs on a phone-sized screen; axe-core finds no serious or critical accessibility problems.
Without Chromium or the data it skips with the reason; under CI=true it fails instead. The
screenshots go to test-artifacts/patient-portal*.png.
"""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from live_pages import (MODEL_LOAD_MS, PHONE, accessibility_violations, finished_readings, first_read_as,
                        jpeg2000_dicom, require, screenshot)

from bench.browser_inference import chest_xrays, default_data_dir

@pytest.fixture
def pneumonia_xrays(data_dir) -> list[Path]:
    return [data_dir / "chest_xray_kermany" / row["file"] for row in chest_xrays(data_dir)
            if row["file"].startswith("PNEUMONIA/")]


@pytest.mark.django_db(transaction=True)
def test_a_new_patient_reads_an_xray_in_the_browser_and_adds_it_to_her_case(celery_worker, live_server, browser,
                                                                             pneumonia_xrays):
    from cases.models import Case
    from imaging.models import Image
    from readings.models import Reading

    # A pneumonia X-ray the model reads as such, so that the reading is one a doctor should look at.
    xray = first_read_as(pneumonia_xrays, positive=True)
    practice_doctor()
    page = browser.new_page(viewport=PHONE)
    # Every text the status line shows, to check that the model's download reports its progress.
    page.add_init_script("""window.statusTexts = [];
        new MutationObserver(() => {
            const text = document.getElementById('status')?.textContent;
            if (text && window.statusTexts.at(-1) !== text) window.statusTexts.push(text);
        }).observe(document, { subtree: true, childList: true, characterData: true });""")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/static/web/portal.html")
    page.wait_for_selector("#sign-in-form", state="visible")
    violations = accessibility_violations(page)
    assert not violations, violations

    # A refusal from the API is shown as its own message.
    page.get_by_label("Username").first.fill("nobody-here")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    alert.filter(has_text=".").wait_for()
    assert "Something went wrong" not in alert.text_content()

    page.fill("#sign-up-username", "erin")
    page.fill("#sign-up-email", "erin@example.org")
    page.fill("#sign-up-first-name", "Erin")
    page.fill("#sign-up-password", "a long passphrase 42")
    page.get_by_role("button", name="Create account").click()
    try:
        page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    except Exception:
        pytest.fail(f"sign-up failed: {page.get_by_role('alert').text_content()}")
    assert page.get_by_role("alert").text_content() == ""

    page.get_by_label("What is it about?").fill("Cough and fever")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_selector("#case-title:has-text('Cough and fever')")
    case = Case.objects.get(patient__username="erin")
    assert case.status == "draft"

    page.get_by_label("Chest X-ray (PNG, JPEG or uncompressed DICOM)").set_input_files(str(xray))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    # In plain words on screen; the model, the backend and the timings only behind "Details".
    shown, details = page.inner_text("#result"), page.text_content("#result details")
    assert "chest-xray-pneumonia" in details and "wasm" in details and " ms" in details, details
    assert "Probability" in shown and "What this means" in shown, shown
    assert "wasm" not in shown and " ms" not in shown and "chest-xray-pneumonia" not in shown, shown
    loading = [text for text in page.evaluate("window.statusTexts") if text.startswith("Getting this browser ready")]
    assert any(text.endswith("100%") for text in loading), loading
    assert page.get_by_text("This is not a diagnosis").is_visible()
    # Read in the browser only: nothing reaches the server until she chooses.
    assert not Image.objects.filter(case=case).exists()
    # A phone-sized screen needs no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "patient-portal-reading")

    page.get_by_role("button", name="Add to my case").focus()
    assert page.evaluate("document.activeElement.id") == "add-to-case"
    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_selector("#status:has-text('were added to your case')", timeout=MODEL_LOAD_MS)
    assert page.get_by_role("alert").text_content() == "", page.get_by_role("alert").text_content()
    assert page.is_disabled("#add-to-case") and page.text_content("#add-to-case") == "Added to your case"
    assert page.is_visible("#canvas")  # the reading stays on screen

    image = Image.objects.get(case=case)
    assert image.original_filename == xray.name
    assert image.size_bytes == xray.stat().st_size
    reading = Reading.objects.get(case=case, runs_on="browser")
    assert reading.image_id == image.pk
    assert reading.model_name == "chest-xray-pneumonia"
    assert reading.backend == "wasm"
    assert len(reading.probabilities) == 2
    assert math.isclose(sum(reading.probabilities.values()), 1.0, abs_tol=1e-4)
    assert reading.label in reading.probabilities
    assert reading.latency_ms is not None
    # Positive, so with the heat map of the evidence for pneumonia and its legend.
    assert reading.flagged and reading.heatmap is not None, (reading.score, reading.threshold)
    assert "Evidence for pneumonia" in page.text_content("#heatmap-legend") and page.is_hidden("#heatmap-note")
    # The worker re-runs the same model on the uploaded file to verify the browser's reading.
    [check] = finished_readings(verifies=reading)
    assert check.status == "succeeded", check.error
    assert check.runs_on == "server" and check.image_id == image.pk
    assert check.max_difference is not None and check.max_difference <= 1e-3, check.max_difference
    assert not check.disagrees
    # What the page lists for the case comes from the API.
    assert reading.label in page.text_content("#case-readings")
    assert page.locator("#history li").count() >= 2, page.text_content("#history")

    # She has no doctor yet: she chooses hers among the practice's, and the case goes to him.
    page.get_by_label("Doctors of this practice").select_option(label="Dr Sam Lee")
    page.get_by_role("button", name="Choose", exact=True).click()
    page.wait_for_selector("#doctor-summary:has-text('Your doctor: Dr Sam Lee.')")
    page.get_by_role("button", name="Send to Dr Sam Lee").click()
    page.wait_for_selector("#case-care-team:has-text('Your case was sent to Dr Sam Lee.')")
    case.refresh_from_db()
    assert case.status in {"submitted", "ai_read"}
    assert page.is_disabled("#file")

    # Her doctor signs a report; she sees it when she comes back.
    sign_report(case, reading)
    page.reload()
    page.locator("#case-list button", has_text="Cough and fever").click()
    page.wait_for_selector("#case-reports:has-text('Right lower lobe consolidation')")
    assert "report signed" in page.text_content("#case-status")
    screenshot(page, "patient-portal")
    assert not errors, errors
    page.close()


def practice_doctor():
    """The practice's doctor, whom the new patient chooses."""
    from accounts.models import Role, User

    return User.objects.create_user(username="dr-lee", email="lee@example.org", password="x" * 20,
                                    role=Role.DOCTOR, first_name="Sam", last_name="Lee")


def sign_report(case, reading) -> None:
    """Her doctor (she chose him) writes and signs a report agreeing with the AI."""
    from accounts.models import User
    from reports.services import report_create, report_sign

    doctor = User.objects.get(username="dr-lee")
    report = report_create(case=case, author=doctor, findings="Right lower lobe consolidation.",
                           impression="Pneumonia.", ai_agreement="agrees", reading=reading)
    report_sign(report=report, signer=doctor)


@pytest.mark.django_db(transaction=True)
def test_a_file_the_browser_cannot_decode_is_read_on_the_server_once_added(celery_worker, live_server, browser,
                                                                           tmp_path):
    """JPEG 2000 DICOM has no decoder in the browser: the portal says so and the server reads it.

    The file is a real pediatric X-ray in a real CR header: the shared JPEG 2000 radiograph is an
    adult's, which the chest model's input gate refuses (tested in tests/web/test_input_gate_and_heatmaps.py).
    """
    from cases.models import Case
    from readings.models import Reading

    template = default_data_dir() / "dicom" / "RG1_UNCI.dcm"
    xray = default_data_dir() / "chest_xray_kermany" / "PNEUMONIA" / "person10_virus_35.jpeg"
    require(template.exists() and xray.exists(), f"{template} or {xray} not found (set MEDICAL_DATA_DIR)")
    dicom = jpeg2000_dicom(xray, tmp_path / "xray-jpeg2000.dcm", template)
    page = browser.new_page(viewport=PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/")
    page.fill("#sign-up-username", "frank")
    page.fill("#sign-up-email", "frank@example.org")
    page.fill("#sign-up-password", "another long passphrase 7")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("#workspace", state="visible", timeout=10_000)
    page.get_by_label("What is it about?").fill("Follow-up")
    page.get_by_role("button", name="Open case").click()
    page.wait_for_selector("#case-title:has-text('Follow-up')")
    case = Case.objects.get(patient__username="frank")

    page.get_by_label("Chest X-ray (PNG, JPEG or uncompressed DICOM)").set_input_files(str(dicom))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    assert "the server reads it instead" in page.text_content("#result")
    assert not Reading.objects.filter(case=case).exists()

    page.get_by_role("button", name="Add to my case (read on the server)").click()
    page.wait_for_selector("#status:has-text('added to your case and read on the server')", timeout=MODEL_LOAD_MS)
    assert page.get_by_role("alert").text_content() == "", page.get_by_role("alert").text_content()
    [reading] = finished_readings(case=case)
    assert reading.runs_on == "server" and reading.model_name == "chest-xray-pneumonia"
    # The header says CR, CHEST: the server's header check lets it through, and the gate too.
    assert reading.status == "succeeded", (reading.error, reading.refusal)
    assert math.isclose(sum(reading.probabilities.values()), 1.0, abs_tol=1e-4)
    result = page.text_content("#result")
    assert "the server" in result and "this browser could not read the file" in result and reading.label in result
    screenshot(page, "patient-portal-server-reading")
    assert not errors, errors
    page.close()
