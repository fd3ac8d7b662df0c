"""Prometheus metrics of a Celery worker, served at http://<worker>:WORKER_METRICS_PORT/metrics.

Tasks run in the pool's child processes (prefork), so each child writes its counts to files in
PROMETHEUS_MULTIPROC_DIR and the worker's main process, which serves /metrics, adds them up.
`worker_setup` chooses the directory in the main process before the pool forks: the one the
environment names, emptied at start as the client requires, or else a private temporary one,
removed at shutdown.

Nothing here is imported by the web app; config/celery.py connects it to the worker's signals.
"""

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_started: dict[str, float] = {}
_metrics: dict = {}
_made: dict[str, str] = {}


def worker_setup() -> None:
    """Main process, before the pool starts: choose and empty the directory the children count in."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()
    else:
        directory = tempfile.mkdtemp(prefix="worker-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        _made["directory"] = directory
    # The client picks how values are kept when it is first imported, and Django's start-up checks
    # import the web app's middleware (config/metrics.py) before the worker starts: pick again,
    # now that the directory is set, so the worker's metrics made after this point count in files.
    from prometheus_client import values

    values.ValueClass = values.get_value_class()


def worker_stopped() -> None:
    """Main process, at shutdown: remove the temporary directory made by worker_setup."""
    if "directory" in _made:
        shutil.rmtree(_made.pop("directory"), ignore_errors=True)


def serve(*, address: str, port: int) -> int | None:
    """Main process, once the pool is up: serve the children's metrics; returns the port, None if it is taken."""
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    try:
        server, _thread = start_http_server(port, addr=address, registry=registry)
    except OSError as exc:
        # Another worker on this host holds the port: tasks still run, only this worker is not scraped.
        logger.error("worker metrics not served on %s:%s: %s", address, port, exc)
        return None
    chosen = server.server_address[1]
    logger.info("worker metrics served on http://%s:%s/metrics", address, chosen)
    return chosen


def metrics() -> dict:
    """The worker's metrics, made on first use in each process (after the directory is chosen)."""
    if not _metrics:
        from prometheus_client import Counter, Histogram

        _metrics["tasks"] = Counter(
            "healthcare_celery_tasks", "Celery tasks finished by this worker, by task and state.", ["task", "state"]
        )
        _metrics["seconds"] = Histogram(
            "healthcare_celery_task_duration_seconds",
            "Time a Celery task ran, by task and state.",
            ["task", "state"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
        )
    return _metrics


def task_started(task_id: str) -> None:
    _started[task_id] = time.perf_counter()


def task_finished(task_id: str, task_name: str, state: str) -> None:
    started = _started.pop(task_id, None)
    chosen = metrics()
    chosen["tasks"].labels(task_name, state).inc()
    if started is not None:
        chosen["seconds"].labels(task_name, state).observe(time.perf_counter() - started)


def process_exited(pid: int) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
