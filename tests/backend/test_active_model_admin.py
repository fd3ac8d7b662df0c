"""The Django admin's Active models screen: the same activation as the admin page, with a reason."""

import pytest

from audit.models import AuditEvent
from clinic_factories import client_for
from inference.models import ActiveModel
from model_packages import CHEST, copy_package, shipped_package

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_dir(shipped_models, tmp_path, settings):
    """The newest chest package installed as 1.0.0 and 2.0.0, with 2.0.0 pinned as the active one."""
    package = shipped_package(shipped_models)
    root = tmp_path / "models"
    for version in ("1.0.0", "2.0.0"):
        copy_package(package, root, version=version)
    settings.MODEL_PACKAGES_DIR = root
    ActiveModel.objects.create(name=CHEST, version="2.0.0")
    return root


def change_url() -> str:
    return f"/admin/inference/activemodel/{ActiveModel.objects.get(name=CHEST).pk}/change/"


def test_activating_in_the_django_admin_records_who_and_why(models_dir, admin):
    client = client_for(admin)
    page = client.get(change_url())
    assert page.status_code == 200 and b'name="reason"' in page.content

    response = client.post(change_url(), {"version": "1.0.0", "reason": " Back to the validated release "})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = ActiveModel.objects.get(name=CHEST)
    assert (row.version, row.activated_by) == ("1.0.0", admin)
    event = AuditEvent.objects.filter(action="model.activate").latest("id")
    assert (event.actor, event.object_id, event.allowed) == (admin, CHEST, True)
    assert event.detail == {"version": "1.0.0", "reason": "Back to the validated release"}
    assert event.path == change_url() and event.request_id is not None


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_django_admin_refuses_an_activation_without_a_reason(models_dir, admin, reason):
    response = client_for(admin).post(change_url(), {"version": "1.0.0", "reason": reason})
    assert response.status_code == 200  # the form again, with its error
    assert "This field is required." in response.content.decode()
    assert ActiveModel.objects.get(name=CHEST).version == "2.0.0"
    assert not AuditEvent.objects.filter(action="model.activate").exists()


def test_the_django_admin_refuses_a_version_that_is_not_installed(models_dir, admin):
    response = client_for(admin).post(change_url(), {"version": "9.0.0", "reason": "Try it"})
    assert response.status_code == 200
    assert "No valid package with that name and version is installed" in response.content.decode()
    assert ActiveModel.objects.get(name=CHEST).version == "2.0.0"


def test_active_model_rows_cannot_be_deleted_in_the_django_admin(models_dir, admin):
    # Without its row the model would be pinned again to its newest version: a change nobody chose.
    row = ActiveModel.objects.get(name=CHEST)
    response = client_for(admin).post(f"/admin/inference/activemodel/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ActiveModel.objects.filter(pk=row.pk).exists()


def test_a_model_is_first_chosen_in_the_django_admin_with_a_reason(models_dir, admin):
    ActiveModel.objects.all().delete()
    response = client_for(admin).post(
        "/admin/inference/activemodel/add/", {"name": CHEST, "version": "1.0.0", "reason": "Our pilot version"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ActiveModel.objects.get(name=CHEST).activated_by == admin
    event = AuditEvent.objects.get(action="model.activate")
    assert event.detail == {"version": "1.0.0", "reason": "Our pilot version"}
