"""The API's description: /api/v1/schema/ (OpenAPI) and /api/v1/docs/ (Swagger UI).

Public while developing; with DJANGO_DEBUG=false only signed-in users read it (API_DOCS_PUBLIC
overrides either way). Any signed-in user, not only admins: integrators with an API token and the
clinic's own developers need it, and it names nothing a signed-in user cannot already call; an
outsider learns from it where to aim.
"""

from django.conf import settings
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission


class ApiDocsVisible(BasePermission):
    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [ApiDocsVisible]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script as a file of its own (?script), so no inline script."""

    permission_classes = [ApiDocsVisible]
