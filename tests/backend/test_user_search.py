"""GET /api/v1/users/?search=: the admin page finds people by name, not by id."""

from accounts.models import Role
from audit.models import AuditEvent
from clinic_factories import client_for, make_user


def test_admins_find_people_by_any_part_of_the_name(admin, alice, bob, charlie):
    alice.last_name = "Liddell"
    alice.save()
    make_user("alicia", Role.DOCTOR)
    client = client_for(admin)
    found = client.get("/api/v1/users/?search=lidd").json()["results"]
    assert [row["username"] for row in found] == ["alice"]
    found = client.get("/api/v1/users/?search=ALIC").json()["results"]
    assert [row["username"] for row in found] == ["alice", "alicia"]
    doctors = client.get("/api/v1/users/?search=ali&role=doctor").json()["results"]
    assert [row["username"] for row in doctors] == ["alicia"]


def test_the_search_is_audited_for_the_patients_it_shows(admin, alice, bob):
    client_for(admin).get("/api/v1/users/?search=alice")
    event = AuditEvent.objects.get(action="user.list", actor=admin, patient_id=alice.pk)
    assert event.detail["ids"] == [alice.pk]


def test_only_admins_search_accounts(alice, bob):
    assert client_for(bob).get("/api/v1/users/?search=alice").status_code == 403
