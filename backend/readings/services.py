"""Recording AI readings.

Browser readings arrive complete (`reading_record`, or `reading_record_refused` when the model's
input check turned the image down). Server readings start pending and are completed, refused or
failed by the worker that runs the model (`reading_request`, `reading_complete`, `reading_refuse`,
`reading_fail`, or `reading_give_up` when the failure may come after another worker finished it).
A refused reading holds no finding: no label, no probabilities, never flagged.
A shadow reading (by a candidate version in shadow, `shadow=True`) runs the same way but never
touches its case: no flag, no status change.
"""

import logging

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from cases.models import Case, CaseStatus
from cases.services import case_transition
from config.errors import ApplicationError
from imaging.models import Image
from readings.models import Reading, ReadingStatus, RunsOn
from readings.validation import validate_refusal, validate_result

logger = logging.getLogger(__name__)


def _check_image_in_case(*, case: Case, image: Image) -> None:
    if image.case_id != case.pk:
        raise ApplicationError("The image does not belong to this case.", code="image_not_in_case")


def _is_flagged(score: float | None, threshold: float | None) -> bool:
    return score is not None and threshold is not None and score >= threshold


def _case_flagged(case: Case) -> bool:
    """The server's decision on the case's AI flag; a browser's claim can raise it, never lower it."""
    # Refused readings are not findings: only the latest server reading of an accepted image counts;
    # a withdrawn image's readings count for nothing, even one that finished after the withdrawal.
    readings = case.readings.filter(image__withdrawn_at__isnull=True)
    succeeded = readings.filter(status=ReadingStatus.SUCCEEDED)
    latest = succeeded.filter(runs_on=RunsOn.SERVER).order_by("-completed_at", "-id").first()
    # Until the server has re-run a browser reading and agreed, its finding is only a claim.
    unconfirmed_finding = (
        succeeded.filter(runs_on=RunsOn.BROWSER, flagged=True)
        .exclude(verification__status=ReadingStatus.SUCCEEDED, verification__disagrees=False)
        .exists()
    )
    # Browser and server disagreeing on an image (a finding, or whether to read it at all) needs
    # a doctor's eyes whatever the finding.
    disagreement = readings.filter(disagrees=True).exists()
    return (latest is not None and latest.flagged) or unconfirmed_finding or disagreement


def _after_finish(*, reading: Reading, actor: User | None) -> None:
    """Update the case after a reading finished: its AI flag, and "AI read" once an image was read."""
    if reading.shadow:
        return  # a candidate's reading is kept for the comparison only: the case never hears of it
    case = Case.objects.select_for_update().get(pk=reading.case_id)
    flagged = _case_flagged(case)
    if case.ai_flagged != flagged:
        case.ai_flagged = flagged
        case.save(update_fields=["ai_flagged", "updated_at"])
    image_in_use = case.images.filter(pk=reading.image_id, withdrawn_at__isnull=True).exists()
    if reading.status == ReadingStatus.SUCCEEDED and image_in_use and case.status == CaseStatus.SUBMITTED:
        case_transition(case=case, to=CaseStatus.AI_READ, actor=actor)


