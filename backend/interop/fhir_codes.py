"""The codes the FHIR export uses: LOINC for each exam type's study, DICOM modalities and SOP classes.

Each code here was checked against the published LOINC table or DICOM PS3.4/PS3.16; where no
code fits, the concept is sent as text only, which FHIR allows, rather than with a guessed code.
"""

LOINC = "http://loinc.org"
DICOM_MODALITY = "http://dicom.nema.org/resources/ontology/DCM"
URI = "urn:ietf:rfc:3986"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
REPLACES_EXTENSION = "http://hl7.org/fhir/StructureDefinition/diagnosticReport-replaces"

# (LOINC code, display) of the study, by exam type and number of images. A chest X-ray case of one
# image is a single view; of two, two views. Larger chest cases and retina photographs have no
# LOINC code that fits them exactly: text only.
STUDY_CODES: dict[tuple[str, int | None], tuple[str, str]] = {
    ("chest_xray", 1): ("36554-4", "XR Chest Single view"),
    ("chest_xray", 2): ("36643-5", "XR Chest 2 Views"),
    ("breast_ultrasound", None): ("24601-7", "US Breast"),
}


def study_code(exam_type: str, images: int) -> tuple[str, str] | None:
    return STUDY_CODES.get((exam_type, images)) or STUDY_CODES.get((exam_type, None))


# The modality of an image whose file says none (PNG, JPEG): what the exam type is taken with.
# DX: digital radiography; US: ultrasound; OP: ophthalmic photography (DICOM PS3.3 C.7.3.1.1.1).
EXAM_TYPE_MODALITIES = {"chest_xray": "DX", "breast_ultrasound": "US", "retina_photo": "OP"}

MODALITY_NAMES = {
    "CR": "Computed Radiography",
    "DX": "Digital Radiography",
    "US": "Ultrasound",
    "OP": "Ophthalmic Photography",
    "CT": "Computed Tomography",
    "MR": "Magnetic Resonance",
    "MG": "Mammography",
    "OT": "Other",
}

# SOP classes (DICOM PS3.4 B.5) by modality for DICOM uploads; the stored row keeps the modality,
# not the file's SOP class, so this is the usual class of that modality. PNG and JPEG uploads
# are secondary captures: pictures of an image, not the device's own object.
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
SOP_CLASSES = {
    "CR": "1.2.840.10008.5.1.4.1.1.1",
    "DX": "1.2.840.10008.5.1.4.1.1.1.1",
    "CT": "1.2.840.10008.5.1.4.1.1.2",
    "MR": "1.2.840.10008.5.1.4.1.1.4",
    "US": "1.2.840.10008.5.1.4.1.1.6.1",
    "OP": "1.2.840.10008.5.1.4.1.1.77.1.5.1",
}
