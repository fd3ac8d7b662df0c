"""The admin page, end to end: Debian's Chromium against a live Django server on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare .venv/bin/python -m pytest tests/web/test_admin_page.py

An admin signs in on the front page and is taken to the admin page. Two versions of the pneumonia
model are installed (the shipped package and a copy relabelled 1.1.0); she makes the older one
active, sees that change and her sign-in in the audit log, filters and pages the log, and reads the
agreement chart, whose bars must match the reports signed in the test. The screenshots go to
test-artifacts/admin-*.png.
"""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from live_pages import DEMO_PASSWORD, DESKTOP, PHONE, PageErrors, accessibility_violations, screenshot, sign_in
from model_packages import CHEST, copy_package, shipped_package


@pytest.fixture
def two_versions(portal_settings, tmp_path) -> Path:
    """MODEL_PACKAGES_DIR with the shipped pneumonia model as 1.0.0 and a copy of it as 1.1.0."""
    shipped = Path(portal_settings.MODEL_PACKAGES_DIR)
    if not any(shipped.glob(f"{CHEST}/*/model_metadata.json")):
        pytest.skip(f"no {CHEST} package in {shipped} (set MODEL_PACKAGES_DIR)")
    package = shipped_package(shipped)
    root = tmp_path / "models"
    copy_package(package, root, version="1.0.0")
    copy_package(package, root, version="1.1.0")
    portal_settings.MODEL_PACKAGES_DIR = root
    return root


def make_people():
    from accounts.models import CareRelationship, Role, User

    def user(username, role, **extra):
        return User.objects.create_user(username=username, email=f"{username}@example.org", password=DEMO_PASSWORD,
                                        role=role, first_name=username.capitalize(), **extra)

    admin = user("clinic-admin", Role.ADMIN, is_staff=True)
    patient = user("alice", Role.PATIENT)
    doctor = user("dr-bob", Role.DOCTOR)
    CareRelationship.objects.create(doctor=doctor, patient=patient, created_by=admin)
    return admin, patient, doctor


def signed_report(patient, doctor, agreement: str, version: str = "1.0.0"):
    """A new case with one reading by `version` of the pneumonia model, reported and signed."""
    from clinic_factories import make_case
    from readings.services import reading_record
    from reports.services import report_create, report_sign

    case = make_case(patient=patient, images=1, submit=True)
    reading = None
    if agreement != "no_reading":
        reading = reading_record(case=case, image=case.images.get(), recorded_by=patient, model_name=CHEST,
                                 model_version=version, runs_on="browser", backend="wasm",
                                 probabilities={"normal": 0.3, "pneumonia": 0.7}, label="pneumonia", score=0.7,
                                 threshold=0.5)
    report = report_create(case=case, author=doctor, findings="Opacity.", impression="Pneumonia.",
                           ai_agreement=agreement, reading=reading)
    return report_sign(report=report, signer=doctor)


def amend_signed(original, doctor, agreement: str):
    from reports.services import report_amend, report_sign

    amendment = report_amend(original=original, author=doctor, reason="Second look.", findings="Clear.",
                             impression="Normal.", ai_agreement=agreement, reading=original.reading)
    return report_sign(report=amendment, signer=doctor)


def bars(page) -> list[tuple[str, str, float, int, int]]:
    return [
        (bar.get_attribute("data-model"), bar.get_attribute("data-version"), float(bar.get_attribute("data-rate")),
         int(bar.get_attribute("data-agrees")), int(bar.get_attribute("data-disagrees")))
        for bar in page.locator("#agreement-chart rect.bar").all()
    ]


def audit_actions(page) -> list[str]:
    return page.locator("#audit-table tbody td[data-label=Action] .action").all_text_contents()


def assert_accessible(page) -> None:
    violations = accessibility_violations(page)
    assert not violations, violations


