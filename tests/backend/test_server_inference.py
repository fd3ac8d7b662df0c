"""Server readings in one process (the embedded default): parity, decisions, verification, failures."""

import hashlib

import numpy as np
import pytest

from audit.models import AuditEvent
from cases.models import CaseStatus
from clinic_factories import client_for
from inference import runtime
from inference.decision import decide
from inference.registry import packages_discover
from inference_cases import case_with_images, png_of, serve_directly, xray_files
from model_packages import CHEST, accepted_cases, copy_package, gate_accepts, parity_cases, shipped_package
from readings.models import Reading, ReadingStatus
from readings.queueing import server_reading_request
from readings.running import readings_run
from readings.services import reading_request

pytestmark = pytest.mark.django_db


def test_server_readings_match_every_shipped_packages_parity_fixtures(shipped_models):
    for package in packages_discover(shipped_models):
        cases, tolerance = parity_cases(package)
        # All fixtures in one call: the runtime groups them by size into batches.
        predictions = runtime.predict(package, [case["image"][0] for case in cases])
        for case, prediction in zip(cases, predictions, strict=True):
            expected = case["expected"]
            np.testing.assert_allclose(
                prediction.probabilities, expected["probabilities"]["values"], atol=tolerance, err_msg=case["name"]
            )
            np.testing.assert_allclose(
                prediction.heatmaps.reshape(-1), expected["heatmaps"]["values"], atol=tolerance, err_msg=case["name"]
            )
            if "input_check" in expected:  # packages with an input gate
                [score], [accepted] = expected["input_check"]["values"], expected["input_accepted"]["values"]
                assert prediction.input_score == pytest.approx(score, abs=tolerance), case["name"]
                assert prediction.input_accepted is (accepted == 1.0), case["name"]
            else:
                assert prediction.input_score is None and prediction.input_accepted is None


def test_each_shipped_model_stores_a_valid_server_reading(shipped_models, alice, bob):
    """Binary models store a score and threshold; multi-class ones the most probable label."""
    for package in packages_discover(shipped_models):
        fixture = accepted_cases(package)[0]
        case = case_with_images(patient=alice, blobs=[png_of(fixture["image"][0])])
        reading = reading_request(
            case=case,
            image=case.images.get(),
            requested_by=bob,
            model_name=package.name,
            model_version=package.version,
        )
        assert readings_run(reading_id=reading.pk) == 1
        reading.refresh_from_db()
        assert reading.status == ReadingStatus.SUCCEEDED, reading.error or reading.refusal
        expected = np.array(fixture["expected"]["probabilities"]["values"])
        assert list(reading.probabilities) == package.label_names
        np.testing.assert_allclose(list(reading.probabilities.values()), expected, atol=1e-4)
        if package.positive_class is None:
            assert reading.score is None and reading.label == package.label_names[int(expected.argmax())]
        else:
            assert reading.score == pytest.approx(expected[package.positive_class], abs=1e-4)
            assert reading.flagged == (reading.score >= package.threshold)
        height, width = fixture["expected"]["heatmaps"]["shape"][1:3]
        assert np.array(reading.heatmap).shape == (height, width)
        assert reading.backend in ("tensorflow-cpu", "tensorflow-gpu") and reading.latency_ms > 0
        if package.input_check is None:
            assert reading.input_score is None
        else:
            assert reading.input_score == pytest.approx(fixture["expected"]["input_check"]["values"][0], abs=1e-4)


def test_each_shipped_gated_model_refuses_its_noise_fixture_on_the_server(shipped_models, alice, bob):
    gated = [p for p in packages_discover(shipped_models) if p.input_check is not None]
    if not gated:
        pytest.skip("no shipped package has an input gate")
    for package in gated:
        fixture = next(c for c in parity_cases(package)[0] if c["name"].startswith("noise"))
        assert not gate_accepts(fixture), f"{package.name} {package.version} accepts noise"
        case = case_with_images(patient=alice, blobs=[png_of(fixture["image"][0])])
        reading = reading_request(
            case=case, image=case.images.get(), requested_by=bob, model_name=package.name, model_version=package.version
        )
        readings_run(reading_id=reading.pk)
        reading.refresh_from_db()
        assert reading.status == ReadingStatus.REFUSED, (package.name, reading.error)
        assert reading.refusal == package.input_check["refusal"]
        assert reading.input_score == pytest.approx(fixture["expected"]["input_check"]["values"][0], abs=1e-4)
        assert (reading.label, reading.probabilities, reading.flagged) == ("", {}, False)


