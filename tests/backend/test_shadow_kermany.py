"""The comparison on real X-rays: the 20 full-size Kermany test scans, read in this process by the
active chest model (2.0.0) and in shadow by the candidate (1.0.0), each signed by a doctor whose
label is the scan's own (its folder). The comparison must count exactly what the readings say.

`manage.py shadow_report` prints it; the output goes to test-artifacts/shadow-kermany.txt.
"""

import io

import pytest
from django.core.management import call_command

from inference_cases import KERMANY, case_with_images, xray_files
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from readings.queueing import server_reading_request
from readings.running import readings_run
from reports.models import AIAgreement
from reports.services import report_create, report_sign
from shadow.selectors import shadow_comparison
from shadow_cases import ACTIVE, CANDIDATE, candidate_in_shadow

pytestmark = pytest.mark.django_db
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "test-artifacts"


def _run_pending() -> None:
    """What the workers would do: run every pending server reading, a batch of one version at a time."""
    while pending := Reading.all_objects.filter(status=ReadingStatus.PENDING).order_by("id").first():
        assert readings_run(reading_id=pending.pk) >= 1


def test_the_candidate_and_the_active_version_on_the_20_kermany_scans(
    shipped_models, medical_data_dir, settings, admin, alice, bob
):
    settings.INFERENCE_BATCH_SIZE = 32
    candidate_in_shadow(admin)
    truth = {}
    for xray in xray_files(medical_data_dir, 20):
        case = case_with_images(patient=alice, files=[xray])
        server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
        truth[case.pk] = "pneumonia" if xray.parent.name == "PNEUMONIA" else "normal"
    assert sorted(truth.values()).count("pneumonia") == 10, f"{medical_data_dir / KERMANY} has 10 of each"
    _run_pending()

    for case_id, label in truth.items():
        active = Reading.objects.get(case_id=case_id)
        assert active.model_version == ACTIVE and active.status == ReadingStatus.SUCCEEDED, active.error
        agreement = AIAgreement.AGREES if active.label == label else AIAgreement.DISAGREES
        report = report_create(
            case=active.case,
            author=bob,
            findings="Reviewed.",
            impression="See findings.",
            ai_agreement=agreement,
            reading=active,
        )
        report_sign(report=report, signer=bob)

    comparison = shadow_comparison(CHEST, CANDIDATE)
    assert len(comparison.images) == 20
    for side, score in (("active", comparison.active), ("candidate", comparison.candidate)):
        readings = Reading.all_objects.filter(case_id__in=truth, shadow=side == "candidate", status=ReadingStatus.SUCCEEDED)
        right = sum(reading.label == truth[reading.case_id] for reading in readings)
        found = sum(reading.label == "pneumonia" == truth[reading.case_id] for reading in readings)
        assert (score.agreement.hits, score.agreement.total) == (right, 20), side
        assert (score.sensitivity.hits, score.sensitivity.total) == (found, 10), side
        assert score.specificity.total == 10
    assert len(comparison.disagreements) == sum(
        len({image.doctor_label, image.active.label, image.candidate.label}) > 1 for image in comparison.images
    )

    out = io.StringIO()
    call_command("shadow_report", CHEST, CANDIDATE, stdout=out)
    report_text = out.getvalue()
    assert "20 signed cases compared" in report_text
    assert f"({comparison.candidate.agreement.hits} of 20;" in report_text
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "shadow-kermany.txt").write_text(report_text)
