"""A JSON body that is not an object is a client's mistake (400), never a server error."""

import re

import pytest

from clinic_factories import client_for
from test_authorization_matrix import API_PREFIX, MATRIX, SETTINGS, World, world  # noqa: F401 (world: a fixture)

WRITES = sorted(endpoint for endpoint in MATRIX if endpoint[0] in ("POST", "PATCH", "PUT"))
NOT_OBJECTS = ["1", "[]", '"x"', "null", '[{"username": "alice"}]']


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: f"{e[0]} {e[1]}")
def test_every_write_refuses_a_body_that_is_not_an_object(world: World, endpoint, settings):
    method, route = endpoint
    for name, value in SETTINGS.get(endpoint, {}).items():  # e.g. the practice queue switched on
        setattr(settings, name, value)
    kwargs_of, _, expected = MATRIX[endpoint]
    if route.startswith("models/") and world.package is None:
        pytest.skip("no model package installed")
    kwargs = kwargs_of(world) if kwargs_of else {}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    # The first role the matrix lets through, so that the body is what gets checked.
    role = next((role for role in ("admin", "bob", "alice") if expected[role] < 300), "alice")
    client = client_for(world.users[role])
    for body in NOT_OBJECTS:
        response = getattr(client, method.lower())(f"/{API_PREFIX}{path}", body, content_type="application/json")
        assert response.status_code < 500, (body, response.status_code, response.content[:300])
