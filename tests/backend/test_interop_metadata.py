"""The metadata export (Parquet) and its example SQL (DuckDB), on a small clinic with known times.

Two patients, two doctors, five cases of real chest X-rays over two weeks (2026-11-02 is a
Monday). Sent -> first signed report: 2, 4, 10 and 24 hours. Model 1.0.0 read alice's first two
cases, 2.0.0 charlie's two and alice's third; bob agrees with 1.0.0 twice (the second time in an
amendment of his disagreement), dan agrees once and disagrees once with 2.0.0.
"""

import datetime
import hashlib
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import CareRelationship, Role, User
from audit.models import AuditEvent
from cases.services import case_create, case_submit
from clinic_factories import make_user, upload_file
from imaging.services import image_upload
from interop.analytics import ExportNotFound, example_sql, query_run
from interop.metadata import TABLES, metadata_export
from interop.pseudonyms import Pseudonyms, SaltError, salt_from_file
from readings.models import Reading, ReadingStatus, RunsOn
from readings.services import reading_record, reading_record_refused
from reports.models import AIAgreement
from reports.services import report_amend, report_create, report_sign

SQL_DIR = Path(__file__).resolve().parents[2] / "backend" / "interop" / "sql"
UTC = datetime.timezone.utc
SALT = b"interop-test-salt-0123456789abcdef"
MODEL = "pneumonia-cnn"


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A time in November 2026, UTC."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@contextmanager
def clock(when: datetime.datetime):
    with mock.patch("django.utils.timezone.now", return_value=when):
        yield


def person(username: str, role: str, first: str, last: str, **fields) -> User:
    user = make_user(username, role)
    email = f"{first}.{last}@clinic.example".lower()
    User.objects.filter(pk=user.pk).update(first_name=first, last_name=last, email=email, **fields)
    user.refresh_from_db()
    return user


def read(*, case, version: str, score: float, when: datetime.datetime, user: User) -> Reading:
    with clock(when):
        return reading_record(
            case=case,
            image=case.images.first(),
            recorded_by=user,
            model_name=MODEL,
            model_version=version,
            runs_on=RunsOn.BROWSER,
            backend="wasm",
            probabilities={"normal": round(1 - score, 6), "pneumonia": score},
            label="pneumonia" if score >= 0.5 else "normal",
            score=score,
            threshold=0.5,
            latency_ms=1.5,
        )


def sign(*, case, doctor: User, agreement: str, reading: Reading, when: datetime.datetime, impression: str):
    with clock(when):
        report = report_create(
            case=case,
            author=doctor,
            findings=f"Findings for {case.title}.",
            impression=impression,
            ai_agreement=agreement,
            reading=reading,
        )
        return report_sign(report=report, signer=doctor)


