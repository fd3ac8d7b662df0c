"""Real X-rays read by the real chest model, and weeks of readings made of them, for the drift tests.

The same-distribution sample is real Kermany scans the validation reference does not hold: 80
scans of training patients (chest_xray_kermany_train/, 256x256 centre crops) and the 20 full-size
test X-rays (chest_xray_kermany/), the shapes uploads come in. The shifts are the same images
darkened (grey levels x 0.5), shrunk to 32x32, or cropped to their central quarter.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.utils import timezone
from PIL import Image as PILImage

from cases.models import Case, CaseStatus
from imaging.models import Image
from inference.decision import decide
from inference.registry import ModelPackage
from inference.runtime import predict
from readings.models import Reading, ReadingStatus, RunsOn
from reports.models import AIAgreement, Report, ReportStatus
from training.decoding import decode_image_file
from training.intensity import intensity_statistics
from training.real_scans import CROPPED, SQUEEZED, read_manifest, split_by_patient

# A Monday at noon, UTC: week 2026-W45 and the weeks after it.
FIRST_WEEK = datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)


@dataclass
class Scan:
    pixels: np.ndarray
    label: int  # the truth: 0 normal, 1 pneumonia


def same_distribution_scans(data: Path) -> list[Scan]:
    """80 training-patient scans (seeded choice) and the 20 full-size test X-rays, interleaved."""
    train, _ = split_by_patient(read_manifest(data / CROPPED), read_manifest(data / SQUEEZED), 0.2, 0)
    cropped = [row for row in train if row["folder"] == CROPPED]
    chosen = [cropped[i] for i in np.random.default_rng(7).choice(len(cropped), 80, replace=False)]
    scans = [Scan(decode_image_file(row["path"], 1), row["label"]) for row in chosen]
    full_size = sorted((data / "chest_xray_kermany").glob("*/*.jpeg"))
    tests = [Scan(decode_image_file(path, 1), int(path.parent.name == "PNEUMONIA")) for path in full_size]
    # Four training scans, then one full-size scan: each half of the list has the same mix.
    return [scan for i in range(20) for scan in (*scans[4 * i:4 * i + 4], tests[i])]


def darkened(scan: Scan) -> Scan:
    return Scan((scan.pixels.astype(np.float32) * 0.5).astype(np.uint8), scan.label)


def shrunk(scan: Scan, side: int = 32) -> Scan:
    small = PILImage.fromarray(scan.pixels[:, :, 0]).resize((side, side), PILImage.BILINEAR)
    return Scan(np.asarray(small)[:, :, np.newaxis], scan.label)


def cropped_centre(scan: Scan) -> Scan:
    height, width = scan.pixels.shape[:2]
    return Scan(scan.pixels[height // 4:height - height // 4, width // 4:width - width // 4], scan.label)


def week_of_readings(*, package: ModelPackage, patient, doctor, scans: list[Scan], week: int = 0,
                     shadow: bool = False, doctors_agree_when_right: bool = True,
                     at: datetime.datetime | None = None) -> list[Reading]:
    """Each scan as one case with one image and one server reading by `package`, made `week` weeks
    after FIRST_WEEK (or `at`), and a signed report citing the reading (a doctor who knows the truth)."""
    when = at or FIRST_WEEK + datetime.timedelta(weeks=week)
    readings = []
    for scan, prediction in zip(scans, predict(package, [scan.pixels for scan in scans]), strict=True):
        decision = decide(package, prediction)
        case = Case.objects.create(patient=patient, created_by=patient, title="Cough", status=CaseStatus.REPORTED)
        height, width = scan.pixels.shape[:2]
        mean, std = intensity_statistics(scan.pixels)
        image = Image.objects.create(
            case=case, uploaded_by=patient, kind="png", content_type="image/png", size_bytes=1,
            sha256=f"{case.pk:064d}", width=width, height=height, intensity_mean=mean, intensity_std=std,
            original=f"originals/{case.pk}", preview=f"previews/{case.pk}.png",
        )  # fmt: skip
        reading = Reading.all_objects.create(
            case=case, image=image, model_name=package.name, model_version=package.version, runs_on=RunsOn.SERVER,
            status=ReadingStatus.REFUSED if decision.refused else ReadingStatus.SUCCEEDED,
            probabilities=decision.probabilities, label=decision.label, score=decision.score,
            threshold=decision.threshold, refusal=decision.refusal, input_score=decision.input_score, shadow=shadow,
        )  # fmt: skip
        Reading.all_objects.filter(pk=reading.pk).update(created_at=when, completed_at=when)
        if not decision.refused and not shadow:
            right = decision.label == package.label_names[scan.label]
            agrees = right if doctors_agree_when_right else not right
            Report.objects.create(
                case=case, author=doctor, findings="Reviewed.", impression="See the AI reading.",
                ai_agreement=AIAgreement.AGREES if agrees else AIAgreement.DISAGREES, reading=reading,
                status=ReportStatus.SIGNED, signed_at=timezone.now(),
            )  # fmt: skip
        readings.append(reading)
    return readings
