"""Exporting reviewed cases as a de-identified dataset (backend/datasets), on real chest X-rays.

The clinic: four consenting patients whose signed reports agree or disagree with the AI, two who
did not consent, a report that cites no reading (one of its two images withdrawn), one whose
impression names no label, one amended report, one citing a shadow reading.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import CareRelationship, Role
from audit.models import AuditEvent
from cases.services import case_create, case_submit
from clinic_factories import make_user
from config.errors import ApplicationError
from datasets.provenance import dataset_salt, provenance_hash
from datasets.services import dataset_export
from imaging.services import image_upload, image_withdraw
from readings.models import Reading
from reports.models import AIAgreement
from reports.services import report_amend, report_create, report_sign
from reviewed_cases import chest_package, real_scans, seed_reviewed_cases
from training.decoding import decode_image_bytes

pytestmark = pytest.mark.django_db


def _no_reading_case(patient, doctor, scans, impression, *, withdraw_first=False):
    case = case_create(created_by=patient, patient=patient, title="Two views")
    images = [image_upload(case=case, uploaded_by=patient, file=ContentFile(p.read_bytes(), name=p.name)) for p, _ in scans]
    if withdraw_first:
        image_withdraw(image=images[0], withdrawn_by=patient)
    case_submit(case=case, submitted_by=patient)
    report = report_create(
        case=case, author=doctor, findings="Two views.", impression=impression, ai_agreement=AIAgreement.NO_READING
    )
    return report_sign(report=report, signer=doctor), images


@pytest.fixture
def clinic(db):
    consenting = seed_reviewed_cases(4, disagree_every=2)
    doctor = consenting[0].report.author
    refusing = seed_reviewed_cases(2, consent=False, doctor=doctor, start=2, prefix="private")

    patient = make_user("nora", Role.PATIENT)
    patient.research_consent = True
    patient.save()
    CareRelationship.objects.create(doctor=doctor, patient=patient, created_by=doctor)
    scans = real_scans(6, start=3)
    # Both scans of this case are pneumonia; the first is withdrawn while the case is a draft.
    no_reading, no_reading_images = _no_reading_case(
        patient, doctor, [scans[1], scans[3]], "Right lower lobe pneumonia.", withdraw_first=True
    )
    unlabelled, _ = _no_reading_case(patient, doctor, [scans[0]], "Study of limited quality; repeat advised.")

    # The first consenting case was normal, read normal, and agreed with; an amendment says the
    # reading was wrong after all: only the amendment counts.
    amended = consenting[0]
    amendment = report_amend(
        original=amended.report, author=doctor, reason="Second look.", findings="Subtle opacity.",
        impression="Early pneumonia.", ai_agreement=AIAgreement.DISAGREES, reading=amended.reading,
    )
    report_sign(report=amendment, signer=doctor)

    shadowed = seed_reviewed_cases(1, doctor=doctor, start=5, prefix="shadowed")[0]
    Reading.objects.filter(pk=shadowed.reading.pk).update(shadow=True)
    return {
        "consenting": consenting, "refusing": refusing, "no_reading": no_reading,
        "no_reading_images": no_reading_images, "unlabelled": unlabelled, "amendment": amendment,
        "shadowed": shadowed, "doctor": doctor, "nora": patient,
    }


def _manifest(export) -> dict:
    return json.loads((export.path / "manifest.json").read_text())


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_it_exports_each_cited_image_with_the_doctors_label_and_counts_what_it_left_out(clinic, tmp_path):
    export = dataset_export(out_dir=tmp_path)
    manifest = _manifest(export)
    package = chest_package()
    salt = dataset_salt()

    assert export.path == tmp_path / package.name / export.version
    assert manifest["format"] == "healthcare-image-dataset" and manifest["format_version"] == 1
    assert (manifest["name"], manifest["exam_type"], manifest["model_name"]) == (package.name, "chest_xray", package.name)
    assert manifest["label_names"] == package.label_names and manifest["channels"] == package.channels
    assert manifest["excluded"] == {
        "withdrawn_case": 0, "no_consent": 2, "shadow_reading": 1, "no_label": 1, "no_image": 0,
        "withdrawn_image": 1, "missing_file": 0, "undecodable_image": 0,
    }

    expected = {
        provenance_hash("image", seeded.image.pk, salt=salt): ("pneumonia" if i == 0 else seeded.label, seeded)
        for i, seeded in enumerate(clinic["consenting"])
    }
    kept = clinic["no_reading_images"][1]
    expected[provenance_hash("image", kept.pk, salt=salt)] = ("pneumonia", None)
    by_image = {example["image"]: example for example in manifest["examples"]}
    assert set(by_image) == set(expected)
    assert {image: example["label"] for image, example in by_image.items()} == {i: e[0] for i, e in expected.items()}
    # Half the readings were wrong and the reports said so: the doctor's label wins either way.
    assert sorted(e["ai_agreement"] for e in manifest["examples"]) == ["agrees", "disagrees", "disagrees", "disagrees", "no_reading"]

    amended = by_image[provenance_hash("image", clinic["consenting"][0].image.pk, salt=salt)]
    assert amended["report"] == provenance_hash("report", clinic["amendment"].pk, salt=salt)
    assert amended["case"] == provenance_hash("case", clinic["consenting"][0].case.pk, salt=salt)
    assert amended["model_version"] == package.version
    no_reading = by_image[provenance_hash("image", kept.pk, salt=salt)]
    assert no_reading["model_version"] is None and no_reading["modality"] is None
    for example in manifest["examples"]:
        assert example["split"] in ("train", "validation", "test")

    # Every file is listed with its SHA-256, and named by it; nothing else is in the folder.
    on_disk = _tree(export.path)
    assert set(on_disk) == {"manifest.json", *manifest["files"]}
    for relative, digest in manifest["files"].items():
        assert hashlib.sha256(on_disk[relative]).hexdigest() == digest and relative == f"images/{digest}.png"
    assert {e["file"] for e in manifest["examples"]} == set(manifest["files"])

    event = AuditEvent.objects.get(action="dataset.export")
    assert event.object_id == f"{package.name}/{export.version}"
    assert event.detail["examples"] == 5 and event.detail["excluded"]["no_consent"] == 2


def test_no_identifier_reaches_any_byte_of_the_output(clinic, tmp_path):
    from accounts.models import User
    from cases.models import Case
    from imaging.models import Image
    from reports.models import Report

    export = dataset_export(out_dir=tmp_path)
    text = b"".join(_tree(export.path).values()).lower()
    identifiers = set()
    for user in User.objects.all():
        identifiers |= {user.username, user.email, user.first_name}
    for case in Case.objects.all():
        identifiers |= {case.title, f"case {case.pk}", f"case:{case.pk}", f'"case": {case.pk}'}
    for image in Image.objects.all():
        identifiers |= {image.original_filename, image.sha256, image.original.name, f"image {image.pk}"}
    for report in Report.objects.all():
        identifiers |= {report.impression, report.findings, f"report {report.pk}"}
    found = sorted(i for i in identifiers if i and i.lower().encode() in text)
    assert not found, found
    # The PNGs hold pixels only: no text, time or colour-profile chunks that could carry a name.
    for relative in _manifest(export)["files"]:
        assert _png_chunks((export.path / relative).read_bytes()) <= {b"IHDR", b"IDAT", b"IEND"}


def _png_chunks(data: bytes) -> set[bytes]:
    chunks, offset = set(), 8
    while offset < len(data):
        length = int.from_bytes(data[offset:offset + 4], "big")
        chunks.add(data[offset + 4:offset + 8])
        offset += 12 + length
    return chunks


def test_a_rerun_gives_the_same_bytes_and_a_new_signed_report_a_new_version(clinic, tmp_path):
    first = dataset_export(out_dir=tmp_path / "a")
    second = dataset_export(out_dir=tmp_path / "b")
    assert first.version == second.version
    assert _tree(first.path) == _tree(second.path)
    again = dataset_export(out_dir=tmp_path / "a")
    assert (again.path, again.created) == (first.path, False)

    seed_reviewed_cases(1, doctor=clinic["doctor"], start=7, prefix="later")
    newer = dataset_export(out_dir=tmp_path / "a")
    assert newer.version != first.version and newer.created
    old, new = _manifest(first), _manifest(newer)
    assert len(new["examples"]) == len(old["examples"]) + 1
    assert all(example in new["examples"] for example in old["examples"])
    assert sorted(p.name for p in (tmp_path / "a" / first.name).iterdir()) == sorted([first.version, newer.version])


def test_the_png_holds_exactly_the_pixels_the_decoder_gives_for_the_stored_original(db, settings, tmp_path, medical_data_dir):
    # A full-size JPEG, stored encrypted: the export reads it back through the storage, which decrypts.
    settings.UPLOAD_ENCRYPTION_KEY = bytes(range(32))
    scan = medical_data_dir / "chest_xray_kermany" / "PNEUMONIA" / "person1_virus_11.jpeg"
    seeded = seed_reviewed_cases(1, scans=[(scan, "pneumonia")])[0]
    assert default_storage.read_stored(seeded.image.original.name) != scan.read_bytes()  # encrypted at rest

    export = dataset_export(out_dir=tmp_path)
    (example,) = _manifest(export)["examples"]
    exported = decode_image_bytes((export.path / example["file"]).read_bytes(), 1)
    original = decode_image_bytes(scan.read_bytes(), 1)
    assert exported.shape == original.shape == (560, 872, 1)  # full size, not a preview
    assert np.array_equal(exported, original)
    assert example["label"] == "pneumonia"


def test_it_says_why_there_is_nothing_to_export(db, tmp_path):
    seed_reviewed_cases(3, consent=False)
    with pytest.raises(ApplicationError) as refused:
        dataset_export(out_dir=tmp_path)
    assert refused.value.code == "nothing_to_export"
    assert refused.value.message == (
        "Nothing to export: 3 signed chest x-ray reports, none usable (3 from patients without research consent)."
    )
    with pytest.raises(ApplicationError, match="there is no signed breast ultrasound report"):
        dataset_export(out_dir=tmp_path, exam_type="breast_ultrasound")
    assert not AuditEvent.objects.filter(action="dataset.export").exists()


def test_bad_input_gets_a_clear_error(db, tmp_path):
    seed_reviewed_cases(1)
    with pytest.raises(ApplicationError, match="Unknown exam type 'ct'; choose one of chest_xray, breast_ultrasound"):
        dataset_export(out_dir=tmp_path, exam_type="ct")
    with pytest.raises(ApplicationError, match="no valid package of model 'no-such-model'"):
        dataset_export(out_dir=tmp_path, model_name="no-such-model")
    with pytest.raises(ApplicationError, match="Model breast-ultrasound-malignancy reads breast_ultrasound, not chest_xray"):
        dataset_export(out_dir=tmp_path, model_name="breast-ultrasound-malignancy")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ApplicationError, match="Cannot create .*a-file/chest-xray-pneumonia: Not a directory") as refused:
        dataset_export(out_dir=blocker)
    assert refused.value.code == "output_not_writable"
    with pytest.raises(ApplicationError, match="A dataset name is"):
        dataset_export(out_dir=tmp_path, name="../escape")


def test_the_command_exports_with_progress_and_filters_by_signing_date(db, tmp_path, capsys):
    import datetime

    seed_reviewed_cases(2)
    today = datetime.datetime.now(datetime.UTC).date()
    call_command("export_dataset", str(tmp_path), "--signed-until", today.isoformat(), "--name", "clinic-chest")
    out = capsys.readouterr().out
    assert "2/2 images decoded (2 exported)" in out and "2 examples; left out: none" in out
    (folder,) = (tmp_path / "clinic-chest").iterdir()
    assert str(folder) in out and (folder / "manifest.json").is_file()

    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="there is no signed chest x-ray report"):
        call_command("export_dataset", str(tmp_path), "--signed-until", yesterday)
    with pytest.raises(CommandError, match="--signed-until wants a date as YYYY-MM-DD, got 'last week'"):
        call_command("export_dataset", str(tmp_path), "--signed-until", "last week")
