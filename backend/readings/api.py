from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from accounts.permissions import ChangesClinicalRecords
from cases.selectors import case_get
from imaging.selectors import images_of_case
from readings import selectors
from readings.models import Reading
from readings.queueing import browser_reading_submit, server_reading_request
from readings.serializers import BrowserReadingSerializer, ReadingSerializer, ServerReadingRequestSerializer


def case_image_request(request, *, case_id: int, serializer_class, action: str):
    """The case (visible to this user, who may change it) and the request body naming one of its images."""
    case = case_get(user=request.user, case_id=case_id, action=action, is_write=True)
    serializer = serializer_class(data=request.data)
    serializer.fields["image"].queryset = images_of_case(case)
    serializer.is_valid(raise_exception=True)
    return case, serializer.validated_data


class CaseReadingsView(APIView):
    permission_classes = [ChangesClinicalRecords]

    @extend_schema(responses=ReadingSerializer(many=True))
    def get(self, request, case_id: int):
        readings = selectors.reading_list(user=request.user, case_id=case_id)
        return Response(ReadingSerializer(readings, many=True).data)

    @extend_schema(request=BrowserReadingSerializer, responses={201: ReadingSerializer})
    def post(self, request, case_id: int):
        """Attach a reading computed in the browser; the server re-runs it to verify it when it has the model."""
        case, body = case_image_request(
            request, case_id=case_id, serializer_class=BrowserReadingSerializer, action="reading.create"
        )
        reading = browser_reading_submit(case=case, recorded_by=request.user, **body)
        return Response(ReadingSerializer(reading).data, status=status.HTTP_201_CREATED)


class ServerReadingThrottle(UserRateThrottle):
    """Each server reading decodes an image and runs a model on the workers: a few per user only.

    The rate is read at request time so deployments (and tests) can change it.
    """

    scope = "server-reading"

    def get_rate(self) -> str:
        return settings.SERVER_READING_THROTTLE_RATE


class ServerReadingsView(APIView):
    permission_classes = [ChangesClinicalRecords]
    throttle_classes = [ServerReadingThrottle]

    @extend_schema(request=ServerReadingRequestSerializer, responses={202: ReadingSerializer})
    def post(self, request, case_id: int):
        """Queue a server reading of one of the case's images; poll GET /readings/{id}/ for the result."""
        case, body = case_image_request(
            request, case_id=case_id, serializer_class=ServerReadingRequestSerializer, action="reading.request"
        )
        reading = server_reading_request(case=case, requested_by=request.user, **body)
        # Without a broker the reading has already run in this process: answer its current state.
        reading = Reading.objects.select_related("verification").get(pk=reading.pk)
        return Response(ReadingSerializer(reading).data, status=status.HTTP_202_ACCEPTED)


class ReadingDetailView(APIView):
    @extend_schema(responses=ReadingSerializer)
    def get(self, request, reading_id: int):
        reading = selectors.reading_get(user=request.user, reading_id=reading_id)
        return Response(ReadingSerializer(reading).data)
