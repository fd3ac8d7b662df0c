"""A doctor's report as a FHIR R4 Bundle (the R4B models of fhir.resources, see below).

The Bundle (type `collection`) holds the `DiagnosticReport`, the `Patient`, the doctor as
`Practitioner`, the case's images as one `ImagingStudy` (a series of one instance per image),
and, when the report cites an AI reading, that reading as an `Observation` with the model as
`Device`. Every resource is built by its fhir.resources model, which validates it.

fhir.resources 8 carries FHIR R5 as its default package and R4B (4.3.0) beside it, but not R4
(4.0.1). R4B changed none of the elements used here from R4, so a receiver that speaks R4 reads
these resources as R4.
"""

import base64
import re
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.imagingstudy import ImagingStudy
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

from accounts.models import User
from cases.models import Case
from imaging.models import Image, ImageKind
from interop import fhir_codes as codes
from readings.models import Reading, ReadingStatus
from reports.models import Report, ReportStatus
from training.exam_types import EXAM_TYPES

FHIR_VERSION = "4.3.0"


def _full_url(resource_type: str, pk: Any) -> str:
    """A stable urn:uuid for one row as one resource type, the same on every export."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.PUBLIC_BASE_URL}/fhir/{resource_type}/{pk}')}"


def _dicom_uid(kind: str, pk: Any) -> str:
    """A DICOM UID for a study, series or instance: 2.25 followed by a UUID as one integer (PS3.5 B.2)."""
    return f"2.25.{uuid.uuid5(uuid.NAMESPACE_URL, f'{settings.PUBLIC_BASE_URL}/dicom/{kind}/{pk}').int}"


def _reference(resource_type: str, pk: Any, display: str | None = None) -> dict:
    reference = {"reference": _full_url(resource_type, pk), "type": resource_type}
    return {**reference, "display": display} if display else reference


def _identifier(path: str, pk: Any) -> dict:
    """The row's id in this installation's API, e.g. reports/12 under {PUBLIC_BASE_URL}/api/v1/reports/."""
    return {"system": f"{settings.PUBLIC_BASE_URL}/api/v1/{path}/", "value": str(pk)}


def _instant(value) -> str | None:
    return value.isoformat() if value is not None else None


def _name(person: User) -> dict:
    """The name the API shows of a person: the full name, else the username."""
    name: dict[str, Any] = {"text": person.get_full_name() or person.username}
    if person.last_name:
        name["family"] = person.last_name
    if person.first_name:
        name["given"] = [person.first_name]
    return name


def patient_resource(patient: User) -> Patient:
    """The patient as the API shows her beside her case: her name and sex.

    No birthDate: the API shows nobody a patient's date of birth, only her age in years.
    """
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [_identifier("users", patient.pk)],
        "name": [_name(patient)],
    }
    if patient.sex:
        resource["gender"] = patient.sex  # female, male, other: FHIR's administrative genders
    return Patient.model_validate(resource)


def practitioner_resource(doctor: User) -> Practitioner:
    return Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": str(doctor.pk),
            "identifier": [_identifier("users", doctor.pk)],
            "name": [_name(doctor)],
        }
    )


def _modality(image: Image, exam_type: str) -> str:
    return (image.modality or codes.EXAM_TYPE_MODALITIES.get(exam_type, "OT")).upper()


def _modality_coding(modality: str) -> dict:
    coding = {"system": codes.DICOM_MODALITY, "code": modality}
    name = codes.MODALITY_NAMES.get(modality)
    return {**coding, "display": name} if name else coding


def _sop_class(image: Image, modality: str) -> str:
    if image.kind != ImageKind.DICOM:
        return codes.SECONDARY_CAPTURE
    return codes.SOP_CLASSES.get(modality, codes.SECONDARY_CAPTURE)


def _taken(image: Image) -> str:
    """When the image was taken as far as we know: the DICOM study date, else its upload time."""
    return image.study_date.isoformat() if image.study_date else _instant(image.created_at)


def _study_date(images: Sequence[Image]) -> str | None:
    dates = sorted(image.study_date for image in images if image.study_date)
    return dates[0].isoformat() if dates else None


def imaging_study_resource(case: Case, images: Sequence[Image]) -> ImagingStudy:
    """The case's images as one study: one series of one instance per image, in upload order."""
    series = []
    for number, image in enumerate(images, start=1):
        modality = _modality(image, case.exam_type)
        series.append(
            {
                "uid": _dicom_uid("series", image.pk),
                "number": number,
                "modality": _modality_coding(modality),
                "numberOfInstances": 1,
                "started": _taken(image),
                "instance": [
                    {
                        "uid": _dicom_uid("instance", image.pk),
                        "sopClass": {"system": codes.URI, "code": f"urn:oid:{_sop_class(image, modality)}"},
                        "number": 1,
                    }
                ],
            }
        )
    modalities = sorted({entry["modality"]["code"] for entry in series})
    resource: dict[str, Any] = {
        "resourceType": "ImagingStudy",
        "id": str(case.pk),
        "identifier": [
            {"system": codes.URI, "value": f"urn:oid:{_dicom_uid('study', case.pk)}"},
            _identifier("cases", case.pk),
        ],
        "status": "available",
        "subject": _reference("Patient", case.patient_id),
        "description": EXAM_TYPES.get(case.exam_type, case.exam_type),
        "numberOfSeries": len(series),
        "numberOfInstances": len(series),
        "modality": [_modality_coding(modality) for modality in modalities],
        "series": series,
    }
    if images:
        resource["started"] = _study_date(images) or _instant(images[0].created_at)
    return ImagingStudy.model_validate(resource)


