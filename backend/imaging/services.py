import hashlib
import logging
import unicodedata
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from cases.models import Case, CaseStatus
from config.errors import ApplicationError
from imaging.validation import decode_upload, render_preview
from imaging.models import Image
from training.decoding import ImageDecodeError, decode_image
from training.intensity import intensity_statistics

logger = logging.getLogger(__name__)


def image_upload(*, case: Case, uploaded_by: User, file: UploadedFile) -> Image:
    """Validate, store and record one upload, or refuse it with nothing left behind.

    Not atomic itself: a refusal must still reach the audit log after the write rolls back.
    """
    try:
        return _image_store(case=case, uploaded_by=uploaded_by, file=file)
    except ApplicationError as exc:
        audit_record(
            actor=uploaded_by,
            action="image.upload",
            object_type="image",
            patient_id=case.patient_id,
            allowed=False,
            detail={"case": case.pk, "refused": exc.code},
        )
        raise


def _image_store(*, case: Case, uploaded_by: User, file: UploadedFile) -> Image:
    if case.status != CaseStatus.DRAFT:
        raise ApplicationError(
            "Images can be added only while the case is a draft.",
            code="case_not_open",
            status_code=status.HTTP_409_CONFLICT,
        )
    data = _read_limited(file)
    sha256 = hashlib.sha256(data).hexdigest()
    same = Image.objects.filter(case=case, sha256=sha256).first()
    if same is not None and same.withdrawn_at is not None:
        # The withdrawn row keeps its place in the case's record; the same bytes cannot take it again.
        raise ApplicationError(
            "You withdrew this image from the case, so it cannot be added to it again. Open a new case for it.",
            code="image_withdrawn",
            status_code=status.HTTP_409_CONFLICT,
        )
    if same is not None:
        raise ApplicationError(
            "This image is already attached to the case.", code="duplicate_image", status_code=status.HTTP_409_CONFLICT
        )
    decoded = decode_upload(
        data,
        max_pixels=settings.UPLOAD_MAX_PIXELS,
        min_side=settings.UPLOAD_MIN_SIDE,
        max_bytes=settings.DECODE_MAX_BYTES,
    )
    preview = render_preview(decoded, max_side=settings.PREVIEW_MAX_SIDE)
    intensity_mean, intensity_std = intensity_statistics(np.asarray(decoded.display))

    created_paths: list[str] = []
    try:
        original_path = _store_once(f"originals/{sha256[:2]}/{sha256}", data, created_paths)
        preview_path = _store_once(f"previews/{sha256[:2]}/{sha256}.png", preview, created_paths)
        with transaction.atomic():
            image = Image.objects.create(
                case=case,
                uploaded_by=uploaded_by,
                kind=decoded.kind,
                content_type=decoded.content_type,
                original_filename=_clean_filename(file.name),
                size_bytes=len(data),
                sha256=sha256,
                width=decoded.width,
                height=decoded.height,
                frames=decoded.frames,
                modality=decoded.modality,
                body_part=decoded.body_part,
                study_date=decoded.study_date,
                intensity_mean=intensity_mean,
                intensity_std=intensity_std,
                original=original_path,
                preview=preview_path,
            )
            audit_record(
                actor=uploaded_by,
                action="image.upload",
                object_type="image",
                object_id=image.pk,
                patient_id=case.patient_id,
                detail={"case": case.pk, "kind": decoded.kind, "sha256": sha256},
            )
    except IntegrityError:
        _remove_unreferenced(created_paths, sha256)
        # Two identical uploads raced; the other one won.
        raise ApplicationError(
            "This image is already attached to the case.", code="duplicate_image", status_code=status.HTTP_409_CONFLICT
        ) from None
    except BaseException:
        _remove_unreferenced(created_paths, sha256)
        raise
    return image


def _read_limited(file: UploadedFile) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    too_large = ApplicationError(
        f"The file is larger than the {limit} byte limit.",
        code="file_too_large",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        details={"max_bytes": limit},
    )
    if file.size is not None and file.size > limit:
        raise too_large
    chunks, total = [], 0
    for chunk in file.chunks():
        total += len(chunk)
        if total > limit:  # the declared size can lie
            raise too_large
        chunks.append(chunk)
    if total == 0:
        raise ApplicationError("The file is empty.", code="empty_file")
    return b"".join(chunks)


