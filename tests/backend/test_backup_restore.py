"""`manage.py backup` and `restore`: back up real cases, wipe the database and the store, restore,
and find every case, image, reading, report and audit event as it was."""

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEvent
from cases.models import Case
from clinic_factories import client_for
from imaging.models import Image
from inference_cases import case_with_images, xray_files
from model_packages import CHEST
from object_store import object_server, object_store  # noqa: F401 (fixtures)
from readings.models import Reading, ReadingStatus
from readings.queueing import server_reading_request
from readings.running import readings_run
from reports.models import Report
from tests.unavailable import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)

KEY = bytes(range(32))


def snapshot() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Case, Image, Reading, Report, AuditEvent)
    }


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *map(str, args), stdout=out)
    return out.getvalue()


def wipe_database_and_store(settings) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    shutil.rmtree(settings.MEDIA_ROOT)
    assert connection.introspection.table_names() == []


@pytest.fixture
def clinic(settings, shipped_models, medical_data_dir, alice, bob, charlie, dan):
    """Two patients' cases of real X-rays, a server reading, and a signed report."""
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    xrays = xray_files(medical_data_dir, 3)
    reported = case_with_images(patient=alice, files=xrays[:2])
    case_with_images(patient=charlie, files=xrays[2:], submit=False)
    image = reported.images.order_by("pk").first()
    reading = server_reading_request(case=reported, image=image, requested_by=bob, model_name=CHEST)
    readings_run(reading_id=reading.pk)  # in this process; 0 if the on-commit task already ran it
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.SUCCEEDED, reading.error or reading.refusal
    doctor = client_for(bob)
    drafted = doctor.post(
        f"/api/v1/cases/{reported.pk}/reports/",
        {"findings": "Right lower lobe opacity.", "impression": "Pneumonia.", "ai_agreement": "no_reading"},
        format="json",
    )
    assert drafted.status_code == 201, drafted.content
    assert doctor.post(f"/api/v1/reports/{drafted.json()['id']}/sign/").json()["status"] == "signed"
    return {"xrays": {hashlib.sha256(x.read_bytes()).hexdigest(): x.read_bytes() for x in xrays}}


def test_back_up_wipe_and_restore_keeps_every_case_image_reading_report_and_audit_event(settings, tmp_path, clinic):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        skip_or_fail("pg_dump and pg_restore are missing (apt-get install postgresql-client)")
    before = snapshot()
    assert len(before["Image"]) == 3 and len(before["Report"]) == 1 and before["Report"][0]["status"] == "signed"
    assert before["Reading"] and before["AuditEvent"]

    printed = run("backup", tmp_path / "backups")
    assert "Dumping the PostgreSQL database with pg_dump (custom format)" in printed and "Copied 6 stored files" in printed
    [backup] = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["method"] == "pg_dump" and len(manifest["files"]) == 6
    for entry in manifest["files"]:  # the backup holds the files as stored: encrypted
        data = (backup / "files" / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and data not in clinic["xrays"].values()

    wipe_database_and_store(settings)
    printed = run("restore", backup)
    assert "Restoring the database with pg_restore" in printed and "3 images match their SHA-256" in printed

    assert snapshot() == before
    for image in Image.objects.select_related("case__patient"):
        download = client_for(image.case.patient).get(f"/api/v1/images/{image.pk}/file/")
        assert b"".join(download.streaming_content) == clinic["xrays"][image.sha256]
    # The audit log came back append-only: its trigger is restored after its rows.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'edited'")


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, clinic):
    run("backup", tmp_path)
    [backup] = tmp_path.glob("backup-*")
    before = snapshot()
    with pytest.raises(CommandError, match="database is not empty"):
        run("restore", backup)
    assert snapshot() == before


