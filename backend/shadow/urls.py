from django.urls import path

from shadow import api

# Included before inference's URLs, whose model-file route would otherwise take these paths.
urlpatterns = [
    path("shadow-candidates/", api.ShadowCandidateListView.as_view(), name="shadow-candidate-list"),
    path("models/<str:name>/shadow/", api.ShadowStartView.as_view(), name="shadow-start"),
    path("models/<str:name>/shadow/<str:version>/stop/", api.ShadowStopView.as_view(), name="shadow-stop"),
    path(
        "models/<str:name>/shadow/<str:version>/comparison/",
        api.ShadowComparisonView.as_view(),
        name="shadow-comparison",
    ),
    path("models/<str:name>/shadow/<str:version>/promote/", api.ShadowPromoteView.as_view(), name="shadow-promote"),
]
