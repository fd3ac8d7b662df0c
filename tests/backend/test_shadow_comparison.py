"""The comparison of a candidate in shadow with the active version, and promotion, on signed cases.

Six signed cases, hand-checked (P pneumonia, N normal; the doctor's label follows from agreeing or
disagreeing with the active reading):

    case  doctor  active  candidate
    1     P       P       P
    2     P       P       N          differ
    3     P       N       P          differ
    4     N       N       N
    5     N       N       N
    6     N       P       N          differ

Active: agrees 4/6, sensitivity 2/3, specificity 2/3. Candidate: agrees 5/6, sensitivity 2/3,
specificity 3/3. Wilson 95%: 2/3 is 0.2077-0.9385, 3/3 is 0.4385-1, 4/6 0.3000-0.9032, 5/6
0.4365-0.9699.
"""

import pytest

from audit.models import AuditEvent
from clinic_factories import client_for, make_case
from config.errors import ApplicationError
from inference.models import ShadowCandidate
from inference.selectors import model_active_get, shadow_versions_for
from inference.services import shadow_start, shadow_stop
from model_packages import CHEST
from reports.models import AIAgreement
from reports.services import report_amend, report_create, report_sign
from shadow.intervals import wilson_interval
from shadow.selectors import shadow_comparison
from shadow.services import shadow_promote
from shadow_cases import (
    ACTIVE,
    CANDIDATE,
    NEGATIVE as N,
    POSITIVE as P,
    active_reading_of,
    candidate_in_shadow,
    shadow_reading_of,
    signed_shadow_case,
)

pytestmark = pytest.mark.django_db

CASES = [  # doctor's label, active's, candidate's
    (P, P, P),
    (P, P, N),
    (P, N, P),
    (N, N, N),
    (N, N, N),
    (N, P, N),
]
COMPARISON = f"/api/v1/models/{CHEST}/shadow/{CANDIDATE}/comparison/"


@pytest.fixture
def six_signed_cases(shipped_models, admin, alice, bob):
    candidate_in_shadow(admin)
    reports = []
    for index, (doctor, active, candidate) in enumerate(CASES, start=1):
        report = signed_shadow_case(
            patient=alice, doctor=bob, active=active, candidate=candidate, agrees=doctor == active, title=f"case {index}"
        )
        reports.append(report)
    return reports


def test_wilson_intervals_match_published_values():
    assert wilson_interval(3, 3) == pytest.approx((0.43850, 1.0), abs=5e-5)
    assert wilson_interval(2, 3) == pytest.approx((0.20766, 0.93851), abs=5e-5)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=5e-5)
    assert wilson_interval(0, 0) is None


def test_the_comparison_counts_what_doctors_signed(six_signed_cases):
    comparison = shadow_comparison(CHEST, CANDIDATE)
    assert (comparison.active_version, comparison.candidate_version, comparison.positive_label) == (ACTIVE, CANDIDATE, P)
    assert len(comparison.images) == 6
    active, candidate = comparison.active, comparison.candidate
    assert (active.agreement.hits, active.agreement.total) == (4, 6)
    assert (active.sensitivity.hits, active.sensitivity.total) == (2, 3)
    assert (active.specificity.hits, active.specificity.total) == (2, 3)
    assert (candidate.agreement.hits, candidate.agreement.total) == (5, 6)
    assert (candidate.sensitivity.hits, candidate.sensitivity.total) == (2, 3)
    assert (candidate.specificity.hits, candidate.specificity.total) == (3, 3)
    assert candidate.specificity.interval == pytest.approx((0.4385, 1.0), abs=1e-4)
    assert active.agreement.interval == pytest.approx((0.3000, 0.9032), abs=1e-4)
    case_ids = [report.case_id for report in six_signed_cases]
    assert [row.case_id for row in comparison.disagreements] == [case_ids[1], case_ids[2], case_ids[5]]


def test_an_amendment_replaces_the_label_and_a_report_without_a_label_is_left_out(six_signed_cases, alice, bob):
    # Case 4: the doctor agreed with "normal"; the signed correction now disagrees: pneumonia.
    original = six_signed_cases[3]
    amendment = report_amend(
        original=original,
        author=bob,
        reason="Missed a consolidation.",
        findings="Right lower lobe consolidation.",
        impression="Pneumonia.",
        ai_agreement=AIAgreement.DISAGREES,
        reading=original.reading,
    )
    report_sign(report=amendment, signer=bob)
    # A case whose report cites no reading and names no label: the comparison cannot use it.
    case = make_case(patient=alice, title="unclear", images=1, submit=True)
    active_reading_of(case, case.images.get(), P)
    shadow_reading_of(case, case.images.get(), P)
    report = report_create(
        case=case, author=bob, findings="Poor inspiration.", impression="Repeat the film.", ai_agreement="no_reading"
    )
    report_sign(report=report, signer=bob)

    comparison = shadow_comparison(CHEST, CANDIDATE)
    assert len(comparison.images) == 6 and comparison.left_out["no_label"] == 1
    # Both versions said normal on case 4, which is now pneumonia: a miss for each.
    assert (comparison.active.agreement.hits, comparison.candidate.agreement.hits) == (3, 4)
    assert (comparison.active.sensitivity.hits, comparison.active.sensitivity.total) == (2, 4)
    assert original.case_id in [row.case_id for row in comparison.disagreements]


