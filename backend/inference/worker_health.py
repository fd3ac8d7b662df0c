"""What the health check asks of the broker and of the inference workers.

The workers answer a remote-control command from their main process, which never imports
TensorFlow (a model loaded before the fork hangs the children), so GPUs are found from the
device files that the NVIDIA driver creates and from CUDA_VISIBLE_DEVICES. Each reading also
records the device that actually ran it ("tensorflow-gpu" or "tensorflow-cpu").
"""

import logging
import os
import re
from pathlib import Path

from celery.worker.control import inspect_command
from django.conf import settings

logger = logging.getLogger(__name__)


def gpus_visible() -> int:
    """How many NVIDIA GPUs this process could use, without initialising CUDA."""
    devices = [p for p in Path("/dev").glob("nvidia*") if re.fullmatch(r"nvidia\d+", p.name)]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return len(devices)
    chosen = [d for d in visible.split(",") if d.strip() and d.strip() != "-1"]
    return min(len(chosen), len(devices))


@inspect_command()
def inference_devices(state) -> dict:
    """Answered by every worker: its GPUs and the queues it consumes."""
    queues = sorted(q.name for q in state.consumer.task_consumer.queues) if state.consumer.task_consumer else []
    return {"gpus": gpus_visible(), "queues": queues}


def broker_status() -> dict:
    from config.celery import app

    if app.conf.task_always_eager:
        return {"status": "ok", "mode": "in-process"}
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=settings.HEALTH_WORKER_TIMEOUT)
    except Exception as exc:  # any failure means "down"; the reason goes to the log, not the caller
        logger.warning("health check: broker unreachable: %s", exc)
        return {"status": "down"}
    return {"status": "ok", "mode": "broker"}


def workers_status() -> dict:
    """Workers that answered within HEALTH_WORKER_TIMEOUT, with their GPUs and queues."""
    from config.celery import app

    if app.conf.task_always_eager:
        return {"status": "ok", "mode": "in-process", "count": 1, "gpus": gpus_visible()}
    try:
        replies = app.control.broadcast("inference_devices", reply=True, timeout=settings.HEALTH_WORKER_TIMEOUT)
    except Exception as exc:
        logger.warning("health check: cannot reach the workers: %s", exc)
        return {"status": "down", "count": 0, "gpus": 0}
    workers = {name: answer for reply in replies for name, answer in reply.items() if isinstance(answer, dict)}
    serving = [w for w in workers.values() if settings.INFERENCE_QUEUE in w.get("queues", [])]
    return {
        "status": "ok" if serving else "none",
        "mode": "broker",
        "count": len(serving),
        "gpus": sum(w.get("gpus", 0) for w in serving),
        "queue": settings.INFERENCE_QUEUE,
    }
