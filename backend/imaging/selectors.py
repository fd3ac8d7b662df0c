from django.db.models import QuerySet

from accounts.models import User
from audit.access import audited_get
from cases.models import Case
from cases.selectors import case_contents_list
from imaging.models import Image


def images_in_use() -> QuerySet[Image]:
    """Every image but the withdrawn ones and those of withdrawn cases, kept for the record only."""
    return Image.objects.filter(withdrawn_at__isnull=True, case__withdrawn_at__isnull=True)


def images_of_case(case: Case) -> QuerySet[Image]:
    """Unaudited: for checking that a request names an image of the case, not for showing images."""
    return images_in_use().filter(case=case)


def image_list(*, user: User, case_id: int) -> list[Image]:
    return case_contents_list(user=user, case_id=case_id, object_type="image", contents=images_of_case)


def image_get(*, user: User, image_id: int, action: str = "image.read", is_write: bool = False) -> Image:
    return audited_get(
        user=user,
        queryset=images_in_use().select_related("case"),
        pk=image_id,
        object_type="image",
        action=action,
        patient_id_of=lambda image: image.case.patient_id,
        is_write=is_write,
    )
