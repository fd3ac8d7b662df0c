from django.urls import path

from drift import api

urlpatterns = [
    path("drift/", api.DriftView.as_view(), name="drift"),
]
