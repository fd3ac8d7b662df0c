"""Seeded fuzzing of POST /cases/<id>/images/ with damaged and generated files (the decoder fuzz
test's kinds): every answer is a 201 or a refusal in the one error shape, never a server error."""
import warnings

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings

from clinic_factories import client_for, make_case
from imaging.models import Image
from tests.image_mutations import SEEDED, hostile_files

REFUSALS = {400, 409, 413, 415, 422}


def test_no_upload_gets_a_server_error(medical_data_dir, alice):
    case = make_case(patient=alice)
    client = client_for(alice)
    answered = []

    @settings(SEEDED, max_examples=300)
    @given(hostile_files(medical_data_dir))
    def upload(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydicom warns about every odd value it reads
            response = client.post(
                f"/api/v1/cases/{case.pk}/images/", {"file": SimpleUploadedFile("scan", data)}, format="multipart"
            )
        assert response.status_code == 201 or response.status_code in REFUSALS, response.content[:500]
        if response.status_code != 201:
            assert response.json()["error"]["code"]
        answered.append(response.status_code)

    upload()
    # The run means something only if both kinds of answer came back.
    assert 201 in answered and set(answered) & REFUSALS
    assert Image.objects.filter(case=case).count() == answered.count(201)
