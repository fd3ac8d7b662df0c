"""Exporting reviewed cases as a versioned, de-identified dataset (manifest.py says the format).

Only what a doctor's signed report vouches for is exported, only for patients who consented to
research use, and nothing that names anyone: pixels decoded by the project's one decoder and
written as plain PNG (no text chunks, no DICOM header), the label from the report, and the case,
report and image as salted hashes (provenance.py).
"""

import datetime
import hashlib
import io
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from datasets.manifest import IMAGES, MANIFEST, canonical_json, manifest_build, version_of
from datasets.provenance import dataset_salt, provenance_hash
from datasets.selectors import EXCLUSION_REASONS, Candidate, Selection, reviewed_images_select
from datasets.splits import split_of
from inference.registry import ModelPackage, PackageError
from inference.selectors import model_active_for_exam_type, model_active_get
from training.decoding import ImageDecodeError, decode_image_bytes
from training.exam_types import EXAM_TYPES

logger = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
PROGRESS_EVERY = 50  # images between two progress lines

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DatasetExport:
    path: Path
    name: str
    version: str
    examples: int
    excluded: dict[str, int]
    created: bool  # False when the same version was there already, byte for byte


def dataset_export(
    *,
    out_dir: Path,
    exam_type: str = "chest_xray",
    model_name: str | None = None,
    signed_until: datetime.date | None = None,
    name: str | None = None,
    version: str | None = None,
    exported_by: User | None = None,
    progress: Progress | None = None,
) -> DatasetExport:
    """Write `out_dir/<name>/<version>/` from the signed reports in force of `exam_type`.

    The version is by default the first 12 hex digits of the SHA-256 of the example list. The
    labels are the model's label names (the active version of `model_name`, by default the
    active model of the exam type) and the pixels have its channels. Audited as `dataset.export`
    with the counts; the same data gives the same version and the same bytes.
    """
    package = _package_for(exam_type, model_name)
    name = name or package.name
    for what, value in (("name", name), ("version", version)):
        if value is not None and not NAME_PATTERN.match(value):
            raise ApplicationError(
                f"A dataset {what} is 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter "
                f"or digit; got {value!r}.",
                code=f"invalid_dataset_{what}",
            )
    selection = reviewed_images_select(exam_type=exam_type, label_names=package.label_names, signed_until=signed_until)
    if not selection.candidates:
        raise _nothing_to_export(selection, exam_type)
    parent = _writable(Path(out_dir) / name)

    # Written beside its final place and renamed into it when complete: a reader never sees half a dataset.
    work = parent / f".export-{secrets.token_hex(8)}"
    work.mkdir()
    try:
        examples, files = _write_images(selection, package, work, progress or (lambda line: None))
        if not examples:
            raise _nothing_to_export(selection, exam_type)
        excluded = {reason: selection.excluded.get(reason, 0) for reason in EXCLUSION_REASONS}
        version = version or version_of(examples)
        manifest = manifest_build(
            name=name,
            version=version,
            exam_type=exam_type,
            model_name=package.name,
            label_names=package.label_names,
            channels=package.channels,
            examples=examples,
            excluded=excluded,
            files=files,
        )
        (work / MANIFEST).write_bytes(canonical_json(manifest))
        target, created = _publish(work, parent / version)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    audit_record(
        actor=exported_by,
        action="dataset.export",
        object_type="dataset",
        object_id=f"{name}/{version}",
        detail={
            "exam_type": exam_type,
            "model": package.name,
            "examples": len(examples),
            "excluded": excluded,
            "signed_until": signed_until.isoformat() if signed_until else None,
            "created": created,
        },
    )
    logger.info("dataset %s/%s: %d examples, %d reports left out", name, version, len(examples), sum(excluded.values()))
    return DatasetExport(path=target, name=name, version=version, examples=len(examples), excluded=excluded, created=created)


def _package_for(exam_type: str, model_name: str | None) -> ModelPackage:
    if exam_type not in EXAM_TYPES:
        raise ApplicationError(
            f"Unknown exam type {exam_type!r}; choose one of {', '.join(EXAM_TYPES)}.", code="unknown_exam_type"
        )
    try:
        package = model_active_get(model_name) if model_name else model_active_for_exam_type(exam_type)
    except PackageError as exc:
        raise ApplicationError(f"No model to take the labels from: {exc}.", code="unknown_model") from None
    if package.exam_type != exam_type:
        raise ApplicationError(
            f"Model {package.name} reads {package.exam_type or 'no named exam type'}, not {exam_type}.",
            code="wrong_exam_type",
        )
    return package


