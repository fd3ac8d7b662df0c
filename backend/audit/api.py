import csv
import json

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.views import APIView

from accounts.permissions import IsClinicAdmin
from audit.filters import AuditEventFilter
from audit.models import AuditEvent
from audit.selectors import audit_event_list
from audit.services import audit_record

CSV_FIELDS = [
    "id",
    "created_at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "allowed",
    "ip_address",
    "user_agent",
    "method",
    "path",
    "request_id",
    "detail",
]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_username",
            "actor_role",
            "action",
            "object_type",
            "object_id",
            "patient",
            "allowed",
            "ip_address",
            "user_agent",
            "method",
            "path",
            "request_id",
            "detail",
        ]
        read_only_fields = fields


class AuditCursorPagination(CursorPagination):
    # Counting a large append-only table on every page is slow; a cursor needs no count.
    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventListView(generics.ListAPIView):
    permission_classes = [IsClinicAdmin]
    pagination_class = AuditCursorPagination
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return audit_event_list()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AuditEventExportView(APIView):
    """The filtered audit log as CSV (same filters as the list), streamed."""

    permission_classes = [IsClinicAdmin]

    @extend_schema(parameters=[], responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        filterset = AuditEventFilter(request.query_params, queryset=audit_event_list())
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        events = filterset.qs
        audit_record(
            actor=request.user,
            action="audit.export",
            object_type="audit_event",
            detail={"filters": {k: v for k, v in request.query_params.items()}},
        )
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(CSV_FIELDS)
            for event in events.values_list(*CSV_FIELDS).iterator(chunk_size=2000):
                yield writer.writerow([_csv_cell(value) for value in event])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
