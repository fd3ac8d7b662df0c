from django.urls import path

from reports import api

urlpatterns = [
    path("cases/<int:case_id>/reports/", api.CaseReportsView.as_view(), name="case-reports"),
    path("reports/agreement/", api.AgreementView.as_view(), name="report-agreement"),
    path("reports/<int:report_id>/", api.ReportDetailView.as_view(), name="report-detail"),
    path("reports/<int:report_id>/sign/", api.ReportSignView.as_view(), name="report-sign"),
    path("reports/<int:report_id>/amend/", api.ReportAmendView.as_view(), name="report-amend"),
]
