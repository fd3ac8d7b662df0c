"""Every endpoint that shows patient data, called by someone allowed to: does the log name what it showed?

Built on the authorization matrix (its world, URLs, bodies and endpoint list from the URL
resolver). Each endpoint is either in SHOWS (what patient data its answer shows) or in
SHOWS_NO_PATIENT_DATA (and why); a new endpoint fails `test_every_endpoint_is_classified` until
someone decides which. For each endpoint in SHOWS, every object in the answer must be named by
an audit event of that request (its id as `object_id` or in `detail["ids"]`) with its patient.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest

from accounts.models import CareRelationship, Role, User
from audit.models import AuditEvent
from cases.models import Case
from clinic_factories import make_case
from imaging.models import Image
from readings.models import Reading
from reports.models import Report
from test_authorization_matrix import MATRIX, World, api_endpoints, call, world  # noqa: F401 (world: a fixture)

# Who calls each endpoint: the first of these the authorization matrix lets through. Admins
# first, because they see both patients' data in the lists.
CALLERS = ["admin", "bob", "alice"]

Shown = set[tuple[str, str, int | None]]  # (object type, object id, patient id)


def _rows(response) -> list[dict]:
    body = response.json()
    if isinstance(body, dict) and "results" in body:
        return body["results"]
    return body if isinstance(body, list) else [body]


def ids_in_body(response, kwargs) -> list:
    return [row["id"] for row in _rows(response)]


def url_kwarg(name: str) -> Callable:
    """For answers that are files (no ids in the body): the object the URL names."""
    return lambda response, kwargs: [kwargs[name]]


@dataclass(frozen=True)
class Shows:
    object_type: str
    ids: Callable = ids_in_body


SHOWS = {
    ("GET", "patients/"): Shows("patient"),
    ("GET", "patients/<int:patient_id>/history/"): Shows("patient", url_kwarg("patient_id")),
    ("GET", "users/"): Shows("user"),
    ("GET", "users/<int:user_id>/"): Shows("user"),
    ("PATCH", "users/<int:user_id>/"): Shows("user"),
    ("POST", "users/<int:user_id>/unlock/"): Shows("user"),
    ("POST", "invitations/"): Shows("user"),
    ("GET", "care-relationships/"): Shows("care_relationship"),
    ("POST", "care-relationships/"): Shows("care_relationship"),
    ("POST", "care-relationships/<int:relationship_id>/end/"): Shows("care_relationship"),
    ("GET", "cases/"): Shows("case"),
    ("GET", "cases/queue/"): Shows("case"),
    ("POST", "cases/<int:case_id>/take/"): Shows("case"),
    ("POST", "cases/"): Shows("case"),
    ("GET", "cases/<int:case_id>/"): Shows("case"),
    ("PATCH", "cases/<int:case_id>/"): Shows("case"),
    ("POST", "cases/<int:case_id>/submit/"): Shows("case"),
    ("GET", "cases/<int:case_id>/images/"): Shows("image"),
    ("POST", "cases/<int:case_id>/images/"): Shows("image"),
    ("GET", "images/<int:image_id>/"): Shows("image"),
    ("GET", "images/<int:image_id>/file/"): Shows("image", url_kwarg("image_id")),
    ("GET", "images/<int:image_id>/preview/"): Shows("image", url_kwarg("image_id")),
    ("GET", "cases/<int:case_id>/readings/"): Shows("reading"),
    ("POST", "cases/<int:case_id>/readings/"): Shows("reading"),
    ("POST", "cases/<int:case_id>/server-readings/"): Shows("reading"),
    ("GET", "readings/<int:reading_id>/"): Shows("reading"),
    ("GET", "cases/<int:case_id>/reports/"): Shows("report"),
    ("POST", "cases/<int:case_id>/reports/"): Shows("report"),
    ("GET", "reports/<int:report_id>/"): Shows("report"),
    ("PATCH", "reports/<int:report_id>/"): Shows("report"),
    ("POST", "reports/<int:report_id>/sign/"): Shows("report"),
    ("POST", "reports/<int:report_id>/amend/"): Shows("report"),
    ("GET", "reports/<int:report_id>/fhir/"): Shows("report", url_kwarg("report_id")),
    ("GET", "models/<str:name>/shadow/<str:version>/comparison/"): Shows(
        "case", lambda response, kwargs: [row["case"] for row in response.json()["disagreements"]]
    ),
}

SHOWS_NO_PATIENT_DATA = {
    ("GET", "health/"): "service status",
    ("GET", "schema/"): "the API's description",
    ("GET", "docs/"): "the API's description",
    ("GET", "auth/csrf/"): "a CSRF token",
    ("POST", "auth/register/"): "the caller's own new account (recorded as user.register)",
    ("POST", "auth/login/"): "the caller's own account (recorded as auth.login)",
    ("POST", "auth/token/"): "the caller's own token (recorded as auth.token_create)",
    ("POST", "auth/invitations/accept/"): "the caller's own account (recorded as user.accept_invitation)",
    ("POST", "auth/logout/"): "nothing",
    ("POST", "auth/logout-everywhere/"): "nothing",
    ("GET", "auth/me/"): "the caller's own name and role",
    ("GET", "auth/tokens/"): "the caller's own API tokens",
    ("GET", "auth/research-consent/"): "the caller's own research consent",
    ("PUT", "auth/research-consent/"): "the caller's own research consent (recorded as account.research_consent)",
    ("DELETE", "auth/tokens/<int:token_id>/"): "the caller's own token (recorded as auth.token_revoke)",
    ("POST", "auth/password-reset/"): "nothing: the same answer for any address (recorded as auth.password_reset_request)",
    ("POST", "auth/password-reset/confirm/"): "the caller's own account (recorded as auth.password_reset)",
    ("POST", "mfa/enrolment/"): "the caller's own new authenticator (recorded as mfa.enrol_start)",
    ("POST", "mfa/enrolment/confirm/"): "the caller's own recovery codes (recorded as mfa.enrol)",
    ("POST", "mfa/verify/"): "the caller's own account (recorded as mfa.verify)",
    ("POST", "users/<int:user_id>/second-factor/reset/"): "nothing (recorded as mfa.reset)",
    ("POST", "users/"): "creates doctor and admin accounts only",
    ("GET", "doctors/"): "the practice's doctors' names",
    ("POST", "cases/<int:case_id>/withdraw/"): "nothing: 204 (recorded as case.withdraw)",
    ("POST", "images/<int:image_id>/withdraw/"): "nothing: 204 (recorded as image.withdraw)",
    ("GET", "reports/agreement/"): "counts per model version, no patient",
    ("GET", "drift/"): "counts per model version and week, no patient (recorded as drift.read)",
    ("GET", "datasets/"): "exported datasets in counts, no patient",
    ("POST", "datasets/"): "a dataset in counts, no patient (recorded as dataset.export)",
    ("GET", "models/"): "installed model packages",
    ("POST", "models/<str:name>/activate/"): "a model version",
    ("GET", "models/<str:name>/<str:version>/<path:filename>"): "public model files",
    ("GET", "shadow-candidates/"): "candidate model versions and who started them",
    ("POST", "models/<str:name>/shadow/"): "a model version (recorded as model.shadow_start)",
    ("POST", "models/<str:name>/shadow/<str:version>/stop/"): "nothing: 204 (recorded as model.shadow_stop)",
    ("POST", "models/<str:name>/shadow/<str:version>/promote/"): "a model version (recorded as model.activate)",
    # The log of who read what; it names patients by id only. Exports are recorded (audit.export);
    # reading its pages is not, so that looking at the log does not fill it.
    ("GET", "audit-events/"): "the audit log itself",
    ("GET", "audit-events/export/"): "the audit log itself",
}


def _patient_of_account(pk) -> int | None:
    account = User.objects.get(pk=pk)
    return account.pk if account.role == Role.PATIENT else None


PATIENT_OF: dict[str, Callable[[int], int | None]] = {
    "patient": lambda pk: pk,
    "user": _patient_of_account,
    "care_relationship": lambda pk: CareRelationship.objects.get(pk=pk).patient_id,
    "case": lambda pk: Case.objects.get(pk=pk).patient_id,
    "image": lambda pk: Image.objects.get(pk=pk).case.patient_id,
    "reading": lambda pk: Reading.objects.get(pk=pk).case.patient_id,
    "report": lambda pk: Report.objects.get(pk=pk).case.patient_id,
}


def unaudited(shown: Shown, events: Iterable[AuditEvent]) -> Shown:
    """The shown (type, id, patient) that no allowed event names, with that patient."""
    audited = set()
    for event in events:
        if not event.allowed:
            continue
        ids = [event.object_id] if event.object_id else []
        ids += [str(pk) for pk in event.detail.get("ids", [])]
        audited |= {(event.object_type, pk, event.patient_id) for pk in ids}
    return shown - audited


def shown_and_unaudited(world: World, endpoint: tuple[str, str]) -> tuple[Shown, Shown]:
    _, _, expected = MATRIX[endpoint]
    role = next(role for role in CALLERS if expected[role] < 300)
    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response, kwargs = call(world, endpoint, role)
    shows = SHOWS[endpoint]
    shown = {
        (shows.object_type, str(pk), PATIENT_OF[shows.object_type](pk)) for pk in shows.ids(response, kwargs)
    }
    events = AuditEvent.objects.filter(id__gt=last_event, actor=world.users[role])
    return shown, unaudited(shown, events)


@pytest.fixture
def two_patients(world, charlie) -> World:
    """The matrix's world, plus a case of charlie's, so that admins' lists span two patients."""
    make_case(patient=charlie, title="charlie's", images=1)
    return world


