import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from inference.selectors import models_active
from inference.worker_health import broker_status, workers_status

logger = logging.getLogger(__name__)

# The broker, worker and cache probes run here, so that one that hangs (a broker that retries,
# a host that drops packets) costs the answer at most the deadline. A few threads at most: a
# probe still hanging from an earlier check makes later ones wait in the queue, not pile up.
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health-probe")
BROKER_DOWN = {"status": "down"}
WORKERS_DOWN = {"status": "down", "count": 0, "gpus": 0}
# How long a probe may take to connect before its service counts as down.
CONNECT_SECONDS = 0.3


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason goes to the log, not the caller
        logger.warning("health check: database unavailable: %s", exc)
        return {"status": "down"}
    return {"status": "ok", "vendor": connection.vendor}


def models_status() -> dict:
    try:
        active = [f"{package.name}@{package.version}" for package in models_active()]
    except Exception as exc:
        logger.warning("health check: cannot list the active models: %s", exc)
        return {"status": "down", "active": []}
    return {"status": "ok" if active else "none", "active": active}


def cache_status() -> dict:
    """The shared cache holds the login throttles: without it sign-in cannot be limited."""
    key = f"health-{uuid.uuid4().hex}"
    try:
        cache.set(key, 1, timeout=5)
        found = cache.get(key) == 1
        cache.delete(key)
    except Exception as exc:
        logger.warning("health check: cache unavailable: %s", exc)
        return {"status": "down"}
    return {"status": "ok" if found else "down"}


def answer_by(deadline: float, future: Future, when_late, what: str):
    """The probe's answer if it comes before `deadline` (a time.monotonic()), else `when_late`."""
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        logger.warning("health check: no answer in time from the %s", what)
        return when_late


class HealthView(APIView):
    """Liveness and readiness for load balancers and orchestrators. Names no secrets.

    The database, the cache and the broker decide the answer (200 or 503): without them nothing
    can be stored, queued or signed in to. Workers and models are reported but do not fail the
    check, so that web processes are not taken out of service while workers restart or before a
    model is installed. It answers within about a second whatever is down: the probes that can
    hang (a broker client that retries, a host that drops packets) run in threads and are given
    CONNECT_SECONDS, the workers HEALTH_WORKER_TIMEOUT more; PostgreSQL has its connect_timeout.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()})
    )
    def get(self, request):
        broker_state = _probes.submit(broker_status)
        cache_state = _probes.submit(cache_status)
        # A broker or cache that answers at all answers in milliseconds.
        deadline = time.monotonic() + CONNECT_SECONDS
        database = database_status()
        # Listing the active models reads the database: no second wait for one that is down.
        models = models_status() if database["status"] == "ok" else {"status": "down", "active": []}
        checks = {
            "database": database,
            "cache": answer_by(deadline, cache_state, {"status": "down"}, "cache"),
            "broker": answer_by(deadline, broker_state, BROKER_DOWN, "broker"),
            "workers": WORKERS_DOWN,  # nothing to ask them through without a broker
            "models": models,
        }
        if checks["broker"]["status"] == "ok":
            # Workers are given HEALTH_WORKER_TIMEOUT to answer the broadcast.
            deadline = time.monotonic() + settings.HEALTH_WORKER_TIMEOUT + CONNECT_SECONDS
            checks["workers"] = answer_by(deadline, _probes.submit(workers_status), WORKERS_DOWN, "workers")
        healthy = all(checks[name]["status"] == "ok" for name in ("database", "cache", "broker"))
        return Response({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)