@pytest.mark.django_db(transaction=True)
def test_an_admin_switches_the_model_and_reads_the_audit_log_and_the_agreement_chart(
    portal_settings, two_versions, live_server, browser
):
    from audit.models import AuditEvent
    from inference.models import ActiveModel

    admin, patient, doctor = make_people()
    for agreement in ("agrees", "agrees", "disagrees"):
        signed_report(patient, doctor, agreement, version="1.0.0")
    # Signed as agreeing, then corrected: it counts once, as the amendment says.
    amend_signed(signed_report(patient, doctor, "agrees", version="1.0.0"), doctor, "disagrees")
    for agreement in ("agrees", "agrees", "agrees", "disagrees"):
        signed_report(patient, doctor, agreement, version="1.1.0")
    signed_report(patient, doctor, "no_reading")

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    # Signed out, the front page names the product, says what it is, and links its icon.
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#about", state="visible")
    assert page.title() == "Healthcare Image Analysis"
    assert page.get_by_role("heading", level=1).text_content() == "Healthcare Image Analysis"
    about = page.locator("#about").text_content()
    assert "in your browser" in about and "your doctor reviews" in about and "not a medical device" in about
    icon = page.locator("link[rel=icon]").evaluate("link => link.href")
    assert page.request.get(icon).headers["content-type"] == "image/svg+xml"
    assert page.request.get(f"{live_server.url}/favicon.ico").url == icon
    assert_accessible(page)

    sign_in(page, live_server.url, admin.username)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")
    assert page.title() == "Clinic administration · Healthcare Image Analysis"
    assert page.locator("#about").count() == 0
    assert page.get_by_role("alert").text_content() == ""

    # Models: with no choice made, the newest version is active.
    chest = page.locator(f"article[data-model='{CHEST}']")
    assert chest.locator("li[data-version='1.1.0'] .badge").text_content() == "Active"
    assert chest.locator("li[data-version='1.1.0'] button").count() == 0
    assert "AUC" in chest.locator("li[data-version='1.0.0'] dl").text_content()
    make_older_active = page.get_by_role("button", name="Make 1.0.0 active")

    # Declining the confirmation changes nothing (the versions in use are pinned as active on first sight).
    pinned = sorted(ActiveModel.objects.values_list("name", "version"))
    assert (CHEST, "1.1.0") in pinned, pinned
    page.once("dialog", lambda dialog: dialog.dismiss())
    make_older_active.click()
    assert sorted(ActiveModel.objects.values_list("name", "version")) == pinned

    # The question asks why; a blank answer is refused by the API, and the page says so.
    page.once("dialog", lambda dialog: dialog.accept("  "))
    make_older_active.click()
    page.wait_for_selector("#error:has-text('reason')")
    assert "may not be blank" in page.text_content("#error")
    assert sorted(ActiveModel.objects.values_list("name", "version")) == pinned

    # From the keyboard, confirmed with a reason, which the audit event keeps with her name.
    questions = []

    def answer(dialog):
        questions.append((dialog.type, dialog.message))
        dialog.accept("Back to the release our radiologists validated")

    page.once("dialog", answer)
    make_older_active.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('is now active')")
    assert questions[0][0] == "prompt" and "Why?" in questions[0][1], questions
    assert page.text_content("#error") == ""
    assert ActiveModel.objects.get(name=CHEST).version == "1.0.0"
    event = AuditEvent.objects.filter(action="model.activate", actor=admin).get()
    assert event.detail == {"version": "1.0.0", "reason": "Back to the release our radiologists validated"}
    assert chest.locator("li[data-version='1.0.0'] .badge").text_content() == "Active"
    assert page.get_by_role("button", name="Make 1.1.0 active").is_enabled()
    assert page.evaluate("document.activeElement.id") == f"model-{CHEST}"

    # Agreement: 1.0.0 has 2 of 4 (the amended report counts once, as a disagreement), 1.1.0 has 3 of 4.
    assert bars(page) == [(CHEST, "1.0.0", 0.5, 2, 2), (CHEST, "1.1.0", 0.75, 3, 1)]
    values = page.locator("#agreement-chart text.value").all_text_contents()
    assert values == ["50% · 2 of 4", "75% · 3 of 4"]
    assert page.locator("#agreement-chart svg").get_attribute("role") == "img"
    table_rows = page.locator("#agreement-table tbody tr").all_inner_texts()
    assert [row.split("\t") for row in table_rows] == [
        [CHEST, "1.0.0", "2", "2", "50%"],
        [CHEST, "1.1.0", "3", "1", "75%"],
    ]
    assert page.text_content("#agreement-summary") == "9 signed reports in force: 8 cite an AI reading, 1 cites none."

    # The audit log shows what she just did, newest first, and her sign-in.
    page.wait_for_selector("#audit-table tbody td[data-label=Action] .action:text-is('model.activate')")
    first = page.locator("#audit-table tbody tr").first
    assert first.locator("td[data-label=Action] .action").text_content() == "model.activate"
    # Who and why, as the event keeps them; and the request that made the change.
    assert first.locator("td[data-label=Action] .event-note").text_content() == (
        "version 1.0.0 · why: Back to the release our radiologists validated"
    )
    assert first.locator("th[data-label=Request] .request-line").text_content() == (
        f"POST /api/v1/models/{CHEST}/activate/"
    )
    assert first.locator("td[data-label=Who]").text_content() == "clinic-admin (admin)"
    assert first.locator("td[data-label=Object]").text_content() == f"model {CHEST}"
    assert "auth.login" in audit_actions(page)
    screenshot(page, "admin-dashboard")

    # Filtered to the doctor's events, page by page (25 a page).
    by_doctor = list(AuditEvent.objects.filter(actor=doctor).order_by("-id").values_list("action", flat=True))
    assert 25 < len(by_doctor) <= 50
    page.get_by_label("Who").select_option(label="dr-bob (doctor)")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#status:has-text('Audit log filtered')")
    assert audit_actions(page) == by_doctor[:25]
    assert page.is_disabled("#audit-newer")
    page.get_by_role("button", name="Older events").click()
    page.wait_for_selector("#audit-page:text-is('Page 2')")
    assert audit_actions(page) == by_doctor[25:]
    assert page.is_disabled("#audit-older")
    page.get_by_role("button", name="Newer events").click()
    page.wait_for_selector("#audit-page:text-is('Page 1')")
    assert audit_actions(page) == by_doctor[:25]

    # ...and to his report actions only.
    expected = [action for action in by_doctor if action.startswith("report.")]
    page.get_by_label("Action or its start").fill("report.")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#audit-table tbody tr >> nth=0")
    page.wait_for_function(
        "n => document.querySelectorAll('#audit-table tbody tr').length === n", arg=len(expected)
    )
    assert audit_actions(page) == expected
    assert page.is_disabled("#audit-older")

    # Other filters: the model's own events; and a period with none.
    page.get_by_label("Who").select_option(label="Anyone")
    page.get_by_label("Action or its start").fill("")
    page.get_by_label("Object type").fill("model")
    page.get_by_label("Object id").fill(CHEST)
    page.get_by_role("button", name="Filter").click()
    # Her activation and, before it, the system's pinning of the version first in use.
    model_events = AuditEvent.objects.filter(object_type="model", object_id=CHEST).order_by("-id")
    assert [(e.action, e.actor_id) for e in model_events] == [("model.activate", admin.pk), ("model.activate", None)]
    # A function, not an expression: Playwright evals an expression in the page, which its CSP refuses.
    page.wait_for_function("() => document.querySelectorAll('#audit-table tbody tr').length === 2")
    assert audit_actions(page) == ["model.activate", "model.activate"]
    page.get_by_label("From", exact=True).fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#audit-empty", state="visible")
    assert audit_actions(page) == []
    page.get_by_label("From", exact=True).fill("")
    page.get_by_label("Object type").fill("")
    page.get_by_label("Object id").fill("")
    page.get_by_label("Who").select_option(label="dr-bob (doctor)")
    page.get_by_label("Action or its start").fill("report.")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_function("n => document.querySelectorAll('#audit-table tbody tr').length === n", arg=len(expected))

    # The CSV link carries the same filters.
    href = page.get_attribute("#audit-export", "href")
    assert "action_prefix=report." in href and f"actor={doctor.pk}" in href
    export = page.request.get(f"{live_server.url}{href}")
    assert export.status == 200
    rows = list(csv.DictReader(io.StringIO(export.text())))
    assert [row["action"] for row in rows] == expected

    # A period with no signed report, then one that ends before it starts.
    tomorrow = date.today() + timedelta(days=1)
    page.get_by_label("Signed from").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_selector("#agreement-summary:text-is('No signed reports in force in this period.')")
    assert bars(page) == []
    page.get_by_label("Signed until (inclusive)").fill(date.today().isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_role("alert").filter(has_text="ends before it starts").wait_for()
    page.get_by_label("Signed from").fill(date.today().isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_selector("#status:has-text('Agreement figures updated')")
    assert page.get_by_role("alert").text_content() == ""
    assert len(bars(page)) == 2

    # A refusal from the API is shown as it is: here the version was removed after the page loaded.
    shutil.rmtree(two_versions / CHEST / "1.1.0")
    page.once("dialog", lambda dialog: dialog.accept("The newer release"))
    page.get_by_role("button", name="Make 1.1.0 active").click()
    page.get_by_role("alert").filter(has_text="is not installed").wait_for()
    assert ActiveModel.objects.get(name=CHEST).version == "1.0.0"

    assert_accessible(page)
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_admin_page_fits_a_phone(portal_settings, live_server, browser):
    admin, patient, doctor = make_people()
    signed_report(patient, doctor, "agrees")
    signed_report(patient, doctor, "disagrees")
    signed_report(patient, doctor, "agrees")

    page = browser.new_page(viewport=PHONE)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")

    assert bars(page) == [(CHEST, "1.0.0", 2 / 3, 2, 1)]
    assert page.locator("#agreement-chart text.value").text_content() == "66.7% · 2 of 3"
    chart = page.locator("#agreement-chart svg").bounding_box()
    assert chart["width"] <= PHONE["width"]
    # Every control is labelled and the page needs no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select')].filter((el) => !el.labels.length).map((el) => el.id)"
    )
    assert unlabelled == []
    screenshot(page, "admin-phone")
    assert_accessible(page)
    assert not errors, errors
    page.close()


@pytest.mark.django_db(transaction=True)
def test_visitors_sign_in_first_and_patients_are_told_the_page_is_not_theirs(portal_settings, live_server, browser):
    from accounts.models import Role, User

    User.objects.create_user(username="erin", email="erin@example.org", password=DEMO_PASSWORD, role=Role.PATIENT)
    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)

    page.goto(f"{live_server.url}/static/web/admin.html")
    page.wait_for_url("**/static/web/portal.html")
    page.wait_for_selector("#sign-in-form", state="visible")

    sign_in(page, live_server.url, "erin")
    page.wait_for_selector("#workspace", state="visible")
    page.goto(f"{live_server.url}/static/web/admin.html")
    page.wait_for_selector("#not-admin", state="visible")
    assert "signed in as erin, a patient" in page.text_content("#not-admin")
    assert page.is_hidden("#workspace")
    screenshot(page, "admin-not-admin")
    assert not errors, errors
    page.close()


