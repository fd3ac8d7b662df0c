"""POST /cases/<id>/server-readings/ is limited per user (SERVER_READING_THROTTLE_RATE): each one
costs a full decode and a model run on the workers."""
from clinic_factories import client_for, make_case


def request_reading(user, case):
    image = case.images.get()
    return client_for(user).post(
        f"/api/v1/cases/{case.pk}/server-readings/", {"image": image.pk, "model_name": "nope"}, format="json"
    )


def test_server_readings_beyond_the_rate_get_429(alice, bob, settings):
    settings.SERVER_READING_THROTTLE_RATE = "2/hour"
    case = make_case(patient=alice, images=1, submit=True)
    statuses = [request_reading(bob, case).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]  # "nope" is no model: the first two reach the view
    response = request_reading(bob, case)
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_the_limit_is_per_user(alice, bob, charlie, dan, settings):
    settings.SERVER_READING_THROTTLE_RATE = "1/hour"
    alice_case = make_case(patient=alice, images=1, submit=True)
    charlie_case = make_case(patient=charlie, images=1, submit=True)
    assert request_reading(bob, alice_case).status_code == 400
    assert request_reading(bob, alice_case).status_code == 429
    assert request_reading(dan, charlie_case).status_code == 400
