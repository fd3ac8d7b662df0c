"""Demo data from the real images in the shared data directory.

Idempotent: users, links, cases, images, readings and reports are found before they are created,
so running it twice changes nothing. Each submitted image gets a server reading by the active model
for its case's exam type (chest X-ray cases by the chest model, the breast ultrasound case, made
from a BreastMNIST test image when that file is there, by the breast model): in-process on the
embedded default, by the Celery workers when a broker is configured. Refuses to run with DEBUG off
unless --force is given.
"""

import datetime
import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image as PILImage

from accounts.models import CareRelationship, Role, User
from accounts.services import care_relationship_create
from cases.models import Case, CaseStatus
from cases.services import case_create, case_submit
from imaging.models import Image
from imaging.services import image_upload
from readings.models import Reading, ReadingStatus, RunsOn
from readings.queueing import server_reading_request
from reports.models import AIAgreement
from reports.services import report_create, report_sign

DEFAULT_PASSWORD = "demo-Radiograph-2025"

USERS = [
    # username, role, first name, last name
    ("demo-admin", Role.ADMIN, "Ada", "Admin"),
    ("dr-grey", Role.DOCTOR, "Meredith", "Grey"),
    ("ana", Role.PATIENT, "Ana", "Lima"),
    ("ben", Role.PATIENT, "Ben", "Okafor"),
]

# What the doctor sees beside a demo patient's images: date of birth, sex.
PATIENT_DETAILS = {
    "ana": (datetime.date(1988, 4, 12), "female"),
    "ben": (datetime.date(1957, 9, 3), "male"),
}

# patient, case title, image files relative to the data directory, submit?, signed report impression
CASES = [
    ("ana", "Cough and fever for a week", ["chest_xray_kermany/PNEUMONIA/person1_virus_11.jpeg"], True, None),
    (
        "ana",
        "Follow-up chest X-ray",
        ["chest_xray_kermany/NORMAL/IM-0001-0001.jpeg"],
        True,
        "No focal consolidation. Lungs are clear.",
    ),
    ("ben", "Chest radiograph from the clinic (DICOM)", ["dicom/RG1_J2KI.dcm"], True, None),
    ("ben", "New upload", ["chest_xray_kermany/NORMAL/IM-0003-0001.jpeg"], False, None),
]

# A breast ultrasound case, from the first BreastMNIST test image, added only when that file is there.
BREASTMNIST = "medmnist/breastmnist.npz"
BREAST_CASE_TITLE = "Breast ultrasound of a lump"
BREAST_IMAGE_NAME = "breastmnist-test-0.png"


def breastmnist_png(npz_path: Path, index: int = 0) -> bytes:
    """A BreastMNIST test image as a PNG, enlarged from 28x28 to 224x224 so that a person can see it
    (the model's graph crops and resizes whatever size it is given)."""
    with np.load(npz_path) as data:
        pixels = data["test_images"][index]
    buffer = io.BytesIO()
    PILImage.fromarray(pixels).resize((224, 224), PILImage.BILINEAR).save(buffer, format="PNG")
    return buffer.getvalue()


def default_data_dir() -> Path:
    return Path(os.environ.get("MEDICAL_DATA_DIR", settings.REPO_ROOT.parent / "shared" / "data"))


class Command(BaseCommand):
    help = "Create a demo admin, doctor and two patients with cases made from real images."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", type=Path, default=None, help="defaults to $MEDICAL_DATA_DIR or ../shared/data"
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password for every demo account")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, data_dir: Path | None, password: str, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo accounts with DEBUG off (use --force on a demo server).")
        data_dir = (data_dir or default_data_dir()).resolve()
        missing = [f for _, _, files, _, _ in CASES for f in files if not (data_dir / f).is_file()]
        if missing:
            raise CommandError(f"Demo images not found under {data_dir}: {', '.join(missing)} (set MEDICAL_DATA_DIR).")

        with transaction.atomic():
            users = {
                username: self._user(username, role, first, last, password) for username, role, first, last in USERS
            }
            admin, doctor = users["demo-admin"], users["dr-grey"]
            for patient in (users["ana"], users["ben"]):
                if not CareRelationship.objects.filter(doctor=doctor, patient=patient, ended_at__isnull=True).exists():
                    care_relationship_create(created_by=admin, doctor=doctor, patient=patient)
        for username, title, files, submit, impression in CASES:
            uploads = {f.rsplit("/", 1)[-1]: (data_dir / f).read_bytes for f in files}
            self._case(users[username], doctor, title, uploads, submit, impression)
        if (data_dir / BREASTMNIST).is_file():
            uploads = {BREAST_IMAGE_NAME: lambda: breastmnist_png(data_dir / BREASTMNIST)}
            self._case(users["ana"], doctor, BREAST_CASE_TITLE, uploads, True, None, exam_type="breast_ultrasound")

        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write("Sign in on the front page (patients, the doctor and the admin each land on their own page) with:")
        for username, role, _, _ in USERS:
            self.stdout.write(f"  {role:<8} {username:<11} password: {password}")
        self.stdout.write(
            "The doctor and the admin also enter a code from an authenticator app (two-factor sign-in): "
            "the first time they sign in, the page shows a QR code and a key to add to one (FreeOTP, "
            "Google or Microsoft Authenticator, or any TOTP app), then asks for its code."
        )

    def _user(self, username: str, role: str, first: str, last: str, password: str) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.invalid",
                "role": role,
                "first_name": first,
                "last_name": last,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        if username in PATIENT_DETAILS and user.date_of_birth is None:
            user.date_of_birth, user.sex = PATIENT_DETAILS[username]
            user.save(update_fields=["date_of_birth", "sex"])
        return user

    def _case(
        self,
        patient: User,
        doctor: User,
        title: str,
        uploads: dict[str, Callable[[], bytes]],
        submit: bool,
        impression: str | None,
        exam_type: str = "chest_xray",
    ):
        case = Case.objects.filter(patient=patient, title=title).first()
        if case is None:
            case = case_create(created_by=patient, patient=patient, title=title, exam_type=exam_type)
        for name, read in uploads.items():
            if case.status == CaseStatus.DRAFT and not Image.objects.filter(case=case, original_filename=name).exists():
                image_upload(case=case, uploaded_by=patient, file=ContentFile(read(), name=name))
        if submit and case.status == CaseStatus.DRAFT:
            case = case_submit(case=case, submitted_by=patient)
        if case.status != CaseStatus.DRAFT:
            for image in case.images.all():
                if not Reading.objects.filter(image=image, runs_on=RunsOn.SERVER).exists():
                    server_reading_request(case=case, image=image, requested_by=patient)
            case.refresh_from_db()
        if impression and case.status in (CaseStatus.SUBMITTED, CaseStatus.AI_READ):
            # Cite the server's reading when it has finished (in-process it has); a normal study's
            # report agrees with a "normal" reading and disagrees with any other.
            reading = case.readings.filter(status=ReadingStatus.SUCCEEDED).first()
            if reading is None:
                agreement = AIAgreement.NO_READING
            else:
                agreement = AIAgreement.AGREES if reading.label == "normal" else AIAgreement.DISAGREES
            report = report_create(
                case=case,
                author=doctor,
                findings="PA chest radiograph. Heart size normal. No pleural effusion.",
                impression=impression,
                ai_agreement=agreement,
                reading=reading,
            )
            report_sign(report=report, signer=doctor)
