"""Celery tasks for server readings: thin wrappers that take an id and call a service.

A task is acknowledged only after it finishes (`acks_late`) and handed back to the broker when its
worker process dies (`reject_on_worker_lost`), so a crash means a redelivery, never a lost
reading; the service makes the redelivery harmless. Database and broker hiccups are retried with
exponential backoff; anything else, or running out of retries or time, fails the reading with
the reason.
"""

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError

from readings import running, services

logger = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 1.0
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def backoff_seconds(retries: int) -> float:
    """1, 2, 4, ... up to 60 seconds, with jitter so that retries from many workers spread out."""
    return min(60.0, 2.0**retries) * random.uniform(0.5, 1.0)


# The name the task had when it lived in inference/tasks.py: tasks already queued in a running
# deployment are delivered by this name, so it stays until no such queue can hold one.
REGISTERED_NAME = "inference.tasks.run_reading"


@shared_task(
    name=REGISTERED_NAME,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.INFERENCE_MAX_RETRIES,
    soft_time_limit=settings.INFERENCE_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.INFERENCE_TASK_TIME_LIMIT,
)
def readings_run(self, reading_id: int) -> int:
    """Run a pending server reading (batched with others of the same model); idempotent."""
    try:
        return running.readings_run(reading_id=reading_id)
    except running.ReadingBusy as exc:
        # Another worker is running it in a batch; if that worker dies, its transaction rolls back
        # and this retry runs the reading. The holder's time limit bounds how long this can go on.
        raise self.retry(exc=exc, countdown=BUSY_RETRY_SECONDS, max_retries=None) from exc
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            logger.error("reading %s: giving up after %d attempts: %s", reading_id, self.request.retries + 1, exc)
            services.reading_give_up(
                reading_id=reading_id, error=f"Gave up after {self.request.retries + 1} attempts: {exc}"
            )
            return 0
        logger.warning("reading %s: transient error, retrying: %s", reading_id, exc)
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        logger.error("reading %s: exceeded %s s", reading_id, settings.INFERENCE_TASK_SOFT_TIME_LIMIT)
        services.reading_give_up(
            reading_id=reading_id, error=f"The reading took longer than {settings.INFERENCE_TASK_SOFT_TIME_LIMIT} s."
        )
        return 0
    except Exception as exc:
        logger.exception("reading %s failed", reading_id)
        services.reading_give_up(reading_id=reading_id, error=f"The reading failed: {type(exc).__name__}: {exc}")
        return 0
