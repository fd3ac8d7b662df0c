from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from interop.fhir import report_bundle
from interop.selectors import report_for_fhir


class FhirJSONRenderer(JSONRenderer):
    """FHIR's own JSON media type (http://hl7.org/fhir/R4/http.html#mime-type)."""

    media_type = "application/fhir+json"
    format = "fhir"


class ReportFhirView(APIView):
    """The report as a FHIR R4 Bundle of type collection: DiagnosticReport, Patient, Practitioner,
    ImagingStudy and, when the report cites an AI reading, its Observation and Device
    (docs/interoperability.md). Who may read the report may export it."""

    # Signed in (the default permission); which reports, the selector decides.
    # application/fhir+json unless the client asks for plain application/json.
    renderer_classes = [FhirJSONRenderer, JSONRenderer]

    def finalize_response(self, request, response, *args, **kwargs):
        # Refusals keep the API's one error shape, as application/json, not as FHIR.
        if response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        responses={
            (200, "application/fhir+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4 Bundle."),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="The same Bundle."),
        }
    )
    def get(self, request, report_id: int):
        report, images = report_for_fhir(user=request.user, report_id=report_id)
        return Response(report_bundle(report, images).model_dump(mode="json", exclude_none=True))
