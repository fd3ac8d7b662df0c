"""Case, image, reading and report metadata as four Parquet files, for analytics without identity.

What is kept is what questions about volumes, turnaround and agreement need: exam types, states,
timestamps, model versions, scores, labels and agreements. Every id is a pseudonym
(`interop.pseudonyms`), the patient's age is a ten-year band and nothing a person typed or a file
carried is exported: no names, usernames, e-mail addresses, dates of birth, titles, descriptions,
findings, impressions, file names, checksums or DICOM text. Withdrawn cases and images, draft
reports and shadow readings are left out. Rows are in id order and the schemas are fixed, so the
same database gives the same bytes.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accounts.ages import age_in_years
from audit.services import audit_record
from cases.selectors import cases_in_use
from imaging.selectors import images_in_use
from inference.registry import PackageError
from inference.selectors import model_active_for_exam_type
from interop.pseudonyms import Pseudonyms
from readings.models import Reading, ReadingStatus
from readings.selectors import readings_in_use
from reports.labels import doctor_label
from reports.models import Report, ReportStatus
from reports.selectors import reports_in_force

TIMESTAMP = pa.timestamp("us", tz="UTC")
# Rows read from the database at a time, and rows in one Parquet row group: memory stays bounded
# however large the practice, and a fixed group size keeps the bytes the same from run to run.
CHUNK = 2000
ROW_GROUP = 50_000

CASES = pa.schema(
    [
        ("case_id", pa.string()),
        ("patient_id", pa.string()),
        # Completed years when the case was opened, in ten-year bands ("30-39", "90+").
        ("patient_age_band", pa.string()),
        ("patient_sex", pa.string()),
        ("exam_type", pa.string()),
        ("status", pa.string()),
        ("ai_flagged", pa.bool_()),
        ("images", pa.int32()),
        ("created_at", TIMESTAMP),
        ("submitted_at", TIMESTAMP),
        ("reported_at", TIMESTAMP),
    ]
)

IMAGES = pa.schema(
    [
        ("image_id", pa.string()),
        ("case_id", pa.string()),
        ("kind", pa.string()),
        ("modality", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("frames", pa.int32()),
        ("size_bytes", pa.int64()),
        ("intensity_mean", pa.float64()),
        ("intensity_std", pa.float64()),
        ("created_at", TIMESTAMP),
    ]
)

READINGS = pa.schema(
    [
        ("reading_id", pa.string()),
        ("case_id", pa.string()),
        ("image_id", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("runs_on", pa.string()),
        ("backend", pa.string()),
        ("status", pa.string()),
        ("label", pa.string()),
        ("score", pa.float64()),
        ("threshold", pa.float64()),
        ("flagged", pa.bool_()),
        # The model's input gate refused the image (status "refused"): no finding.
        ("refused", pa.bool_()),
        ("input_score", pa.float64()),
        ("latency_ms", pa.float64()),
        # Who asked for it: "patient", "doctor", "admin", or null for the system.
        ("requested_by_role", pa.string()),
        ("verifies", pa.string()),
        ("max_difference", pa.float64()),
        ("disagrees", pa.bool_()),
        ("created_at", TIMESTAMP),
        ("completed_at", TIMESTAMP),
    ]
)

REPORTS = pa.schema(
    [
        ("report_id", pa.string()),
        ("case_id", pa.string()),
        ("doctor_id", pa.string()),
        ("ai_agreement", pa.string()),
        ("reading_id", pa.string()),
        ("model_name", pa.string()),
        ("model_version", pa.string()),
        ("ai_label", pa.string()),
        # What the report says the right label is (reports.labels.doctor_label); null when it does not say.
        ("doctor_label", pa.string()),
        ("amends", pa.string()),
        ("is_amendment", pa.bool_()),
        # No signed amendment has replaced it: count each chain of corrections once, by this.
        ("in_force", pa.bool_()),
        ("created_at", TIMESTAMP),
        ("signed_at", TIMESTAMP),
    ]
)

TABLES = {"cases": CASES, "images": IMAGES, "readings": READINGS, "reports": REPORTS}


def age_band(born: date | None, on: date) -> str | None:
    if born is None:
        return None
    years = age_in_years(born, on)
    if years >= 90:
        return "90+"
    low = years // 10 * 10
    return f"{low}-{low + 9}"


def case_rows(pseudonym: Pseudonyms) -> Iterator[dict]:
    cases = cases_in_use().select_related("patient").order_by("pk")
    image_counts: dict[int, int] = {}
    for case_id in images_in_use().values_list("case_id", flat=True):
        image_counts[case_id] = image_counts.get(case_id, 0) + 1
    return (
        {
            "case_id": pseudonym("case", case.pk),
            "patient_id": pseudonym("patient", case.patient_id),
            "patient_age_band": age_band(case.patient.date_of_birth, case.created_at.date()),
            "patient_sex": case.patient.sex or None,
            "exam_type": case.exam_type,
            "status": case.status,
            "ai_flagged": case.ai_flagged,
            "images": image_counts.get(case.pk, 0),
            "created_at": case.created_at,
            "submitted_at": case.submitted_at,
            "reported_at": case.reported_at,
        }
        for case in cases.iterator(chunk_size=CHUNK)
    )


def image_rows(pseudonym: Pseudonyms) -> Iterator[dict]:
    return (
        {
            "image_id": pseudonym("image", image.pk),
            "case_id": pseudonym("case", image.case_id),
            "kind": image.kind,
            "modality": image.modality or None,
            "width": image.width,
            "height": image.height,
            "frames": image.frames,
            "size_bytes": image.size_bytes,
            "intensity_mean": image.intensity_mean,
            "intensity_std": image.intensity_std,
            "created_at": image.created_at,
        }
        for image in images_in_use().order_by("pk").iterator(chunk_size=CHUNK)
    )


def shown_readings():
    # Shadow readings are a candidate's, compared in backend/shadow; they are no reading of the case.
    return readings_in_use().filter(shadow=False)


def reading_rows(pseudonym: Pseudonyms) -> Iterator[dict]:
    readings = shown_readings().select_related("requested_by").order_by("pk")
    return (
        {
            "reading_id": pseudonym("reading", reading.pk),
            "case_id": pseudonym("case", reading.case_id),
            "image_id": pseudonym("image", reading.image_id),
            "model_name": reading.model_name,
            "model_version": reading.model_version,
            "runs_on": reading.runs_on,
            "backend": reading.backend or None,
            "status": reading.status,
            "label": reading.label or None,
            "score": reading.score,
            "threshold": reading.threshold,
            "flagged": reading.flagged,
            "refused": reading.status == ReadingStatus.REFUSED,
            "input_score": reading.input_score,
            "latency_ms": reading.latency_ms,
            "requested_by_role": reading.requested_by.role if reading.requested_by else None,
            "verifies": pseudonym("reading", reading.verifies_id),
            "max_difference": reading.max_difference,
            "disagrees": reading.disagrees,
            "created_at": reading.created_at,
            "completed_at": reading.completed_at,
        }
        for reading in readings.iterator(chunk_size=CHUNK)
    )


class ReportLabels:
    """The label each report says is right, in the label names of the model it is about.

    A report citing a reading speaks in that reading's labels; one citing none, in the labels of
    the model that reads its exam type now (no model installed: no label).
    """

    def __init__(self):
        self._exam_type_labels: dict[str, list[str] | None] = {}

    def __call__(self, report: Report) -> str | None:
        if report.reading is not None and report.reading.probabilities:
            return doctor_label(report, sorted(report.reading.probabilities))
        return doctor_label(report, self._labels_of(report.case.exam_type) or [])

    def _labels_of(self, exam_type: str) -> list[str] | None:
        if exam_type not in self._exam_type_labels:
            try:
                self._exam_type_labels[exam_type] = model_active_for_exam_type(exam_type).label_names
            except PackageError:
                self._exam_type_labels[exam_type] = None
        return self._exam_type_labels[exam_type]


def report_rows(pseudonym: Pseudonyms) -> Iterator[dict]:
    reports = (
        Report.objects.filter(status=ReportStatus.SIGNED, case__in=cases_in_use())
        .select_related("case", "reading")
        .order_by("pk")
    )
    in_force = set(reports_in_force().values_list("pk", flat=True))
    label_of = ReportLabels()
    for report in reports.iterator(chunk_size=CHUNK):
        reading: Reading | None = report.reading
        yield {
            "report_id": pseudonym("report", report.pk),
            "case_id": pseudonym("case", report.case_id),
            "doctor_id": pseudonym("doctor", report.author_id),
            "ai_agreement": report.ai_agreement,
            "reading_id": pseudonym("reading", report.reading_id),
            "model_name": reading.model_name if reading else None,
            "model_version": reading.model_version if reading else None,
            "ai_label": (reading.label or None) if reading else None,
            "doctor_label": label_of(report),
            "amends": pseudonym("report", report.amends_id),
            "is_amendment": report.amends_id is not None,
            "in_force": report.pk in in_force,
            "created_at": report.created_at,
            "signed_at": report.signed_at,
        }


ROWS: dict[str, Callable[[Pseudonyms], Iterator[dict]]] = {
    "cases": case_rows,
    "images": image_rows,
    "readings": reading_rows,
    "reports": report_rows,
}


@dataclass(frozen=True)
class MetadataExport:
    directory: Path
    rows: dict[str, int]  # table name -> rows written


def metadata_export(
    *, out_dir: Path, salt: bytes, progress: Callable[[str], None] = lambda line: None
) -> MetadataExport:
    """Write cases.parquet, images.parquet, readings.parquet and reports.parquet into `out_dir`.

    Existing files of those names are replaced, each only once its new version is complete.
    The export is one audit event (`metadata.export`), with the row counts: it reads every
    patient's records, even though nothing in it names anyone.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} is a file, not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    pseudonym = Pseudonyms(salt)
    counts = {}
    for name, schema in TABLES.items():
        target = out_dir / f"{name}.parquet"
        partial = target.with_suffix(".parquet.partial")
        counts[name] = _write(ROWS[name](pseudonym), schema=schema, path=partial)
        partial.replace(target)
        progress(f"{name}.parquet: {counts[name]} rows")
    audit_record(actor=None, action="metadata.export", object_type="metadata_export", detail={"rows": counts})
    return MetadataExport(directory=out_dir, rows=counts)


def _write(rows: Iterable[dict], *, schema: pa.Schema, path: Path) -> int:
    """Write `rows` into one Parquet file, ROW_GROUP rows at a time; returns how many."""
    written = 0
    rows = iter(rows)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        while batch := list(islice(rows, ROW_GROUP)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            written += len(batch)
        if written == 0:
            writer.write_table(schema.empty_table())
    return written
