"""GET /api/v1/reports/<id>/fhir/: a signed or amended report as a FHIR R4 Bundle, read back by
fhir.resources, with the same access rules and audit as reading the report.

Alice's case holds two real chest X-rays: a PNG from the Kermany set and a DICOM computed
radiograph (RG1_UNCI.dcm). Bob signs a report agreeing with the AI reading, then amends it.
"""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fhir.resources.R4B.bundle import Bundle

from audit.models import AuditEvent
from clinic_factories import client_for, make_case, record_reading, upload_file
from imaging.services import image_upload
from reports.models import AIAgreement
from reports.services import report_amend, report_create, report_sign

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def scans(medical_data_dir) -> list[tuple[str, bytes]]:
    png = medical_data_dir / "chest_xray_kermany_train" / "NORMAL" / "IM-0117-0001.png"
    dicom = medical_data_dir / "dicom" / "RG1_UNCI.dcm"
    return [(png.name, png.read_bytes()), (dicom.name, dicom.read_bytes())]


@pytest.fixture
def signed(alice, bob, scans):
    alice.first_name, alice.last_name, alice.sex = "Alice", "Moreau", "female"
    alice.save()
    case = make_case(patient=alice, title="Cough")
    for name, content in scans:
        image_upload(case=case, uploaded_by=alice, file=upload_file(name, content))
    from cases.services import case_submit

    case = case_submit(case=case, submitted_by=alice)
    reading = record_reading(case=case, image=case.images.first(), user=alice, score=0.91)
    report = report_create(
        case=case,
        author=bob,
        findings="Patchy opacity in the right lower zone.",
        impression="Right lower lobe pneumonia.",
        ai_agreement=AIAgreement.AGREES,
        reading=reading,
    )
    return report_sign(report=report, signer=bob)


@pytest.fixture
def amended(signed, bob):
    amendment = report_amend(
        original=signed,
        author=bob,
        reason="The lateral view shows no consolidation.",
        findings="No consolidation on the lateral view.",
        impression="No pneumonia.",
        ai_agreement=AIAgreement.DISAGREES,
        reading=signed.reading,
    )
    return report_sign(report=amendment, signer=bob)


