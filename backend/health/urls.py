from django.urls import path

from health import api

urlpatterns = [path("health/", api.HealthView.as_view(), name="health")]
