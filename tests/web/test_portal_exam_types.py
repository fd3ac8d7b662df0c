"""Exam types in the patient portal, end to end: Debian's Chromium against a live Django server, its
database and a real Celery worker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_exam_types.py

A patient opens a chest X-ray case and a breast ultrasound case: each image is read in the browser,
and verified by the worker, by the model for its case's exam type (a real Kermany X-ray by
chest-xray-pneumonia, a BreastMNIST test image by breast-ultrasound-malignancy). A DICOM file whose
header says it is a breast ultrasound moves a fresh chest case to that exam type; once the case
holds an image, a DICOM of another exam type is refused beside the file field and not offered.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from live_pages import (FILE_LABEL, MODEL_LOAD_MS, PHONE, PageErrors, accessibility_violations, finished_readings,
                        screenshot, sign_up_and_open_case)

from bench.browser_inference import chest_xrays

BREAST = "breast-ultrasound-malignancy"
CHEST = "chest-xray-pneumonia"
BREAST_FILE_LABEL = "Breast ultrasound (PNG, JPEG or uncompressed DICOM)"


def breast_ultrasound_png(data_dir: Path, out: Path) -> Path:
    """The first BreastMNIST test image, enlarged 4x to a PNG as a patient might have it."""
    import numpy as np
    from PIL import Image

    with np.load(data_dir / "medmnist" / "breastmnist.npz") as data:
        pixels = data["test_images"][0]
    Image.fromarray(pixels).resize((112, 112), Image.BILINEAR).save(out)
    return out


def dicom_saying(template: Path, out: Path, *, modality: str, body_part: str) -> Path:
    """A real uncompressed DICOM (a CR chest radiograph) whose header says another modality and body part."""
    import pydicom

    dataset = pydicom.dcmread(template)
    dataset.Modality = modality
    dataset.BodyPartExamined = body_part
    dataset.save_as(out)
    return out


def add_to_case_and_verify(page, case):
    """Press "Add to my case"; returns the browser reading and the worker's verification of it."""
    from readings.models import Reading

    page.get_by_role("button", name="Add to my case").click()
    page.wait_for_selector("#add-to-case:has-text('Added to your case')", timeout=MODEL_LOAD_MS)
    [browser_reading] = Reading.objects.filter(case=case, runs_on="browser")
    [check] = finished_readings(verifies=browser_reading)
    return browser_reading, check


def open_case_of(page, title: str, exam_type_label: str) -> None:
    page.get_by_label("What is it about?").fill(title)
    page.get_by_label("Exam type").select_option(label=exam_type_label)
    page.get_by_role("button", name="Open case").click()
    page.wait_for_selector(f"#case-title:has-text('{title}')")


@pytest.mark.django_db(transaction=True)
def test_each_case_is_read_by_the_model_for_its_exam_type(celery_worker, live_server, browser, data_dir, tmp_path):
    from cases.models import Case

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    chest = sign_up_and_open_case(page, live_server.url, "fay", "Cough and fever")
    assert chest.exam_type == "chest_xray"
    # Only exam types some installed model reads are offered, chest X-ray first and chosen.
    offered = page.eval_on_selector_all("#new-case-exam-type option", "options => options.map((o) => o.textContent)")
    assert offered == ["Chest X-ray", "Breast ultrasound", "Retina photograph"], offered
    assert page.input_value("#new-case-exam-type") == "chest_xray"
    assert page.text_content("#case-exam-type") == "Chest X-ray"

    xray = data_dir / "chest_xray_kermany" / chest_xrays(data_dir)[0]["file"]
    page.get_by_label(FILE_LABEL).set_input_files(str(xray))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    assert CHEST in page.text_content("#result")
    reading, check = add_to_case_and_verify(page, chest)
    assert (reading.model_name, check.model_name) == (CHEST, CHEST)
    assert reading.model_version == check.model_version
    assert check.status == reading.status == "succeeded", (check.status, check.error)
    assert not check.disagrees and check.max_difference <= 1e-3, check.max_difference

    open_case_of(page, "Lump in the left breast", "Breast ultrasound")
    breast = Case.objects.get(patient__username="fay", title="Lump in the left breast")
    assert breast.exam_type == "breast_ultrasound"
    assert page.text_content("#case-exam-type") == "Breast ultrasound"
    # The form is ready for the next case: chest X-ray chosen again.
    assert page.input_value("#new-case-exam-type") == "chest_xray"

    image = breast_ultrasound_png(data_dir, tmp_path / "breast-ultrasound.png")
    page.get_by_label(BREAST_FILE_LABEL).set_input_files(str(image))
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    result = page.text_content("#result")
    assert BREAST in result and CHEST not in result, result
    reading, check = add_to_case_and_verify(page, breast)
    assert (reading.model_name, check.model_name) == (BREAST, BREAST)
    assert reading.model_version == check.model_version == "1.1.0"
    assert set(reading.probabilities) == {"malignant", "normal or benign"} or reading.status == "refused", reading
    assert check.status == reading.status, (check.status, check.error)
    assert not check.disagrees and check.max_difference <= 1e-3, check.max_difference

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "exam-types-breast-case")
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_a_dicom_header_moves_a_fresh_case_to_its_exam_type(celery_worker, live_server, browser, data_dir, tmp_path):
    from readings.models import Reading

    template = data_dir / "dicom" / "RG1_UNCI.dcm"
    breast_dicom = dicom_saying(template, tmp_path / "breast-us.dcm", modality="US", body_part="BREAST")
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    case = sign_up_and_open_case(page, live_server.url, "gwen", "Scan from the clinic")
    assert case.exam_type == "chest_xray"

    page.get_by_label(FILE_LABEL).set_input_files(str(breast_dicom))
    note = page.locator("#exam-type-note")
    note.wait_for(state="visible", timeout=MODEL_LOAD_MS)
    assert note.text_content() == (
        "The DICOM header of breast-us.dcm says it is a breast ultrasound, so this case is now a breast ultrasound "
        "case and the breast ultrasound model reads it."
    )
    case.refresh_from_db()
    assert case.exam_type == "breast_ultrasound"
    assert page.text_content("#case-exam-type") == "Breast ultrasound"
    assert page.text_content("#file-label") == BREAST_FILE_LABEL
    # Read by the breast model (its header check passes; its input gate decides on the pixels).
    page.wait_for_selector("#add-to-case:enabled", timeout=MODEL_LOAD_MS)
    assert BREAST in page.text_content("#result")
    reading, check = add_to_case_and_verify(page, case)
    assert (reading.model_name, check.model_name, check.status) == (BREAST, BREAST, reading.status)

    # The case now holds an image: a chest radiograph's DICOM is not for it.
    page.get_by_label(BREAST_FILE_LABEL).set_input_files(str(template))
    refused = page.locator("#file-refused")
    refused.filter(has_text="Open a new case").wait_for(timeout=MODEL_LOAD_MS)
    assert refused.text_content() == (
        "RG1_UNCI.dcm looks like a chest X-ray (its DICOM header says so), and this case is for breast ultrasound "
        "images. Open a new case for it. Nothing has been sent."
    )
    assert refused.is_visible() and page.is_hidden("#reading")
    case.refresh_from_db()
    assert case.exam_type == "breast_ultrasound"
    assert case.images.count() == 1 and Reading.objects.filter(case=case, runs_on="browser").count() == 1

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = accessibility_violations(page)
    assert not violations, violations
    assert not errors, errors
    page.close()
