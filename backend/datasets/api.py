import json

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsClinicAdmin
from datasets.manifest import MANIFEST
from datasets.selectors import datasets_list, manifest_summary
from datasets.serializers import DatasetExportRequestSerializer, DatasetSerializer
from datasets.services import dataset_export


class DatasetListCreateView(APIView):
    """De-identified datasets exported from reviewed cases under DATASETS_DIR (clinic admins).

    POST exports the signed reports in force of the patients who consented to research use, in the
    request (a few seconds per hundred images); `manage.py export_dataset` does the same from a shell.
    """

    permission_classes = [IsClinicAdmin]

    @extend_schema(responses=DatasetSerializer(many=True))
    def get(self, request):
        return Response(DatasetSerializer(datasets_list(settings.DATASETS_DIR), many=True).data)

    @extend_schema(request=DatasetExportRequestSerializer, responses={201: DatasetSerializer})
    def post(self, request):
        serializer = DatasetExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        export = dataset_export(out_dir=settings.DATASETS_DIR, exported_by=request.user, **serializer.validated_data)
        manifest = json.loads((export.path / MANIFEST).read_text())
        return Response(DatasetSerializer(manifest_summary(manifest)).data, status=status.HTTP_201_CREATED)