def test_only_admins_read_the_comparison_and_the_read_is_audited(six_signed_cases, admin, alice, bob):
    for user in (alice, bob):
        response = client_for(user).get(COMPARISON)
        assert response.status_code == 403
        assert AuditEvent.objects.filter(actor=user, allowed=False, detail__status=403).exists()
    response = client_for(admin).get(COMPARISON)
    assert response.status_code == 200
    body = response.json()
    assert body["compared"] == 6
    specificity = {"hits": 3, "total": 3, "rate": 1.0, "low": pytest.approx(0.4385, abs=1e-4), "high": 1.0}
    assert body["candidate"]["specificity"] == specificity
    assert [row["case"] for row in body["disagreements"]] == [six_signed_cases[i].case_id for i in (1, 2, 5)]
    assert body["disagreements"][0]["active"]["label"] == P and body["disagreements"][0]["candidate"]["label"] == N
    [event] = AuditEvent.objects.filter(actor=admin, action="shadow.comparison_read")
    assert event.patient_id == alice.pk
    assert sorted(event.detail["ids"]) == sorted(report.case_id for report in six_signed_cases)


def test_starting_a_shadow_is_checked_and_audited(shipped_models, admin):
    with pytest.raises(ApplicationError) as refused:
        shadow_start(name=CHEST, version=ACTIVE, actor=admin, reason="Why not")
    assert refused.value.code == "shadow_is_active"
    with pytest.raises(ApplicationError) as refused:
        shadow_start(name=CHEST, version="9.9.9", actor=admin, reason="Why not")
    assert refused.value.status_code == 404
    with pytest.raises(ApplicationError) as refused:
        shadow_start(name=CHEST, version=CANDIDATE, actor=admin, reason="  ")
    assert refused.value.code == "reason_required"

    client = client_for(admin)
    response = client.post(f"/api/v1/models/{CHEST}/shadow/", {"version": CANDIDATE, "reason": "Compare"}, format="json")
    assert response.status_code == 201
    assert response.json()["active_version"] == ACTIVE
    again = client.post(f"/api/v1/models/{CHEST}/shadow/", {"version": CANDIDATE, "reason": "Again"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_in_shadow"
    assert shadow_versions_for(CHEST) == [CANDIDATE]
    assert [c["version"] for c in client.get("/api/v1/shadow-candidates/").json()] == [CANDIDATE]
    event = AuditEvent.objects.get(action="model.shadow_start")
    assert (event.actor, event.object_id) == (admin, CHEST)
    assert (event.detail["version"], event.detail["reason"]) == (CANDIDATE, "Compare")

    stop = client.post(f"/api/v1/models/{CHEST}/shadow/{CANDIDATE}/stop/", {"reason": "Enough seen"}, format="json")
    assert stop.status_code == 204
    assert shadow_versions_for(CHEST) == []
    assert AuditEvent.objects.get(action="model.shadow_stop").detail == {"version": CANDIDATE, "reason": "Enough seen"}
    gone = client.get(COMPARISON)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_in_shadow"


def test_promotion_activates_the_candidate_ends_its_shadow_and_lets_the_old_version_in(six_signed_cases, admin, bob):
    client = client_for(admin)
    url = f"/api/v1/models/{CHEST}/shadow/{CANDIDATE}/promote/"
    assert client_for(bob).post(url, {"reason": "Better"}, format="json").status_code == 403
    assert client.post(url, {}, format="json").status_code == 400  # a reason is required
    assert model_active_get(CHEST).version == ACTIVE

    response = client.post(url, {"reason": "Better specificity on our patients"}, format="json")
    assert response.status_code == 200 and response.json()["active"] is True
    assert model_active_get(CHEST).version == CANDIDATE
    assert shadow_versions_for(CHEST) == []
    assert ShadowCandidate.objects.get(version=CANDIDATE).ended_by == admin
    events = AuditEvent.objects.filter(object_type="model", actor=admin).order_by("id")
    actions = list(events.values_list("action", "detail__version"))
    assert actions[-2:] == [("model.activate", CANDIDATE), ("model.shadow_stop", CANDIDATE)]
    # The version it replaced can now be compared with it in turn.
    shadow_start(name=CHEST, version=ACTIVE, actor=admin, reason="Keep an eye on the old one")
    assert shadow_versions_for(CHEST) == [ACTIVE]
    assert client.post(url, {"reason": "Again"}, format="json").status_code == 404
    assert shadow_stop(name=CHEST, version=ACTIVE, actor=admin, reason="Done").ended_at is not None


def test_activating_a_version_in_shadow_the_ordinary_way_ends_its_shadow(shipped_models, admin):
    candidate_in_shadow(admin)
    response = client_for(admin).post(
        f"/api/v1/models/{CHEST}/activate/", {"version": CANDIDATE, "reason": "Validated elsewhere"}, format="json"
    )
    assert response.status_code == 200
    assert shadow_versions_for(CHEST) == []
    stop = AuditEvent.objects.get(action="model.shadow_stop")
    assert stop.detail == {"version": CANDIDATE, "reason": "activated: Validated elsewhere"}


def test_shadow_report_prints_the_numbers_and_refuses_a_version_not_in_shadow(six_signed_cases):
    import io
    import json

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("shadow_report", CHEST, CANDIDATE, "--json", stdout=out)
    body = json.loads(out.getvalue())
    assert (body["compared"], body["disagreements"]) == (6, 3)
    assert body["candidate"]["specificity"]["low"] == pytest.approx(0.4385, abs=1e-4)
    low, high = pytest.approx(0.3, abs=1e-4), pytest.approx(0.9032, abs=1e-4)
    assert body["active"]["agreement"] == {"hits": 4, "total": 6, "rate": pytest.approx(4 / 6), "low": low, "high": high}
    with pytest.raises(CommandError, match="not in shadow"):
        call_command("shadow_report", CHEST, ACTIVE)
