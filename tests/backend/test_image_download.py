"""GET /api/v1/images/<id>/, /file/ and /preview/: images only through permission checks."""

import hashlib

from clinic_factories import client_for, make_case, png_bytes


def test_original_is_served_byte_for_byte_as_a_private_download(alice, bob):
    case = make_case(patient=alice, images=1)
    image = case.images.get()
    response = client_for(bob).get(f"/api/v1/images/{image.pk}/file/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == image.sha256
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_preview_is_a_png_without_metadata(alice):
    case = make_case(patient=alice, images=1)
    response = client_for(alice).get(f"/api/v1/images/{case.images.get().pk}/preview/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_outsiders_get_404_for_images(alice, charlie, dan):
    image = make_case(patient=alice, images=1).images.get()
    for user in (charlie, dan):
        for suffix in ("", "file/", "preview/"):
            assert client_for(user).get(f"/api/v1/images/{image.pk}/{suffix}").status_code == 404


def test_media_files_have_no_public_url(alice, client):
    image = make_case(patient=alice, images=1).images.get()
    assert client.get(f"/media/{image.original.name}").status_code == 404
    assert client.get(f"/{image.original.name}").status_code == 404


def test_image_metadata_lists_for_the_case(alice):
    case = make_case(patient=alice, images=2)
    rows = client_for(alice).get(f"/api/v1/cases/{case.pk}/images/").json()
    assert [row["original_filename"] for row in rows] == ["scan-0.png", "scan-1.png"]
    assert all(len(row["sha256"]) == 64 for row in rows)


def test_uploaded_file_names_are_kept_for_display_only(alice):
    case = make_case(patient=alice)
    from clinic_factories import upload_file
    from imaging.services import image_upload

    image = image_upload(case=case, uploaded_by=alice, file=upload_file("../../etc/pass\x00wd.png", png_bytes()))
    assert image.original_filename == "pass" + "wd.png"
    assert image.original.name.startswith("originals/")
