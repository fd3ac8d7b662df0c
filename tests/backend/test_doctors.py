"""GET /api/v1/doctors/: the practice's doctors, for a patient choosing hers."""

from accounts.models import Role, User
from clinic_factories import client_for, make_user


def test_it_lists_active_doctors_by_name_with_no_email_or_username(alice, bob, dan):
    gone = make_user("zed", Role.DOCTOR)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    User.objects.filter(pk=dan.pk).update(first_name="Dana", last_name="Adams")
    response = client_for(alice).get("/api/v1/doctors/")
    assert response.status_code == 200
    body = response.json()
    # By last name (bob has none), then first name; zed, whose account is closed, is not offered.
    assert body["doctors"] == [{"id": bob.pk, "name": "Bob"}, {"id": dan.pk, "name": "Dana Adams"}]
    assert body["practice_queue"] is False


def test_it_says_whether_the_practice_queue_is_on(alice, bob, settings):
    settings.PRACTICE_QUEUE = True
    assert client_for(alice).get("/api/v1/doctors/").json()["practice_queue"] is True


def test_a_doctor_without_a_name_is_named_by_username(alice):
    doctor = User.objects.create_user(username="drnoname", email="n@example.org", password="x" * 20, role=Role.DOCTOR)
    assert client_for(alice).get("/api/v1/doctors/").json()["doctors"] == [{"id": doctor.pk, "name": "drnoname"}]


def test_it_needs_a_signed_in_user(anon_client, bob):
    assert anon_client.get("/api/v1/doctors/").status_code == 401
