"""`manage.py seed_demo`: demo accounts and cases from the real images."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import CareRelationship, Role, User
from audit.models import AuditEvent
from cases.models import Case, CaseStatus
from imaging.models import Image
from inference.registry import package_get
from inference_cases import serve_directly
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
    assert {image.kind for image in Image.objects.all()} == {"jpeg", "dicom", "png"}
    breast = Case.objects.get(title="Breast ultrasound of a lump")
    assert (breast.exam_type, breast.patient.username) == ("breast_ultrasound", "ana")
    assert [(i.kind, i.width, i.height) for i in breast.images.all()] == [("png", 224, 224)]
    assert set(Case.objects.exclude(pk=breast.pk).values_list("exam_type", flat=True)) == {"chest_xray"}
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


@pytest.mark.django_db(transaction=True)
def test_seeded_cases_are_read_by_the_model_and_the_report_cites_its_reading(medical_data_dir, settings, capsys,
                                                                              shipped_models):
    """On the embedded default (no broker) the readings run in-process as each request commits."""
    from django.db import connection

    from readings.models import Reading

    if connection.vendor != "postgresql":
        pytest.skip("the audit log refuses SQLite's flush after a transactional test: set DATABASE_URL")
    settings.DEBUG = True
    seed(medical_data_dir, capsys)
    # Each case is read by the model for its exam type: the breast ultrasound by the breast model.
    [breast] = Reading.objects.filter(case__exam_type="breast_ultrasound")
    assert (breast.runs_on, breast.model_name, breast.status) == ("server", "breast-ultrasound-malignancy", "succeeded")
    assert set(breast.probabilities) == set(package_get(breast.model_name, breast.model_version).label_names)
    readings = Reading.objects.filter(runs_on="server", case__exam_type="chest_xray").select_related("image")
    # Every image of a submitted case, the JPEG 2000 DICOM included; the draft's image is not read.
    assert readings.count() == 3
    assert {r.model_name for r in readings} == {"chest-xray-pneumonia"}
    assert [r.status for r in readings if r.image.kind == "jpeg"] == ["succeeded", "succeeded"]
    # The DICOM (an adult's CR chest radiograph) passes the header check; the model's own input
    # gate decides whether to read it, as the graph run directly decides.
    [dicom] = [r for r in readings if r.image.kind == "dicom"]
    package = package_get(dicom.model_name, dicom.model_version)
    gate = serve_directly(package, (medical_data_dir / "dicom" / "RG1_J2KI.dcm").read_bytes()).get("input_accepted")
    if gate is None or gate == 1.0:
        assert dicom.status == "succeeded", (dicom.status, dicom.error)
    else:
        assert (dicom.status, dicom.refusal) == ("refused", package.input_check["refusal"])
    report = Report.objects.get()
    assert report.reading is not None and report.reading.case_id == report.case_id
    assert report.ai_agreement == ("agrees" if report.reading.label == "normal" else "disagrees")
    assert Case.objects.get(title="New upload").readings.count() == 0
    seed(medical_data_dir, capsys)
    assert Reading.objects.count() == 4
