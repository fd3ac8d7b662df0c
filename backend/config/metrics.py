"""Prometheus metrics of the web app, served as text at /metrics.

Two kinds of numbers:
- counted by this process: requests by view, method and status, and their latency. Under a server
  with several worker processes (gunicorn), set PROMETHEUS_MULTIPROC_DIR to an empty directory
  before the processes start; every process writes its counts there and /metrics adds them up.
- read from where they are kept, at most every METRICS_CACHE_SECONDS: readings by model, version,
  source and outcome, gate refusals and browser/server disagreements (counted in the database, so
  every web process answers the same and nothing is lost at a restart), readings waiting to run,
  the length of the Celery queue in Redis, and the workers that answer the health probe.

/metrics answers before any other middleware: it is not a page of the site, carries no patient
data, and a scraper calls it by an internal host name over plain HTTP. With METRICS_TOKEN (or
METRICS_TOKEN_FILE) set it wants `Authorization: Bearer <token>`; without one it answers only a
connection from a loopback or private address that came through no proxy (no X-Forwarded-For).
"""

import hmac
import ipaddress
import logging
import os
import threading
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter(
    "healthcare_http_requests", "HTTP requests answered, by view, method and status.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "healthcare_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name (or route), never the path: paths hold ids, and each id would be a new series."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    """Answers /metrics; counts and times every other request. First in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == METRICS_PATH:
            return metrics_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        # Django logs a 4xx or 5xx answer (django.request) after every middleware has returned,
        # when the audit middleware's request id is no longer current: the log formatter reads it here.
        request.request_id = response.get("X-Request-ID", "")
        method = request.method if request.method in METHODS else "other"
        view = view_label(request)
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view, method).observe(time.perf_counter() - started)
        return response


def scrape_allowed(request: HttpRequest) -> tuple[bool, int]:
    """Whether this request may read the metrics, and the status to refuse it with."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
        return ok, 401
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False, 403  # came through a proxy: the client may be anywhere
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False, 403
    return address.is_loopback or address.is_private, 403


def metrics_response(request: HttpRequest) -> HttpResponse:
    allowed, status = scrape_allowed(request)
    if not allowed:
        response = HttpResponse("metrics need a bearer token\n" if status == 401 else "forbidden\n", status=status)
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(STORED)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class StoredStateCollector:
    """Numbers read from the database, Redis and the workers, cached for METRICS_CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families: list = []
        self._taken = float("-inf")

    def describe(self):
        return []  # nothing is read when the collector is registered, only when scraped

    def collect(self):
        with self._lock:
            if time.monotonic() - self._taken >= settings.METRICS_CACHE_SECONDS:
                self._families = [*readings_families(), *queue_families(), *worker_families(), *drift_families()]
                self._taken = time.monotonic()
            return list(self._families)


def readings_families() -> list:
    from django.db.models import Count, Min, Q

    from readings.models import Reading, ReadingStatus, RunsOn

    labels = ["model", "version", "source"]
    readings = CounterMetricFamily(
        "healthcare_readings",
        "Finished AI readings, by model, version, source (browser or server) and outcome.",
        labels=[*labels, "outcome"],
    )
    refusals = CounterMetricFamily(
        "healthcare_gate_refusals", "Readings whose image the model refused to read (input gate or DICOM header).", labels=labels
    )
    verifications = CounterMetricFamily(
        "healthcare_verifications", "Server readings that checked a browser reading, by model and version.", labels=["model", "version"]
    )
    disagreements = CounterMetricFamily(
        "healthcare_disagreements", "Server readings that disagreed with the browser reading they checked.", labels=["model", "version"]
    )
    waiting = GaugeMetricFamily(
        "healthcare_readings_open", "Server readings waiting for a worker or running, by model, version and status.",
        labels=["model", "version", "status"],
    )  # fmt: skip
    oldest = GaugeMetricFamily(
        "healthcare_oldest_open_reading_age_seconds", "Age of the oldest server reading not yet finished (0: none)."
    )
    finished = (ReadingStatus.SUCCEEDED, ReadingStatus.FAILED, ReadingStatus.REFUSED)
    open_states = (ReadingStatus.PENDING, ReadingStatus.RUNNING)
    try:
        rows = Reading.objects.values("model_name", "model_version", "runs_on", "status").annotate(
            n=Count("id"), disagreeing=Count("id", filter=Q(disagrees=True)), verifying=Count("id", filter=Q(verifies__isnull=False))
        )  # fmt: skip
        first_open = Reading.objects.filter(runs_on=RunsOn.SERVER, status__in=open_states).aggregate(
            first=Min("created_at")
        )["first"]
    except Exception as exc:  # a database that is down shows as missing series, not as a failed scrape
        logger.warning("metrics: cannot count the readings: %s", exc)
        return []
    verify_counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        key = (row["model_name"], row["model_version"])
        if row["status"] in finished:
            readings.add_metric([*key, row["runs_on"], row["status"]], row["n"])
            if row["status"] == ReadingStatus.REFUSED:
                refusals.add_metric([*key, row["runs_on"]], row["n"])
            counts = verify_counts.setdefault(key, [0, 0])
            counts[0] += row["verifying"]
            counts[1] += row["disagreeing"]
        elif row["runs_on"] == RunsOn.SERVER:
            waiting.add_metric([*key, row["status"]], row["n"])
    for key, (verifying, disagreeing) in verify_counts.items():
        verifications.add_metric(list(key), verifying)
        disagreements.add_metric(list(key), disagreeing)
    from django.utils import timezone

    oldest.add_metric([], (timezone.now() - first_open).total_seconds() if first_open else 0)
    return [readings, refusals, verifications, disagreements, waiting, oldest]


def drift_families() -> list:
    """The drift watch's latest week of each model version (backend/drift/metrics.py)."""
    from drift.metrics import drift_families as families

    try:
        return families()
    except Exception as exc:  # as for the readings: missing series, not a failed scrape
        logger.warning("metrics: cannot compute the drift watch: %s", exc)
        return []


def queue_families() -> list:
    """Messages waiting in the inference queue, when the broker is Redis (kombu keeps a queue as a list)."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "rediss://", "unix://")):
        return []
    import redis

    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    family = GaugeMetricFamily("healthcare_celery_queue_length", "Tasks waiting in the broker's queue.", labels=["queue"])
    try:
        client = redis.Redis.from_url(broker, socket_connect_timeout=0.3, socket_timeout=0.3)
        family.add_metric([settings.INFERENCE_QUEUE], client.llen(prefix + settings.INFERENCE_QUEUE))
    except redis.RedisError as exc:
        logger.warning("metrics: cannot read the queue length from the broker: %s", exc)
        return []
    return [family]


def worker_families() -> list:
    """Workers that answer the health probe on the inference queue; 0 when none answer."""
    from inference.worker_health import workers_status

    state = workers_status()
    workers = GaugeMetricFamily("healthcare_workers", "Inference workers answering on the queue.", labels=["queue"])
    gpus = GaugeMetricFamily("healthcare_worker_gpus", "GPUs of the inference workers that answered.", labels=["queue"])
    workers.add_metric([settings.INFERENCE_QUEUE], state.get("count", 0))
    gpus.add_metric([settings.INFERENCE_QUEUE], state.get("gpus", 0))
    return [workers, gpus]


STORED = StoredStateCollector()
REGISTRY.register(STORED)