def _writable(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ApplicationError(f"Cannot create {folder}: {exc.strerror}.", code="output_not_writable") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ApplicationError(f"Cannot write to {folder}: permission denied.", code="output_not_writable")
    return folder


def _nothing_to_export(selection: Selection, exam_type: str) -> ApplicationError:
    label = EXAM_TYPES[exam_type].lower()
    if selection.reports == 0:
        message = f"Nothing to export: there is no signed {label} report."
    else:
        reasons = "; ".join(
            _reason_text(reason, selection.excluded[reason]) for reason in EXCLUSION_REASONS if selection.excluded[reason]
        )
        reports = f"{selection.reports} signed {label} report{'s' if selection.reports != 1 else ''}"
        message = f"Nothing to export: {reports}, none usable ({reasons})."
    return ApplicationError(
        message,
        code="nothing_to_export",
        status_code=status.HTTP_409_CONFLICT,
        details={"reports": selection.reports, "excluded": dict(selection.excluded)},
    )


# How a count of each reason reads: (one, many).
_REASON_WORDS = {
    "withdrawn_case": ("of a withdrawn case", "of withdrawn cases"),
    "no_consent": ("from a patient without research consent", "from patients without research consent"),
    "shadow_reading": ("citing a shadow reading", "citing shadow readings"),
    "no_label": ("that names no label", "that name no label"),
    "no_image": ("with no image", "with no image"),
    "withdrawn_image": ("image withdrawn", "images withdrawn"),
    "missing_file": ("image file missing", "image files missing"),
    "undecodable_image": ("image that cannot be decoded", "images that cannot be decoded"),
}


def _reason_text(reason: str, count: int) -> str:
    one, many = _REASON_WORDS[reason]
    return f"{count} {one if count == 1 else many}"


def _write_images(
    selection: Selection, package: ModelPackage, work: Path, progress: Progress
) -> tuple[list[dict], dict[str, str]]:
    salt = dataset_salt()
    (work / IMAGES).mkdir()
    examples, files = [], {}
    total = len(selection.candidates)
    for done, candidate in enumerate(selection.candidates, start=1):
        png = _png_of(candidate, package, selection)
        if png is not None:
            digest = hashlib.sha256(png).hexdigest()
            relative = f"{IMAGES}/{digest}.png"
            if relative not in files:
                (work / relative).write_bytes(png)
                files[relative] = digest
            examples.append(_example(candidate, relative, salt))
        if done % PROGRESS_EVERY == 0 or done == total:
            progress(f"{done}/{total} images decoded ({len(examples)} exported)")
    return examples, files


def _png_of(candidate: Candidate, package: ModelPackage, selection: Selection) -> bytes | None:
    """The image's pixels as the model reads them, as a PNG with nothing else in it."""
    try:
        with default_storage.open(candidate.image.original.name, "rb") as stream:
            data = stream.read()
        pixels = decode_image_bytes(data, package.channels, name="a stored image", max_bytes=settings.DECODE_MAX_BYTES)
    except FileNotFoundError:
        selection.excluded["missing_file"] += 1
        return None
    except ImageDecodeError as exc:
        logger.warning("dataset export: an image cannot be decoded (%s)", exc.reason)
        selection.excluded["undecodable_image"] += 1
        return None
    # A (height, width) array is written as grey ("L"), a (height, width, 3) one as RGB.
    picture = PILImage.fromarray(pixels[:, :, 0] if package.channels == 1 else pixels)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _example(candidate: Candidate, relative: str, salt: bytes) -> dict:
    report, image = candidate.report, candidate.image
    case_hash = provenance_hash("case", report.case_id, salt=salt)
    return {
        "file": relative,
        "label": candidate.label,
        "split": split_of(case_hash),
        "case": case_hash,
        "report": provenance_hash("report", report.pk, salt=salt),
        "image": provenance_hash("image", image.pk, salt=salt),
        "model_version": report.reading.model_version if report.reading is not None else None,
        "ai_agreement": report.ai_agreement,
        "modality": image.modality or None,
    }


def _publish(work: Path, target: Path) -> tuple[Path, bool]:
    """Move the finished folder into place; an identical version already there is left as it is."""
    if target.exists():
        if (target / MANIFEST).read_bytes() == (work / MANIFEST).read_bytes():
            return target, False
        raise ApplicationError(
            f"{target} exists with other contents; choose another --name or move it away.",
            code="dataset_exists",
            status_code=status.HTTP_409_CONFLICT,
        )
    os.rename(work, target)
    return target, True