def test_every_endpoint_is_classified():
    endpoints = api_endpoints()
    classified = SHOWS.keys() | SHOWS_NO_PATIENT_DATA.keys()
    assert not SHOWS.keys() & SHOWS_NO_PATIENT_DATA.keys()
    assert not sorted(endpoints - classified), "endpoints that show patient data or not? add each to one table"
    assert not sorted(classified - endpoints), "rows for endpoints that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(SHOWS), ids=lambda e: f"{e[0]} {e[1]}")
def test_what_an_endpoint_shows_is_audited(two_patients, endpoint):
    shown, missing = shown_and_unaudited(two_patients, endpoint)
    assert shown, "the call showed nothing, so it checks nothing: give it data in the world"
    assert not missing, f"shown but not named by an audit event with its patient: {sorted(missing)}"


def test_lists_name_every_patient_shown(two_patients):
    shown, missing = shown_and_unaudited(two_patients, ("GET", "cases/"))
    assert {patient for _, _, patient in shown} == {two_patients.users["alice"].pk, two_patients.users["charlie"].pk}
    assert not missing


def test_unaudited_finds_objects_no_event_names():
    events = [
        AuditEvent(object_type="case", object_id="1", patient_id=7, allowed=True),
        AuditEvent(object_type="case", object_id="", patient_id=7, allowed=True, detail={"ids": [2]}),
        AuditEvent(object_type="case", object_id="3", patient_id=7, allowed=False),
        AuditEvent(object_type="image", object_id="4", patient_id=7, allowed=True),
    ]
    shown = {("case", "1", 7), ("case", "2", 7), ("case", "3", 7), ("case", "2", 8), ("case", "4", 7)}
    # 3: only a denial names it; 2 of patient 8: the event names another patient; 4: an image, not a case.
    assert unaudited(shown, events) == {("case", "3", 7), ("case", "2", 8), ("case", "4", 7)}


