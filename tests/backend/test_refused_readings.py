"""Refused readings: an image the model's input gate turns down gets no reading, only the reason.

Server readings are refused by the graph's own `input_accepted`; browser readings say so with
`input_accepted: false` and are verified like any other. A refused reading is never a finding:
not flagged, not "AI read", not something a report can agree or disagree with.
"""

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from cases.models import CaseStatus
from clinic_factories import client_for, make_case
from config.errors import ApplicationError
from inference.registry import PackageError, package_get
from inference.services import model_activate
from inference_cases import case_with_images, png_of, serve_directly, xray_files
from model_packages import CHEST
from readings.models import Reading, ReadingStatus
from readings.queueing import server_reading_request
from readings.running import readings_run
from readings.services import reading_record_refused
from reports.models import AIAgreement
from reports.services import report_create

pytestmark = pytest.mark.django_db


def noise_png() -> bytes:
    """Uniform noise: nothing like an X-ray."""
    return png_of(np.random.default_rng(7).integers(0, 256, (90, 120, 1), dtype=np.uint8))


def slice_png(medical_data_dir, name: str) -> bytes:
    """The pixels of a real CT or MR slice, as a PNG: no DICOM header to give it away, only the image."""
    from training.decoding import decode_image_bytes

    return png_of(decode_image_bytes((medical_data_dir / "dicom" / name).read_bytes(), 1))


def fundus_jpeg() -> bytes:
    """A real photograph of the back of an eye, as shipped with scikit-image (a training requirement)."""
    skimage = pytest.importorskip("skimage")
    from pathlib import Path

    return (Path(skimage.__file__).parent / "data" / "retina.jpg").read_bytes()


IMAGES_UNLIKE_A_CHEST_XRAY = {
    "noise": lambda data_dir: noise_png(),
    "CT slice": lambda data_dir: slice_png(data_dir, "CT_small.dcm"),
    "MR slice": lambda data_dir: slice_png(data_dir, "MR_small.dcm"),
    "fundus photograph": lambda data_dir: fundus_jpeg(),
}


def server_reading(case, doctor) -> Reading:
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=doctor, model_name=CHEST)
    assert readings_run(reading_id=reading.pk) == 1
    reading.refresh_from_db()
    return reading


@pytest.mark.parametrize("image", sorted(IMAGES_UNLIKE_A_CHEST_XRAY))
def test_the_gate_refuses_an_image_unlike_a_chest_xray_and_stores_no_finding(
    image, gated_chest, medical_data_dir, alice, bob
):
    data = IMAGES_UNLIKE_A_CHEST_XRAY[image](medical_data_dir)
    case = case_with_images(patient=alice, blobs=[data])
    reading = server_reading(case, bob)

    assert reading.status == ReadingStatus.REFUSED, reading.error
    assert reading.refusal == gated_chest.input_check["refusal"]
    direct = serve_directly(gated_chest, data)
    assert direct["input_accepted"] == 0.0
    assert reading.input_score == pytest.approx(float(direct["input_check"]), abs=1e-5)
    assert reading.input_score < gated_chest.input_check["threshold"]
    assert (reading.label, reading.probabilities, reading.score, reading.threshold) == ("", {}, None, None)
    assert reading.heatmap is None and reading.flagged is False
    assert reading.backend.startswith("tensorflow-")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.ai_flagged is False

    body = client_for(bob).get(f"/api/v1/readings/{reading.pk}/").json()
    assert body["status"] == "refused" and body["refusal"] == gated_chest.input_check["refusal"]
    assert body["input_score"] == pytest.approx(reading.input_score)
    assert body["label"] == "" and body["probabilities"] == {} and body["flagged"] is False


def test_a_real_chest_xray_passes_the_gate_and_is_read(gated_chest, medical_data_dir, alice, bob):
    [xray] = xray_files(medical_data_dir, 1)
    reading = server_reading(case_with_images(patient=alice, files=[xray]), bob)

    assert reading.status == ReadingStatus.SUCCEEDED, reading.refusal or reading.error
    direct = serve_directly(gated_chest, xray.read_bytes())
    assert reading.input_score == pytest.approx(float(direct["input_check"]), abs=1e-5)
    assert reading.input_score >= gated_chest.input_check["threshold"]
    assert reading.refusal == "" and reading.label in gated_chest.label_names
    np.testing.assert_allclose(list(reading.probabilities.values()), direct["probabilities"], atol=1e-5)


