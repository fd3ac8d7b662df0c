"""GET /api/v1/auth/tokens/ and DELETE /auth/tokens/<id>/: an owner sees and revokes her own tokens."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create
from audit.models import AuditEvent
from clinic_factories import client_for


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_an_owner_lists_her_tokens_without_their_keys(alice, charlie):
    token, key = api_token_create(user=alice, name="PACS bridge")
    api_token_create(user=charlie, name="charlie's")
    rows = client_for(alice).get("/api/v1/auth/tokens/").json()
    assert [(row["id"], row["name"], row["prefix"]) for row in rows] == [(token.pk, "PACS bridge", key[:8])]
    assert key not in str(rows)


def test_an_owner_revokes_a_token_and_it_stops_working(alice):
    token, key = api_token_create(user=alice)
    assert bearer(key).get("/api/v1/auth/me/").status_code == 200
    assert client_for(alice).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert bearer(key).get("/api/v1/auth/me/").status_code == 401
    event = AuditEvent.objects.get(action="auth.token_revoke")
    assert (event.actor, event.object_id) == (alice, str(token.pk))


def test_nobody_revokes_another_persons_token(alice, admin):
    token, _ = api_token_create(user=alice)
    assert client_for(admin).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_new_password_revokes_every_token(alice):
    api_token_create(user=alice)
    alice.set_password("Brand-new-passphrase-3")
    alice.save()
    assert not ApiToken.objects.filter(user=alice).exists()


def test_tokens_last_thirty_days_by_default(alice):
    token, _ = api_token_create(user=alice)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
