from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from accounts.throttles import throttled_login

api_v1 = [
    path("", include("health.urls")),
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("", include("imaging.urls")),
    path("", include("readings.urls")),
    path("", include("reports.urls")),
    path("", include("inference.urls")),
    path("", include("audit.urls")),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]), name="docs"),
]

# Until the portal pages exist, the front page is the in-browser reading of the pneumonia model.
IN_BROWSER_READING = "/static/web/demo.html?model=/api/v1/models/chest-xray-pneumonia/1.0.0"

urlpatterns = [
    path("", RedirectView.as_view(url=IN_BROWSER_READING), name="home"),
    # Before admin.site.urls so that the admin's sign-in form has the API's login limits.
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
