"""Exam types: each model package names the exam type it reads, and a case's exam type chooses the
model on the server, refuses the models of other exam types, and changes only while it is empty."""

import json
from io import BytesIO

import numpy as np
import pytest
from PIL import Image as PILImage

from cases.models import CaseStatus
from cases.services import case_create, case_submit
from clinic_factories import browser_reading_body, client_for, make_case, png_bytes, upload_file
from imaging.services import image_upload
from inference.registry import PackageError, package_get, package_validate
from inference.selectors import model_active_for_exam_type
from model_packages import copy_package, shipped_package
from readings.models import Reading
from training.exam_types import DATASET_EXAM_TYPES, EXAM_TYPES, exam_type_for_dataset

BREAST = "breast-ultrasound-malignancy"
CHEST = "chest-xray-pneumonia"
RETINA = "retina-diabetic-retinopathy"

pytestmark = pytest.mark.django_db


def breast_ultrasound_png(medical_data_dir, index: int = 0) -> bytes:
    """A real BreastMNIST test image, upscaled to 112x112 as a phone would show it."""
    with np.load(medical_data_dir / "medmnist" / "breastmnist.npz") as data:
        pixels = data["test_images"][index]
    image = PILImage.fromarray(pixels).resize((112, 112), PILImage.BILINEAR)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def case_of(patient, exam_type: str, *, blobs: list[bytes] = (), submit: bool = False):
    case = case_create(created_by=patient, patient=patient, title="Lump", exam_type=exam_type)
    for index, data in enumerate(blobs):
        image_upload(case=case, uploaded_by=patient, file=upload_file(f"scan-{index}.png", data))
    return case_submit(case=case, submitted_by=patient) if submit else case


# --- model packages and the listing ---------------------------------------------------------------


def test_every_training_dataset_maps_to_a_known_exam_type():
    assert set(DATASET_EXAM_TYPES.values()) <= set(EXAM_TYPES)
    assert exam_type_for_dataset("kermany-chest-xray") == "chest_xray"
    assert exam_type_for_dataset("breastmnist") == "breast_ultrasound"
    with pytest.raises(KeyError, match="dermamnist"):
        exam_type_for_dataset("dermamnist")


def test_every_shipped_package_names_the_exam_type_of_its_training_data(shipped_models):
    for path in sorted(shipped_models.glob("*/*/model_metadata.json")):
        metadata = json.loads(path.read_text())
        assert metadata["exam_type"] == exam_type_for_dataset(metadata["training"]["dataset"]), path
        assert package_validate(path.parent).exam_type == metadata["exam_type"]


def test_a_package_with_an_unknown_exam_type_is_refused_with_the_reason(shipped_models, settings, tmp_path):
    target = copy_package(shipped_package(shipped_models, BREAST), tmp_path / "models")
    metadata = json.loads((target / "model_metadata.json").read_text())
    metadata["exam_type"] = "knee_mri"
    (target / "model_metadata.json").write_text(json.dumps(metadata))
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"
    with pytest.raises(PackageError, match="exam_type 'knee_mri' is not an exam type this product knows"):
        package_get(BREAST, target.name)


def test_a_package_without_an_exam_type_is_listed_reading_none(shipped_models, settings, tmp_path, client):
    target = copy_package(shipped_package(shipped_models, BREAST), tmp_path / "models")
    metadata = json.loads((target / "model_metadata.json").read_text())
    del metadata["exam_type"]
    (target / "model_metadata.json").write_text(json.dumps(metadata))
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"
    [entry] = client.get("/api/v1/models/").json()
    assert (entry["name"], entry["exam_type"], entry["exam_type_label"]) == (BREAST, None, None)
    with pytest.raises(PackageError, match="breast_ultrasound"):
        model_active_for_exam_type("breast_ultrasound")


def test_the_listing_gives_each_packages_exam_type_and_dicom_hints(shipped_models, client):
    listed = {(p["name"], p["version"]): p for p in client.get("/api/v1/models/").json()}
    assert {key: (p["exam_type"], p["exam_type_label"]) for key, p in listed.items()} == {
        (BREAST, "1.0.0"): ("breast_ultrasound", "Breast ultrasound"),
        (BREAST, "1.1.0"): ("breast_ultrasound", "Breast ultrasound"),
        (CHEST, "1.0.0"): ("chest_xray", "Chest X-ray"),
        (CHEST, "2.0.0"): ("chest_xray", "Chest X-ray"),
        (RETINA, "1.0.0"): ("retina_photo", "Retina photograph"),
        (RETINA, "1.1.0"): ("retina_photo", "Retina photograph"),
    }
    # Packages made before the input gate state no DICOM codes.
    assert listed[(CHEST, "1.0.0")]["dicom"] is None
    assert listed[(CHEST, "2.0.0")]["dicom"] == {"modalities": ["CR", "DX", "DR"], "body_parts": ["CHEST", "THORAX", "LUNG", "LUNGS"]}
    assert listed[(BREAST, "1.1.0")]["dicom"] == {"modalities": ["US"], "body_parts": ["BREAST"]}
    assert listed[(RETINA, "1.1.0")]["dicom"]["modalities"] == ["OP", "XC"]


