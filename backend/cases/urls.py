from django.urls import path

from cases import api

urlpatterns = [
    path("cases/", api.CaseListCreateView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/submit/", api.CaseSubmitView.as_view(), name="case-submit"),
]
