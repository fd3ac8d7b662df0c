from rest_framework import status

from accounts.models import Role, User
from config.errors import ApplicationError


def require_clinical_writer(user: User) -> None:
    """Patients and their doctors change clinical records; clinic admins only read them."""
    if user.role not in (Role.PATIENT, Role.DOCTOR):
        raise ApplicationError(
            "Clinic admins can read clinical records but not change them.",
            code="forbidden",
            status_code=status.HTTP_403_FORBIDDEN,
        )