def test_a_package_made_before_the_gate_reads_every_image(shipped_models, admin, alice, bob):
    try:
        old = package_get(CHEST, "1.0.0")
    except PackageError:
        pytest.skip("chest-xray-pneumonia 1.0.0 is not installed")
    model_activate(name=CHEST, version=old.version, actor=admin, reason="Compare with the first release")
    case = case_with_images(patient=alice, blobs=[noise_png()])
    reading = server_reading(case, bob)
    assert reading.model_version == "1.0.0"
    assert reading.status == ReadingStatus.SUCCEEDED and reading.input_score is None and reading.refusal == ""


# Browser readings.


def browser_body(image, package, **fields) -> dict:
    names = {"model_name": package.name, "model_version": package.version}
    return {"image": image.pk, **names, "backend": "wasm", **fields}


def refused_body(image, package, data: bytes) -> dict:
    direct = serve_directly(package, data)
    score = float(direct["input_check"])
    return browser_body(image, package, input_accepted=False, input_score=score, latency_ms=3.0)


def read_body(image, package, data: bytes) -> dict:
    direct = serve_directly(package, data)
    probabilities = [float(p) for p in direct["probabilities"]]
    score = probabilities[package.positive_class]
    positive = score >= package.threshold
    return browser_body(
        image,
        package,
        probabilities=dict(zip(package.label_names, probabilities, strict=True)),
        label=package.label_names[package.positive_class if positive else 1 - package.positive_class],
        score=score,
        threshold=package.threshold,
        input_accepted=True,
        input_score=float(direct["input_check"]),
    )


def post(user, case, body, capture):
    with capture(execute=True):
        return client_for(user).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")


def test_a_browser_reading_refused_by_the_gate_is_stored_as_refused_and_the_server_agrees(
    gated_chest, alice, bob, django_capture_on_commit_callbacks
):
    data = noise_png()
    case = case_with_images(patient=alice, blobs=[data])
    response = post(alice, case, refused_body(case.images.get(), gated_chest, data), django_capture_on_commit_callbacks)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "refused" and body["runs_on"] == "browser"
    assert body["refusal"] == gated_chest.input_check["refusal"]  # the package's words when none are sent
    assert body["label"] == "" and body["probabilities"] == {} and body["flagged"] is False
    check = Reading.objects.get(pk=body["id"]).verification
    assert check.status == ReadingStatus.REFUSED and check.disagrees is False
    assert check.max_difference == pytest.approx(0.0, abs=1e-4)  # the two gate scores
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.ai_flagged is False


def test_the_browser_refusing_an_image_the_server_reads_is_a_disagreement(
    gated_chest, medical_data_dir, alice, bob, django_capture_on_commit_callbacks
):
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    body = refused_body(case.images.get(), gated_chest, xray.read_bytes())
    body["refusal"] = "This does not look like a chest X-ray."
    response = post(alice, case, body, django_capture_on_commit_callbacks)

    assert response.status_code == 201, response.content
    check = Reading.objects.get(pk=response.json()["id"]).verification
    assert check.status == ReadingStatus.SUCCEEDED
    assert check.disagrees is True and check.max_difference == 1.0
    case.refresh_from_db()
    assert case.ai_flagged, "the browser and the server disagree on whether to read the image: a doctor looks"


def test_the_browser_reading_an_image_the_server_refuses_is_a_disagreement(
    gated_chest, alice, bob, django_capture_on_commit_callbacks
):
    data = noise_png()
    case = case_with_images(patient=alice, blobs=[data])
    response = post(alice, case, read_body(case.images.get(), gated_chest, data), django_capture_on_commit_callbacks)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "succeeded"
    check = Reading.objects.get(pk=response.json()["id"]).verification
    assert check.status == ReadingStatus.REFUSED
    assert check.disagrees is True and check.max_difference == 1.0
    case.refresh_from_db()
    assert case.ai_flagged


