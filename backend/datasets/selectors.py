"""Reads for dataset exports: which signed reports and images may become examples, and the
datasets already exported."""

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from imaging.models import Image
from reports.labels import doctor_label
from reports.models import Report
from reports.selectors import reports_in_force

# Why a report or an image is left out, in the order a report is checked. A report's reason counts
# the report once; an image's reason counts each image.
REPORT_EXCLUSIONS = ("withdrawn_case", "no_consent", "shadow_reading", "no_label")
IMAGE_EXCLUSIONS = ("withdrawn_image", "missing_file", "undecodable_image")
EXCLUSION_REASONS = (*REPORT_EXCLUSIONS, "no_image", *IMAGE_EXCLUSIONS)


@dataclass(frozen=True)
class Candidate:
    """One image a signed report in force vouches for, with the label the report gives it."""

    report: Report
    image: Image
    label: str


@dataclass
class Selection:
    reports: int  # reports in force of the exam type (and signed by the date asked)
    candidates: list[Candidate] = field(default_factory=list)
    excluded: Counter = field(default_factory=Counter)


def reviewed_images_select(
    *, exam_type: str, label_names: list[str], signed_until: datetime.date | None = None
) -> Selection:
    """Each image a signed report in force cites (its reading's image; with no reading, every image of
    the case the patient did not withdraw), labelled by the report, from patients who consented.

    `signed_until` is inclusive: reports signed on that day (UTC) or before.
    """
    reports = (
        reports_in_force()
        .filter(case__exam_type=exam_type)
        .select_related("case__patient", "reading__image")
        .order_by("pk")
    )
    if signed_until is not None:
        day_after = datetime.datetime.combine(signed_until + datetime.timedelta(days=1), datetime.time.min, datetime.UTC)
        reports = reports.filter(signed_at__lt=day_after)
    selection = Selection(reports=0)
    for report in reports:
        selection.reports += 1
        reason = _report_exclusion(report, label_names)
        if reason:
            selection.excluded[reason] += 1
            continue
        images = _cited_images(report)
        if not images:
            selection.excluded["no_image"] += 1
        label = doctor_label(report, label_names)
        for image in images:
            if image.withdrawn_at is not None:
                selection.excluded["withdrawn_image"] += 1
            else:
                selection.candidates.append(Candidate(report=report, image=image, label=label))
    return selection


def _report_exclusion(report: Report, label_names: list[str]) -> str | None:
    if report.case.withdrawn_at is not None:
        return "withdrawn_case"
    if not report.case.patient.research_consent:
        return "no_consent"
    # A candidate version's reading is never shown, so no report should cite one; if one does, it is
    # not the doctor's answer to what the product showed.
    if report.reading is not None and report.reading.shadow:
        return "shadow_reading"
    if doctor_label(report, label_names) is None:
        return "no_label"
    return None


def _cited_images(report: Report) -> list[Image]:
    if report.reading is not None:
        return [report.reading.image]
    # Withdrawn images are returned too, so that they are counted as left out.
    return list(report.case.images.order_by("pk"))


def datasets_list(root: Path) -> list[dict]:
    """The datasets exported under `root` (`<name>/<version>/manifest.json`): what each holds, in counts."""
    summaries = []
    for path in sorted(root.glob("*/*/manifest.json")):
        if path.parent.name.startswith("."):
            continue  # an export still being written
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # a folder being written, or not a dataset
        if manifest.get("format") != "healthcare-image-dataset":
            continue
        summaries.append(manifest_summary(manifest))
    return summaries


def manifest_summary(manifest: dict) -> dict:
    examples = manifest["examples"]
    return {
        "name": manifest["name"],
        "version": manifest["version"],
        "exam_type": manifest["exam_type"],
        "model_name": manifest["model_name"],
        "label_names": manifest["label_names"],
        "examples": len(examples),
        "splits": dict(sorted(Counter(example["split"] for example in examples).items())),
        "labels": dict(sorted(Counter(example["label"] for example in examples).items())),
        "excluded": manifest["excluded"],
    }
