from rest_framework.permissions import BasePermission

from accounts.models import Role


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


class IsClinicAdmin(_HasRole):
    roles = (Role.ADMIN,)


class IsDoctorOrAdmin(_HasRole):
    roles = (Role.DOCTOR, Role.ADMIN)


class IsDoctor(_HasRole):
    roles = (Role.DOCTOR,)
