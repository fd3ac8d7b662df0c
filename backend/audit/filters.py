import django_filters

from audit.models import AuditEvent
from config.filters import UtcIsoDateTimeFilter


class AuditEventFilter(django_filters.FilterSet):
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    action = django_filters.CharFilter(field_name="action")
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith")

    class Meta:
        model = AuditEvent
        # allowed=false is the "Refused" filter; request_id finds the events of one X-Request-ID.
        fields = ["actor", "patient", "object_type", "object_id", "allowed", "request_id"]
