"""POST /api/v1/auth/token/: bearer tokens for integrations."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from clinic_factories import PASSWORD, authenticator_code, authenticator_for


def new_token(username: str = "bob") -> str:
    code = authenticator_code(authenticator_for(User.objects.get(username=username)))  # bob is a doctor
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD, "name": "PACS bridge", "code": code},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["key"]


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_token_authenticates_api_calls(bob):
    key = new_token()
    assert bearer(key).get("/api/v1/auth/me/").json()["username"] == "bob"


def test_only_the_hash_of_the_key_is_stored(bob):
    key = new_token()
    token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_hash
    assert token.key_hash == ApiToken.hash_key(key)
    assert token.prefix == key[:8]


def test_wrong_credentials_get_no_token(bob):
    response = APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0


def test_unknown_token_is_refused(bob):
    response = bearer("made-up-key").get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_expired_token_is_refused(bob):
    key = new_token()
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(key).get("/api/v1/auth/me/").status_code == 401


def test_token_of_a_deactivated_user_is_refused(bob):
    key = new_token()
    bob.is_active = False
    bob.save()
    assert bearer(key).get("/api/v1/auth/me/").status_code == 401


def test_logout_with_a_token_revokes_that_token(bob):
    key, other = new_token(), new_token()
    assert bearer(key).post("/api/v1/auth/logout/").status_code == 204
    assert bearer(key).get("/api/v1/auth/me/").status_code == 401
    assert bearer(other).get("/api/v1/auth/me/").status_code == 200


def test_token_calls_need_no_csrf_token(alice, bob):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new_token('alice')}")
    response = client.post("/api/v1/cases/", {"title": "From an integration"}, format="json")
    assert response.status_code == 201
