import django_filters

from cases.models import Case, CaseStatus, ExamType
from config.filters import UtcIsoDateTimeFilter


class CaseFilter(django_filters.FilterSet):
    # A plain number, not a choice among all users: an unknown id and one the user may not see
    # both give an empty list, so the filter tells nobody which accounts exist.
    patient = django_filters.NumberFilter(field_name="patient_id")
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    # A doctor compares a case with the patient's earlier ones of the same kind.
    exam_type = django_filters.ChoiceFilter(choices=ExamType.choices)
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields = ["ai_flagged"]
