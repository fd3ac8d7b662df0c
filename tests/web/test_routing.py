"""Routing, end to end: who gets a patient's case. Debian's Chromium against a live Django server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_routing.py

A new patient with no doctor is told to choose one before she can send her case; she chooses one
from the practice's doctors, sends the case and is told which doctor has it; that doctor signs in
and finds it on her worklist. With the practice's queue on, a patient without a doctor sends her
case to the queue, and a doctor takes it from queue.html and opens it on her worklist. An admin
finds a patient and a doctor by name on the admin page, links them, and ends the link. All on a
phone-sized screen, axe-core clean. Screenshots go to test-artifacts/routing-*.png.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from live_pages import (DEMO_PASSWORD, PHONE, PageErrors, accessibility_violations, screenshot, sign_in,
                        sign_up_and_open_case)

pytestmark = pytest.mark.django_db(transaction=True)


def person(username: str, role: str, first_name: str, last_name: str = ""):
    from accounts.models import User

    return User.objects.create_user(username=username, email=f"{username}@example.org", password=DEMO_PASSWORD,
                                    role=role, first_name=first_name, last_name=last_name,
                                    is_staff=role == "admin")


def add_xray(case, data_dir: Path) -> None:
    """Her X-ray, added on the server (reading it in the browser is tested elsewhere)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imaging.services import image_upload

    xray = next((data_dir / "chest_xray_kermany" / "NORMAL").glob("*.jpeg"))
    image_upload(case=case, uploaded_by=case.patient, file=SimpleUploadedFile(xray.name, xray.read_bytes()))


def reopen(page, title: str) -> None:
    page.reload()
    page.wait_for_selector("#workspace", state="visible")
    page.locator("#case-list button", has_text=title).click()
    page.wait_for_selector(f"#case-title:has-text('{title}')")
    page.wait_for_selector("#submit-block", state="visible")