class Clinic:
    """The seeded clinic, with every text a person typed or a file carried, to look for in the export."""

    def __init__(self, scans: list[tuple[str, bytes]]):
        admin = make_user("clinicadmin", Role.ADMIN)
        born = datetime.date(1988, 5, 17)
        self.alice = person("alicew", Role.PATIENT, "Alice", "Wunderlich", date_of_birth=born, sex="female")
        self.charlie = person("charlieo", Role.PATIENT, "Charlie", "Okonkwo")
        self.bob = person("drbob", Role.DOCTOR, "Robert", "Featherstonehaugh")
        self.dan = person("drdan", Role.DOCTOR, "Daniel", "Quixley")
        CareRelationship.objects.create(doctor=self.bob, patient=self.alice, created_by=admin)
        CareRelationship.objects.create(doctor=self.dan, patient=self.charlie, created_by=admin)
        self.scans = scans
        self.texts: list[str] = []

        a1 = self.case(self.alice, "Cough since the ski trip", opened=at(2, 8), sent=at(2, 9), images=2)
        r = read(case=a1, version="1.0.0", score=0.91, when=at(2, 9, 1), user=self.alice)
        sign(case=a1, doctor=self.bob, agreement=AIAgreement.AGREES, reading=r, when=at(2, 11),
             impression="Pneumonia, right lower lobe.")

        a2 = self.case(self.alice, "Wheezing at night", opened=at(3, 8), sent=at(3, 9))
        r = read(case=a2, version="1.0.0", score=0.2, when=at(3, 9, 1), user=self.alice)
        original = sign(case=a2, doctor=self.bob, agreement=AIAgreement.DISAGREES, reading=r, when=at(3, 13),
                        impression="Early pneumonia.")
        with clock(at(4, 9)):
            amendment = report_amend(
                original=original,
                author=self.bob,
                reason="Second look with the lateral view by Dr Featherstonehaugh",
                findings="Clear lungs on review.",
                impression="No pneumonia.",
                ai_agreement=AIAgreement.AGREES,
                reading=r,
            )
        with clock(at(4, 9, 30)):
            report_sign(report=amendment, signer=self.bob)
        self.texts += ["Second look with the lateral view", "Clear lungs on review."]

        c1 = self.case(self.charlie, "Fever after the marathon", opened=at(4, 9), sent=at(4, 10))
        r = read(case=c1, version="2.0.0", score=0.8, when=at(4, 10, 1), user=self.charlie)
        sign(case=c1, doctor=self.dan, agreement=AIAgreement.AGREES, reading=r, when=at(4, 20), impression="Pneumonia.")

        c2 = self.case(self.charlie, "Chest pain climbing stairs", opened=at(9, 7), sent=at(9, 8))
        r = read(case=c2, version="2.0.0", score=0.7, when=at(9, 8, 1), user=self.charlie)
        sign(case=c2, doctor=self.dan, agreement=AIAgreement.DISAGREES, reading=r, when=at(10, 8),
             impression="Normal chest.")

        # Sent, read, not reported yet: one reading refused by the input gate, one candidate's shadow reading.
        a3 = self.case(self.alice, "Follow-up of the ski trip cough", opened=at(10, 8), sent=at(10, 9))
        read(case=a3, version="2.0.0", score=0.3, when=at(10, 9, 1), user=self.alice)
        with clock(at(10, 9, 2)):
            reading_record_refused(
                case=a3,
                image=a3.images.first(),
                recorded_by=self.alice,
                model_name=MODEL,
                model_version="2.0.0",
                runs_on=RunsOn.BROWSER,
                refusal="This does not look like a chest X-ray.",
                input_score=0.1,
            )
        Reading.objects.create(
            case=a3, image=a3.images.first(), model_name=MODEL, model_version="2.1.0", runs_on=RunsOn.SERVER,
            status=ReadingStatus.SUCCEEDED, probabilities={"normal": 0.4, "pneumonia": 0.6}, label="pneumonia",
            score=0.6, threshold=0.5, flagged=True, shadow=True,
        )
        # A draft the patient is still filling in.
        self.case(self.alice, "Rash on the left arm", opened=at(11, 8), sent=None)

        self.texts += [
            "alicew", "charlieo", "drbob", "drdan", "Wunderlich", "Okonkwo", "Featherstonehaugh", "Quixley",
            "Alice", "Charlie", "Robert", "Daniel", "@clinic.example", "1988-05-17", "1988",
            "Pneumonia, right lower lobe.", "Early pneumonia.", "Findings for", "does not look like",
        ]

    def case(self, patient: User, title: str, *, opened, sent, images: int = 1):
        with clock(opened):
            case = case_create(created_by=patient, patient=patient, title=title, description=f"{title}: since Tuesday.")
            for index in range(images):
                name, content = self.scans[(len(self.texts) + index) % len(self.scans)]
                filename = f"{patient.last_name}-scan-{index}-{name}"
                image_upload(case=case, uploaded_by=patient, file=upload_file(filename, content))
                self.texts.append(filename)
        if sent is not None:
            with clock(sent):
                case = case_submit(case=case, submitted_by=patient)
        self.texts += [title, f"{title}: since Tuesday."]
        return case


@pytest.fixture
def scans(medical_data_dir) -> list[tuple[str, bytes]]:
    """Three real chest X-rays (256x256 PNG) from the Kermany train split."""
    folder = medical_data_dir / "chest_xray_kermany_train"
    paths = [folder / "NORMAL" / "IM-0117-0001.png", folder / "NORMAL" / "IM-0129-0001.png"]
    paths.append(sorted((folder / "PNEUMONIA").glob("*.png"))[0])
    return [(path.name, path.read_bytes()) for path in paths]


@pytest.fixture
def clinic(db, scans) -> Clinic:
    return Clinic(scans)