@transaction.atomic
def reading_record(
    *,
    case: Case,
    image: Image,
    recorded_by: User | None,
    model_name: str,
    model_version: str,
    runs_on: str,
    probabilities: dict[str, float],
    label: str,
    score: float | None,
    threshold: float | None,
    backend: str = "",
    heatmap: list[list[float]] | None = None,
    latency_ms: float | None = None,
    input_score: float | None = None,
) -> Reading:
    """Record a finished reading (a browser reading attached to the case, or a server result)."""
    _check_image_in_case(case=case, image=image)
    validate_result(
        probabilities=probabilities,
        label=label,
        score=score,
        threshold=threshold,
        heatmap=heatmap,
        latency_ms=latency_ms,
        input_score=input_score,
    )
    if runs_on not in RunsOn.values:
        raise ApplicationError("runs_on must be browser or server.", code="invalid_reading")
    now = timezone.now()
    reading = Reading.objects.create(
        case=case,
        image=image,
        requested_by=recorded_by,
        model_name=model_name,
        model_version=model_version,
        runs_on=runs_on,
        backend=backend,
        status=ReadingStatus.SUCCEEDED,
        probabilities=probabilities,
        label=label,
        score=score,
        threshold=threshold,
        flagged=_is_flagged(score, threshold),
        heatmap=heatmap,
        latency_ms=latency_ms,
        input_score=input_score,
        completed_at=now,
    )
    audit_record(
        actor=recorded_by,
        action="reading.create",
        object_type="reading",
        object_id=reading.pk,
        patient_id=case.patient_id,
        detail={"case": case.pk, "image": image.pk, "runs_on": runs_on, "model": f"{model_name}@{model_version}"},
    )
    _after_finish(reading=reading, actor=recorded_by)
    return reading


@transaction.atomic
def reading_record_refused(
    *,
    case: Case,
    image: Image,
    recorded_by: User | None,
    model_name: str,
    model_version: str,
    runs_on: str,
    refusal: str,
    input_score: float | None = None,
    backend: str = "",
    latency_ms: float | None = None,
) -> Reading:
    """Record that a model refused to read an image (its input gate or the DICOM header turned it down)."""
    _check_image_in_case(case=case, image=image)
    validate_refusal(refusal=refusal, input_score=input_score, latency_ms=latency_ms)
    if runs_on not in RunsOn.values:
        raise ApplicationError("runs_on must be browser or server.", code="invalid_reading")
    reading = Reading.objects.create(
        case=case,
        image=image,
        requested_by=recorded_by,
        model_name=model_name,
        model_version=model_version,
        runs_on=runs_on,
        backend=backend,
        status=ReadingStatus.REFUSED,
        refusal=refusal.strip(),
        input_score=input_score,
        latency_ms=latency_ms,
        completed_at=timezone.now(),
    )
    audit_record(
        actor=recorded_by,
        action="reading.create",
        object_type="reading",
        object_id=reading.pk,
        patient_id=case.patient_id,
        detail={
            "case": case.pk,
            "image": image.pk,
            "runs_on": runs_on,
            "model": f"{model_name}@{model_version}",
            "refused": True,
        },
    )
    _after_finish(reading=reading, actor=recorded_by)
    return reading


@transaction.atomic
def reading_request(
    *,
    case: Case,
    image: Image,
    requested_by: User | None,
    model_name: str,
    model_version: str,
    verifies: Reading | None = None,
    shadow: bool = False,
) -> Reading:
    """Create a pending server reading; the caller enqueues the work after commit.

    With `verifies`, the server reading re-runs that browser reading's model on the same image.
    With `shadow`, it is a candidate version's reading, stored apart (readings/models.py).
    """
    _check_image_in_case(case=case, image=image)
    if verifies is not None and (verifies.image_id != image.pk or verifies.runs_on != RunsOn.BROWSER):
        raise ApplicationError("Only a browser reading of the same image can be verified.", code="invalid_reading")
    if verifies is not None and shadow:
        raise ApplicationError("A shadow reading verifies nothing.", code="invalid_reading")
    reading = Reading.all_objects.create(
        case=case,
        image=image,
        requested_by=requested_by,
        model_name=model_name,
        model_version=model_version,
        runs_on=RunsOn.SERVER,
        verifies=verifies,
        shadow=shadow,
    )
    audit_record(
        actor=requested_by,
        action="reading.request",
        object_type="reading",
        object_id=reading.pk,
        patient_id=case.patient_id,
        detail={
            "case": case.pk,
            "image": image.pk,
            **({"verifies": verifies.pk} if verifies else {}),
            **({"shadow": f"{model_name}@{model_version}"} if shadow else {}),
        },
    )
    return reading


