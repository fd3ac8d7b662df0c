"""POST /api/v1/cases/<id>/images/: what is accepted, what is refused, and that refusals leave nothing."""

import gzip
import hashlib
import struct
import zlib
from pathlib import Path

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from audit.models import AuditEvent
from clinic_factories import client_for, jpeg_bytes, make_case, media_files, png_bytes
from imaging.models import Image


@pytest.fixture
def case(alice):
    return make_case(patient=alice)


def post_file(user, case, name: str, content: bytes, content_type: str = "application/octet-stream"):
    return client_for(user).post(
        f"/api/v1/cases/{case.pk}/images/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        format="multipart",
    )


def assert_refused(response, status: int, code: str, settings) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert Image.objects.count() == 0
    assert media_files(settings) == []


def png_with_header(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` but carries almost no data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def small_dicom(*, with_pixels: bool = True) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = FileDataset("x.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    dataset.PatientName = "Doe^Jane"
    dataset.PatientID = "MRN-0042"
    dataset.Modality = "OT"
    dataset.SOPClassUID = meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    if with_pixels:
        dataset.Rows, dataset.Columns = 32, 32
        dataset.SamplesPerPixel = 1
        dataset.PhotometricInterpretation = "MONOCHROME2"
        dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 8, 8, 7
        dataset.PixelRepresentation = 0
        dataset.PixelData = bytes(range(256)) * 4
    from io import BytesIO

    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_patient_uploads_a_png_to_her_draft_case(alice, case, settings):
    content = png_bytes((80, 60))
    response = post_file(alice, case, "chest.png", content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["content_type"], body["width"], body["height"]) == ("png", "image/png", 80, 60)
    image = Image.objects.get()
    assert image.sha256 == hashlib.sha256(content).hexdigest()
    assert Path(image.original.path).read_bytes() == content
    assert Path(image.preview.path).is_file()


def test_doctor_uploads_to_a_case_of_his_patient(alice, bob, case):
    content = jpeg_bytes((96, 72))
    response = post_file(bob, case, "x.jpg", content)
    assert response.status_code == 201, response.content
    image = Image.objects.get()
    assert (image.case_id, image.uploaded_by, image.kind, image.width, image.height) == (case.pk, bob, "jpeg", 96, 72)
    assert Path(image.original.path).read_bytes() == content
    # Recorded as the doctor's act on the patient's record, and shown to the patient in her case.
    event = AuditEvent.objects.get(action="image.upload", object_id=str(image.pk))
    assert (event.actor, event.patient, event.allowed) == (bob, alice, True)
    shown = client_for(alice).get(f"/api/v1/cases/{case.pk}/images/")
    assert [listed["id"] for listed in shown.json()] == [image.pk]


def test_type_comes_from_content_not_from_name(alice, case):
    response = post_file(alice, case, "photo.dcm", jpeg_bytes(), content_type="application/dicom")
    assert response.status_code == 201
    assert response.json()["kind"] == "jpeg"


def test_text_file_is_refused_as_unsupported_type(alice, case, settings):
    response = post_file(alice, case, "notes.txt", b"not an image at all, just words")
    assert_refused(response, 415, "unsupported_type", settings)


def test_renamed_file_is_refused_by_its_content(alice, case, settings):
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    response = post_file(alice, case, "scan.png", pdf, content_type="image/png")
    assert_refused(response, 415, "unsupported_type", settings)


def test_gzip_disguised_as_png_is_refused(alice, case, settings):
    response = post_file(alice, case, "scan.png", gzip.compress(png_bytes()), content_type="image/png")
    assert_refused(response, 415, "unsupported_type", settings)


def test_truncated_png_is_refused_as_corrupt(alice, case, settings):
    content = png_bytes((200, 200), mode="RGB", color=(10, 200, 30))
    response = post_file(alice, case, "cut.png", content[: len(content) // 2])
    assert_refused(response, 400, "corrupt_image", settings)
    assert "damaged" in response.json()["error"]["message"]


def test_png_with_a_bad_checksum_is_refused(alice, case, settings):
    content = bytearray(png_bytes((64, 64)))
    content[-20] ^= 0xFF  # inside the IDAT chunk
    response = post_file(alice, case, "flipped.png", bytes(content))
    assert_refused(response, 400, "corrupt_image", settings)


def test_truncated_jpeg_is_refused_as_corrupt(alice, case, settings):
    content = jpeg_bytes((256, 256))
    response = post_file(alice, case, "cut.jpg", content[: len(content) // 3])
    assert_refused(response, 400, "corrupt_image", settings)


def test_decompression_bomb_header_is_refused_before_decoding(alice, case, settings):
    response = post_file(alice, case, "bomb.png", png_with_header(100_000, 100_000))
    assert_refused(response, 413, "too_many_pixels", settings)
    details = response.json()["error"]["details"]
    assert details["max_pixels"] == settings.UPLOAD_MAX_PIXELS


def test_highly_compressed_png_over_the_pixel_limit_is_refused(alice, case, settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    content = png_bytes((2000, 1000), color=0, optimize=True)  # 2 megapixels in a few kilobytes
    assert len(content) < 20_000
    response = post_file(alice, case, "flat.png", content)
    assert_refused(response, 413, "too_many_pixels", settings)


def test_file_over_the_byte_limit_is_refused(alice, case, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = post_file(alice, case, "big.png", png_bytes((400, 400), mode="RGB", color=(1, 2, 3)) + b"\0" * 2000)
    assert_refused(response, 413, "file_too_large", settings)


def test_empty_file_is_refused(alice, case, settings):
    response = post_file(alice, case, "empty.png", b"")
    assert_refused(response, 400, "empty_file", settings)


def test_request_without_a_file_is_refused(alice, case, settings):
    response = client_for(alice).post(f"/api/v1/cases/{case.pk}/images/", {}, format="multipart")
    assert_refused(response, 400, "no_file", settings)


def test_tiny_image_is_refused(alice, case, settings):
    response = post_file(alice, case, "dot.png", png_bytes((4, 4)))
    assert_refused(response, 400, "image_too_small", settings)


def test_corrupt_dicom_is_refused(alice, case, settings):
    content = b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\xff" + b"garbage" * 10
    response = post_file(alice, case, "broken.dcm", content)
    assert_refused(response, 400, "corrupt_dicom", settings)


def test_dicom_whose_transfer_syntax_holds_several_values_is_refused(alice, case, settings):
    # A backslash in the UID makes it a list of values; found by the upload fuzzer.
    uid = b"1.2.840.10008.1.2.1"
    content = small_dicom().replace(uid, b"1.2.840.10008.1.2.1"[:-2] + b"\\1", 1)
    response = post_file(alice, case, "two-syntaxes.dcm", content)
    assert_refused(response, 400, "corrupt_dicom", settings)


def test_dicom_with_truncated_pixel_data_is_refused(alice, case, settings):
    content = small_dicom()
    response = post_file(alice, case, "short.dcm", content[:-500])
    assert_refused(response, 400, "corrupt_dicom", settings)


def test_dicom_without_pixel_data_is_refused(alice, case, settings):
    response = post_file(alice, case, "report.dcm", small_dicom(with_pixels=False))
    assert_refused(response, 422, "dicom_without_pixels", settings)


def test_duplicate_upload_to_the_same_case_is_refused(alice, case, settings):
    content = png_bytes()
    assert post_file(alice, case, "a.png", content).status_code == 201
    response = post_file(alice, case, "b.png", content)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_image"
    assert Image.objects.count() == 1


def test_same_bytes_in_two_cases_are_stored_once(alice, settings):
    content = png_bytes()
    first, second = make_case(patient=alice, title="one"), make_case(patient=alice, title="two")
    assert post_file(alice, first, "a.png", content).status_code == 201
    assert post_file(alice, second, "a.png", content).status_code == 201
    assert Image.objects.count() == 2
    assert len(media_files(settings)) == 2  # one original and one preview, shared


def test_upload_to_a_submitted_case_is_refused(alice, bob, settings):
    case = make_case(patient=alice, images=1, submit=True)
    before = media_files(settings)
    response = post_file(alice, case, "late.png", png_bytes(color=7))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "case_not_open"
    assert Image.objects.count() == 1 and media_files(settings) == before


def test_failed_database_write_removes_the_stored_files(alice, case, settings, monkeypatch):
    from imaging import services

    def failing_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        services.image_upload(case=case, uploaded_by=alice, file=SimpleUploadedFile("a.png", png_bytes()))
    assert Image.objects.count() == 0
    assert media_files(settings) == []


def test_refused_upload_is_in_the_audit_log(alice, case):
    post_file(alice, case, "notes.txt", b"hello there, not an image")
    # One refused event, with the case and patient, and nothing recorded as allowed.
    [event] = AuditEvent.objects.filter(allowed=False)
    assert event.action == "image.upload" and not AuditEvent.objects.filter(action="request.refused").exists()
    assert event.detail["case"] == case.pk and event.detail["refused"] == "unsupported_type"
    assert event.detail["status"] == 415
    assert event.actor == alice and event.patient_id == alice.pk


def test_jpeg_preview_carries_no_exif(alice, case):
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x010E] = "Jane Doe, MRN 0042"  # ImageDescription
    exif[0x0112] = 1
    response = post_file(alice, case, "cam.jpg", jpeg_bytes((64, 64), exif=exif.tobytes()))
    assert response.status_code == 201
    image = Image.objects.get()
    preview = Path(image.preview.path).read_bytes()
    assert b"Jane Doe" not in preview and b"Exif" not in preview
    assert b"Jane Doe" in Path(image.original.path).read_bytes()  # the original is kept as uploaded


def test_dicom_preview_carries_no_identifying_tags(alice, case):
    response = post_file(alice, case, "ct.dcm", small_dicom())
    assert response.status_code == 201, response.content
    preview = Path(Image.objects.get().preview.path).read_bytes()
    assert preview.startswith(b"\x89PNG")
    assert b"Doe^Jane" not in preview and b"MRN-0042" not in preview


@pytest.mark.parametrize(
    ("name", "modality", "body_part", "study_date", "width", "height"),
    [
        ("CT_small.dcm", "CT", "", "2004-01-19", 128, 128),
        ("MR_small.dcm", "MR", "", "2004-08-26", 64, 64),
        ("MR-SIEMENS-DICOM-WithOverlays.dcm", "MR", "ABDOMEN", "2005-11-30", 484, 484),
        ("RG1_UNCI.dcm", "CR", "CHEST", "2004-08-26", 1841, 1955),
        ("RG1_J2KI.dcm", "CR", "CHEST", "2004-08-26", 1841, 1955),
    ],
)
def test_real_dicom_files_are_accepted_with_their_metadata(
    alice, case, medical_data_dir, name, modality, body_part, study_date, width, height
):
    content = (medical_data_dir / "dicom" / name).read_bytes()
    response = post_file(alice, case, name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "dicom" and body["content_type"] == "application/dicom"
    assert (body["modality"], body["body_part"], body["study_date"]) == (modality, body_part, study_date)
    assert (body["width"], body["height"]) == (width, height)


def test_jpeg_2000_dicom_decodes_to_the_same_picture_as_the_uncompressed_one(alice, medical_data_dir):
    from PIL import Image as PILImage

    previews = []
    for name in ("RG1_UNCI.dcm", "RG1_J2KI.dcm"):
        case = make_case(patient=alice, title=name)
        assert post_file(alice, case, name, (medical_data_dir / "dicom" / name).read_bytes()).status_code == 201
        previews.append(PILImage.open(Image.objects.get(case=case).preview.path))
    import numpy as np

    a, b = (np.asarray(p, dtype=np.int16) for p in previews)
    assert a.shape == b.shape
    assert np.abs(a - b).mean() < 2.0  # lossy JPEG 2000 vs the original pixels


def test_dicom_identifying_tags_never_reach_the_preview(alice, case, medical_data_dir):
    path = medical_data_dir / "dicom" / "CT_small.dcm"
    dataset = pydicom.dcmread(path)
    name = str(dataset.PatientName).encode()
    assert post_file(alice, case, "ct.dcm", path.read_bytes()).status_code == 201
    preview = Path(Image.objects.get().preview.path).read_bytes()
    assert name and name not in preview


@pytest.mark.parametrize("label", ["NORMAL", "PNEUMONIA"])
def test_real_chest_xrays_are_accepted(alice, case, medical_data_dir, label):
    path = sorted((medical_data_dir / "chest_xray_kermany" / label).glob("*.jpeg"))[0]
    response = post_file(alice, case, path.name, path.read_bytes(), content_type="image/jpeg")
    assert response.status_code == 201, response.content
    from PIL import Image as PILImage

    with PILImage.open(path) as original:
        assert (response.json()["width"], response.json()["height"]) == original.size
    with PILImage.open(Image.objects.get().preview.path) as preview:
        assert max(preview.size) <= 1024


@pytest.mark.parametrize(
    ("name", "cut"),
    [("CT_small.dcm", 1000), ("CT_small.dcm", -1000), ("RG1_J2KI.dcm", 300_000), ("RG1_UNCI.dcm", -5)],
)
def test_truncated_real_dicom_is_refused(alice, case, settings, medical_data_dir, name, cut):
    content = (medical_data_dir / "dicom" / name).read_bytes()[:cut]
    response = post_file(alice, case, name, content)
    assert_refused(response, 400, "corrupt_dicom", settings)


def test_half_written_copy_from_a_crash_is_replaced(alice, case, settings):
    content = png_bytes()
    digest = hashlib.sha256(content).hexdigest()
    leftover = Path(settings.MEDIA_ROOT) / "originals" / digest[:2] / digest
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(content[:10])
    assert post_file(alice, case, "a.png", content).status_code == 201
    assert leftover.read_bytes() == content


def test_real_dicom_stripped_of_its_pixel_data_is_refused(alice, case, settings, medical_data_dir):
    from io import BytesIO

    dataset = pydicom.dcmread(medical_data_dir / "dicom" / "MR_small.dcm")
    del dataset.PixelData
    buffer = BytesIO()
    dataset.save_as(buffer)
    response = post_file(alice, case, "MR_small.dcm", buffer.getvalue())
    assert_refused(response, 422, "dicom_without_pixels", settings)
    assert response.json()["error"]["message"] == "The DICOM file holds no image (it has no pixel data)."


def colour_dicom(path: Path) -> bytes:
    """A real DICOM's image stored as RGB (Samples per Pixel 3), as a secondary capture would."""
    from io import BytesIO

    import numpy as np

    dataset = pydicom.dcmread(path)
    gray = dataset.pixel_array.astype(np.float64)
    gray = np.round((gray - gray.min()) * (255 / (gray.max() - gray.min()))).astype(np.uint8)
    dataset.PixelData = np.stack([gray, gray // 2, 255 - gray], axis=-1).tobytes()
    dataset.SamplesPerPixel, dataset.PlanarConfiguration = 3, 0
    dataset.PhotometricInterpretation = "RGB"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 8, 8, 7
    dataset.PixelRepresentation = 0
    for keyword in ("RescaleSlope", "RescaleIntercept", "WindowCenter", "WindowWidth"):
        if keyword in dataset:
            delattr(dataset, keyword)
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_colour_dicom_is_refused_because_no_reader_can_read_it(alice, case, settings, medical_data_dir):
    content = colour_dicom(medical_data_dir / "dicom" / "CT_small.dcm")
    response = post_file(alice, case, "colour.dcm", content)
    assert_refused(response, 415, "unsupported_dicom_colour", settings)
    assert "grayscale" in response.json()["error"]["message"]


def test_16_bit_png_is_accepted_with_a_stretched_preview(alice, case, settings):
    import numpy as np
    from io import BytesIO

    from PIL import Image as PILImage

    ramp = np.tile(np.linspace(0, 4000, 256).astype(np.uint16), (64, 1))
    buffer = BytesIO()
    PILImage.fromarray(ramp).save(buffer, format="PNG")
    response = post_file(alice, case, "deep.png", buffer.getvalue())
    assert response.status_code == 201, response.content
    image = Image.objects.get()
    with image.preview.open("rb") as stream:
        preview = np.asarray(PILImage.open(stream))
    assert preview.min() == 0 and preview.max() == 255
    assert (preview == 255).mean() < 0.05  # not the clipped, mostly white picture