@pytest.fixture
def one_version(portal_settings, tmp_path) -> Path:
    """A fresh installation: MODEL_PACKAGES_DIR with the shipped pneumonia model as 1.0.0 only."""
    shipped = Path(portal_settings.MODEL_PACKAGES_DIR)
    if not any(shipped.glob(f"{CHEST}/*/model_metadata.json")):
        pytest.skip(f"no {CHEST} package in {shipped} (set MODEL_PACKAGES_DIR)")
    root = tmp_path / "models"
    copy_package(shipped_package(shipped), root, version="1.0.0")
    portal_settings.MODEL_PACKAGES_DIR = root
    return root


def version_new_readings_use(case, doctor, monkeypatch) -> str:
    """The version a server reading requested now is given (the queue itself is not needed here)."""
    from readings.queueing import server_reading_request

    monkeypatch.setattr("readings.queueing.reading_enqueue", lambda **kwargs: None)
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=doctor, model_name=CHEST)
    return reading.model_version


@pytest.mark.django_db(transaction=True)
def test_a_newly_installed_version_stays_inactive_until_an_admin_activates_it_with_a_reason(
    portal_settings, one_version, live_server, browser, monkeypatch
):
    from audit.models import AuditEvent
    from clinic_factories import make_case
    from inference.models import ActiveModel

    admin, patient, doctor = make_people()
    case = make_case(patient=patient, images=1, submit=True)

    page = browser.new_page(viewport=DESKTOP)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")
    chest = page.locator(f"article[data-model='{CHEST}']")
    # The very first version of a model on a fresh installation is active on its own.
    assert chest.locator("li[data-version='1.0.0'] .badge").text_content() == "Active"
    assert ActiveModel.objects.get(name=CHEST).version == "1.0.0"

    # A new version is copied into the model folder: installed, listed, not active.
    copy_package(shipped_package(one_version), one_version, version="1.1.0")
    page.reload()
    page.wait_for_selector("#status:has-text('Loaded at')")
    assert chest.locator("li[data-version='1.1.0']").count() == 1
    assert chest.locator("li[data-version='1.1.0'] .badge").count() == 0
    assert chest.locator("li[data-version='1.0.0'] .badge").text_content() == "Active"
    assert "Active version: 1.0.0" in chest.locator("p.note").text_content()
    assert ActiveModel.objects.get(name=CHEST).version == "1.0.0"
    assert version_new_readings_use(case, doctor, monkeypatch) == "1.0.0"

    # The admin activates it, saying why.
    reason = "Validated on 200 of our own films"
    page.once("dialog", lambda dialog: dialog.accept(reason))
    page.get_by_role("button", name="Make 1.1.0 active").click()
    page.wait_for_selector("#status:has-text('is now active')")
    assert chest.locator("li[data-version='1.1.0'] .badge").text_content() == "Active"
    assert version_new_readings_use(case, doctor, monkeypatch) == "1.1.0"
    row = ActiveModel.objects.get(name=CHEST)
    assert (row.version, row.activated_by) == ("1.1.0", admin)

    # The audit log says who and why, next to the system's pin of the first version.
    page.get_by_label("Object type").fill("model")
    page.get_by_label("Object id").fill(CHEST)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_function("() => document.querySelectorAll('#audit-table tbody tr').length === 2")
    rows = page.locator("#audit-table tbody tr")
    assert rows.nth(0).locator("td[data-label=Who]").text_content() == "clinic-admin (admin)"
    assert rows.nth(0).locator(".event-note").text_content() == f"version 1.1.0 · why: {reason}"
    assert rows.nth(1).locator("td[data-label=Who]").text_content() == "anonymous"
    assert rows.nth(1).locator(".event-note").text_content().startswith("version 1.0.0 · pinned by the system")
    activation = AuditEvent.objects.filter(action="model.activate", actor=admin).get()
    assert activation.detail == {"version": "1.1.0", "reason": reason}
    assert_accessible(page)
    assert not errors, errors
    page.close()


