import logging

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from inference.selectors import models_active
from inference.worker_health import broker_status, workers_status

logger = logging.getLogger(__name__)


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
    except Exception as exc:  # e.g. the database is down: already reported by its own check
        logger.warning("health check: cannot list the active models: %s", exc)
        return {"status": "down", "active": []}
    return {"status": "ok" if active else "none", "active": active}


class HealthView(APIView):
    """Liveness and readiness for load balancers and orchestrators. Names no secrets.

    The database and the broker decide the answer (200 or 503): without them nothing can be stored
    or queued. Workers and models are reported but do not fail the check, so that web processes
    are not taken out of service while workers restart or before a model is installed.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()})
    )
    def get(self, request):
        checks = {
            "database": database_status(),
            "broker": broker_status(),
            "workers": workers_status(),
            "models": models_status(),
        }
        healthy = checks["database"]["status"] == "ok" and checks["broker"]["status"] == "ok"
        return Response({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)