def test_restore_refuses_a_damaged_backup_before_touching_anything(settings, tmp_path, clinic):
    run("backup", tmp_path)
    [backup] = tmp_path.glob("backup-*")
    damaged = next(p for p in (backup / "files").rglob("*") if p.is_file())
    data = bytearray(damaged.read_bytes())
    data[100] ^= 1
    damaged.write_bytes(bytes(data))
    wipe_database_and_store(settings)
    with pytest.raises(CommandError, match="damaged"):
        run("restore", backup)
    assert connection.introspection.table_names() == []
    restore_tables_for_teardown(backup, damaged, data)


def restore_tables_for_teardown(backup: Path, damaged: Path, data: bytearray) -> None:
    data[100] ^= 1
    damaged.write_bytes(bytes(data))
    run("restore", backup)


def test_restore_refuses_a_backup_without_its_encryption_key(settings, tmp_path, clinic):
    run("backup", tmp_path)
    [backup] = tmp_path.glob("backup-*")
    wipe_database_and_store(settings)
    settings.UPLOAD_ENCRYPTION_KEY = None
    with pytest.raises(CommandError, match="encrypted with key id .* UPLOAD_ENCRYPTION_KEY_FILE is not set"):
        run("restore", backup)
    assert connection.introspection.table_names() == []
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    run("restore", backup)  # and with it, it restores


def test_a_bucket_is_backed_up_and_restored_object_for_object(settings, tmp_path, object_store, medical_data_dir, alice):
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    case_with_images(patient=alice, files=xray_files(medical_data_dir, 2), submit=False)
    before, stored = snapshot(), object_store.objects()
    assert len(stored) == 4

    printed = run("backup", tmp_path)
    assert "Copied 4 stored files" in printed
    [backup] = tmp_path.glob("backup-*")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    client = object_store.client()
    for name in stored:
        client.delete_object(Bucket=object_store.bucket, Key=name)
    assert object_store.objects() == {}

    assert "2 images match their SHA-256" in run("restore", backup)
    assert snapshot() == before
    assert object_store.objects() == stored  # the same bytes, still encrypted
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*")))


def test_the_embedded_default_backs_up_and_restores_with_dumpdata(tmp_path, medical_data_dir):
    """SQLite and local files (scripts/run.sh): dumpdata and loaddata, in a process of its own."""
    [xray] = xray_files(medical_data_dir, 1)
    env = {**embedded_environment(), "DJANGO_DATA_DIR": str(tmp_path / "data"), "XRAY": str(xray)}
    manage(env, "migrate", "--verbosity=0")
    made = manage(env, "shell", "-c", MAKE_CASE).stdout.split()[-1]
    printed = manage(env, "backup", str(tmp_path / "backups")).stdout
    assert "with dumpdata (JSON)" in printed
    [backup] = (tmp_path / "backups").glob("backup-*")
    shutil.rmtree(tmp_path / "data")
    printed = manage(env, "restore", str(backup)).stdout
    assert "1 images match their SHA-256" in printed
    assert manage(env, "shell", "-c", SHOW_CASE).stdout.split()[-1] == made


MAKE_CASE = """
import hashlib, os
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.models import Role, User
from cases.services import case_create
from imaging.services import image_upload
patient = User.objects.create_user(username="alice", password="x" * 16, role=Role.PATIENT)
case = case_create(created_by=patient, patient=patient, title="Cough")
data = open(os.environ["XRAY"], "rb").read()
image = image_upload(case=case, uploaded_by=patient, file=SimpleUploadedFile("xray.jpeg", data))
print(f"{case.pk}:{image.sha256}:{hashlib.sha256(data).hexdigest()}")
"""
SHOW_CASE = """
import hashlib
from django.core.files.storage import default_storage
from imaging.models import Image
image = Image.objects.get()
with default_storage.open(image.original.name) as stream:
    print(f"{image.case_id}:{image.sha256}:{hashlib.sha256(stream.read()).hexdigest()}")
"""


def embedded_environment() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "OBJECT_STORAGE_", "UPLOAD_ENCRYPTION_"))}


def manage(env: dict[str, str], *args: str):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[2] / "backend" / "manage.py"), *args],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