def _store_once(path: str, content: bytes, created_paths: list[str]) -> str:
    """Write `content` at its content-addressed `path` unless an intact copy is already there."""
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as existing:
            if existing.read() == content:
                return path
        # A copy left half-written by a crash: replace it rather than point new rows at it.
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(content))
    created_paths.append(saved)
    if saved != path:
        # A concurrent upload of the same bytes wrote it first; ours is a second copy.
        default_storage.delete(saved)
        created_paths.remove(saved)
    return path


def _remove_unreferenced(paths: list[str], sha256: str) -> None:
    if Image.objects.filter(sha256=sha256).exists():
        return  # another case holds the same bytes; keep the shared file
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            logger.exception("could not remove %s after a failed upload", path)


def _clean_filename(name: str | None) -> str:
    """The client's file name, kept for display only: no directories, no control characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base[:255]


def image_intensity_backfill(*, image: Image) -> bool:
    """Fills the intensity statistics of an image stored before they were kept, from its stored original.

    False when the original is missing or no longer decodes (the image then stays without them).
    Not audited: it reads pixels already stored and writes two numbers derived from them.
    """
    try:
        with default_storage.open(image.original.name, "rb") as stream:
            picture = decode_image(stream.read(), f"image {image.pk}", max_bytes=settings.DECODE_MAX_BYTES)
    except (FileNotFoundError, ImageDecodeError) as exc:
        logger.warning("image %s: no intensity statistics (%s)", image.pk, exc)
        return False
    image.intensity_mean, image.intensity_std = intensity_statistics(np.asarray(picture))
    image.save(update_fields=["intensity_mean", "intensity_std"])
    return True


# Until a doctor starts a report, an image may leave its case.
WITHDRAWABLE_CASE_STATES = {CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.AI_READ}


def image_withdraw(*, image: Image, withdrawn_by: User) -> Image:
    """Withdraw an image nobody has reviewed: hidden from its case (and its readings with it), kept in
    the database.

    Not atomic itself: a refusal reaches the audit log too, as `image.withdraw` with its reason.
    """
    try:
        return _image_withdraw(image=image, withdrawn_by=withdrawn_by)
    except ApplicationError as exc:
        audit_record(
            actor=withdrawn_by,
            action="image.withdraw",
            object_type="image",
            object_id=image.pk,
            patient_id=image.case.patient_id,
            allowed=False,
            detail={"case": image.case_id, "refused": exc.code},
        )
        raise


@transaction.atomic
def _image_withdraw(*, image: Image, withdrawn_by: User) -> Image:
    # The case first, as every writer of a case locks it: its state cannot move under this check.
    case = Case.objects.select_for_update().get(pk=image.case_id)
    image = Image.objects.select_for_update().get(pk=image.pk)
    if image.withdrawn_at is not None:
        raise ApplicationError(
            "This image was withdrawn already.", code="already_withdrawn", status_code=status.HTTP_409_CONFLICT
        )
    if case.status not in WITHDRAWABLE_CASE_STATES or case.reports.exists():
        raise ApplicationError(
            "A doctor is already reviewing this case, so its images stay in it.",
            code="image_not_withdrawable",
            status_code=status.HTTP_409_CONFLICT,
            details={"status": case.status},
        )
    others = case.images.filter(withdrawn_at__isnull=True).exclude(pk=image.pk)
    if case.status != CaseStatus.DRAFT and not others.exists():
        raise ApplicationError(
            "This is the only image of a case sent to your doctor, so it stays in it.",
            code="last_image_of_sent_case",
            status_code=status.HTTP_409_CONFLICT,
        )
    image.withdrawn_at = timezone.now()
    image.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=withdrawn_by,
        action="image.withdraw",
        object_type="image",
        object_id=image.pk,
        patient_id=case.patient_id,
        detail={"case": case.pk, "case_status": case.status},
    )
    return image
