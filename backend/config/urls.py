from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from accounts.throttles import throttled_login
from config.api_docs import DocsView, SchemaView

api_v1 = [
    path("", include("health.urls")),
    path("", include("accounts.urls")),
    path("", include("cases.urls")),
    path("", include("history.urls")),
    path("", include("imaging.urls")),
    path("", include("readings.urls")),
    path("", include("reports.urls")),
    path("", include("datasets.urls")),
    path("", include("interop.urls")),
    path("", include("drift.urls")),
    path("", include("shadow.urls")),  # before inference's model-file route, which would take its paths
    path("", include("inference.urls")),
    path("", include("audit.urls")),
    path("", include("mfa.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="schema"), name="docs"),
]

# The in-browser reading, for trying a model without an account: the page lists the installed
# models from GET /api/v1/models/ with each one's active version, so no model is named here.
IN_BROWSER_READING = "/static/web/demo.html"
# The front page is the patient portal: sign in, open a case, read an X-ray in the browser.
PATIENT_PORTAL = "/static/web/portal.html"
# The product's icon; every page links it, and browsers that ask /favicon.ico on their own are sent to it.
FAVICON = "/static/web/favicon.svg"

# Staff sign in to the Django admin with an authenticator code too (django-otp's admin site).
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", RedirectView.as_view(url=PATIENT_PORTAL), name="home"),
    path("favicon.ico", RedirectView.as_view(url=FAVICON), name="favicon"),
    # Before admin.site.urls so that the admin's sign-in form has the API's login limits.
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
