"""Rule 2 of docs/model-package.md: a DICOM whose header names another kind of scan is refused
before the model runs, with a reason that says what the header says."""

import dataclasses

import pytest

from audit.models import AuditEvent
from cases.models import CaseStatus
from inference.decision import dicom_refusal
from inference.registry import PackageError, package_get
from inference_cases import case_with_images, serve_directly
from model_packages import CHEST
from readings.models import ReadingStatus
from readings.queueing import server_reading_request
from readings.running import readings_run

pytestmark = pytest.mark.django_db

CHEST_RULES = {"modalities": ["CR", "DX"], "body_parts": ["CHEST", "THORAX", "LUNG", "LUNGS"]}


def with_rules(package, dicom, expects="chest X-ray"):
    """The package with other header rules in its metadata (no file changes: the rules are data)."""
    check = {**package.input_check, "expects": expects}
    if dicom is None:
        check.pop("dicom", None)
    else:
        check["dicom"] = dicom
    return dataclasses.replace(package, metadata={**package.metadata, "input_check": check})


@pytest.mark.parametrize(
    "modality, body_part, reason",
    [
        ("CT", "", "The DICOM header says this is a CT (Modality CT), not a chest X-ray."),
        ("MR", "HEAD", "The DICOM header says this is an MR (Modality MR), not a chest X-ray."),
        ("US", "CHEST", "The DICOM header says this is a US (Modality US), not a chest X-ray."),
        ("", "CHEST", "The DICOM header says this is of no modality (Modality missing), not a chest X-ray."),
        (
            "CR",
            "KNEE",
            "The DICOM header says this is an image of the KNEE (BodyPartExamined KNEE), not a chest X-ray.",
        ),
        ("CR", "CHEST", ""),
        (" dx ", " chest ", ""),  # case-insensitive, on stripped values
        ("CR", "", ""),  # an empty BodyPartExamined says nothing
        ("DX", "Lungs", ""),
    ],
)
def test_the_header_rules_name_what_the_header_says(gated_chest, modality, body_part, reason):
    package = with_rules(gated_chest, CHEST_RULES)
    assert dicom_refusal(package, modality=modality, body_part=body_part) == reason


def test_the_expected_kind_of_image_gets_its_article(gated_chest):
    package = with_rules(gated_chest, {"modalities": ["OP"]}, expects="eye fundus photograph")
    reason = dicom_refusal(package, modality="CT", body_part="")
    assert reason == "The DICOM header says this is a CT (Modality CT), not an eye fundus photograph."


def test_there_is_no_header_check_without_dicom_rules(gated_chest):
    assert dicom_refusal(with_rules(gated_chest, None), modality="CT", body_part="HEAD") == ""


def test_a_package_without_an_input_check_checks_no_header(shipped_models):
    try:
        old = package_get(CHEST, "1.0.0")
    except PackageError:
        pytest.skip("chest-xray-pneumonia 1.0.0 is not installed")
    assert old.input_check is None
    assert dicom_refusal(old, modality="CT", body_part="HEAD") == ""


def _server_reading_of(path, *, patient, doctor):
    case = case_with_images(patient=patient, files=[path])
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=doctor, model_name=CHEST)
    assert readings_run(reading_id=reading.pk) == 1
    reading.refresh_from_db()
    case.refresh_from_db()
    return case, reading


@pytest.mark.parametrize(
    "name, reason",
    [
        ("CT_small.dcm", "The DICOM header says this is a CT (Modality CT), not a chest X-ray."),
        ("MR_small.dcm", "The DICOM header says this is an MR (Modality MR), not a chest X-ray."),
    ],
)
def test_a_real_dicom_of_another_modality_is_refused_before_the_model_runs(
    name, reason, gated_chest, medical_data_dir, alice, bob
):
    case, reading = _server_reading_of(medical_data_dir / "dicom" / name, patient=alice, doctor=bob)
    assert reading.model_version == gated_chest.version
    assert reading.status == ReadingStatus.REFUSED, reading.error
    assert reading.refusal == reason
    # The model never ran: no gate score, no engine, no finding.
    assert reading.input_score is None and reading.backend == "" and reading.latency_ms is None
    assert (reading.label, reading.probabilities, reading.score, reading.heatmap) == ("", {}, None, None)
    assert reading.flagged is False
    assert case.status == CaseStatus.SUBMITTED and case.ai_flagged is False
    event = AuditEvent.objects.get(action="reading.refuse", object_id=str(reading.pk))
    assert event.detail["refusal"] == reason


def test_a_real_chest_radiograph_passes_the_header_check_and_the_graph_decides(
    gated_chest, medical_data_dir, alice, bob
):
    path = medical_data_dir / "dicom" / "RG1_UNCI.dcm"
    case, reading = _server_reading_of(path, patient=alice, doctor=bob)
    image = case.images.get()
    assert (image.modality, image.body_part) == ("CR", "CHEST")
    assert dicom_refusal(gated_chest, modality=image.modality, body_part=image.body_part) == ""
    # The model ran on it, and its own gate decided: the same decision as the graph run directly.
    direct = serve_directly(gated_chest, path.read_bytes())
    assert reading.input_score == pytest.approx(float(direct["input_check"]), abs=1e-5)
    assert reading.backend.startswith("tensorflow-")
    if direct["input_accepted"] == 1.0:
        assert reading.status == ReadingStatus.SUCCEEDED and reading.refusal == ""
    else:  # chest-xray-pneumonia 2.0.0 was trained on children's X-rays; this one is an adult's
        assert reading.status == ReadingStatus.REFUSED
        assert reading.refusal == gated_chest.input_check["refusal"]
