"""LOG_FORMAT=json: one JSON object a line, with the request id, and nothing that names a patient.

A whole visit runs with the web app's log records and a real worker's output captured: a patient
signs up with a known name, sends a real X-ray, a worker reads it, her doctor signs a report.
Every line is then searched for her name, username, e-mail and the ids of her account, case and
image (moved out of the small numbers first, so that a match means an id and not a timestamp).
"""

import io
import json
import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import CareRelationship, User
from celery_workers import wait_until
from clinic_factories import client_for
from config.json_logs import JsonFormatter, redact
from inference_cases import xray_files
from model_packages import CHEST
from readings.models import Reading
from real_workers import broker, start_worker  # noqa: F401 (fixtures)

PATIENT = {
    "username": "quennell_p",
    "email": "philippa.quennell@example.org",
    "first_name": "Philippa",
    "last_name": "Quennell-Arbuthnot",
    "password": "Lantern-harbour-pebble-93",
}
FIELDS = {"time", "level", "logger", "message", "request_id"}


@pytest.fixture
def json_records():
    """The log records of this process, formatted as LOG_FORMAT=json formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def ids_start_at(table: str, first: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s, false)", [first])


def parsed(lines: list[str]) -> list[dict]:
    entries = []
    for line in lines:
        entry = json.loads(line)
        assert FIELDS <= entry.keys(), line
        entries.append(entry)
    return entries


def test_redaction_blanks_addresses_and_ids_and_keeps_the_rest():
    assert redact("Not Found: /api/v1/cases/48213/images/77/") == "Not Found: /api/v1/cases/<id>/images/<id>/"
    assert redact("reading 17 failed for case 48213 (image=9)") == "reading <id> failed for case <id> (image=<id>)"
    assert redact("mail to a.b+c@example.org bounced") == "mail to <email> bounced"
    assert redact("stored 2 chest-xray-pneumonia 2.0.0 readings in 12 ms") == "stored 2 chest-xray-pneumonia 2.0.0 readings in 12 ms"


@pytest.mark.django_db(transaction=True)
def test_a_whole_visit_logs_json_lines_with_request_ids_and_no_patient_data(
    json_records, start_worker, settings, shipped_models, medical_data_dir, admin, bob, charlie
):
    for table, first in (("accounts_user", 73_511), ("cases_case", 48_213), ("imaging_image", 59_067)):
        ids_start_at(table, first)
    worker = start_worker("json", LOG_FORMAT="json").wait_ready()

    anonymous = client_for(None)
    assert anonymous.post("/api/v1/auth/register/", PATIENT, format="json").status_code == 201
    patient = User.objects.get(username=PATIENT["username"])
    CareRelationship.objects.create(doctor=bob, patient=patient, created_by=admin)
    assert anonymous.post(
        "/api/v1/auth/login/", {"username": PATIENT["username"], "password": PATIENT["password"]}, format="json"
    ).status_code == 200
    case_id = anonymous.post("/api/v1/cases/", {"title": "Cough for a week"}, format="json").json()["id"]
    [xray] = xray_files(medical_data_dir, 1)
    upload = anonymous.post(
        f"/api/v1/cases/{case_id}/images/",
        {"file": SimpleUploadedFile("chest.png", xray.read_bytes(), content_type="image/png")},
        format="multipart",
    )
    assert upload.status_code == 201, upload.content
    image_id = upload.json()["id"]
    assert anonymous.post(f"/api/v1/cases/{case_id}/submit/").status_code == 200
    # Another patient's look at the case is refused and logged by Django with its path.
    not_theirs = client_for(charlie).get(f"/api/v1/cases/{case_id}/")
    assert not_theirs.status_code == 404

    doctor = client_for(bob)
    requested = doctor.post(
        f"/api/v1/cases/{case_id}/server-readings/", {"image": image_id, "model_name": CHEST}, format="json"
    )
    assert requested.status_code == 202
    reading_id = requested.json()["id"]
    wait_until(
        lambda: Reading.objects.get(pk=reading_id).status not in ("pending", "running"),
        timeout=90,
        what="the worker to store the reading",
    )
    assert Reading.objects.get(pk=reading_id).status == "succeeded"
    report = doctor.post(
        f"/api/v1/cases/{case_id}/reports/",
        {"findings": "Patchy opacity.", "impression": "Pneumonia.", "ai_agreement": "agrees", "reading": reading_id},
        format="json",
    )
    assert report.status_code == 201, report.content
    assert doctor.post(f"/api/v1/reports/{report.json()['id']}/sign/").status_code == 200
    assert (patient.pk, case_id, image_id) == (73_511, 48_213, 59_067)

    web = parsed([line for line in json_records.getvalue().splitlines() if line.strip()])
    # The worker's stdout is JSON lines; TensorFlow's C++ start-up notes go to stderr as plain text.
    worker_lines = [line for line in worker.log().splitlines() if line.startswith("{")]
    ours = parsed(worker_lines)
    assert any(e["message"].endswith(" ready.") for e in ours), "Celery's own lines are JSON too"
    assert not re.search(r"^\[\d{4}-\d\d-\d\d [\d:,]+: \w+/", worker.log(), re.MULTILINE), "a plain Celery line"

    refused = [e for e in web if e["logger"] == "django.request" and e["message"].startswith("Not Found:")]
    assert refused and refused[-1]["message"] == "Not Found: /api/v1/cases/<id>/"
    assert refused[-1]["request_id"] == not_theirs["X-Request-ID"]
    # The worker's lines about the task carry the id of the request that queued it.
    stored = [e for e in ours if e["message"].startswith("stored 1 chest-xray-pneumonia")]
    assert stored and stored[0]["request_id"] == requested["X-Request-ID"]

    secrets = [PATIENT["first_name"], PATIENT["last_name"], PATIENT["username"], PATIENT["email"], "philippa", "quennell"]
    everything = [json.dumps(e) for e in web + ours] + worker.log().splitlines()
    for line in everything:
        for secret in secrets:
            assert secret.lower() not in line.lower(), f"{secret!r} logged: {line}"
        for number in (patient.pk, case_id, image_id):
            assert not re.search(rf"\b{number}\b", line), f"id {number} logged: {line}"
    assert len(web) >= 3 and len(ours) >= 5
