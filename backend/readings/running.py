"""Running queued server readings in batches.

Running is safe with any number of workers on any number of hosts. A task locks its own reading
row, then claims up to INFERENCE_BATCH_SIZE - 1 other pending readings of the same model version
with `SELECT ... FOR UPDATE SKIP LOCKED`, runs them together and stores every result in the same
transaction. Rows another worker holds are skipped, never waited for; a task whose own reading is in another
worker's batch retries a moment later, then finds its reading finished and does nothing.
A worker that dies mid-batch drops its database connection, PostgreSQL rolls its transaction
back, and the readings are pending again for the redelivered tasks. So each reading is stored
exactly once, whichever worker runs it and however often its task is delivered.
Shadow readings (a candidate version's, `Reading.shadow`) are run like any other, in batches of
their own version; a batch takes the readings people wait for before shadow ones.
"""

import contextlib
import logging
import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from imaging.models import Image, ImageKind
from inference import runtime
from inference.decision import Decision, decide, dicom_refusal, refused
from inference.registry import ModelPackage, PackageError, package_get
from readings.models import Reading, ReadingStatus, RunsOn
from readings.services import reading_complete, reading_fail, reading_refuse
from readings.verification import verification_outcome
from training.decoding import ImageDecodeError, decode_image_bytes

logger = logging.getLogger(__name__)

OPEN = (ReadingStatus.PENDING, ReadingStatus.RUNNING)


class ReadingBusy(Exception):
    """The reading is in another worker's batch right now: look again shortly instead of waiting."""


def readings_run(*, reading_id: int) -> int:
    """Run reading `reading_id`, batched with other pending readings of its model; returns how many were stored."""
    _load_model_of(reading_id)
    with transaction.atomic():
        reading = _lock(Reading.all_objects.filter(pk=reading_id, runs_on=RunsOn.SERVER), skip_locked=True).first()
        if reading is None:
            if Reading.all_objects.filter(pk=reading_id, runs_on=RunsOn.SERVER, status__in=OPEN).exists():
                raise ReadingBusy(reading_id)
            return 0  # finished, or never a server reading
        if reading.status not in OPEN:
            return 0  # stored already, by an earlier delivery of this task or by another worker's batch
        started = time.perf_counter()
        batch = [reading, *_claim_more(reading)]
        try:
            package = package_get(reading.model_name, reading.model_version)
        except PackageError as exc:
            for each in batch:
                reading_fail(reading_id=each.pk, error=f"The model cannot be used: {exc}")
            return 0
        # A DICOM whose header names another kind of scan is refused before the model runs.
        to_read = []
        for each in batch:
            reason = _header_refusal(each.image, package)
            if reason:
                _store(each, refused(reason), backend="", latency_ms=None)
            else:
                to_read.append(each)
        images = _decode_all(to_read, package)
        runnable = [each for each in to_read if each.pk in images]
        decoded = time.perf_counter()
        predictions = runtime.predict(package, [images[each.pk] for each in runnable])
        predicted = time.perf_counter()
        if settings.INFERENCE_TASK_DELAY_SECONDS:
            time.sleep(settings.INFERENCE_TASK_DELAY_SECONDS)  # tests kill the worker here
        backend = f"tensorflow-{runtime.device()}"
        for each, prediction in zip(runnable, predictions, strict=True):
            _store(each, decide(package, prediction), backend=backend, latency_ms=prediction.latency_ms)
        stored = len(runnable) + len(batch) - len(to_read)
        logger.info(
            "stored %d %s %s readings (claim and decode %.0f ms, graph %.0f ms, store %.0f ms)",
            stored,
            package.name,
            package.version,
            (decoded - started) * 1000,
            (predicted - decoded) * 1000,
            (time.perf_counter() - predicted) * 1000,
        )
        return stored


def _load_model_of(reading_id: int) -> None:
    """Load the model before taking any row lock, so that other workers never wait on a slow first load."""
    row = Reading.all_objects.filter(pk=reading_id).values("model_name", "model_version", "status").first()
    if row is None or row["status"] not in OPEN:
        return
    with contextlib.suppress(PackageError):  # reported on the reading, under its lock, below
        runtime.model_load(package_get(row["model_name"], row["model_version"]))


def _lock(queryset, **options):
    # Lock only the reading rows; the joined rows are read, not changed.
    return queryset.select_related("image", "verifies").select_for_update(of=("self",), **options)


def _claim_more(reading: Reading) -> list[Reading]:
    if settings.INFERENCE_BATCH_SIZE <= 1:
        return []
    others = _lock(
        Reading.all_objects.filter(
            runs_on=RunsOn.SERVER,
            status__in=OPEN,
            model_name=reading.model_name,
            model_version=reading.model_version,
        ).exclude(pk=reading.pk),
        skip_locked=True,
    ).order_by("shadow", "created_at", "id")
    return list(others[: settings.INFERENCE_BATCH_SIZE - 1])


def _decode_all(batch: list[Reading], package: ModelPackage) -> dict:
    """Each reading's image as the model's uint8 pixels; readings whose image cannot be read fail."""
    images = {}
    for reading in batch:
        name = reading.image.original.name
        try:
            with default_storage.open(name, "rb") as stream:
                data = stream.read()
            images[reading.pk] = decode_image_bytes(
                data, package.channels, name=f"image {reading.image_id}", max_bytes=settings.DECODE_MAX_BYTES
            )
        except FileNotFoundError:
            reading_fail(reading_id=reading.pk, error="The stored image file is missing.")
        except ImageDecodeError as exc:
            reading_fail(reading_id=reading.pk, error=f"The image cannot be decoded: {exc}")
    return images


def _header_refusal(image: Image, package: ModelPackage) -> str:
    if image.kind != ImageKind.DICOM:
        return ""
    return dicom_refusal(package, modality=image.modality, body_part=image.body_part)


def _store(reading: Reading, decision: Decision, *, backend: str, latency_ms: float | None) -> None:
    difference, disagrees = verification_outcome(reading=reading, decision=decision)
    if decision.refused:
        reading_refuse(
            reading_id=reading.pk,
            refusal=decision.refusal,
            input_score=decision.input_score,
            backend=backend,
            latency_ms=latency_ms,
            max_difference=difference,
            disagrees=disagrees,
        )
        return
    reading_complete(
        reading_id=reading.pk,
        probabilities=decision.probabilities,
        label=decision.label,
        score=decision.score,
        threshold=decision.threshold,
        backend=backend,
        heatmap=decision.heatmap,
        latency_ms=latency_ms,
        max_difference=difference,
        disagrees=disagrees,
        input_score=decision.input_score,
    )
