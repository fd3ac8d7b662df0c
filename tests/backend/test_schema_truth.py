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


def test_model_files_are_documented_with_the_types_they_are_served_with(schema, shipped_models, anon_client):
    from model_packages import shipped_package

    package = shipped_package(shipped_models)
    documented = schema["paths"]["/api/v1/models/{name}/{version}/{filename}"]["get"]["responses"]["200"]["content"]
    for filename in ("model_metadata.json", "tfjs/model.json"):
        response = anon_client.get(f"/api/v1/models/{package.name}/{package.version}/{filename}")
        assert response.status_code == 200, filename
        content_type = response["Content-Type"]
        assert content_type in documented, (filename, content_type, sorted(documented))
        assert documented[content_type]["schema"]["type"] == "object", "JSON files are documented as JSON"


def test_the_token_request_documents_the_second_factor_code(schema):
    body = schema["paths"]["/api/v1/auth/token/"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    assert "code" in schema["components"]["schemas"][name]["properties"]
