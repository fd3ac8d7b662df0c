from django.urls import path

from inference import api

urlpatterns = [
    path("models/", api.ModelListView.as_view(), name="model-list"),
    path("models/<str:name>/activate/", api.ModelActivateView.as_view(), name="model-activate"),
    path("models/<str:name>/<str:version>/<path:filename>", api.ModelFileView.as_view(), name="model-file"),
]
