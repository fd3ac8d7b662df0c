"""`manage.py seed_demo`: demo accounts and cases from the real images."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import CareRelationship, Role, User
from audit.models import AuditEvent
from cases.models import Case, CaseStatus
from imaging.models import Image
from reports.models import Report


def seed(data_dir, capsys) -> str:
    call_command("seed_demo", "--data-dir", str(data_dir))
    return capsys.readouterr().out


@pytest.mark.django_db
def test_seed_creates_demo_people_and_cases_from_real_images(medical_data_dir, settings, capsys):
    settings.DEBUG = True
    out = seed(medical_data_dir, capsys)
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {"demo-admin": Role.ADMIN, "dr-grey": Role.DOCTOR, "ana": Role.PATIENT, "ben": Role.PATIENT}
    assert CareRelationship.objects.filter(doctor__username="dr-grey").count() == 2
    assert {image.kind for image in Image.objects.all()} == {"jpeg", "dicom"}
    dicom = Image.objects.get(kind="dicom")
    assert (dicom.modality, dicom.body_part) == ("CR", "CHEST")
    assert Case.objects.filter(status=CaseStatus.REPORTED).count() == 1
    assert "dr-grey" in out and "password" in out
    assert User.objects.get(username="ana").check_password("demo-Radiograph-2025")


@pytest.mark.django_db
def test_seeding_twice_changes_nothing(medical_data_dir, settings, capsys):
    settings.DEBUG = True
    seed(medical_data_dir, capsys)
    counts = [model.objects.count() for model in (User, CareRelationship, Case, Image, Report)]
    seed(medical_data_dir, capsys)
    assert [model.objects.count() for model in (User, CareRelationship, Case, Image, Report)] == counts


@pytest.mark.django_db
def test_seed_refuses_to_run_in_production(medical_data_dir, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--data-dir", str(medical_data_dir))
    assert not User.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_seed_explains_missing_data(tmp_path, settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="MEDICAL_DATA_DIR"):
        call_command("seed_demo", "--data-dir", str(tmp_path))