def refusals_and_a_two_patient_list(admin, patient, portal_settings) -> dict[str, str]:
    """A refused PDF upload, sign-ins past the limit, and a list showing two patients' cases, made
    through the API; returns the X-Request-ID of each request the test looks for."""
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import Role, User
    from clinic_factories import client_for, make_case, upload_file

    other = User.objects.create_user(username="carol", email="carol@example.org", password=DEMO_PASSWORD,
                                     role=Role.PATIENT)
    make_case(patient=other, images=1)
    case = make_case(patient=patient)
    ids = {}
    pdf = upload_file("letter.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "application/pdf")
    response = client_for(patient).post(f"/api/v1/cases/{case.pk}/images/", {"file": pdf}, format="multipart")
    assert response.status_code == 415
    ids["pdf"] = response["X-Request-ID"]

    cache.clear()  # the sign-in limits' counts of an earlier test
    portal_settings.LOGIN_THROTTLE_RATE = "3/min"
    stranger = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [stranger.post("/api/v1/auth/login/", {"username": "alice", "password": "guess"},
                              content_type="application/json") for _ in range(4)]
    assert [r.status_code for r in statuses] == [400, 400, 400, 429]
    ids["throttled"] = statuses[-1]["X-Request-ID"]
    portal_settings.LOGIN_THROTTLE_RATE = "1000/min"

    response = client_for(admin).get("/api/v1/cases/")
    assert response.status_code == 200 and response.json()["count"] == 2
    ids["list"] = response["X-Request-ID"]
    return ids


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_audit_log_groups_events_per_request_and_the_refused_filter_shows_why(
    portal_settings, live_server, browser, viewport
):
    from audit.models import AuditEvent

    admin, patient, doctor = make_people()
    ids = refusals_and_a_two_patient_list(admin, patient, portal_settings)

    page = browser.new_page(viewport=viewport)
    errors = PageErrors(page)
    sign_in(page, live_server.url, admin.username)
    page.wait_for_url("**/static/web/admin.html")
    page.wait_for_selector("#status:has-text('Loaded at')")

    # One block per request: the admin's case list showed two patients, so two events, one request.
    group = page.locator(f"#audit-table tbody[data-request-id='{ids['list']}']")
    assert group.locator("tr").count() == 2
    assert group.locator("th[scope=rowgroup]").count() == 1
    assert group.locator("th[scope=rowgroup]").get_attribute("rowspan") == "2"
    assert group.locator(".request-line").text_content() == "GET /api/v1/cases/"
    assert "2 events" in group.locator("th[scope=rowgroup]").text_content()
    assert group.locator("td[data-label=Action] .action").all_text_contents() == ["case.list", "case.list"]
    assert sorted(group.locator("td[data-label=Patient]").all_text_contents()) == ["alice", "carol"]

    # Refused only: every refusal in the log, each with its reason.
    page.get_by_label("Result").select_option(label="Refused")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_selector("#status:has-text('Audit log filtered')")
    refused = list(AuditEvent.objects.filter(allowed=False).order_by("-id").values_list("id", flat=True))
    shown = [int(i) for i in page.locator("#audit-table tbody tr").evaluate_all("rows => rows.map((r) => r.dataset.eventId)")]
    assert shown == refused[:25] and len(refused) >= 5  # the upload, three wrong passwords, the limit
    results = page.locator("#audit-table tbody td[data-label=Result]").all_text_contents()
    assert all(text.startswith("Refused") for text in results), results

    pdf = page.locator(f"#audit-table tbody[data-request-id='{ids['pdf']}']")
    assert pdf.locator(".request-line").text_content().startswith("POST /api/v1/cases/")
    assert pdf.locator("td[data-label=Who]").text_content() == "alice (patient)"
    assert pdf.locator("td[data-label=Result] .reason").text_content().startswith(
        "415 unsupported_type: The file is not a PNG, JPEG or DICOM image"
    )
    throttled = page.locator(f"#audit-table tbody[data-request-id='{ids['throttled']}']")
    assert throttled.locator("td[data-label=Who]").text_content() == "anonymous"
    assert throttled.locator("td[data-label=Result] .reason").text_content().startswith("429 throttled: ")

    # Support finds a request by the id its answer carried.
    page.get_by_label("Request id").fill(ids["pdf"])
    page.get_by_role("button", name="Filter").click()
    page.wait_for_function("() => document.querySelectorAll('#audit-table tbody tr').length === 1")
    assert page.locator("#audit-table tbody").get_attribute("data-request-id") == ids["pdf"]

    # The CSV keeps one line per event, with its request id.
    export = page.request.get(f"{live_server.url}{page.get_attribute('#audit-export', 'href')}")
    rows = list(csv.DictReader(io.StringIO(export.text())))
    assert [(row["request_id"], row["allowed"]) for row in rows] == [(ids["pdf"], "False")]
    assert '"status": 415' in rows[0]["detail"]

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"admin-audit-refused-{'phone' if viewport is PHONE else 'desktop'}")
    assert_accessible(page)
    assert not errors, errors
    page.close()
