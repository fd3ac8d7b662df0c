from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

api_v1 = [
    path("", include("health.urls")),
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("", include("imaging.urls")),
    path("", include("readings.urls")),
    path("", include("reports.urls")),
    path("", include("audit.urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
