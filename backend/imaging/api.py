from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import ChangesClinicalRecords
from cases.selectors import case_get
from config.errors import ApplicationError
from imaging import selectors, services
from imaging.serializers import ImageSerializer, ImageUploadSerializer
from imaging.validation import CONTENT_TYPES

EXTENSIONS = {"png": "png", "jpeg": "jpg", "dicom": "dcm"}


class CaseImagesView(APIView):
    permission_classes = [ChangesClinicalRecords]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ImageSerializer(many=True))
    def get(self, request, case_id: int):
        images = selectors.image_list(user=request.user, case_id=case_id)
        return Response(ImageSerializer(images, many=True).data)

    @extend_schema(request={"multipart/form-data": ImageUploadSerializer}, responses={201: ImageSerializer})
    def post(self, request, case_id: int):
        case = case_get(user=request.user, case_id=case_id, action="image.upload", is_write=True)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApplicationError("Send the image as the multipart field 'file'.", code="no_file")
        image = services.image_upload(case=case, uploaded_by=request.user, file=upload)
        return Response(ImageSerializer(image).data, status=status.HTTP_201_CREATED)


class ImageDetailView(APIView):
    @extend_schema(responses=ImageSerializer)
    def get(self, request, image_id: int):
        image = selectors.image_get(user=request.user, image_id=image_id)
        return Response(ImageSerializer(image).data)


def _private_file(*, path: str, content_type: str, download_name: str, as_attachment: bool) -> FileResponse:
    response = FileResponse(
        default_storage.open(path, "rb"),
        content_type=content_type,
        as_attachment=as_attachment,
        filename=download_name,
    )
    # Patient images must not linger in shared caches or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class ImageFileView(APIView):
    """The original upload, byte for byte, as a download."""

    # Served with the upload's own type (imaging.validation.CONTENT_TYPES), so documented as each of them.
    @extend_schema(responses={(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()})
    def get(self, request, image_id: int):
        image = selectors.image_get(user=request.user, image_id=image_id, action="image.download")
        return _private_file(
            path=image.original.name,
            content_type=image.content_type,
            download_name=f"image-{image.pk}.{EXTENSIONS[image.kind]}",
            as_attachment=True,
        )


class ImagePreviewView(APIView):
    """A normalized PNG of the image, with no embedded metadata."""

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request, image_id: int):
        image = selectors.image_get(user=request.user, image_id=image_id, action="image.preview")
        return _private_file(
            path=image.preview.name,
            content_type="image/png",
            download_name=f"image-{image.pk}.png",
            as_attachment=False,
        )


class ImageWithdrawView(APIView):
    """Withdraw an image nobody has reviewed: 204, and from then on it (and its readings) answer 404."""

    permission_classes = [ChangesClinicalRecords]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, image_id: int):
        image = selectors.image_get(user=request.user, image_id=image_id, action="image.withdraw", is_write=True)
        services.image_withdraw(image=image, withdrawn_by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