def test_matching_browser_and_server_readings_compare_their_gate_scores_too(
    gated_chest, medical_data_dir, alice, bob, django_capture_on_commit_callbacks
):
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    body = read_body(case.images.get(), gated_chest, xray.read_bytes())
    body["input_score"] = max(body["input_score"] - 0.05, 0.0)
    response = post(alice, case, body, django_capture_on_commit_callbacks)

    check = Reading.objects.get(pk=response.json()["id"]).verification
    assert check.status == ReadingStatus.SUCCEEDED
    assert check.disagrees is True and check.max_difference == pytest.approx(0.05, abs=1e-4)


GOOD_REFUSAL = {"model_name": "not-installed", "model_version": "0.1.0", "input_accepted": False, "input_score": 0.1}


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"probabilities": {"normal": 0.4, "pneumonia": 0.6}}, "probabilities"),
        ({"label": "pneumonia"}, "label"),
        ({"score": 0.6}, "score"),
        ({"heatmap": [[0.5]]}, "heatmap"),
        ({"input_score": 1.5}, "input_score"),
        ({"input_score": "high"}, "input_score"),
        ({"input_accepted": "perhaps"}, "input_accepted"),
        ({"refusal": "x" * 2001}, "refusal"),
        ({"input_accepted": True}, "probabilities"),  # a reading that was read needs its finding
        ({"input_accepted": True, "probabilities": {"a": 0.4, "b": 0.6}, "label": "b"}, "score"),
        (
            {"input_accepted": True, "probabilities": None, "label": "b", "score": None, "threshold": None},
            "probabilities",
        ),
        (
            {
                "input_accepted": True,
                "refusal": "Not a chest X-ray.",
                "probabilities": {"a": 0.4, "b": 0.6},
                "label": "b",
                "score": 0.6,
                "threshold": 0.5,
            },
            "refusal",
        ),
    ],
)
def test_an_invalid_refused_reading_is_answered_400_naming_the_field(alice, bob, overrides, field):
    case = make_case(patient=alice, images=1, submit=True)
    body = {"image": case.images.get().pk, **GOOD_REFUSAL, **overrides}
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["details"]["fields"]
    assert not Reading.objects.exists()


def test_a_refused_reading_keeps_the_browsers_reason(gated_chest, alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    # Null findings are as good as none.
    body = {"image": case.images.get().pk, **GOOD_REFUSAL, "model_name": gated_chest.name,
            "model_version": gated_chest.version, "refusal": "  Not a chest X-ray.  ", "probabilities": None,
            "label": None, "score": None, "threshold": None, "heatmap": None}
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["refusal"] == "Not a chest X-ray." and response.json()["input_score"] == 0.1


# A refused reading is no finding, anywhere.


def refused_reading(case) -> Reading:
    return reading_record_refused(
        case=case,
        image=case.images.get(),
        recorded_by=case.patient,
        model_name=CHEST,
        model_version="2.0.0",
        runs_on="browser",
        refusal="This does not look like a chest X-ray.",
        input_score=0.02,
    )


@pytest.mark.parametrize("agreement", [AIAgreement.AGREES, AIAgreement.DISAGREES])
def test_a_report_cannot_agree_or_disagree_with_a_refused_reading(alice, bob, agreement):
    case = make_case(patient=alice, images=1, submit=True)
    reading = refused_reading(case)
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/reports/",
        {"findings": "f", "impression": "i", "ai_agreement": agreement, "reading": reading.pk},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "reading_has_no_finding"
    assert "refused" in response.json()["error"]["message"]
    with pytest.raises(ApplicationError):
        report_create(case=case, author=bob, findings="f", impression="i", ai_agreement=agreement, reading=reading)


def test_a_refused_reading_neither_flags_the_case_nor_makes_it_ai_read(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    refused_reading(case)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.ai_flagged is False
    flagged = client_for(bob).get("/api/v1/cases/", {"ai_flagged": "true"}).json()["results"]
    assert case.pk not in [row["id"] for row in flagged]
    history = client_for(bob).get(f"/api/v1/patients/{alice.pk}/history/").json()
    kinds = {entry["kind"] for entry in history if entry["object_type"] == "reading"}
    assert kinds == {"ai_refused"}


def test_the_database_refuses_a_refused_reading_with_a_finding(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    fields = {"case": case, "image": case.images.get(), "model_name": CHEST, "model_version": "2.0.0"}
    for finding in ({"label": "pneumonia"}, {"score": 0.9}, {"flagged": True}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reading.objects.create(**fields, runs_on="server", status=ReadingStatus.REFUSED, **finding)
