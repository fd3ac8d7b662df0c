"""Role checks, as DRF permission classes on the views: the one form they take.

Which objects a user may see is not decided here but by the selectors (`*_get(user=...)`, 404
when not visible). A class here either checks the role before the view runs (`has_permission`),
or, where a refusal must not come before the 404 of someone who may not see the object, checks
it on the object the view selected (`has_object_permission`, through `check_object_permissions`).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import Role

# Refusals written here answer {"error": {"code": "forbidden", ...}}, as the services' did.
FORBIDDEN = "forbidden"


def _signed_in(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        return _signed_in(request) and request.user.role in self.roles


class IsClinicAdmin(_HasRole):
    roles = (Role.ADMIN,)


class IsDoctorOrAdmin(_HasRole):
    roles = (Role.DOCTOR, Role.ADMIN)


class _ChangesNeedRole(BasePermission):
    """Any signed-in user may read (what they may see); changes need one of `roles`."""

    roles: tuple[str, ...] = ()
    code = FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return _signed_in(request) and (request.method in SAFE_METHODS or request.user.role in self.roles)


class ChangesClinicalRecords(_ChangesNeedRole):
    """Patients and their doctors change clinical records; clinic admins only read them.

    Checked before the object is selected: admins see every object, so the 403 reveals nothing.
    """

    roles = (Role.PATIENT, Role.DOCTOR)
    message = "Clinic admins can read clinical records but not change them."


class LinksDoctorsAndPatients(_ChangesNeedRole):
    """Clinic admins link any patient to a doctor; a patient chooses (or leaves) her own doctor."""

    roles = (Role.ADMIN, Role.PATIENT)
    message = "Only clinic admins link doctors and patients; a patient chooses her own doctor."


class IsPatient(_HasRole):
    roles = (Role.PATIENT,)
    message = "Only a patient gives or withdraws her own research consent."
    code = FORBIDDEN


class IsDoctor(_HasRole):
    roles = (Role.DOCTOR,)
    message = "Only doctors take cases from the practice's queue."
    code = FORBIDDEN


class WritesReports(BasePermission):
    """Only doctors write reports; checked on the selected case or report, after its 404."""

    message = "Only doctors write reports."
    code = FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return _signed_in(request)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or request.user.role == Role.DOCTOR


class ChangesOwnReport(BasePermission):
    """A draft report is changed and signed by its author only."""

    message = "Only the report's author can change or sign it."
    code = FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return _signed_in(request)

    def has_object_permission(self, request, view, report) -> bool:
        return request.method in SAFE_METHODS or report.author_id == request.user.pk
