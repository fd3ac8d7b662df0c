"""GET /api/v1/reports/agreement/: how often the reports in force agree with the AI, per model version."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from clinic_factories import client_for, make_case
from readings.services import reading_record
from reports.models import AIAgreement
from reports.services import report_amend, report_create, report_sign

URL = "/api/v1/reports/agreement/"
MARCH = datetime(2026, 3, 10, 12, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 12, tzinfo=UTC)
MAY = datetime(2026, 5, 10, 12, tzinfo=UTC)


def reading_of(case, *, version: str = "1.0.0", model: str = "chest-xray-pneumonia"):
    return reading_record(
        case=case,
        image=case.images.get(),
        recorded_by=case.patient,
        model_name=model,
        model_version=version,
        runs_on="browser",
        backend="wasm",
        probabilities={"normal": 0.2, "pneumonia": 0.8},
        label="pneumonia",
        score=0.8,
        threshold=0.5,
    )


def sign(report, doctor, at: datetime | None):
    if at is None:
        return report_sign(report=report, signer=doctor)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: at)
        return report_sign(report=report, signer=doctor)


def signed_report(
    patient, doctor, agreement: str, *, version: str = "1.0.0", model: str = "chest-xray-pneumonia", at=None
):
    """A new case of `patient` with one reading, reported and signed by `doctor`."""
    case = make_case(patient=patient, images=1, submit=True)
    reading = None if agreement == AIAgreement.NO_READING else reading_of(case, version=version, model=model)
    report = report_create(
        case=case, author=doctor, findings="f", impression="i", ai_agreement=agreement, reading=reading
    )
    return sign(report, doctor, at)


def amend(original, doctor, agreement: str, *, version: str = "1.0.0", signed: bool = True, at=None):
    reading = None if agreement == AIAgreement.NO_READING else reading_of(original.case, version=version)
    amendment = report_amend(
        original=original,
        author=doctor,
        reason="Second look.",
        findings="f2",
        impression="i2",
        ai_agreement=agreement,
        reading=reading,
    )
    return sign(amendment, doctor, at) if signed else amendment


def agreement(admin, **params):
    response = client_for(admin).get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def by_version(body) -> dict[tuple[str, str], dict]:
    return {(row["model_name"], row["model_version"]): row for row in body["versions"]}


def test_it_counts_agreement_per_model_version(admin, alice, bob):
    for _ in range(3):
        signed_report(alice, bob, AIAgreement.AGREES, version="1.0.0")
    signed_report(alice, bob, AIAgreement.DISAGREES, version="1.0.0")
    signed_report(alice, bob, AIAgreement.DISAGREES, version="1.1.0")
    signed_report(alice, bob, AIAgreement.AGREES, model="breast-ultrasound-malignancy")
    signed_report(alice, bob, AIAgreement.NO_READING)

    body = agreement(admin)

    assert body["versions"] == [
        {"model_name": "breast-ultrasound-malignancy", "model_version": "1.0.0",
         "agrees": 1, "disagrees": 0, "reports": 1, "agreement_rate": 1.0},
        {"model_name": "chest-xray-pneumonia", "model_version": "1.0.0",
         "agrees": 3, "disagrees": 1, "reports": 4, "agreement_rate": 0.75},
        {"model_name": "chest-xray-pneumonia", "model_version": "1.1.0",
         "agrees": 0, "disagrees": 1, "reports": 1, "agreement_rate": 0.0},
    ]
    assert body["no_reading"] == 1
    assert body["reports"] == 7


def test_it_counts_nothing_when_no_report_is_signed(admin, alice, bob):
    case = make_case(patient=alice, images=1, submit=True)
    reading = reading_of(case)
    report_create(case=case, author=bob, findings="f", impression="i", ai_agreement=AIAgreement.AGREES, reading=reading)

    assert agreement(admin) == {"reports": 0, "no_reading": 0, "versions": []}


def test_a_signed_amendment_replaces_the_report_it_corrects(admin, alice, bob):
    original = signed_report(alice, bob, AIAgreement.AGREES, version="1.0.0")
    amend(original, bob, AIAgreement.DISAGREES, version="1.0.0")

    body = agreement(admin)

    assert by_version(body)[("chest-xray-pneumonia", "1.0.0")]["agrees"] == 0
    assert by_version(body)[("chest-xray-pneumonia", "1.0.0")]["disagrees"] == 1
    assert body["reports"] == 1


def test_a_draft_amendment_leaves_the_signed_report_in_force(admin, alice, bob):
    original = signed_report(alice, bob, AIAgreement.AGREES)
    amend(original, bob, AIAgreement.DISAGREES, signed=False)

    row = by_version(agreement(admin))[("chest-xray-pneumonia", "1.0.0")]

    assert (row["agrees"], row["disagrees"]) == (1, 0)


def test_only_the_last_signed_amendment_of_a_chain_counts(admin, alice, bob):
    original = signed_report(alice, bob, AIAgreement.AGREES, version="1.0.0")
    first = amend(original, bob, AIAgreement.DISAGREES, version="1.0.0")
    second = amend(first, bob, AIAgreement.AGREES, version="2.0.0")
    amend(second, bob, AIAgreement.DISAGREES, version="2.0.0", signed=False)

    body = agreement(admin)

    assert body["versions"] == [
        {"model_name": "chest-xray-pneumonia", "model_version": "2.0.0",
         "agrees": 1, "disagrees": 0, "reports": 1, "agreement_rate": 1.0},
    ]
    assert body["reports"] == 1


def test_an_amendment_that_drops_the_ai_reading_counts_as_no_reading(admin, alice, bob):
    original = signed_report(alice, bob, AIAgreement.AGREES)
    amend(original, bob, AIAgreement.NO_READING)

    assert agreement(admin) == {"reports": 1, "no_reading": 1, "versions": []}


def test_versions_are_ordered_as_numbers(admin, alice, bob):
    for version in ("1.10.0", "1.9.0", "1.2.0"):
        signed_report(alice, bob, AIAgreement.AGREES, version=version)

    versions = [row["model_version"] for row in agreement(admin)["versions"]]

    assert versions == ["1.2.0", "1.9.0", "1.10.0"]


def test_it_filters_by_when_the_report_in_force_was_signed(admin, alice, bob):
    signed_report(alice, bob, AIAgreement.AGREES, at=MARCH)
    signed_report(alice, bob, AIAgreement.DISAGREES, at=APRIL)
    signed_report(alice, bob, AIAgreement.NO_READING, at=APRIL)
    corrected = signed_report(alice, bob, AIAgreement.AGREES, at=MARCH)
    amend(corrected, bob, AIAgreement.DISAGREES, at=MAY)

    april = agreement(admin, signed_after="2026-04-01T00:00:00Z", signed_before="2026-05-01T00:00:00Z")
    assert april["reports"] == 2 and april["no_reading"] == 1
    assert [(r["agrees"], r["disagrees"]) for r in april["versions"]] == [(0, 1)]

    # The March report corrected in May counts in May, where its amendment was signed.
    since_april = agreement(admin, signed_after="2026-04-01")
    assert [(r["agrees"], r["disagrees"]) for r in since_april["versions"]] == [(0, 2)]
    march = agreement(admin, signed_before="2026-04-01")
    assert [(r["agrees"], r["disagrees"]) for r in march["versions"]] == [(1, 0)]


def test_it_refuses_a_date_range_that_ends_before_it_starts(admin):
    response = client_for(admin).get(URL, {"signed_after": "2026-05-01", "signed_before": "2026-04-01"})

    assert response.status_code == 400
    assert "signed_before" in response.json()["error"]["details"]["fields"]


def test_it_refuses_a_date_it_cannot_read(admin):
    response = client_for(admin).get(URL, {"signed_after": "last tuesday"})

    assert response.status_code == 400
    assert "signed_after" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize("role", ["alice", "bob"])
def test_doctors_and_patients_are_refused(role, request):
    response = client_for(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 403


def test_anonymous_visitors_are_refused(anon_client, db):
    assert anon_client.get(URL).status_code == 401
