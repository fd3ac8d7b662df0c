from django.urls import path

from interop import api

urlpatterns = [
    path("reports/<int:report_id>/fhir/", api.ReportFhirView.as_view(), name="report-fhir"),
]
