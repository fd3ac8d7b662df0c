from django.db.models import QuerySet

from accounts.models import User
from audit.access import audited_get
from cases.models import Case
from cases.selectors import case_contents_list
from readings.models import Reading


def readings_in_use() -> QuerySet[Reading]:
    """Every reading but those of withdrawn images and cases, kept for the record only.

    Shadow readings are never among them: `Reading.objects` leaves them out (readings/models.py).
    """
    return Reading.objects.filter(image__withdrawn_at__isnull=True, case__withdrawn_at__isnull=True)


def readings_of_case(case: Case) -> QuerySet[Reading]:
    return readings_in_use().filter(case=case).select_related("verification")


def reading_list(*, user: User, case_id: int) -> list[Reading]:
    return case_contents_list(user=user, case_id=case_id, object_type="reading", contents=readings_of_case)


def reading_get(*, user: User, reading_id: int) -> Reading:
    return audited_get(
        user=user,
        queryset=readings_in_use().select_related("case", "verification"),
        pk=reading_id,
        object_type="reading",
        action="reading.read",
        patient_id_of=lambda reading: reading.case.patient_id,
    )
