"""What the OpenAPI schema says about a response is what the server sends."""

import pytest

from clinic_factories import client_for, make_case, record_reading


@pytest.fixture
def schema(admin) -> dict:
    response = client_for(admin).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_a_reading_without_verification_is_documented_as_null(schema, alice):
    case = make_case(patient=alice, images=1)
    reading = record_reading(case=case, image=case.images.get(), user=alice)
    body = client_for(alice).get(f"/api/v1/readings/{reading.pk}/").json()
    assert body["verification"] is None
    assert schema["components"]["schemas"]["Reading"]["properties"]["verification"].get("nullable") is True


def test_the_original_download_is_documented_with_the_type_it_is_served_with(schema, alice):
    case = make_case(patient=alice, images=1)
    response = client_for(alice).get(f"/api/v1/images/{case.images.get().pk}/file/")
    assert response.status_code == 200
    documented = schema["paths"]["/api/v1/images/{image_id}/file/"]["get"]["responses"]["200"]["content"]
    assert response["Content-Type"] in documented, (response["Content-Type"], sorted(documented))
    assert set(documented) == {"image/png", "image/jpeg", "application/dicom"}