def test_a_server_reading_of_a_real_xray_runs_in_process_without_a_broker(
    shipped_models, medical_data_dir, alice, bob, django_capture_on_commit_callbacks
):
    [xray] = xray_files(medical_data_dir, 1)
    case = case_with_images(patient=alice, files=[xray])
    image = case.images.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(
            f"/api/v1/cases/{case.pk}/server-readings/", {"image": image.pk, "model_name": CHEST}, format="json"
        )
    assert response.status_code == 202, response.content
    assert response.json()["runs_on"] == "server"
    body = client_for(bob).get(f"/api/v1/readings/{response.json()['id']}/").json()
    assert body["status"] == "succeeded"
    package = shipped_package(shipped_models)
    direct = serve_directly(package, xray.read_bytes())
    np.testing.assert_allclose(list(body["probabilities"].values()), direct["probabilities"], atol=1e-5)
    assert body["model_version"] == package.version
    case.refresh_from_db()
    assert case.status == CaseStatus.AI_READ and case.ai_flagged == body["flagged"]


def _browser_body(image, package, probabilities: list[float]) -> dict:
    score = probabilities[package.positive_class]
    return {
        "image": image.pk,
        "model_name": package.name,
        "model_version": package.version,
        "backend": "wasm",
        "probabilities": dict(zip(package.label_names, probabilities, strict=True)),
        "label": package.label_names[package.positive_class]
        if score >= package.threshold
        else package.label_names[1 - package.positive_class],
        "score": score,
        "threshold": package.threshold,
        "latency_ms": 1.4,
    }


@pytest.mark.parametrize("offset, disagrees", [(0.0, False), (0.2, True)])
def test_a_browser_reading_is_verified_on_the_server(
    offset, disagrees, shipped_models, alice, bob, django_capture_on_commit_callbacks
):
    package = shipped_package(shipped_models)
    fixture = accepted_cases(package)[0]
    case = case_with_images(patient=alice, blobs=[png_of(fixture["image"][0])])
    image = case.images.get()
    probabilities = [float(p) for p in fixture["expected"]["probabilities"]["values"]]
    # Shift probability mass so that the browser seems to see less of the finding than the server.
    shift = min(offset, probabilities[package.positive_class])
    probabilities[package.positive_class] -= shift
    probabilities[1 - package.positive_class] += shift
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            f"/api/v1/cases/{case.pk}/readings/", _browser_body(image, package, probabilities), format="json"
        )
    assert response.status_code == 201, response.content
    browser = Reading.objects.get(pk=response.json()["id"])
    check = browser.verification
    assert check.runs_on == "server" and check.status == ReadingStatus.SUCCEEDED
    assert check.disagrees is disagrees
    assert check.max_difference == pytest.approx(shift, abs=1e-4)
    assert response.json()["verification"] == check.pk
    case.refresh_from_db()
    if disagrees:
        assert case.ai_flagged, "a disagreement between browser and server is flagged for a doctor"
    event = AuditEvent.objects.get(action="reading.complete", object_id=str(check.pk))
    assert event.detail["verifies"] == browser.pk and event.detail["disagrees"] is disagrees


def test_an_unknown_model_is_refused(alice, bob):
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 90, np.uint8))])
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/",
        {"image": case.images.get().pk, "model_name": "nope"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_model"
    assert not Reading.objects.exists()


def test_readings_are_run_in_one_batch_and_stored_exactly_once(shipped_models, alice, bob):
    package = shipped_package(shipped_models)
    cases, _ = parity_cases(package)
    case = case_with_images(patient=alice, blobs=[png_of(c["image"][0]) for c in cases])
    readings = [
        server_reading_request(case=case, image=image, requested_by=bob, model_name=CHEST)
        for image in case.images.all()
    ]
    assert readings_run(reading_id=readings[0].pk) == len(readings)  # one task ran them all
    for reading in readings:  # the other readings' own tasks, and redeliveries, find nothing to do
        assert readings_run(reading_id=reading.pk) == 0
    finished = AuditEvent.objects.filter(action__in=("reading.complete", "reading.refuse"))
    assert sorted(finished.values_list("object_id", flat=True)) == sorted(str(r.pk) for r in readings)
    by_image = {hashlib.sha256(png_of(c["image"][0])).hexdigest(): c for c in cases}
    for reading in Reading.objects.select_related("image"):  # each result belongs to its own image
        fixture = by_image[reading.image.sha256]
        if gate_accepts(fixture):
            assert reading.status == ReadingStatus.SUCCEEDED, reading.error or reading.refusal
            np.testing.assert_allclose(
                list(reading.probabilities.values()), fixture["expected"]["probabilities"]["values"], atol=1e-4
            )
        else:
            assert reading.status == ReadingStatus.REFUSED and reading.probabilities == {}
            assert reading.input_score == pytest.approx(fixture["expected"]["input_check"]["values"][0], abs=1e-4)


def test_an_image_that_cannot_be_decoded_fails_its_reading_with_the_reason(shipped_models, alice, bob, settings):
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 90, np.uint8))])
    image = case.images.get()
    path = settings.MEDIA_ROOT / image.original.name
    path.write_bytes(path.read_bytes()[:40])  # damaged on disk after it was accepted
    reading = server_reading_request(case=case, image=image, requested_by=bob, model_name=CHEST)
    readings_run(reading_id=reading.pk)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.FAILED and "cannot be decoded" in reading.error


