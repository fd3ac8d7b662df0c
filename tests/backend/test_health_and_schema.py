"""GET /api/v1/health/, /schema/ and /docs/."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_health_reports_the_database(anon_client):
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "vendor": connection.vendor}
    # No broker configured: readings run in the web process (with a broker: tests/backend/test_celery_workers.py).
    assert body["checks"]["broker"] == {"status": "ok", "mode": "in-process"}


def test_health_is_reachable_over_plain_http_when_https_is_enforced(anon_client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert anon_client.get("/api/v1/health/").status_code == 200
    assert anon_client.get("/api/v1/cases/").status_code == 301


def test_openapi_schema_describes_the_api(anon_client):
    response = anon_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/cases/{case_id}/images/" in schema["paths"]
    assert "apiToken" in schema["components"]["securitySchemes"]


def test_browsable_docs_are_served(anon_client):
    response = anon_client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Everything the page loads comes from this server: hospital networks may have no internet.
    assert b"cdn.jsdelivr.net" not in response.content and b"unpkg.com" not in response.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content


def test_unknown_api_path_is_a_json_404(anon_client):
    response = anon_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/audit-events/export/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.parametrize("path", ["/api/v1/schema/", "/api/v1/docs/"])
def test_the_api_description_is_for_signed_in_users_when_not_public(anon_client, alice, settings, path):
    from clinic_factories import client_for

    settings.API_DOCS_PUBLIC = False
    assert anon_client.get(path).status_code == 401
    assert client_for(alice).get(path).status_code == 200
    settings.API_DOCS_PUBLIC = True
    assert anon_client.get(path).status_code == 200


def test_health_reports_each_dependency(anon_client):
    checks = anon_client.get("/api/v1/health/").json()["checks"]
    assert set(checks) == {"database", "cache", "broker", "workers", "models"}
    assert checks["cache"] == {"status": "ok"}