def test_the_active_package_of_each_exam_type(shipped_models):
    assert (model_active_for_exam_type("chest_xray").name, model_active_for_exam_type("chest_xray").version) == (
        CHEST,
        "2.0.0",
    )
    assert model_active_for_exam_type("breast_ultrasound").name == BREAST
    assert model_active_for_exam_type("retina_photo").name == RETINA


# --- server readings ------------------------------------------------------------------------------


def test_a_server_reading_without_a_model_uses_the_model_of_the_cases_exam_type(
    shipped_models, medical_data_dir, alice, bob, django_capture_on_commit_callbacks
):
    case = case_of(alice, "breast_ultrasound", blobs=[breast_ultrasound_png(medical_data_dir)], submit=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(
            f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk}, format="json"
        )
    assert response.status_code == 202, response.content
    body = client_for(bob).get(f"/api/v1/readings/{response.json()['id']}/").json()
    assert (body["model_name"], body["model_version"]) == (BREAST, "1.1.0")
    assert body["status"] in ("succeeded", "refused"), body
    if body["status"] == "succeeded":
        assert set(body["probabilities"]) == set(package_get(BREAST, "1.1.0").label_names)


def test_a_chest_case_without_a_model_is_read_by_the_chest_model(shipped_models, alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(bob).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": ""}, format="json"
    )
    assert response.status_code == 202, response.content
    assert (response.json()["model_name"], response.json()["model_version"]) == (CHEST, "2.0.0")


def test_a_server_reading_by_a_model_of_another_exam_type_is_refused(shipped_models, alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk, "model_name": BREAST}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "wrong_exam_type"
    assert error["message"] == (
        "The model breast-ultrasound-malignancy reads breast ultrasound images, and this is a chest X-ray case: "
        "read it with the model for chest X-ray images, or open a new case for the other exam type."
    )
    assert error["details"] == {"model_name": BREAST, "model_exam_type": "breast_ultrasound", "case_exam_type": "chest_xray"}
    assert not Reading.objects.filter(case=case).exists()


def test_a_browser_reading_by_a_model_of_another_exam_type_is_refused(shipped_models, alice):
    case = case_of(alice, "retina_photo", blobs=[png_bytes(color=90, mode="RGB")])
    body = browser_reading_body(package_get(CHEST, "2.0.0"), case.images.get())
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "wrong_exam_type"
    assert "this is a retina photograph case" in response.json()["error"]["message"]
    assert not Reading.objects.filter(case=case).exists()
    # The retina model's reading of the same image is taken.
    body = browser_reading_body(package_get(RETINA, "1.1.0"), case.images.get())
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/readings/", body, format="json")
    assert response.status_code == 201, response.content


def test_a_case_whose_exam_type_no_model_reads_is_told_so(shipped_models, settings, tmp_path, alice):
    copy_package(shipped_package(shipped_models, CHEST), tmp_path / "models")
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"
    case = case_of(alice, "retina_photo", blobs=[png_bytes(color=90, mode="RGB")])
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": case.images.get().pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "no_model_for_exam_type"


# --- changing a case's exam type ------------------------------------------------------------------


def test_a_draft_case_without_images_changes_its_exam_type(alice):
    case = make_case(patient=alice)
    response = client_for(alice).patch(f"/api/v1/cases/{case.pk}/", {"exam_type": "breast_ultrasound"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["exam_type"] == "breast_ultrasound"
    case.refresh_from_db()
    assert case.exam_type == "breast_ultrasound"


def test_a_case_with_images_keeps_its_exam_type(alice):
    case = make_case(patient=alice, images=1)
    response = client_for(alice).patch(f"/api/v1/cases/{case.pk}/", {"exam_type": "retina_photo"}, format="json")
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "exam_type_locked"
    assert error["message"] == (
        "This case already holds Chest X-ray images, so its exam type cannot change. "
        "Open a new case for the other exam type."
    )
    case.refresh_from_db()
    assert case.exam_type == "chest_xray"
    # The same exam type again changes nothing and is no conflict.
    assert client_for(alice).patch(f"/api/v1/cases/{case.pk}/", {"exam_type": "chest_xray"}, format="json").status_code == 200


def test_a_submitted_case_keeps_its_exam_type(alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    response = client_for(alice).patch(f"/api/v1/cases/{case.pk}/", {"exam_type": "retina_photo"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_not_editable"
    case.refresh_from_db()
    assert (case.status, case.exam_type) == (CaseStatus.SUBMITTED, "chest_xray")


def test_an_unknown_exam_type_is_refused(alice):
    case = make_case(patient=alice)
    response = client_for(alice).patch(f"/api/v1/cases/{case.pk}/", {"exam_type": "knee_mri"}, format="json")
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.exam_type == "chest_xray"