def test_server_readings_decode_within_the_same_bound_as_uploads(shipped_models, alice, bob, settings):
    case = case_with_images(patient=alice, blobs=[png_of(np.full((64, 64, 1), 90, np.uint8))])
    settings.DECODE_MAX_BYTES = 1024  # lowered after the upload: the reading must follow the setting too
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
    readings_run(reading_id=reading.pk)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.FAILED and "cannot be decoded" in reading.error


def test_a_package_damaged_after_the_request_fails_the_reading(shipped_models, tmp_path, settings, alice, bob):
    package = copy_package(shipped_package(shipped_models), tmp_path / "models")
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"
    case = case_with_images(patient=alice, blobs=[png_of(np.full((32, 32, 1), 90, np.uint8))])
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
    (package / "saved_model/saved_model.pb").write_bytes(b"tampered")
    readings_run(reading_id=reading.pk)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.FAILED
    assert "cannot be used" in reading.error and "does not match its checksum" in reading.error


def test_the_decision_follows_the_models_threshold(shipped_models):
    package = shipped_package(shipped_models)
    heatmaps = np.zeros((2, 2, 2), np.float32)
    heatmaps[:, :, package.positive_class] = 0.75
    just_above = [0.0, 0.0]
    just_above[package.positive_class] = package.threshold
    just_above[1 - package.positive_class] = 1 - package.threshold
    decision = decide(package, runtime.Prediction(probabilities=just_above, heatmaps=heatmaps, latency_ms=1.0))
    assert decision.label == package.label_names[package.positive_class]
    assert decision.heatmap == [[0.75, 0.75], [0.75, 0.75]]  # the shown label's map


def test_the_worklist_flag_follows_the_operating_point_on_real_xrays(gated_chest, medical_data_dir, alice, bob):
    """A case is flagged when its reading is at or above the operating point's threshold, and the
    new operating point does not flag every X-ray."""
    point = gated_chest.metadata["operating_point"]
    assert point["threshold"] == gated_chest.threshold  # what flags a case (docs/model-package.md)
    files = xray_files(medical_data_dir, 20)
    cases = [case_with_images(patient=alice, files=[path]) for path in files]
    readings = [
        server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST) for case in cases
    ]
    for reading in readings:
        readings_run(reading_id=reading.pk)
    flagged_by_folder = {"NORMAL": 0, "PNEUMONIA": 0}
    for path, case, reading in zip(files, cases, readings, strict=True):
        reading.refresh_from_db()
        case.refresh_from_db()
        assert reading.status == ReadingStatus.SUCCEEDED, (path.name, reading.refusal or reading.error)
        assert reading.threshold == point["threshold"]
        assert reading.flagged == (reading.score >= point["threshold"]) == case.ai_flagged, path.name
        flagged_by_folder[path.parent.name] += reading.flagged
    worklist = client_for(bob).get("/api/v1/cases/", {"ai_flagged": "true", "page_size": 100}).json()["results"]
    assert sorted(row["id"] for row in worklist) == sorted(case.pk for case in cases if case.ai_flagged)
    assert flagged_by_folder["NORMAL"] < 10, "the flag fires on every normal X-ray"
    assert flagged_by_folder["PNEUMONIA"] > 0, "the flag fires on no X-ray with pneumonia"