def fetch(user, report) -> Bundle:
    response = client_for(user).get(f"/api/v1/reports/{report.pk}/fhir/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    # Read back by fhir.resources' own parser: the answer is a valid Bundle of valid resources.
    return Bundle.model_validate_json(response.content)


def resources(bundle: Bundle) -> dict:
    return {entry.resource.get_resource_type(): entry.resource for entry in bundle.entry}


def resolve(bundle: Bundle, reference) -> object:
    matches = [entry.resource for entry in bundle.entry if entry.fullUrl == reference.reference]
    assert len(matches) == 1, f"{reference.reference} is not in the bundle"
    return matches[0]


def test_a_signed_report_is_a_final_diagnostic_report_with_its_reading_and_study(alice, signed):
    bundle = fetch(alice, signed)
    assert bundle.type == "collection"
    assert [entry.resource.get_resource_type() for entry in bundle.entry] == [
        "DiagnosticReport", "Patient", "Practitioner", "ImagingStudy", "Observation", "Device",
    ]
    found = resources(bundle)
    report = found["DiagnosticReport"]
    assert report.status == "final"
    assert [(c.system, c.code) for c in report.code.coding] == [("http://loinc.org", "36643-5")]  # XR Chest 2 Views
    assert report.conclusion == "Right lower lobe pneumonia."
    # fhir.resources decodes base64Binary: the JSON carries the findings base64-encoded.
    assert report.presentedForm[0].data.decode() == "Patchy opacity in the right lower zone."
    assert report.issued == signed.signed_at
    assert report.extension is None

    patient = resolve(bundle, report.subject)
    assert (patient.name[0].text, patient.name[0].family, patient.gender) == ("Alice Moreau", "Moreau", "female")
    assert patient.birthDate is None  # the API shows nobody a date of birth
    assert resolve(bundle, report.performer[0]).name[0].text == "Bob"

    observation = resolve(bundle, report.result[0])
    assert observation.status == "final"
    assert observation.valueCodeableConcept.coding[0].code == "pneumonia"
    probabilities = {c.code.text: float(c.valueQuantity.value) for c in observation.component}
    assert probabilities["probability of pneumonia"] == pytest.approx(0.91)
    assert probabilities["decision threshold"] == pytest.approx(0.5)
    assert observation.interpretation[0].coding[0].code == "POS"
    device = resolve(bundle, observation.device)
    assert (device.deviceName[0].name, device.version[0].value) == ("pneumonia-cnn", "1.0.0")
    study = resolve(bundle, observation.derivedFrom[0])
    assert study is resolve(bundle, report.imagingStudy[0])

    assert (study.numberOfSeries, study.numberOfInstances) == (2, 2)
    # The PNG is a secondary capture read as digital radiography; the DICOM file says CR itself.
    assert [(s.modality.code, s.instance[0].sopClass.code) for s in study.series] == [
        ("DX", "urn:oid:1.2.840.10008.5.1.4.1.1.7"),
        ("CR", "urn:oid:1.2.840.10008.5.1.4.1.1.1"),
    ]
    assert sorted(m.code for m in study.modality) == ["CR", "DX"]
    # The DICOM file's study date (2004-08-26) is when the study was taken; the PNG has only its upload time.
    assert str(study.series[1].started) == str(study.started) == str(report.effectiveDateTime) == "2004-08-26"
    assert study.series[0].started == signed.case.images.order_by("created_at").first().created_at
    uids = [s.uid for s in study.series] + [s.instance[0].uid for s in study.series]
    assert len(set(uids)) == 4 and all(uid.startswith("2.25.") and len(uid) <= 64 for uid in uids)


def test_an_amendment_is_amended_and_points_at_the_report_it_replaces(bob, signed, amended):
    original_url = fetch(bob, signed).entry[0].fullUrl
    report = resources(fetch(bob, amended))["DiagnosticReport"]
    assert report.status == "amended"
    [replaces] = report.extension
    assert replaces.url == "http://hl7.org/fhir/StructureDefinition/diagnosticReport-replaces"
    assert replaces.valueReference.reference == original_url
    assert report.conclusion == "No pneumonia."
    forms = {form.title: form.data.decode() for form in report.presentedForm}
    assert forms == {
        "Findings": "No consolidation on the lateral view.",
        "Reason for the amendment": "The lateral view shows no consolidation.",
    }


def test_who_may_read_the_report_may_export_it_and_every_export_is_audited(alice, bob, charlie, dan, admin, signed):
    draft = report_create(
        case=make_case(patient=alice, images=1, submit=True), author=bob, findings="f", impression="i",
        ai_agreement=AIAgreement.NO_READING,
    )
    expected = {
        (None, signed): 401, (alice, signed): 200, (charlie, signed): 404, (bob, signed): 200, (dan, signed): 404,
        (admin, signed): 200, (alice, draft): 404, (bob, draft): 200,
    }
    for (user, report), status in expected.items():
        response = client_for(user).get(f"/api/v1/reports/{report.pk}/fhir/")
        assert response.status_code == status, (user, report.status, response.content[:200])
        if user is None:
            continue
        event = AuditEvent.objects.filter(actor=user, action="report.fhir_export").latest("id")
        assert (event.object_id, event.patient_id, event.allowed) == (str(report.pk), alice.pk, status == 200)
    body = json.loads(client_for(bob).get(f"/api/v1/reports/{draft.pk}/fhir/").content)
    assert body["entry"][0]["resource"]["status"] == "preliminary"
    # Plain JSON for a client that asks for it; errors keep the API's one shape.
    response = client_for(alice).get(f"/api/v1/reports/{signed.pk}/fhir/", HTTP_ACCEPT="application/json")
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    refused = client_for(charlie).get(f"/api/v1/reports/{signed.pk}/fhir/")
    assert (refused["Content-Type"], set(refused.json())) == ("application/json", {"error"})


def test_the_command_prints_the_same_bundle(signed, capsys, tmp_path):
    call_command("export_fhir", str(signed.pk))
    bundle = Bundle.model_validate_json(capsys.readouterr().out)
    assert resources(bundle)["DiagnosticReport"].conclusion == "Right lower lobe pneumonia."
    assert AuditEvent.objects.filter(actor=None, action="report.fhir_export", object_id=str(signed.pk)).exists()
    call_command("export_fhir", str(signed.pk), "--output", str(tmp_path / "report.json"))
    assert Bundle.model_validate_json((tmp_path / "report.json").read_text()).type == "collection"
    with pytest.raises(CommandError, match="no signed report 999999"):
        call_command("export_fhir", "999999")
