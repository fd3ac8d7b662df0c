"""Shared fixtures for the backend tests.

People: alice is a patient, bob is her doctor, charlie is another patient, dan is charlie's
doctor (an outsider to alice), and admin runs the clinic.
"""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import CareRelationship, Role, User
from clinic_factories import make_user
from config.celery import app
from tests.unavailable import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
# The same variable and default as the training tests use, so both suites read the same data.
MEDICAL_DATA_DIR = Path(os.environ.get("MEDICAL_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def medical_data_dir() -> Path:
    """The real medical images. Missing data skips the test, except in CI, where it fails."""
    if not MEDICAL_DATA_DIR.is_dir():
        skip_or_fail(f"real medical data not found at {MEDICAL_DATA_DIR} (set MEDICAL_DATA_DIR)")
    return MEDICAL_DATA_DIR


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATASETS_DIR = tmp_path / "datasets"  # POST /datasets/ writes there
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Fast hashing: these tests are about behaviour, not about the hash's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_THROTTLE_RATE = "1000/min"
    settings.PATIENT_SELF_REGISTRATION = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(db) -> User:
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def alice(db) -> User:
    return make_user("alice", Role.PATIENT)


@pytest.fixture
def charlie(db) -> User:
    return make_user("charlie", Role.PATIENT)


@pytest.fixture
def bob(db, alice, admin) -> User:
    doctor = make_user("bob", Role.DOCTOR)
    CareRelationship.objects.create(doctor=doctor, patient=alice, created_by=admin)
    return doctor


@pytest.fixture
def dan(db, charlie, admin) -> User:
    doctor = make_user("dan", Role.DOCTOR)
    CareRelationship.objects.create(doctor=doctor, patient=charlie, created_by=admin)
    return doctor


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()



@pytest.fixture
def shipped_models(settings) -> Path:
    """The model packages the product ships (MODEL_PACKAGES_DIR, default exported_models/)."""
    root = Path(settings.MODEL_PACKAGES_DIR)
    if not any(root.glob("chest-xray-pneumonia/*/model_metadata.json")):
        skip_or_fail(f"no chest-xray-pneumonia package in {root} (set MODEL_PACKAGES_DIR)")
    return root


@pytest.fixture
def gated_chest(shipped_models):
    """The newest shipped chest package, which must have an input gate (docs/model-package.md)."""
    from model_packages import shipped_package

    package = shipped_package(shipped_models)
    if package.input_check is None:
        skip_or_fail(f"the newest chest package in {shipped_models} has no input gate (chest-xray-pneumonia 2.0.0 has)")
    return package


@pytest.fixture
def unreachable_broker():
    """Points the app at a broker that refuses connections, then back."""
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",  # the discard port: nothing listens
        CELERY_TASK_ALWAYS_EAGER=False,
        CELERY_BROKER_TRANSPORT_OPTIONS={"max_retries": 1, "socket_connect_timeout": 0.5},
    )
    app._after_fork()
    yield
    app.conf.update(saved)
    app._after_fork()
