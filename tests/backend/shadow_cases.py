"""Builders for the shadow tests: a candidate in shadow, and signed cases that both versions read.

The chest model ships two versions: 2.0.0 is the newest, so a fresh database pins it active,
and 1.0.0 is the candidate put in shadow.
"""

from clinic_factories import make_case
from inference.services import shadow_start
from model_packages import CHEST
from readings.models import Reading
from readings.services import reading_complete, reading_record, reading_request
from reports.models import AIAgreement
from reports.services import report_create, report_sign

ACTIVE = "2.0.0"
CANDIDATE = "1.0.0"
POSITIVE, NEGATIVE = "pneumonia", "normal"
# Scores far from both versions' thresholds (0.71 and 0.89), so the label is the score's side.
SCORE = {POSITIVE: 0.97, NEGATIVE: 0.03}
THRESHOLD = {ACTIVE: 0.8861395120620728, CANDIDATE: 0.7078073024749756}


def candidate_in_shadow(admin, version: str = CANDIDATE):
    from inference.selectors import model_active_get

    assert model_active_get(CHEST).version == ACTIVE  # pinned: the newest shipped version
    return shadow_start(name=CHEST, version=version, actor=admin, reason="Compare on our own patients")


def _result(label: str, version: str) -> dict:
    score = SCORE[label]
    return {
        "probabilities": {NEGATIVE: round(1 - score, 6), POSITIVE: score},
        "label": label,
        "score": score,
        "threshold": THRESHOLD[version],
    }


def shadow_reading_of(case, image, label: str, version: str = CANDIDATE) -> Reading:
    pending = reading_request(
        case=case, image=image, requested_by=None, model_name=CHEST, model_version=version, shadow=True
    )
    return reading_complete(reading_id=pending.pk, backend="tensorflow-cpu", **_result(label, version))


def active_reading_of(case, image, label: str) -> Reading:
    return reading_record(
        case=case,
        image=image,
        recorded_by=None,
        model_name=CHEST,
        model_version=ACTIVE,
        runs_on="server",
        backend="tensorflow-cpu",
        **_result(label, ACTIVE),
    )


def signed_shadow_case(*, patient, doctor, active: str, candidate: str, agrees: bool, title: str = "Cough"):
    """A sent case with one image read by the active version (`active` label) and in shadow by the
    candidate (`candidate` label), and a signed report that agrees or disagrees with the active reading."""
    case = make_case(patient=patient, title=title, images=1, submit=True)
    image = case.images.get()
    reading = active_reading_of(case, image, active)
    shadow_reading_of(case, image, candidate)
    agreement = AIAgreement.AGREES if agrees else AIAgreement.DISAGREES
    report = report_create(
        case=case, author=doctor, findings="Reviewed.", impression="See findings.", ai_agreement=agreement, reading=reading
    )
    return report_sign(report=report, signer=doctor)


def shadow_route_kwargs(world, *, with_signed_case: bool = False) -> dict:
    """For the authorization matrix: the candidate in shadow (and a signed case it read, for the comparison).

    Called again for each role by tests that sweep the matrix in one database: in shadow once.
    """
    from inference.selectors import shadow_versions_for

    if CANDIDATE not in shadow_versions_for(CHEST):
        candidate_in_shadow(world.users["admin"])
    if with_signed_case:
        alice, bob = world.users["alice"], world.users["bob"]
        signed_shadow_case(patient=alice, doctor=bob, active=POSITIVE, candidate=NEGATIVE, agrees=True)
    return {"name": CHEST, "version": CANDIDATE}