def _lock_open_reading(reading_id: int) -> Reading:
    # The workers finish shadow readings too.
    reading = Reading.all_objects.select_for_update().get(pk=reading_id)
    if reading.status not in (ReadingStatus.PENDING, ReadingStatus.RUNNING):
        raise ApplicationError(
            "The reading is already finished.", code="reading_finished", status_code=status.HTTP_409_CONFLICT
        )
    return reading


@transaction.atomic
def reading_complete(
    *,
    reading_id: int,
    probabilities: dict[str, float],
    label: str,
    score: float | None,
    threshold: float | None,
    backend: str = "",
    heatmap: list[list[float]] | None = None,
    latency_ms: float | None = None,
    max_difference: float | None = None,
    disagrees: bool = False,
    input_score: float | None = None,
) -> Reading:
    """Store a server reading's result, once: a finished reading refuses a second result (409)."""
    reading = _lock_open_reading(reading_id)
    validate_result(
        probabilities=probabilities,
        label=label,
        score=score,
        threshold=threshold,
        heatmap=heatmap,
        latency_ms=latency_ms,
        input_score=input_score,
    )
    reading.status = ReadingStatus.SUCCEEDED
    reading.probabilities, reading.label, reading.score, reading.threshold = probabilities, label, score, threshold
    reading.flagged = _is_flagged(score, threshold)
    reading.backend, reading.heatmap, reading.latency_ms = backend, heatmap, latency_ms
    reading.input_score = input_score
    reading.max_difference, reading.disagrees = max_difference, disagrees
    reading.completed_at = timezone.now()
    reading.save()
    audit_record(
        actor=None,
        action="reading.complete",
        object_type="reading",
        object_id=reading.pk,
        patient_id=reading.case.patient_id,
        detail={"verifies": reading.verifies_id, "max_difference": max_difference, "disagrees": disagrees}
        if reading.verifies_id
        else None,
    )
    _after_finish(reading=reading, actor=None)
    return reading


@transaction.atomic
def reading_refuse(
    *,
    reading_id: int,
    refusal: str,
    input_score: float | None = None,
    backend: str = "",
    latency_ms: float | None = None,
    max_difference: float | None = None,
    disagrees: bool = False,
) -> Reading:
    """Store that the model refused a server reading's image, once (a finished reading answers 409)."""
    reading = _lock_open_reading(reading_id)
    validate_refusal(refusal=refusal, input_score=input_score, latency_ms=latency_ms)
    reading.status = ReadingStatus.REFUSED
    reading.refusal, reading.input_score = refusal.strip(), input_score
    reading.backend, reading.latency_ms = backend, latency_ms
    reading.max_difference, reading.disagrees = max_difference, disagrees
    reading.completed_at = timezone.now()
    reading.save()
    detail = {"refusal": reading.refusal, "input_score": input_score}
    if reading.verifies_id:
        detail.update(verifies=reading.verifies_id, max_difference=max_difference, disagrees=disagrees)
    audit_record(
        actor=None,
        action="reading.refuse",
        object_type="reading",
        object_id=reading.pk,
        patient_id=reading.case.patient_id,
        detail=detail,
    )
    _after_finish(reading=reading, actor=None)
    return reading


@transaction.atomic
def reading_fail(*, reading_id: int, error: str) -> Reading:
    reading = _lock_open_reading(reading_id)
    reading.status = ReadingStatus.FAILED
    reading.error = error[:2000]
    reading.completed_at = timezone.now()
    reading.save(update_fields=["status", "error", "completed_at"])
    audit_record(
        actor=None,
        action="reading.fail",
        object_type="reading",
        object_id=reading.pk,
        patient_id=reading.case.patient_id,
    )
    return reading


def reading_give_up(*, reading_id: int, error: str) -> None:
    """Mark a reading failed unless it was finished meanwhile (e.g. by another worker's batch)."""
    try:
        reading_fail(reading_id=reading_id, error=error)
    except ApplicationError:
        pass  # already finished: its result stands
    except Reading.DoesNotExist:
        logger.error("reading %s no longer exists", reading_id)
