"""The patient portal on a phone, in plain words, with each message where she is looking.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_patient_clarity.py

Debian's Chromium on a phone-sized screen (live_pages.PHONE) against a live Django server on
PostgreSQL. An upload's progress and the server's refusal of it (a colour DICOM: the browser hands
it to the server, which refuses it with 415) appear beside the button she pressed, inside the
screen, measured with bounding boxes, on a phone and on a desktop screen alike. Her case shows its dates in her locale, her images as
thumbnails with alt text, a reading of 51 % "normal" as uncertain with its band, and the
technical words (backend, timings, model version) only behind "Details". Withdrawing an image
and a draft case hides them and leaves audit events.
"""
from __future__ import annotations

import re
from datetime import timezone
from pathlib import Path

import pytest
from live_pages import (
    DESKTOP,
    FILE_LABEL,
    PHONE,
    PageErrors,
    SERVER_BUTTON,
    accessibility_violations,
    screenshot,
    sign_up_and_open_case,
)

from bench.browser_inference import chest_xrays

# Words a patient should not have to read outside "Details".
TECHNICAL = re.compile(r"\b(wasm|webgl|tensorflow\S*|ms|ai reading)\b")
NEAR_PX = 120  # the most a message may sit below the bottom of its button


def colour_dicom(xray: Path, template: Path, out: Path, side: int = 900) -> Path:
    """A real X-ray as an uncompressed RGB DICOM: the browser leaves it to the server, which refuses
    colour DICOM (415 unsupported_dicom_colour). About 2.4 MB, so that its upload takes a while
    when the network is slowed."""
    import numpy as np
    import pydicom
    from PIL import Image
    from pydicom.uid import ExplicitVRLittleEndian

    pixels = np.asarray(Image.open(xray).convert("RGB").resize((side, side)))
    dataset = pydicom.dcmread(template)
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.Rows, dataset.Columns = side, side
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation, dataset.PlanarConfiguration = 3, "RGB", 0
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit, dataset.PixelRepresentation = 8, 8, 7, 0
    for keyword in ("WindowCenter", "WindowWidth", "RescaleSlope", "RescaleIntercept", "RescaleType", "VOILUTSequence"):
        if keyword in dataset:
            delattr(dataset, keyword)
    dataset.PixelData = pixels.tobytes()
    dataset.save_as(out)
    return out


def assert_beside(page, message_selector: str, button_selector: str) -> None:
    """The message is on screen, just below its button, on the phone's screen."""
    message, button = page.locator(message_selector).bounding_box(), page.locator(button_selector).bounding_box()
    assert message and button, (message, button)
    viewport = page.viewport_size
    assert 0 <= message["y"] and message["y"] + message["height"] <= viewport["height"], (message, viewport)
    assert 0 <= message["x"] and message["x"] + message["width"] <= viewport["width"], (message, viewport)
    gap = message["y"] - (button["y"] + button["height"])
    assert 0 <= gap <= NEAR_PX, (gap, message, button)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
@pytest.mark.django_db(transaction=True)
def test_an_uploads_progress_and_refusal_show_beside_its_button(portal_settings, live_server, browser, data_dir,
                                                                tmp_path, screen):
    from audit.models import AuditEvent
    from imaging.models import Image

    xray = data_dir / "chest_xray_kermany" / chest_xrays(data_dir)[0]["file"]
    dicom = colour_dicom(xray, data_dir / "dicom" / "RG1_UNCI.dcm", tmp_path / "colour-scan.dcm")
    page = browser.new_page(viewport={"phone": PHONE, "desktop": DESKTOP}[screen])
    errors = PageErrors(page)
    case = sign_up_and_open_case(page, live_server.url, f"nora-{screen}", "Chest pain")
    page.get_by_label("Read my images on the server instead of in this browser").check()
    page.get_by_label(FILE_LABEL).set_input_files(str(dicom))
    button = page.get_by_role("button", name=SERVER_BUTTON)
    button.wait_for()

    # A slow connection (about 1 MB/s up), so that the upload's progress can be seen.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 50, "downloadThroughput": 4_000_000, "uploadThroughput": 1_000_000})
    button.click()
    page.locator("#add-to-case-status", has_text="Uploading colour-scan.dcm").wait_for(timeout=10_000)
    assert_beside(page, "#add-to-case-status", "#add-to-case")

    # The server's refusal, where she pressed the button, and in the alert for screen readers.
    refused = page.locator("#add-to-case-status.failed")
    refused.wait_for(timeout=60_000)
    message = "Colour DICOM images are not supported: only grayscale DICOM (Samples per Pixel 1) can be read."
    assert refused.text_content() == message
    assert page.get_by_role("alert").text_content() == message
    assert_beside(page, "#add-to-case-status", "#add-to-case")
    # The messages at the top of the page (1,200 px away on a phone) are not the visible ones.
    assert page.locator("#error").bounding_box()["width"] <= 1
    assert "add-to-case-status" in page.get_attribute("#add-to-case", "aria-describedby")
    assert page.is_enabled("#add-to-case")  # she may try again
    assert not Image.objects.filter(case=case).exists()
    assert AuditEvent.objects.filter(action="image.upload", detail__refused="unsupported_dicom_colour").exists()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, f"patient-portal-refusal-beside-button-{screen}")
    assert not errors, errors
    page.close()