@pytest.fixture
def export(clinic, tmp_path) -> Path:
    metadata_export(out_dir=tmp_path / "export", salt=SALT)
    return tmp_path / "export"


def run(export: Path, name: str) -> list[dict]:
    return query_run(export_dir=export, sql=example_sql(name)).as_dicts()


def test_every_example_query_gives_the_numbers_worked_out_by_hand(clinic, export):
    pseudonym = Pseudonyms(SALT)
    volumes = run(export, "volumes_per_week")
    assert [(str(r["week"]), r["exam_type"], r["cases_sent"], r["cases_reported"], r["images"]) for r in volumes] == [
        ("2026-11-02", "chest_xray", 3, 3, 4),
        ("2026-11-09", "chest_xray", 2, 1, 2),
    ]
    # 2, 4, 10, 24 hours: the median halfway between 4 and 10, the 90th percentile 70% of the way from 10 to 24.
    assert run(export, "turnaround") == [
        {"exam_type": "chest_xray", "cases": 4, "median_hours": 7.0, "p90_hours": 19.8}
    ]
    # Week of the 2nd: 2, 4 and 10 hours; week of the 9th: 24 (alice's third case is not reported yet).
    weekly = run(export, "turnaround_per_week")
    assert [(str(r["week"]), r["cases"], r["median_hours"], r["p90_hours"]) for r in weekly] == [
        ("2026-11-02", 3, 4.0, 8.8),
        ("2026-11-09", 1, 24.0, 24.0),
    ]
    assert run(export, "agreement_by_model") == [
        # Wilson 95%: 2 of 2 -> (0.342, 1.0); 1 of 2 -> (0.095, 0.905).
        {"model_name": MODEL, "model_version": "1.0.0", "reports": 2, "agrees": 2, "agreement": 1.0,
         "agreement_low": 0.342, "agreement_high": 1.0},
        {"model_name": MODEL, "model_version": "2.0.0", "reports": 2, "agrees": 1, "agreement": 0.5,
         "agreement_low": 0.095, "agreement_high": 0.905},
    ]
    doctors = run(export, "agreement_by_doctor")
    by_doctor = {r["doctor_id"]: (r["reports"], r["agrees"], r["agreement"]) for r in doctors}
    assert by_doctor == {
        pseudonym("doctor", clinic.bob.pk): (2, 2, 1.0),
        pseudonym("doctor", clinic.dan.pk): (2, 1, 0.5),
    }
    # The shadow reading of 2.1.0 is not there; the refused reading is one of 2.0.0's four.
    refusals = run(export, "gate_refusals")
    assert [(r["model_version"], r["readings"], r["refused"], r["refused_share"]) for r in refusals] == [
        ("1.0.0", 2, 0, 0.0),
        ("2.0.0", 4, 1, 0.25),
    ]


def test_the_files_hold_no_identity_only_pseudonyms(clinic, export):
    texts = [text.lower() for text in clinic.texts]
    ids = {user.pk for user in (clinic.alice, clinic.charlie, clinic.bob, clinic.dan)}
    for name, schema in TABLES.items():
        table = pq.read_table(export / f"{name}.parquet")
        assert table.schema.equals(schema), name
        for column in table.column_names:
            for value in table.column(column).to_pylist():
                cell = str(value).lower()
                leaks = [text for text in texts if text in cell]
                assert not leaks, f"{name}.{column} holds {leaks}: {value!r}"
                if column.endswith("_id") and value is not None:
                    assert len(value) == Pseudonyms.LENGTH and int(value, 16) not in ids, (name, column, value)
    cases = pq.read_table(export / "cases.parquet").to_pylist()
    # Alice was 38 when she opened her cases; charlie gave no date of birth.
    assert {(row["patient_age_band"], row["patient_sex"]) for row in cases} == {("30-39", "female"), (None, None)}