def test_an_endpoint_that_does_not_audit_fails_the_check(two_patients, monkeypatch):
    monkeypatch.setattr("audit.access.audit_record", lambda **kwargs: None)
    shown, missing = shown_and_unaudited(two_patients, ("GET", "cases/"))
    assert missing == shown and shown


def test_every_refusal_of_a_signed_in_user_is_audited(world):
    """Each 403 and 404 the authorization matrix expects for a signed-in user leaves an allowed=False event."""
    unaudited_refusals = []
    for endpoint, (_, _, expected) in sorted(MATRIX.items()):
        refused_roles = [role for role, status in expected.items() if role != "anonymous" and status in (403, 404)]
        for role in refused_roles:
            last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            call(world, endpoint, role)
            events = AuditEvent.objects.filter(id__gt=last_event, actor=world.users[role], allowed=False)
            if not events.exists():
                unaudited_refusals.append((endpoint, role))
    assert not unaudited_refusals


def test_every_refusal_the_matrix_expects_is_one_refused_event_with_its_status_and_reason(world):
    """Anonymous callers included: each 4xx answer names its request, its status and its error code."""
    missing = []
    for endpoint, (_, _, expected) in sorted(MATRIX.items()):
        for role, status in expected.items():
            if not 400 <= status < 500:
                continue
            last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            response, _ = call(world, endpoint, role)
            refused = AuditEvent.objects.filter(id__gt=last_event, allowed=False)
            request_ids = {str(event.request_id) for event in refused}
            reasons = {(event.detail.get("status"), event.detail.get("code")) for event in refused}
            if request_ids != {response["X-Request-ID"]} or reasons != {(status, response.json()["error"]["code"])}:
                missing.append((endpoint, role, status, sorted(reasons, key=str)))
    assert not missing
