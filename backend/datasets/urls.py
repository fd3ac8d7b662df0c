from django.urls import path

from datasets import api

urlpatterns = [
    path("datasets/", api.DatasetListCreateView.as_view(), name="dataset-list"),
]
