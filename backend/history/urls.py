from django.urls import path

from history import api

urlpatterns = [
    path("patients/<int:patient_id>/history/", api.PatientHistoryView.as_view(), name="patient-history"),
]
