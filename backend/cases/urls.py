from django.urls import path

from cases import api, queue_api

urlpatterns = [
    path("cases/", api.CaseListCreateView.as_view(), name="case-list"),
    path("cases/queue/", queue_api.QueueListView.as_view(), name="case-queue"),
    path("cases/<int:case_id>/take/", queue_api.CaseTakeView.as_view(), name="case-take"),
    path("cases/<int:case_id>/", api.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/submit/", api.CaseSubmitView.as_view(), name="case-submit"),
    path("cases/<int:case_id>/withdraw/", api.CaseWithdrawView.as_view(), name="case-withdraw"),
]
