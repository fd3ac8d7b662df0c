import mimetypes

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsClinicAdmin
from config.errors import NotFoundError
from inference import selectors, services
from inference.registry import METADATA_FILE, PackageError
from inference.serializers import ModelActivateSerializer, ModelPackageSerializer

# A version's files never change (their checksums are in its metadata), so browsers and proxies
# may keep them for a year; a new model is a new version at a new URL.
IMMUTABLE = "public, max-age=31536000, immutable"
# The metadata holds those checksums and is not covered by one: browsers recheck it every few minutes.
SHORT_LIVED = "public, max-age=300"

# What a package's served files are (metadata and graph JSON, weight shards, sample images): the
# schema names these, and any other file goes out as bytes.
MODEL_FILE_TYPES = {
    "application/json": OpenApiTypes.OBJECT,
    "application/octet-stream": OpenApiTypes.BINARY,
    "image/png": OpenApiTypes.BINARY,
}


class ModelListView(APIView):
    # Which models are installed, and their published metrics, are no one's patient data: the demo
    # page asks it before anyone signs in (the model files themselves are public too).
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=ModelPackageSerializer(many=True))
    def get(self, request):
        """Installed model packages that passed their checks, with metadata, metrics and TF.js URLs."""
        packages = selectors.models_available()
        active = {package.name: package.version for package in selectors.models_active(packages)}
        return Response(ModelPackageSerializer(packages, many=True, context={"active": active}).data)


class ModelActivateView(APIView):
    permission_classes = [IsClinicAdmin]

    @extend_schema(request=ModelActivateSerializer, responses=ModelPackageSerializer)
    def post(self, request, name: str):
        """Choose the version of a model that new server readings use, saying why (kept in the audit log)."""
        serializer = ModelActivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        package = services.model_activate(name=name, actor=request.user, **serializer.validated_data)
        active = {package.name: package.version}
        return Response(ModelPackageSerializer(package, context={"active": active}).data)


class ModelFileView(APIView):
    """A file of a model package for the browser: its metadata and its TF.js graph and weights."""

    permission_classes = [AllowAny]
    authentication_classes = []  # public, cacheable files: no session, no cookies

    @extend_schema(responses={(200, content_type): body for content_type, body in MODEL_FILE_TYPES.items()})
    def get(self, request, name: str, version: str, filename: str):
        try:
            package = selectors.model_package_get(name, version)
        except PackageError:
            raise NotFoundError("model package") from None
        servable = filename == METADATA_FILE or (filename in package.files and not filename.startswith("saved_model/"))
        if not servable:
            raise NotFoundError("model file")
        guessed = mimetypes.guess_type(filename)[0]
        content_type = guessed if guessed in MODEL_FILE_TYPES else "application/octet-stream"
        response = FileResponse((package.path / filename).open("rb"), content_type=content_type)
        if filename in package.files:
            response["Cache-Control"] = IMMUTABLE
            response["ETag"] = f'"{package.files[filename]}"'
        else:
            response["Cache-Control"] = SHORT_LIVED
        response["Access-Control-Allow-Origin"] = "*"  # weights are public; lets a CDN or other origin use them
        return response

