"""Damaged DICOMs are refused with 400 `corrupt_dicom`, never answered with a server error, and
DICOM text reaches the database without NUL bytes (which PostgreSQL cannot store)."""
import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic_factories import client_for, make_case, media_files
from imaging.models import Image
from tests.bad_images import dicom_bytes, explicit_little, malformed_dicoms, with_raw
from training.decoding import ImageDecodeError, decode_image_bytes

MALFORMED = [
    "window-width-zero",
    "window-width-negative",
    "rescale-slope-not-a-number",
    "voi-lut-two-value-descriptor",
    "voi-lut-zero-bits",
    "modality-lut-empty-item",
    "modality-lut-empty-data",
    "rows-not-a-number",
    "bits-allocated-three-bytes",
    "number-of-frames-text",
    "unknown-value-representation",
]


@pytest.fixture(scope="module")
def malformed(medical_data_dir) -> dict[str, bytes]:
    return malformed_dicoms(medical_data_dir)


def upload(user, case, content: bytes):
    return client_for(user).post(
        f"/api/v1/cases/{case.pk}/images/", {"file": SimpleUploadedFile("scan.dcm", content)}, format="multipart"
    )


def test_every_malformed_kind_is_listed(malformed):
    assert sorted(malformed) == sorted(MALFORMED)


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_dicom_upload_is_refused_400(malformed, name, alice, settings):
    response = upload(alice, make_case(patient=alice), malformed[name])
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "corrupt_dicom"
    assert Image.objects.count() == 0 and media_files(settings) == []


@pytest.mark.parametrize("name", MALFORMED)
def test_decoder_gives_pixels_or_its_own_error_for_malformed_dicom(malformed, name):
    """Server readings and training decode without upload's strict checks: what they cannot read
    must still fail as ImageDecodeError, which they turn into a failed reading or a skipped file."""
    try:
        pixels = decode_image_bytes(malformed[name], 1, name=name)
    except ImageDecodeError as refused:
        assert refused.reason == "corrupt"
    else:  # pydicom reads past an element it does not understand when the pixels do not need it
        assert name == "unknown-value-representation" and pixels.dtype == "uint8"


def test_nul_bytes_in_dicom_text_are_stripped_before_the_database(medical_data_dir, alice):
    dataset = explicit_little(medical_data_dir / "dicom" / "CT_small.dcm")
    with_raw(dataset, "Modality", "CS", b"C\x00T\x00")
    with_raw(dataset, "BodyPartExamined", "CS", b"CHE\x00ST")
    response = upload(alice, make_case(patient=alice), dicom_bytes(dataset))
    assert response.status_code == 201, response.content
    image = Image.objects.get()  # read back from the database (PostgreSQL in CI)
    assert (image.modality, image.body_part) == ("CT", "CHEST")
    assert response.json()["body_part"] == "CHEST"


def test_control_characters_in_dicom_text_are_removed(medical_data_dir, alice):
    dataset = pydicom.dcmread(medical_data_dir / "dicom" / "MR_small.dcm")
    dataset.BodyPartExamined = "HEAD\tNECK\x1b"
    response = upload(alice, make_case(patient=alice), dicom_bytes(dataset))
    assert response.status_code == 201, response.content
    assert Image.objects.get().body_part == "HEADNECK"