def add_images(case, data_dir: Path, count: int) -> list:
    """Real X-rays added to the case as she would add them (the upload service)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imaging.services import image_upload

    rows = chest_xrays(data_dir)[:count]
    return [
        image_upload(case=case, uploaded_by=case.patient,
                     file=SimpleUploadedFile(Path(row["file"]).name, (data_dir / "chest_xray_kermany" / row["file"]).read_bytes()))
        for row in rows
    ]


def visible_text(page, selector: str) -> str:
    """What is on screen: innerText leaves out hidden elements and closed disclosures."""
    return page.locator(selector).inner_text()


@pytest.mark.django_db(transaction=True)
def test_her_case_in_plain_words_with_dates_thumbnails_and_withdrawing(portal_settings, live_server, browser, data_dir):
    from audit.models import AuditEvent
    from cases.models import Case
    from imaging.models import Image
    from readings.services import reading_record

    # She reads on the server (set on this device), so no model loads in the browser here.
    page = browser.new_page(viewport=PHONE, locale="en-GB", timezone_id="UTC")
    page.add_init_script("localStorage.setItem('portal.readOnServer', 'true')")
    errors = PageErrors(page)
    page.on("dialog", lambda dialog: dialog.accept())
    case = sign_up_and_open_case(page, live_server.url, "olga", "Cough since March")
    first, second = add_images(case, data_dir, 2)
    # The server read the first image as 51 % normal: in chest-xray-pneumonia 2.0.0's uncertain band.
    reading_record(case=case, image=first, recorded_by=None, model_name="chest-xray-pneumonia", model_version="2.0.0",
                   runs_on="server", backend="tensorflow-cpu", probabilities={"normal": 0.51, "pneumonia": 0.49},
                   label="normal", score=0.49, threshold=0.8861395120620728, latency_ms=41.0)

    page.reload()
    page.locator("#case-list button", has_text="Cough since March").click()
    page.locator("#case-readings li.image-item").nth(1).wait_for()

    # Dates, in her locale: the case list and the case.
    opened = case.created_at.astimezone(timezone.utc)
    date = f"{opened.day} {opened.strftime('%b')} {opened.year}"
    assert f"Opened {date}" in page.text_content("#case-list"), page.text_content("#case-list")
    assert page.text_content("#case-dates") == f"Opened {date}"

    # Her images as thumbnails with alt text, loaded from the preview endpoint.
    thumbnails = page.locator("#case-readings img.thumbnail")
    assert thumbnails.count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('#case-readings img')].every((img) => img.complete)")
    for index, image in enumerate((first, second)):
        thumbnail = thumbnails.nth(index)
        assert thumbnail.evaluate("(img) => img.naturalWidth") > 0
        assert thumbnail.get_attribute("src") == f"/api/v1/images/{image.pk}/preview/"
        assert thumbnail.get_attribute("alt") == f"Your image {image.original_filename}, added {date}"

    # The 51 % "normal" reads as uncertain, with the label's probability; no technical word on screen.
    item = page.locator("#case-readings li.image-item").first
    assert "AI reading: Uncertain (normal: 51.0 %)" in visible_text(page, "#case-readings li.image-item >> nth=0")
    shown = visible_text(page, "main")
    assert not TECHNICAL.search(shown.replace("AI reading", "")), TECHNICAL.search(shown.replace("AI reading", ""))
    details = item.locator("details.technical")
    assert "tensorflow-cpu" in details.text_content() and "41 ms" in details.text_content()
    details.locator("summary").click()
    assert "chest-xray-pneumonia 2.0.0" in visible_text(page, "#case-readings li.image-item >> nth=0")
    # The history names the case of a reading, not a bare "normal", and no model or backend.
    history = visible_text(page, "#history")
    assert "AI reading of an image in “Cough since March”" in history and "normal" not in history, history
    assert not TECHNICAL.search(history.replace("AI reading", "")), history
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "patient-portal-plain-words")

    # Withdrawing the second image: gone from the case, kept in the database and in the audit log.
    page.get_by_role("button", name=f"Withdraw this image, {second.original_filename}").click()
    page.locator("#case-readings-note", has_text=f"{second.original_filename} was withdrawn").wait_for()
    assert page.locator("#case-readings li.image-item").count() == 1
    assert second.original_filename not in page.text_content("#case-readings")
    assert Image.objects.get(pk=second.pk).withdrawn_at is not None
    assert AuditEvent.objects.filter(action="image.withdraw", object_id=str(second.pk), allowed=True).exists()

    # Withdrawing the draft case: gone from her list, kept in the database and in the audit log.
    page.get_by_role("button", name="Withdraw this draft case").click()
    page.locator("#case-list-note", has_text="was withdrawn").wait_for()
    assert page.is_hidden("#case")
    assert "Cough since March" not in page.text_content("#case-list")
    assert Case.objects.get(pk=case.pk).withdrawn_at is not None
    assert AuditEvent.objects.filter(action="case.withdraw", object_id=str(case.pk), allowed=True).exists()
    page.reload()
    page.wait_for_selector("#workspace", state="visible")
    assert "Cough since March" not in page.text_content("#case-list")
    assert not errors, errors
    page.close()
