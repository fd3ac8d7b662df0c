"""Uploads on an S3-compatible object store (a real SeaweedFS server), and encrypted at rest.

With OBJECT_STORAGE_ENDPOINT set nothing touches MEDIA_ROOT; with UPLOAD_ENCRYPTION_KEY_FILE set
the bytes at rest are AES-256-GCM ciphertext, on the local disk and in the bucket alike.
"""

import hashlib
import os

import pytest
from django.core.files.storage import default_storage

from clinic_factories import client_for, make_case, media_files, upload_file
from config.encryption import HEADER_SIZE, MAGIC, EncryptedFileError, key_id
from imaging.models import Image
from imaging.services import image_upload
from inference_cases import xray_files
from model_packages import CHEST
from object_store import object_server, object_store  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def upload_xray(client, case, xray) -> dict:
    response = client.post(f"/api/v1/cases/{case.pk}/images/", {"file": upload_file(xray.name, xray.read_bytes())}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def assert_ciphertext_of(stored: bytes, plain: bytes, key: bytes) -> None:
    assert stored.startswith(MAGIC) and stored[len(MAGIC) + 1 : len(MAGIC) + 5].hex() == key_id(key)
    assert stored != plain and len(stored) == len(plain) + HEADER_SIZE + 16  # the GCM tag
    # No run of the upload survives: not its start, not a stretch from the middle.
    middle = len(plain) // 2
    assert plain[:32] not in stored and plain[middle : middle + 32] not in stored


def test_an_upload_its_preview_a_server_reading_and_the_download_all_go_through_the_object_store(
    object_store, settings, shipped_models, medical_data_dir, alice, bob, django_capture_on_commit_callbacks
):
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    [xray] = xray_files(medical_data_dir, 1)
    plain = xray.read_bytes()
    case = make_case(patient=alice)
    body = upload_xray(client_for(alice), case, xray)
    image = Image.objects.get(pk=body["id"])
    assert image.sha256 == hashlib.sha256(plain).hexdigest()  # the content address stays the upload's

    stored = object_store.objects()
    assert set(stored) == {f"originals/{image.sha256[:2]}/{image.sha256}", f"previews/{image.sha256[:2]}/{image.sha256}.png"}
    assert_ciphertext_of(stored[image.original.name], plain, KEY)
    assert not stored[image.preview.name].startswith(b"\x89PNG")  # previews are encrypted too

    preview = client_for(alice).get(f"/api/v1/images/{image.pk}/preview/")
    assert preview.status_code == 200 and b"".join(preview.streaming_content).startswith(b"\x89PNG")

    assert client_for(alice).post(f"/api/v1/cases/{case.pk}/submit/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(
            f"/api/v1/cases/{case.pk}/server-readings/", {"image": image.pk, "model_name": CHEST}, format="json"
        )
    assert response.status_code == 202, response.content
    reading = client_for(bob).get(f"/api/v1/readings/{response.json()['id']}/").json()
    assert reading["status"] == "succeeded", reading

    download = client_for(bob).get(f"/api/v1/images/{image.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == plain
    assert media_files(settings) == []  # nothing landed on the local disk


def test_without_a_key_the_object_store_holds_the_upload_as_sent(object_store, settings, alice):
    settings.UPLOAD_ENCRYPTION_KEY = None
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    stored = object_store.objects()[image.original.name]
    assert hashlib.sha256(stored).hexdigest() == image.sha256
    assert media_files(settings) == []


def test_the_object_store_refuses_a_wrong_secret(object_store, settings, alice):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**object_store.storage_options(), "OPTIONS": {**object_store.storage_options()["OPTIONS"], "secret_key": "wrong"}},
    }
    with pytest.raises(Exception, match="SignatureDoesNotMatch|AccessDenied|Forbidden|403"):
        make_case(patient=alice, images=1)
    assert Image.objects.count() == 0


def test_originals_on_the_local_disk_are_encrypted_and_read_back_as_uploaded(settings, medical_data_dir, alice, bob):
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    [xray] = xray_files(medical_data_dir, 1)
    plain = xray.read_bytes()
    body = upload_xray(client_for(alice), make_case(patient=alice), xray)
    image = Image.objects.get(pk=body["id"])
    at_rest = (settings.MEDIA_ROOT / image.original.name).read_bytes()
    assert_ciphertext_of(at_rest, plain, KEY)
    assert image.sha256 == hashlib.sha256(plain).hexdigest()
    download = client_for(alice).get(f"/api/v1/images/{image.pk}/file/")
    assert b"".join(download.streaming_content) == plain


def test_a_wrong_key_or_no_key_fails_loudly(settings, alice):
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    image = make_case(patient=alice, images=1).images.get()
    settings.UPLOAD_ENCRYPTION_KEY = OTHER_KEY
    with pytest.raises(EncryptedFileError, match=f"key id {key_id(KEY)}.*configured key \\(id {key_id(OTHER_KEY)}\\)"):
        default_storage.open(image.original.name)
    settings.UPLOAD_ENCRYPTION_KEY = None
    with pytest.raises(EncryptedFileError, match="UPLOAD_ENCRYPTION_KEY_FILE is not set"):
        default_storage.open(image.preview.name)


def test_a_changed_byte_at_rest_fails_the_read(settings, alice):
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    image = make_case(patient=alice, images=1).images.get()
    path = settings.MEDIA_ROOT / image.original.name
    data = bytearray(path.read_bytes())
    data[-20] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(EncryptedFileError, match="changed"):
        default_storage.open(image.original.name)


def test_without_a_key_files_are_stored_as_uploaded_and_stay_readable_once_a_key_is_set(settings, alice):
    settings.UPLOAD_ENCRYPTION_KEY = None
    image = make_case(patient=alice, images=1).images.get()
    at_rest = (settings.MEDIA_ROOT / image.original.name).read_bytes()
    assert hashlib.sha256(at_rest).hexdigest() == image.sha256
    settings.UPLOAD_ENCRYPTION_KEY = KEY  # turned on later: older files are read as they are
    with default_storage.open(image.original.name) as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == image.sha256


def test_the_same_bytes_uploaded_twice_are_stored_once_under_encryption(settings, alice, bob):
    """Re-uploads compare the decrypted copy: a second case with the same image shares the file."""
    settings.UPLOAD_ENCRYPTION_KEY = KEY
    first = make_case(patient=alice, images=1).images.get()
    second_case = make_case(patient=alice)
    with default_storage.open(first.original.name) as stream:
        data = stream.read()
    before = (settings.MEDIA_ROOT / first.original.name).read_bytes()
    second = image_upload(case=second_case, uploaded_by=alice, file=upload_file("again.png", data))
    assert second.original.name == first.original.name
    assert (settings.MEDIA_ROOT / first.original.name).read_bytes() == before
    assert len(media_files(settings)) == 2