def test_the_rows_are_the_cases_in_use_and_signed_reports_not_shadow_readings(clinic, export):
    counts = {name: pq.read_metadata(export / f"{name}.parquet").num_rows for name in TABLES}
    # 6 cases (one a draft), 7 images, 6 readings (the shadow one left out), 5 signed reports.
    assert counts == {"cases": 6, "images": 7, "readings": 6, "reports": 5}
    reports = pq.read_table(export / "reports.parquet").to_pylist()
    # Each report's label as the doctor says it (reports.labels.doctor_label); the amended one is not in force.
    rows = [(r["ai_label"], r["ai_agreement"], r["doctor_label"], r["in_force"], r["is_amendment"]) for r in reports]
    assert sorted(rows) == [
        ("normal", "agrees", "normal", True, True),
        ("normal", "disagrees", "pneumonia", False, False),
        ("pneumonia", "agrees", "pneumonia", True, False),
        ("pneumonia", "agrees", "pneumonia", True, False),
        ("pneumonia", "disagrees", "normal", True, False),
    ]
    amendment = next(r for r in reports if r["is_amendment"])
    assert amendment["amends"] == next(r["report_id"] for r in reports if not r["in_force"])
    event = AuditEvent.objects.get(action="metadata.export")
    assert event.detail["rows"] == counts


def test_the_same_data_gives_the_same_bytes_and_another_salt_other_pseudonyms(clinic, export, tmp_path):
    again = metadata_export(out_dir=tmp_path / "again", salt=SALT).directory
    other = metadata_export(out_dir=tmp_path / "other", salt=b"another-installation-salt-000000").directory
    for name in TABLES:
        digest = hashlib.sha256((export / f"{name}.parquet").read_bytes()).hexdigest()
        assert hashlib.sha256((again / f"{name}.parquet").read_bytes()).hexdigest() == digest, name
    first = pq.read_table(export / "cases.parquet").column("patient_id").to_pylist()
    second = pq.read_table(other / "cases.parquet").column("patient_id").to_pylist()
    assert not set(first) & set(second)


def test_the_commands_export_and_query(clinic, tmp_path, capsys):
    out = tmp_path / "by-command"
    salt_file = tmp_path / "salt"
    salt_file.write_text("0123456789abcdef0123456789abcdef\n")
    call_command("export_metadata", str(out), "--salt-file", str(salt_file))
    assert "reports.parquet: 5 rows" in capsys.readouterr().out
    call_command("metadata_query", str(out), "turnaround")  # an example, by name
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["exam_type", "cases", "median_hours", "p90_hours"]
    assert lines[1].split() == ["chest_xray", "4", "7.0", "19.8"]


def test_bad_input_gets_a_clear_message(tmp_path, db):
    short = tmp_path / "short"
    short.write_text("tiny")
    with pytest.raises(SaltError, match="needs at least 16"):
        salt_from_file(short)
    with pytest.raises(CommandError, match="cannot read the salt file"):
        call_command("export_metadata", str(tmp_path / "out"), "--salt-file", str(tmp_path / "missing"))
    with pytest.raises(ExportNotFound, match="cases.parquet, images.parquet, readings.parquet, reports.parquet"):
        query_run(export_dir=tmp_path, sql="SELECT 1")
    with pytest.raises(CommandError, match="is not a metadata export"):
        call_command("metadata_query", str(tmp_path), str(SQL_DIR / "turnaround.sql"))
    with pytest.raises(CommandError, match="no example query 'turnover'; there are: agreement_by_doctor"):
        call_command("metadata_query", str(tmp_path), "turnover")


def test_an_empty_practice_exports_four_empty_files_that_the_queries_read(db, tmp_path):
    export = metadata_export(out_dir=tmp_path / "empty", salt=SALT)
    assert export.rows == dict.fromkeys(TABLES, 0)
    for name, schema in TABLES.items():
        assert pq.read_table(export.directory / f"{name}.parquet").schema.equals(schema)
    assert run(export.directory, "turnaround") == []


def test_the_dashboard_draws_the_example_queries(clinic, export, tmp_path):
    from PIL import Image as PILImage

    from interop.dashboard import metadata_plot

    out = tmp_path / "plots" / "dashboard.png"
    drawn = metadata_plot(export_dir=export, out=out)
    assert [row["cases_sent"] for row in drawn.volumes] == [3, 2]
    assert [row["median_hours"] for row in drawn.turnaround] == [4.0, 24.0]
    assert [(row["model_version"], row["agreement_low"]) for row in drawn.agreement] == [
        ("1.0.0", 0.342),
        ("2.0.0", 0.095),
    ]
    with PILImage.open(out) as picture:
        assert (picture.format, picture.size) == ("PNG", (1500, 450))
    with pytest.raises(CommandError, match="name it"):
        call_command("metadata_plot", str(export), str(tmp_path / "dashboard.jpg"))
