from django.urls import path

from readings import api

urlpatterns = [
    path("cases/<int:case_id>/readings/", api.CaseReadingsView.as_view(), name="case-readings"),
    path("cases/<int:case_id>/server-readings/", api.ServerReadingsView.as_view(), name="case-server-readings"),
    path("readings/<int:reading_id>/", api.ReadingDetailView.as_view(), name="reading-detail"),
]
