"""GET /api/v1/drift/ for clinic admins (audited as drift.read), `manage.py drift_report`, and the
intensity statistics the drift watch reads: kept at upload, filled in later by `drift_backfill`."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from audit.models import AuditEvent
from clinic_factories import client_for
from drift.report import drift_weeks
from drift_samples import darkened, same_distribution_scans, week_of_readings
from imaging.models import Image
from inference.registry import package_get
from inference_cases import case_with_images, xray_files
from training.decoding import decode_image_file
from training.intensity import intensity_statistics

URL = "/api/v1/drift/"
CHEST, VERSION = "chest-xray-pneumonia", "2.0.0"


@pytest.fixture(scope="module")
def scans(medical_data_dir):
    return same_distribution_scans(medical_data_dir)


@pytest.fixture
def chest(shipped_models):
    return package_get(CHEST, VERSION)


def test_admins_read_the_weeks_and_the_read_is_audited(chest, admin, alice, bob, scans):
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=scans[:5], week=0)
    response = client_for(admin).get(URL, {"model": CHEST})
    assert response.status_code == 200, response.content
    body = response.json()
    [week] = body["weeks"]
    assert (week["model_version"], week["week"], week["readings"]) == (VERSION, "2026-W45", 5)
    assert [check["level"] for check in week["checks"]] == ["too_few", "too_few", "no_reference", "too_few", "too_few"]
    version = next(v for v in body["versions"] if v["version"] == VERSION)
    assert version["active"] and version["reference_images"] == 302
    assert body["thresholds"]["psi_breach"] == 0.2
    event = AuditEvent.objects.get(action="drift.read")
    assert (event.actor_id, event.object_type, event.object_id, event.patient_id) == (admin.pk, "drift", CHEST, None)
    assert event.detail["weeks"] == 1


def test_every_model_without_a_name(chest, admin, alice, bob, scans):
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=scans[:2], week=0)
    body = client_for(admin).get(URL).json()
    assert body["model"] is None
    assert {v["model"] for v in body["versions"]} >= {CHEST, "breast-ultrasound-malignancy"}
    assert [w["model_name"] for w in body["weeks"]] == [CHEST]


def test_only_clinic_admins_may_read_it(shipped_models, alice, bob):
    assert client_for(bob).get(URL, {"model": CHEST}).status_code == 403
    assert client_for(alice).get(URL, {"model": CHEST}).status_code == 403
    assert client_for(None).get(URL, {"model": CHEST}).status_code in (401, 403)


def test_an_unknown_model_is_404(shipped_models, admin):
    response = client_for(admin).get(URL, {"model": "no-such-model"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_model"


def test_the_command_names_the_breach(chest, alice, bob, scans):
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=scans[:50], week=0)
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=[darkened(s) for s in scans[50:]], week=1)
    out = io.StringIO()
    call_command("drift_report", "--model", CHEST, stdout=out, stderr=io.StringIO())
    table = out.getvalue()
    assert "2026-W46" in table and "BREACH" in table
    assert "2026-W46: Image brightness (mean grey level) shifted" in table
    out = io.StringIO()
    call_command("drift_report", "--model", CHEST, "--json", stdout=out, stderr=io.StringIO())
    weeks = json.loads(out.getvalue())["weeks"]
    assert [w["breaches"] for w in weeks] == [w.breaches for w in drift_weeks(CHEST)]
    assert "intensity" in weeks[1]["breaches"]
    with pytest.raises(SystemExit) as exit_:
        call_command("drift_report", "--model", CHEST, "--check", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_.value.code == 1


def test_the_breach_of_this_week_is_a_metric(chest, alice, bob, scans, client):
    now = timezone.now()
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=scans[:50], at=now - datetime.timedelta(weeks=1))
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=[darkened(s) for s in scans[50:]], at=now)
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    samples = {
        (sample.name, sample.labels.get("check")): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
        if sample.name.startswith("healthcare_drift") and sample.labels["version"] == VERSION
    }
    assert samples[("healthcare_drift_breach", "intensity")] == 1
    assert samples[("healthcare_drift_breach", "refusals")] == 0
    assert samples[("healthcare_drift_psi", "intensity")] >= 0.2
    assert 0 <= samples[("healthcare_drift_agreement", None)] <= 1


def test_uploads_keep_the_intensity_of_what_the_model_reads(shipped_models, alice, medical_data_dir):
    [path] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[path], submit=False)
    image = case.images.get()
    expected = intensity_statistics(decode_image_file(path, 1))
    assert (image.intensity_mean, image.intensity_std) == pytest.approx(expected)
    assert 20 < image.intensity_mean < 235


def test_the_backfill_fills_images_stored_before(shipped_models, alice, medical_data_dir):
    files = xray_files(medical_data_dir, 2)
    case = case_with_images(patient=alice, files=files, submit=False)
    kept = {image.pk: (image.intensity_mean, image.intensity_std) for image in case.images.all()}
    Image.objects.filter(case=case).update(intensity_mean=None, intensity_std=None)
    out = io.StringIO()
    call_command("drift_backfill", stdout=out)
    assert "2 images filled, 0 without a readable original" in out.getvalue()
    for image in case.images.all():
        assert (image.intensity_mean, image.intensity_std) == pytest.approx(kept[image.pk])
