"""Celery application.

With CELERY_BROKER_URL unset, tasks run eagerly in the calling process so the embedded
default needs no broker. With it set, start workers with

    celery -A config worker -Q inference --concurrency 2   (from backend/)

Several workers on several hosts may consume the same queue: the tasks coordinate through
row locks in the database, never through worker-local state.

A worker serves its Prometheus metrics at WORKER_METRICS_PORT (config/metrics_worker.py), and
with LOG_FORMAT=json logs JSON lines like the web app, each task's lines carrying the id of the
request that queued it.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("healthcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Whether this process is a worker's main process or one of its pool's children.
_in_worker = {"metrics": False}


@signals.worker_init.connect
def _worker_metrics_setup(**_kwargs) -> None:
    from django.conf import settings

    from config import metrics_worker

    if settings.WORKER_METRICS_PORT:
        metrics_worker.worker_setup()
        _in_worker["metrics"] = True


@signals.worker_ready.connect
def _worker_metrics_serve(**_kwargs) -> None:
    from django.conf import settings

    from config import metrics_worker

    if _in_worker["metrics"]:
        metrics_worker.serve(address=settings.WORKER_METRICS_ADDRESS, port=settings.WORKER_METRICS_PORT)


@signals.worker_shutdown.connect
def _worker_metrics_stop(**_kwargs) -> None:
    from config import metrics_worker

    if _in_worker["metrics"]:
        metrics_worker.worker_stopped()


@signals.worker_process_shutdown.connect
def _worker_child_exited(pid=None, **_kwargs) -> None:
    from config import metrics_worker

    if _in_worker["metrics"] and pid:
        metrics_worker.process_exited(pid)


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **_kwargs) -> None:
    from config.json_logs import current_request_id

    request_id = current_request_id()
    if headers is not None and request_id:
        headers["request_id"] = request_id


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **_kwargs) -> None:
    from config import json_logs, metrics_worker

    json_logs.task_request_id.set(getattr(task.request, "request_id", "") or "" if task else "")
    if _in_worker["metrics"]:
        metrics_worker.task_started(task_id)


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    from config import json_logs, metrics_worker

    json_logs.task_request_id.set("")
    if _in_worker["metrics"] and task is not None:
        metrics_worker.task_finished(task_id, task.name, state or "UNKNOWN")


if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":

    @signals.setup_logging.connect
    def _json_logging(**_kwargs) -> None:
        """Keeps Django's LOGGING (JSON lines on stdout) instead of Celery's own format."""
        import logging.config

        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
