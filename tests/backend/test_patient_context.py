"""What a doctor reads beside a case's images: the patient's age and sex, and her earlier cases of
the same exam type (GET /cases/?exam_type=)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.ages import age_in_years
from accounts.models import CareRelationship, Role, User
from cases.models import Case
from clinic_factories import client_for, make_case, make_user


@pytest.fixture
def erin_and_her_doctor(db):
    admin = make_user("clinic-admin", Role.ADMIN)
    doctor = make_user("dr-lee", Role.DOCTOR)
    erin = make_user("erin", Role.PATIENT)
    CareRelationship.objects.create(doctor=doctor, patient=erin, created_by=admin)
    return erin, doctor


def test_age_counts_completed_years():
    born = datetime.date(1980, 6, 15)
    assert age_in_years(born, datetime.date(2026, 6, 14)) == 45
    assert age_in_years(born, datetime.date(2026, 6, 15)) == 46
    assert age_in_years(datetime.date(2000, 2, 29), datetime.date(2025, 2, 28)) == 24
    assert age_in_years(datetime.date(2000, 2, 29), datetime.date(2025, 3, 1)) == 25
    assert age_in_years(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)) == 0


def test_the_doctor_sees_the_patients_age_and_sex_with_the_case(erin_and_her_doctor):
    erin, doctor = erin_and_her_doctor
    today = timezone.localdate()
    erin.date_of_birth = today.replace(year=today.year - 40) if (today.month, today.day) != (2, 29) else today.replace(
        year=today.year - 40, day=28)
    erin.sex = "female"
    erin.save()
    case = make_case(patient=erin, images=1, submit=True)
    body = client_for(doctor).get(f"/api/v1/cases/{case.pk}/").json()
    assert body["patient"]["age"] == 40 and body["patient"]["sex"] == "female"
    listed = client_for(doctor).get("/api/v1/cases/").json()["results"][0]
    assert listed["patient"]["age"] == 40 and listed["patient"]["sex"] == "female"


def test_a_patient_without_a_date_of_birth_has_no_age(erin_and_her_doctor):
    erin, doctor = erin_and_her_doctor
    case = make_case(patient=erin)
    patient = client_for(erin).get(f"/api/v1/cases/{case.pk}/").json()["patient"]
    assert patient["age"] is None and patient["sex"] == ""


def test_the_exam_type_filter_finds_the_earlier_cases_of_one_kind(erin_and_her_doctor):
    erin, doctor = erin_and_her_doctor
    chest = make_case(patient=erin, title="Chest")
    breast = make_case(patient=erin, title="Breast")
    Case.objects.filter(pk=breast.pk).update(exam_type="breast_ultrasound")
    client = client_for(doctor)
    chest_ids = [c["id"] for c in client.get(f"/api/v1/cases/?patient={erin.pk}&exam_type=chest_xray").json()["results"]]
    breast_ids = [c["id"] for c in client.get(f"/api/v1/cases/?exam_type=breast_ultrasound").json()["results"]]
    assert chest_ids == [chest.pk] and breast_ids == [breast.pk]
    assert client.get("/api/v1/cases/?exam_type=retina_photo").json()["results"] == []
    assert client.get("/api/v1/cases/?exam_type=knee_mri").status_code == 400


def register(**fields):
    body = {"username": "fay", "email": "fay@example.org", "password": "Quiet-meadow-river-42", **fields}
    return APIClient().post("/api/v1/auth/register/", body, format="json")


def test_a_patient_gives_her_date_of_birth_and_sex_at_sign_up(db):
    assert register(date_of_birth="1990-03-04", sex="female").status_code == 201
    fay = User.objects.get(username="fay")
    assert fay.date_of_birth == datetime.date(1990, 3, 4) and fay.sex == "female"


def test_both_are_optional_at_sign_up(db):
    assert register().status_code == 201
    fay = User.objects.get(username="fay")
    assert fay.date_of_birth is None and fay.sex == ""


@pytest.mark.parametrize("fields", [
    {"date_of_birth": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
    {"date_of_birth": "1850-01-01"},
    {"date_of_birth": "not a date"},
    {"sex": "unknown"},
])
def test_impossible_values_are_refused_at_sign_up(db, fields):
    response = register(**fields)
    assert response.status_code == 400, response.content
    assert not User.objects.filter(username="fay").exists()


def test_doctors_created_by_an_admin_have_no_age_or_sex_fields(db):
    from accounts.serializers import UserCreateSerializer

    assert "date_of_birth" not in UserCreateSerializer().fields and "sex" not in UserCreateSerializer().fields


@pytest.mark.django_db
def test_the_demo_patients_have_an_age_and_a_sex(medical_data_dir, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", "--data-dir", str(medical_data_dir))
    call_command("seed_demo", "--data-dir", str(medical_data_dir))
    ana, ben = User.objects.get(username="ana"), User.objects.get(username="ben")
    assert (ana.date_of_birth, ana.sex) == (datetime.date(1988, 4, 12), "female")
    assert (ben.date_of_birth, ben.sex) == (datetime.date(1957, 9, 3), "male")
    assert User.objects.get(username="dr-grey").date_of_birth is None
