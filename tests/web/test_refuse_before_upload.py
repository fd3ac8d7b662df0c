"""The patient portal refuses, before sending a byte, a file that no reader can read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_refuse_before_upload.py

Debian's Chromium against a live Django server on PostgreSQL, with a real Celery worker on Redis.
The browser sniffs the type of the file chosen from its first bytes, as the server does
(training/decoding.py): a PDF and 20 MB of random bytes (named .png) are refused next to the file
input, are not offered to the server, and no request reaches the images upload endpoint, in the
browser-reading mode and in the read-on-the-server mode alike. A real X-ray chosen afterwards
still uploads and is read. Each request the page makes is recorded with page.on("request").
"""
from __future__ import annotations

import os
import re

import pytest
from live_pages import (
    FILE_LABEL,
    PHONE,
    PageErrors,
    SERVER_BUTTON,
    accessibility_violations,
    finished_readings,
    screenshot,
    sign_up_and_open_case,
)

from bench.browser_inference import chest_xrays

UPLOADS = re.compile(r"/api/v1/cases/\d+/images/")
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def assert_refused(page, name: str) -> None:
    """The refusal is said next to the file input, in its live region; nothing is offered to add."""
    refused = page.locator("#file-refused")
    refused.filter(has_text=f"{name} is not a PNG, JPEG or DICOM image").wait_for(timeout=10_000)
    assert "Nothing has been sent." in refused.text_content()
    assert refused.get_attribute("aria-live") == "polite"
    # It sits by the input (in the same drop zone), not in the reading below.
    assert page.locator("#drop-zone #file-refused").count() == 1
    assert page.is_hidden("#reading")
    assert page.is_hidden("#add-to-case") and page.is_disabled("#add-to-case")
    assert page.text_content("#add-to-case") != SERVER_BUTTON
    assert f"{name} was not sent" in page.text_content("#status")


@pytest.mark.django_db(transaction=True)
def test_unreadable_files_are_refused_before_any_upload(celery_worker, live_server, browser, data_dir, tmp_path):
    from imaging.models import Image

    pdf = tmp_path / "letter-from-my-gp.pdf"
    pdf.write_bytes(PDF)
    noise = tmp_path / "noise.png"  # the name says PNG; the bytes do not
    noise.write_bytes(b"\x00" + os.urandom(20 * 1024 * 1024 - 1))
    xray = data_dir / "chest_xray_kermany" / chest_xrays(data_dir)[0]["file"]

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    uploads: list[str] = []
    # Uploads: any request to the endpoint but the page's GET of the case's image list.
    page.on("request", lambda request: UPLOADS.search(request.url) and request.method != "GET"
            and uploads.append(f"{request.method} {request.url}"))
    case = sign_up_and_open_case(page, live_server.url, "iris", "Cough")
    assert page.text_content("#file-refused") == ""

    # Reading in the browser (the default): the PDF is neither read nor offered to the server.
    page.get_by_label(FILE_LABEL).set_input_files(str(pdf))
    assert_refused(page, pdf.name)
    violations = accessibility_violations(page)
    assert not violations, violations
    screenshot(page, "patient-portal-refused-before-upload")

    # Reading on the server: random bytes are refused all the same, and the server is not offered.
    page.get_by_label("Read my images on the server instead of in this browser").check()
    page.get_by_label(FILE_LABEL).set_input_files(str(noise))
    assert_refused(page, noise.name)
    page.wait_for_timeout(500)  # time for a request the page should not make
    assert not uploads, uploads
    assert not Image.objects.filter(case=case).exists()

    # A real X-ray still uploads, and the refusal shown before is cleared.
    page.get_by_label(FILE_LABEL).set_input_files(str(xray))
    page.get_by_role("button", name=SERVER_BUTTON).wait_for()
    assert page.text_content("#file-refused") == ""
    assert not uploads, uploads  # not before she adds it
    page.get_by_role("button", name=SERVER_BUTTON).click()
    page.wait_for_selector("#status:has-text('added to your case and read on the server')", timeout=120_000)
    [reading] = finished_readings(case=case)
    assert reading.status == "succeeded", reading.error
    assert Image.objects.get(case=case).original_filename == xray.name
    assert len(uploads) == 1 and uploads[0].startswith("POST "), uploads
    assert not errors, errors
    page.close()
