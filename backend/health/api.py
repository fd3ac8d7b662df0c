import logging

from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

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


class HealthView(APIView):
    """Liveness and readiness for load balancers and orchestrators. Names no secrets."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        responses=inline_serializer("Health", {"status": serializers.CharField(), "checks": serializers.DictField()})
    )
    def get(self, request):
        checks = {"database": database_status()}
        healthy = all(check["status"] == "ok" for check in checks.values())
        return Response({"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503)