def assert_fits_and_accessible(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "sideways scrolling"
    violations = accessibility_violations(page)
    assert not violations, violations


def test_a_patient_without_a_doctor_chooses_one_and_her_case_lands_on_that_doctors_worklist(
    portal_settings, live_server, browser, data_dir
):
    from accounts.models import CareRelationship
    from cases.models import Case

    person("dr-lane", "doctor", "Ada", "Lane")
    person("dr-kim", "doctor", "Bo", "Kim")
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    case = sign_up_and_open_case(page, live_server.url, "nora", "Knee pain")
    add_xray(case, data_dir)
    reopen(page, "Knee pain")

    # No doctor, no queue: the send control cannot send, says why, and points to the choice.
    assert "no doctor yet" in page.text_content("#doctor-summary")
    assert page.is_disabled("#submit-case")
    needs = page.locator("#send-needs-doctor")
    assert needs.is_visible() and "Choose your doctor first" in needs.text_content()
    assert page.locator("#submit-case").get_attribute("aria-describedby").startswith("send-needs-doctor")
    assert_fits_and_accessible(page)
    screenshot(page, "routing-choose-your-doctor")
    needs.get_by_role("link", name="Your doctor").click()
    assert page.evaluate("document.activeElement.id") == "doctor-title"

    choice = page.get_by_label("Doctors of this practice")
    assert choice.locator("option").all_text_contents() == ["Dr Bo Kim", "Dr Ada Lane"]  # by last name
    choice.select_option(label="Dr Ada Lane")
    page.get_by_role("button", name="Choose", exact=True).click()
    page.wait_for_selector("#doctor-summary:has-text('Your doctor: Dr Ada Lane.')")
    assert page.is_hidden("#choose-doctor-form")
    link = CareRelationship.objects.get(patient=case.patient, ended_at__isnull=True)
    assert link.doctor.username == "dr-lane" and link.created_by == case.patient

    send = page.get_by_role("button", name="Send to Dr Ada Lane")
    assert send.is_enabled() and page.is_hidden("#send-needs-doctor")
    send.click()
    told = page.locator("#case-care-team")
    told.filter(has_text="Your case was sent to Dr Ada Lane.").wait_for()
    assert told.is_visible() and told.bounding_box()["y"] < PHONE["height"] * 3
    case.refresh_from_db()
    assert case.status == "submitted"
    assert_fits_and_accessible(page)
    screenshot(page, "routing-sent-to-doctor")
    # Coming back later, the case still says who has it.
    page.reload()
    page.locator("#case-list button", has_text="Knee pain").click()
    page.locator("#case-care-team").filter(has_text="Dr Ada Lane has this case.").wait_for()
    assert not errors, errors

    # That doctor signs in and finds it on her worklist; the other doctor does not.
    doctor_page = browser.new_page(viewport=PHONE)
    doctor_errors = PageErrors(doctor_page)
    sign_in(doctor_page, live_server.url, "dr-lane")
    doctor_page.wait_for_url("**/doctor.html")
    doctor_page.locator("#worklist").get_by_text("Knee pain").wait_for()
    assert doctor_page.is_hidden("#queue-link")  # no queue in this practice
    other = browser.new_page(viewport=PHONE)
    sign_in(other, live_server.url, "dr-kim")
    other.wait_for_url("**/doctor.html")
    other.wait_for_selector("#worklist tbody tr")
    assert "Knee pain" not in other.text_content("#worklist")
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert not doctor_errors, doctor_errors


def test_with_the_practice_queue_a_doctor_takes_a_case_from_the_queue_onto_her_worklist(
    portal_settings, live_server, browser, data_dir
):
    from accounts.models import CareRelationship

    portal_settings.PRACTICE_QUEUE = True
    person("dr-lane", "doctor", "Ada", "Lane")
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    case = sign_up_and_open_case(page, live_server.url, "olga", "Short of breath")
    add_xray(case, data_dir)
    reopen(page, "Short of breath")
    assert "the practice's queue" in page.text_content("#doctor-summary")
    page.get_by_role("button", name="Send to the practice's queue").click()
    page.locator("#case-care-team").filter(
        has_text="Your case was sent to the practice's queue; the first available doctor will take it."
    ).wait_for()
    assert not CareRelationship.objects.filter(patient=case.patient).exists()

    doctor_page = browser.new_page(viewport=PHONE)
    doctor_errors = PageErrors(doctor_page)
    sign_in(doctor_page, live_server.url, "dr-lane")
    doctor_page.wait_for_url("**/doctor.html")
    doctor_page.get_by_role("link", name="Practice queue: cases waiting for a doctor").click()
    doctor_page.wait_for_url("**/queue.html")
    row = doctor_page.locator(f"#queue tr[data-case-id='{case.pk}']")
    row.wait_for()
    assert "Short of breath" in row.text_content() and "Olga" not in row.text_content()  # she gave no first name
    assert "A patient" in row.text_content() and "Chest X-ray" in row.text_content()
    assert_fits_and_accessible(doctor_page)
    screenshot(doctor_page, "routing-queue")
    row.get_by_role("button", name='Take the case "Short of breath"').click()
    opened = row.get_by_role("link", name="Open the case on my worklist")
    opened.wait_for()
    assert doctor_page.evaluate("document.activeElement.textContent") == "Open the case on my worklist"
    link = CareRelationship.objects.get(patient=case.patient, ended_at__isnull=True)
    assert link.doctor.username == "dr-lane" and link.created_by == link.doctor
    opened.click()
    doctor_page.wait_for_url(f"**/doctor.html#case-{case.pk}")
    doctor_page.locator("#case-title").filter(has_text="Short of breath").wait_for()
    doctor_page.locator("#worklist").get_by_text("Short of breath").wait_for()
    assert not doctor_errors, doctor_errors

    # The patient is told who has it now.
    page.reload()
    page.locator("#doctor-summary").filter(has_text="Your doctor: Dr Ada Lane.").wait_for()
    page.locator("#case-list button", has_text="Short of breath").click()
    page.locator("#case-care-team").filter(has_text="Dr Ada Lane has this case.").wait_for()
    assert not errors, errors


def test_a_taken_case_tells_the_second_doctor_plainly(portal_settings, live_server, browser, data_dir):
    from cases.services import case_create, case_submit
    from cases.queue import case_take

    portal_settings.PRACTICE_QUEUE = True
    first = person("dr-lane", "doctor", "Ada", "Lane")
    person("dr-kim", "doctor", "Bo", "Kim")
    patient = person("pia", "patient", "Pia")
    case = case_create(created_by=patient, patient=patient, title="Cough")
    add_xray(case, data_dir)
    case_submit(case=case, submitted_by=patient)

    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "dr-kim")
    page.wait_for_url("**/doctor.html")
    page.goto(f"{live_server.url}/static/web/queue.html")
    row = page.locator(f"#queue tr[data-case-id='{case.pk}']")
    row.wait_for()
    assert "Pia" in row.text_content()
    case_take(case_id=case.pk, doctor=first)  # quicker
    row.get_by_role("button", name='Take the case "Cough"').click()
    row.get_by_text("Another doctor has taken this case already.").wait_for()


def test_an_admin_links_a_patient_to_a_doctor_by_name_and_ends_it(portal_settings, live_server, browser):
    from accounts.models import CareRelationship

    admin = person("clinic-admin", "admin", "Clare")
    patient = person("nora", "patient", "Nora", "Quinn")
    person("dr-lane", "doctor", "Ada", "Lane")
    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    sign_in(page, live_server.url, "clinic-admin")
    page.wait_for_url("**/admin.html")
    page.wait_for_selector("#workspace", state="visible")

    page.get_by_label("Name of a patient or a doctor").fill("quinn")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("button", name="Nora Quinn (nora), patient").click()
    page.locator("#care-person-title").filter(has_text="Nora Quinn (nora), patient").wait_for()
    assert page.text_content("#care-links-empty") == "She has no doctor now."

    page.get_by_label("Find a doctor to link, by name").fill("lane")
    page.get_by_role("button", name="Find", exact=True).click()
    found = page.get_by_label("Found")
    found.locator("option").first.wait_for(state="attached")
    assert found.locator("option").all_text_contents() == ["Ada Lane (dr-lane)"]
    page.get_by_role("button", name="Link", exact=True).click()
    page.locator("#care-links li").filter(has_text="Dr Ada Lane (dr-lane), since").wait_for()
    link = CareRelationship.objects.get(patient=patient, ended_at__isnull=True)
    assert link.doctor.username == "dr-lane" and link.created_by == admin
    assert_fits_and_accessible(page)
    screenshot(page, "routing-admin-care")

    page.get_by_role("button", name="End the care of Ada Lane (dr-lane) for Nora Quinn (nora)").click()
    page.locator("#care-links-empty").filter(has_text="She has no doctor now.").wait_for(state="visible")
    link.refresh_from_db()
    assert link.ended_at is not None
    assert not errors, errors
