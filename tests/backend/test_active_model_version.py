"""Which version of a model is active: a fresh installation starts on the newest; after that a newly
copied version waits for an admin, and an upgraded installation keeps the version it used."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent
from clinic_factories import client_for, make_case
from inference.models import ActiveModel
from model_packages import CHEST, copy_package, shipped_package
from readings.queueing import server_reading_request
from readings.running import readings_run
from readings.services import reading_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def models_dir(shipped_models, tmp_path, settings):
    """An installation's model folder holding the newest chest package as versions 1.0.0 and 2.0.0."""
    package = shipped_package(shipped_models)
    root = tmp_path / "models"
    for version in ("1.0.0", "2.0.0"):
        copy_package(package, root, version=version)
    settings.MODEL_PACKAGES_DIR = root
    return root


def active_versions(user) -> list[str]:
    return [m["version"] for m in client_for(user).get("/api/v1/models/").json() if m["name"] == CHEST and m["active"]]


def test_a_fresh_installation_starts_on_the_newest_version_and_pins_it(models_dir, bob):
    assert not ActiveModel.objects.exists()
    assert active_versions(bob) == ["2.0.0"]
    pinned = ActiveModel.objects.get(name=CHEST)
    assert pinned.version == "2.0.0" and pinned.activated_by is None  # the system, not a person
    event = AuditEvent.objects.get(action="model.activate", object_id=CHEST)
    assert event.actor is None and event.detail["version"] == "2.0.0" and "pinned" in event.detail
    active_versions(bob)
    assert AuditEvent.objects.filter(action="model.activate").count() == 1  # pinned once, not per request


def test_a_newly_copied_version_waits_for_an_admin(models_dir, admin, alice, bob):
    assert active_versions(bob) == ["2.0.0"]
    copy_package(shipped_package(models_dir), models_dir, version="3.0.0")

    assert active_versions(bob) == ["2.0.0"]
    case = make_case(patient=alice, images=1, submit=True)
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
    assert reading.model_version == "2.0.0"

    reason = "Validated on 200 of our own films"
    response = client_for(admin).post(
        f"/api/v1/models/{CHEST}/activate/", {"version": "3.0.0", "reason": f"  {reason} "}, format="json"
    )
    assert response.status_code == 200, response.content
    assert active_versions(bob) == ["3.0.0"]
    assert ActiveModel.objects.get(name=CHEST).activated_by == admin
    event = AuditEvent.objects.filter(action="model.activate", object_id=CHEST).latest("id")
    assert event.actor == admin and event.detail == {"version": "3.0.0", "reason": reason}


@pytest.mark.parametrize("body", [{"version": "1.0.0"}, {"version": "1.0.0", "reason": " \n "}])
def test_activating_without_a_reason_is_refused_and_changes_nothing(models_dir, admin, bob, body):
    assert active_versions(bob) == ["2.0.0"]
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    response = client_for(admin).post(f"/api/v1/models/{CHEST}/activate/", body, format="json")
    assert response.status_code == 400, response.content
    assert "reason" in response.json()["error"]["details"]["fields"]
    assert active_versions(bob) == ["2.0.0"]
    # Nothing activated; the refusal itself is recorded, with the field it lacked.
    (refusal,) = AuditEvent.objects.filter(id__gt=last)
    assert (refusal.action, refusal.allowed, refusal.actor) == ("request.refused", False, admin)
    assert refusal.detail["status"] == 400 and refusal.detail["fields"] == ["reason"]


def test_the_first_server_reading_pins_the_version_it_runs(models_dir, alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    reading = server_reading_request(case=case, image=case.images.get(), requested_by=bob, model_name=CHEST)
    readings_run(reading_id=reading.pk)
    assert ActiveModel.objects.get(name=CHEST).version == reading.model_version == "2.0.0"


def test_a_pinned_version_that_disappears_falls_back_to_the_newest(models_dir, bob):
    ActiveModel.objects.create(name=CHEST, version="0.9.0")
    assert active_versions(bob) == ["2.0.0"]
    assert ActiveModel.objects.get(name=CHEST).version == "0.9.0"  # the admin's record is left as it was


# The data migration that upgrades an existing installation. Its function runs on the models as
# that migration sees them; migrating the schema back and forth inside a test's transaction is
# something SQLite (the embedded default) cannot do.

pin_versions_in_use = importlib.import_module("inference.migrations.0002_pin_versions_in_use").pin_versions_in_use


def upgrade() -> None:
    state = MigrationExecutor(connection).loader.project_state([("inference", "0002_pin_versions_in_use")])
    pin_versions_in_use(state.apps, None)  # a data migration: it changes rows, never the schema


def reading_by(case, model_name: str, version: str):
    return reading_record(
        case=case,
        image=case.images.get(),
        recorded_by=case.patient,
        model_name=model_name,
        model_version=version,
        runs_on="browser",
        probabilities={"a": 0.3, "b": 0.7},
        label="b",
        score=0.7,
        threshold=0.5,
    )


def test_upgrading_an_installation_keeps_the_newest_version_its_readings_used(models_dir, alice, bob, admin):
    case = make_case(patient=alice, images=1, submit=True)
    for version in ("1.0.0", "0.9.0"):
        reading_by(case, CHEST, version)
    for version in ("1.9.0", "1.10.0"):  # ordered as numbers, not as text
        reading_by(case, "retina-diabetic-retinopathy", version)
    reading_by(case, "breast-ultrasound-malignancy", "1.0.0")
    ActiveModel.objects.create(name="breast-ultrasound-malignancy", version="0.5.0", activated_by=admin)
    upgrade()

    assert dict(ActiveModel.objects.values_list("name", "version")) == {
        CHEST: "1.0.0",  # not 2.0.0, which is installed but never ran here
        "retina-diabetic-retinopathy": "1.10.0",
        "breast-ultrasound-malignancy": "0.5.0",  # an admin's choice is left alone
    }
    pins = AuditEvent.objects.filter(action="model.activate", actor__isnull=True)
    assert sorted(pins.values_list("object_id", flat=True)) == [CHEST, "retina-diabetic-retinopathy"]
    assert active_versions(bob) == ["1.0.0"]


def test_upgrading_a_database_without_readings_pins_nothing(models_dir, bob):
    upgrade()
    assert not ActiveModel.objects.exists()
    assert active_versions(bob) == ["2.0.0"]  # a fresh installation: the newest, on first use
