import django_filters

from cases.models import Case, CaseStatus
from config.filters import UtcIsoDateTimeFilter


class CaseFilter(django_filters.FilterSet):
    # A plain number, not a choice among all users: an unknown id and one the user may not see
    # both give an empty list, so the filter tells nobody which accounts exist.
    patient = django_filters.NumberFilter(field_name="patient_id")
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields = ["ai_flagged"]
