from django.urls import path

from imaging import api

urlpatterns = [
    path("cases/<int:case_id>/images/", api.CaseImagesView.as_view(), name="case-images"),
    path("images/<int:image_id>/", api.ImageDetailView.as_view(), name="image-detail"),
    path("images/<int:image_id>/file/", api.ImageFileView.as_view(), name="image-file"),
    path("images/<int:image_id>/preview/", api.ImagePreviewView.as_view(), name="image-preview"),
    path("images/<int:image_id>/withdraw/", api.ImageWithdrawView.as_view(), name="image-withdraw"),
]
