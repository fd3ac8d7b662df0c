"""/api/v1/users/: clinic admins create doctors and admins and manage accounts."""

from accounts.models import Role, User
from audit.models import AuditEvent
from clinic_factories import client_for


def test_admin_creates_a_doctor(admin):
    response = client_for(admin).post(
        "/api/v1/users/",
        {"username": "drhouse", "email": "house@example.org", "password": "Vicodin-free-since-2012", "role": "doctor"},
        format="json",
    )
    assert response.status_code == 201, response.content
    doctor = User.objects.get(username="drhouse")
    assert doctor.role == Role.DOCTOR and not doctor.is_staff
    assert AuditEvent.objects.filter(action="user.create", actor=admin, object_id=str(doctor.pk)).exists()


def test_patients_are_invited_not_created_here(admin):
    response = client_for(admin).post(
        "/api/v1/users/",
        {"username": "pat", "email": "pat@example.org", "password": "Vicodin-free-since-2012", "role": "patient"},
        format="json",
    )
    assert response.status_code == 400


def test_admin_lists_users_filtered_by_role(admin, bob, charlie):
    response = client_for(admin).get("/api/v1/users/?role=doctor")
    assert [row["username"] for row in response.json()["results"]] == ["bob"]


def test_admin_cannot_deactivate_themselves(admin):
    response = client_for(admin).patch(f"/api/v1/users/{admin.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "cannot_deactivate_self"


def test_unknown_user_is_404(admin):
    assert client_for(admin).get("/api/v1/users/99999/").status_code == 404


def test_createsuperuser_makes_a_clinic_admin(db):
    user = User.objects.create_superuser("root", "root@example.org", "Long-enough-passphrase-1")
    assert user.role == Role.ADMIN
