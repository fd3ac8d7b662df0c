"""Seeding reviewed cases quickly: patients, their doctor, chest X-ray cases made from real Kermany
scans, an AI reading of each, and a signed report that agrees or disagrees with it.

    from reviewed_cases import seed_reviewed_cases
    cases = seed_reviewed_cases(8, consent=True)           # 4 normal, 4 pneumonia
    cases = seed_reviewed_cases(6, disagree_every=3)       # every third reading is wrong, and says so

The images go through `imaging.services.image_upload`, so they are stored (and encrypted, when a key
is set) as uploads are in production. The AI reading is a STORED reading: a `server` reading of the
active chest X-ray model recorded directly with a plausible label and score (`reading_record`),
without running TensorFlow, so that seeding stays fast. A test that needs the model's own output
must request a real server reading instead.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile

from accounts.models import CareRelationship, Role, User
from clinic_factories import make_user
from tests.unavailable import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("MEDICAL_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
# 256x256 PNGs of Kermany train-split scans (the PneumoniaMNIST test scans are not among them), so
# that a model trained on an export is never trained on the test images it is compared on.
TRAIN_SCANS = DATA_DIR / "chest_xray_kermany_train"
LABELS = {"0": "normal", "1": "pneumonia"}


@dataclass(frozen=True)
class ReviewedCase:
    patient: User
    case: object
    image: object
    reading: object
    report: object
    label: str  # what the signed report says is right


def real_scans(count: int, *, start: int = 0) -> list[tuple[Path, str]]:
    """`count` Kermany train scans, normal and pneumonia by turns, from the `start`-th pair on."""
    manifest = TRAIN_SCANS / "manifest.csv"
    if not manifest.is_file():
        skip_or_fail(f"real chest X-rays not found at {TRAIN_SCANS} (set MEDICAL_DATA_DIR)")
    by_label: dict[str, list[Path]] = {"normal": [], "pneumonia": []}
    with manifest.open(newline="") as stream:
        for row in csv.DictReader(stream):
            by_label[LABELS[row["label"]]].append(TRAIN_SCANS / row["file"])
    order = ("normal", "pneumonia")
    return [(by_label[order[i % 2]][start + i // 2], order[i % 2]) for i in range(count)]


def chest_package():
    """The active chest X-ray model package, whose name, version and labels the readings carry."""
    from inference.registry import PackageError
    from inference.selectors import model_active_for_exam_type

    try:
        return model_active_for_exam_type("chest_xray")
    except PackageError as exc:
        skip_or_fail(f"no chest X-ray model package installed ({exc}; set MODEL_PACKAGES_DIR)")


def seed_reviewed_cases(
    n: int,
    *,
    consent: bool = True,
    disagree_every: int = 0,
    doctor: User | None = None,
    prefix: str = "reviewed",
    start: int = 0,
    scans: list[tuple[Path, str]] | None = None,
) -> list[ReviewedCase]:
    """`n` reported chest X-ray cases, one patient each, all under `doctor` (made when not given).

    Half the scans are normal, half pneumonia (`scans` chooses others: (path, true label) pairs).
    Each reading's label is the scan's true label, except every `disagree_every`-th one, which
    is the other label and which the doctor's report disagrees with; either way the report's
    label (`reports.labels.doctor_label`) is the true one. `consent` sets the patients'
    research consent; `start` takes later scans, for a second batch of new images.
    """
    from cases.services import case_create, case_submit
    from imaging.services import image_upload
    from readings.services import reading_record
    from reports.models import AIAgreement
    from reports.services import report_create, report_sign

    package = chest_package()
    names = package.label_names
    scans = scans if scans is not None else real_scans(n, start=start)
    first = User.objects.count()
    if doctor is None:
        doctor = make_user(f"{prefix}-doctor-{first}", Role.DOCTOR)
    seeded = []
    for index, (path, truth) in enumerate(scans[:n]):
        patient = make_user(f"{prefix}-patient-{first}-{index}", Role.PATIENT)
        if consent:
            patient.research_consent = True
            patient.save(update_fields=["research_consent"])
        CareRelationship.objects.create(doctor=doctor, patient=patient, created_by=doctor)
        case = case_create(created_by=patient, patient=patient, title=f"Cough {index}")
        image = image_upload(case=case, uploaded_by=patient, file=ContentFile(path.read_bytes(), name=path.name))
        case = case_submit(case=case, submitted_by=patient)
        disagrees = bool(disagree_every) and (index + 1) % disagree_every == 0
        said = next(name for name in names if name != truth) if disagrees else truth
        reading = reading_record(
            case=case,
            image=image,
            recorded_by=None,
            model_name=package.name,
            model_version=package.version,
            runs_on="server",
            backend="tensorflow-cpu",
            **_plausible_result(package, said),
        )
        report = report_create(
            case=case,
            author=doctor,
            findings="PA chest radiograph.",
            impression="Pneumonia." if truth == "pneumonia" else "Lungs are clear.",
            ai_agreement=AIAgreement.DISAGREES if disagrees else AIAgreement.AGREES,
            reading=reading,
        )
        report = report_sign(report=report, signer=doctor)
        seeded.append(ReviewedCase(patient=patient, case=case, image=image, reading=reading, report=report, label=truth))
    return seeded


def _plausible_result(package, label: str) -> dict:
    """Probabilities that make `label` the model's answer under its own threshold."""
    names = package.label_names
    positive = names[package.positive_class]
    # Halfway between the threshold and 1 for a finding, halfway to 0 otherwise.
    score = round((1 + package.threshold) / 2 if label == positive else package.threshold / 2, 4)
    others = [name for name in names if name != positive]
    probabilities = {positive: score, **{name: (1 - score) / len(others) for name in others}}
    gated = package.input_check is not None
    return {
        "probabilities": probabilities,
        "label": label,
        "score": score,
        "threshold": package.threshold,
        "latency_ms": 12.0,
        "input_score": 0.97 if gated else None,
    }
