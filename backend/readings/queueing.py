"""Asking for server readings and handing them to the workers.

A server reading is asked for by a patient or her doctor (`server_reading_request`), or queued
behind every browser reading to verify it (`browser_reading_submit`): the server takes browser
readings only of model versions it has installed. Either way the pending reading is queued when the transaction commits.
Either way, each candidate version of the model in shadow (inference.ShadowCandidate) also reads
the image, in a shadow reading of its own (`shadow_readings_request`), stored apart and never shown.
"""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from rest_framework import status

from accounts.models import User
from cases.models import Case, CaseStatus
from config.errors import ApplicationError
from imaging.models import Image
from inference.decision import gate_refusal
from inference.registry import PackageError
from inference.selectors import model_active_for_exam_type, model_active_get, shadow_versions_for
from readings.claims import browser_package_get, browser_result_check, exam_type_check
from readings.models import Reading, RunsOn
from readings.services import reading_give_up, reading_record, reading_record_refused, reading_request
from readings.tasks import readings_run

logger = logging.getLogger(__name__)

# Once a case is AI read, in review or reported, a browser reading could only rewrite its story.
OPEN_TO_BROWSER_READINGS = (CaseStatus.DRAFT, CaseStatus.SUBMITTED)


@transaction.atomic
def server_reading_request(*, case: Case, image: Image, requested_by: User, model_name: str = "") -> Reading:
    """A pending server reading of `image`, queued on commit: by the active version of `model_name`,
    or without one by the active model for the case's exam type. A model of another exam type is
    refused (400 `wrong_exam_type`)."""
    if not model_name:
        try:
            package = model_active_for_exam_type(case.exam_type)
        except PackageError:
            raise ApplicationError(
                f"No model on the server reads {case.get_exam_type_display()} images yet.",
                code="no_model_for_exam_type",
                details={"exam_type": case.exam_type},
            ) from None
    else:
        try:
            package = model_active_get(model_name)
        except PackageError:
            raise ApplicationError(
                f"No model named {model_name!r} is available.", code="unknown_model", details={"model_name": model_name}
            ) from None
        exam_type_check(package=package, exam_type=case.exam_type)
    reading = reading_request(
        case=case, image=image, requested_by=requested_by, model_name=package.name, model_version=package.version
    )
    transaction.on_commit(lambda: reading_enqueue(reading_id=reading.pk))
    shadow_readings_request(case=case, image=image, model_name=package.name, read_by=package.version)
    return reading


@transaction.atomic
def browser_reading_submit(
    *, case: Case, image: Image, recorded_by: User, input_accepted: bool = True, refusal: str = "", **result
) -> Reading:
    """Record a browser reading (or the browser's refusal of the image) and queue a server re-run of it.

    Only readings the server can verify are taken: of an installed model version (else 422), on a
    case still waiting for its readings (draft or submitted; else 409), by a model that reads the
    case's exam type (else 400 `wrong_exam_type`).
    """
    package = browser_package_get(model_name=result["model_name"], model_version=result["model_version"])
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status not in OPEN_TO_BROWSER_READINGS:
        raise ApplicationError(
            f"A {case.get_status_display().lower()} case takes no more browser readings.",
            code="case_closed_to_readings",
            status_code=status.HTTP_409_CONFLICT,
            details={"status": case.status},
        )
    exam_type_check(package=package, exam_type=case.exam_type)
    if input_accepted:
        browser_result_check(
            package=package,
            probabilities=result["probabilities"],
            label=result["label"],
            score=result["score"],
            threshold=result["threshold"],
        )
        reading = reading_record(case=case, image=image, recorded_by=recorded_by, runs_on=RunsOn.BROWSER, **result)
    else:
        reading = reading_record_refused(
            case=case,
            image=image,
            recorded_by=recorded_by,
            runs_on=RunsOn.BROWSER,
            refusal=refusal or gate_refusal(package),
            **result,
        )
    check = reading_request(
        case=case,
        image=image,
        requested_by=recorded_by,
        model_name=reading.model_name,
        model_version=reading.model_version,
        verifies=reading,
    )
    transaction.on_commit(lambda: reading_enqueue(reading_id=check.pk))
    shadow_readings_request(case=case, image=image, model_name=reading.model_name, read_by=reading.model_version)
    return reading


def shadow_readings_request(*, case: Case, image: Image, model_name: str, read_by: str) -> list[Reading]:
    """A pending shadow reading of `image` by each version of `model_name` in shadow but `read_by`
    (the version reading it already), queued on commit. Requested by no one: the system asks."""
    readings = []
    for version in shadow_versions_for(model_name):
        if version == read_by:
            continue
        reading = reading_request(
            case=case, image=image, requested_by=None, model_name=model_name, model_version=version, shadow=True
        )
        transaction.on_commit(partial(reading_enqueue, reading_id=reading.pk))
        readings.append(reading)
    return readings


def reading_enqueue(*, reading_id: int) -> None:
    """Hand a pending reading to the workers; if the broker cannot take it, fail it with the reason."""
    try:
        readings_run.apply_async(kwargs={"reading_id": reading_id}, queue=settings.INFERENCE_QUEUE)
    except Exception as exc:  # broker down, or (in-process mode) the task itself failed
        logger.exception("reading %s could not be queued", reading_id)
        reading_give_up(reading_id=reading_id, error=f"The reading could not be queued ({type(exc).__name__}).")