def _device_id(reading: Reading) -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "-", f"{reading.model_name}-{reading.model_version}")[:64]


def device_resource(reading: Reading) -> Device:
    """The model that made the reading, named and versioned as its package is."""
    return Device.model_validate(
        {
            "resourceType": "Device",
            "id": _device_id(reading),
            "deviceName": [{"name": reading.model_name, "type": "model-name"}],
            "version": [{"value": reading.model_version}],
            "type": {"text": "AI model for medical image analysis (not a medical device)"},
        }
    )


OBSERVATION_STATUS = {
    ReadingStatus.PENDING: "registered",
    ReadingStatus.RUNNING: "registered",
    ReadingStatus.SUCCEEDED: "final",
    ReadingStatus.FAILED: "cancelled",
    ReadingStatus.REFUSED: "cancelled",
}


def _probability(text: str, value: float) -> dict:
    return {
        "code": {"text": text},
        "valueQuantity": {"value": value, "unit": "probability", "system": codes.UCUM, "code": "1"},
    }


def _labels_system(reading: Reading) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/models/{reading.model_name}/labels"


def observation_resource(reading: Reading, case: Case) -> Observation:
    """The AI reading: its label as the value, each label's probability, the threshold and the
    input gate's score as components, the model as device and method, read from the case's study."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(reading.pk),
        "identifier": [_identifier("readings", reading.pk)],
        "status": OBSERVATION_STATUS[reading.status],
        "code": {
            "coding": [{"system": f"{settings.PUBLIC_BASE_URL}/api/v1/models", "code": reading.model_name}],
            "text": f"AI reading by {reading.model_name}",
        },
        "subject": _reference("Patient", case.patient_id),
        "effectiveDateTime": _instant(reading.created_at),
        "device": _reference("Device", _device_id(reading), f"{reading.model_name} {reading.model_version}"),
        "method": {
            "text": f"{reading.model_name} {reading.model_version}, run on the {reading.runs_on}"
            + (f" ({reading.backend})" if reading.backend else "")
        },
        "derivedFrom": [_reference("ImagingStudy", case.pk)],
    }
    if reading.completed_at is not None:
        resource["issued"] = _instant(reading.completed_at)
    if reading.label:
        resource["valueCodeableConcept"] = {
            "coding": [{"system": _labels_system(reading), "code": reading.label}],
            "text": reading.label,
        }
    else:
        reason = "not-applicable" if reading.status == ReadingStatus.REFUSED else "error"
        resource["dataAbsentReason"] = {
            "coding": [{"system": codes.DATA_ABSENT, "code": reason}],
            "text": reading.refusal or reading.error or reading.get_status_display(),
        }
    components = [
        _probability(f"probability of {name}", value) for name, value in sorted(reading.probabilities.items())
    ]
    if reading.threshold is not None:
        components.append(_probability("decision threshold", reading.threshold))
    if reading.input_score is not None:
        components.append(_probability("input gate score", reading.input_score))
    if components:
        resource["component"] = components
    if reading.status == ReadingStatus.SUCCEEDED and reading.score is not None:
        code, display = ("POS", "Positive") if reading.flagged else ("NEG", "Negative")
        resource["interpretation"] = [{"coding": [{"system": codes.INTERPRETATION, "code": code, "display": display}]}]
    return Observation.model_validate(resource)


def _text_attachment(title: str, text: str) -> dict:
    return {
        "contentType": "text/plain; charset=utf-8",
        "title": title,
        "data": base64.b64encode(text.encode()).decode(),
    }


def diagnostic_report_status(report: Report) -> str:
    """final: a signed report; amended: a signed amendment; preliminary: a draft (its doctors only)."""
    if report.status != ReportStatus.SIGNED:
        return "preliminary"
    return "amended" if report.amends_id is not None else "final"


def diagnostic_report_resource(report: Report, images: Sequence[Image]) -> DiagnosticReport:
    case = report.case
    study = codes.study_code(case.exam_type, len(images))
    code: dict[str, Any] = {"text": EXAM_TYPES.get(case.exam_type, case.exam_type)}
    if study is not None:
        code["coding"] = [{"system": codes.LOINC, "code": study[0], "display": study[1]}]
    author = _reference("Practitioner", report.author_id, report.author.get_full_name() or report.author.username)
    forms = [_text_attachment("Findings", report.findings)]
    if report.amendment_reason:
        forms.append(_text_attachment("Reason for the amendment", report.amendment_reason))
    resource: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": str(report.pk),
        "identifier": [_identifier("reports", report.pk)],
        "status": diagnostic_report_status(report),
        "code": code,
        "subject": _reference("Patient", case.patient_id),
        "performer": [author],
        "resultsInterpreter": [author],
        "imagingStudy": [_reference("ImagingStudy", case.pk)],
        "conclusion": report.impression,
        "presentedForm": forms,
    }
    # The clinically relevant time: the DICOM study date when a file gives one, else when it was sent.
    effective = _study_date(images) or _instant(case.submitted_at)
    if effective is not None:
        resource["effectiveDateTime"] = effective
    if report.signed_at is not None:
        resource["issued"] = _instant(report.signed_at)
    if report.reading_id is not None:
        resource["result"] = [_reference("Observation", report.reading_id)]
    if report.amends_id is not None:
        replaced = _reference("DiagnosticReport", report.amends_id)
        resource["extension"] = [{"url": codes.REPLACES_EXTENSION, "valueReference": replaced}]
    return DiagnosticReport.model_validate(resource)


def report_bundle(report: Report, images: Sequence[Image]) -> Bundle:
    """The report and what it rests on, as one FHIR collection Bundle, the report first."""
    case = report.case
    resources = [
        ("DiagnosticReport", report.pk, diagnostic_report_resource(report, images)),
        ("Patient", case.patient_id, patient_resource(case.patient)),
        ("Practitioner", report.author_id, practitioner_resource(report.author)),
        ("ImagingStudy", case.pk, imaging_study_resource(case, images)),
    ]
    reading = report.reading
    if reading is not None:
        resources.append(("Observation", reading.pk, observation_resource(reading, case)))
        resources.append(("Device", _device_id(reading), device_resource(reading)))
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": _instant(report.updated_at)},
            "type": "collection",
            "timestamp": _instant(timezone.now()),
            "entry": [
                {"fullUrl": _full_url(resource_type, pk), "resource": resource}
                for resource_type, pk, resource in resources
            ],
        }
    )
