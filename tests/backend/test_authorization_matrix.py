"""Every endpoint under /api/v1/, for every role, on alice's data: who gets what.

The matrix is the API's access policy in one table. An endpoint that the URL resolver knows
but the matrix does not fails `test_every_endpoint_is_in_the_matrix`, so a new endpoint
cannot ship without someone deciding who may call it.
"""

import re
from dataclasses import dataclass

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import CareRelationship, Role, User
from accounts.services import api_token_create
from clinic_factories import (
    browser_reading_body,
    client_for,
    make_case,
    make_user,
    png_bytes,
    record_reading,
    upload_file,
)
from inference.registry import ModelPackage, packages_discover
from reports.models import AIAgreement
from reports.services import report_create, report_sign
from shadow_cases import CANDIDATE, CHEST, shadow_route_kwargs
from tests.unavailable import skip_or_fail

# anonymous; alice (the owner); charlie (another patient); bob (alice's doctor);
# dan (a doctor, not alice's); admin.
ROLES = ["anonymous", "alice", "charlie", "bob", "dan", "admin"]


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(ROLES[1:], status), **overrides}


def admin_only(status: int) -> dict[str, int]:
    return signed_in(403, admin=status)


def alice_data(*, owner: int, doctor: int, admin: int) -> dict[str, int]:
    """Objects of alice's: outsiders get 404, as if the object did not exist."""
    return {"anonymous": 401, "alice": owner, "charlie": 404, "bob": doctor, "dan": 404, "admin": admin}


READ = alice_data(owner=200, doctor=200, admin=200)


@dataclass
class World:
    users: dict
    draft_case: object
    draft_image: object
    submitted_case: object
    review_reading: object
    draft_report: object
    reported_case: object
    signed_report: object
    care: object
    package: ModelPackage | None  # a shipped model package, when installed


@pytest.fixture
def world(alice, bob, charlie, dan, admin) -> World:
    draft_case = make_case(patient=alice, title="draft", images=1)
    submitted_case = make_case(patient=alice, title="submitted", images=1, submit=True)
    review_case = make_case(patient=alice, title="in review", images=1, submit=True)
    review_reading = record_reading(case=review_case, image=review_case.images.get(), user=alice)
    draft_report = report_create(
        case=review_case,
        author=bob,
        findings="f",
        impression="i",
        ai_agreement=AIAgreement.AGREES,
        reading=review_reading,
    )
    reported_case = make_case(patient=alice, title="reported", images=1, submit=True)
    signed_report = report_create(
        case=reported_case, author=bob, findings="f", impression="i", ai_agreement=AIAgreement.NO_READING
    )
    report_sign(report=signed_report, signer=bob)
    return World(
        users={"anonymous": None, "alice": alice, "charlie": charlie, "bob": bob, "dan": dan, "admin": admin},
        draft_case=draft_case,
        draft_image=draft_case.images.get(),
        submitted_case=submitted_case,
        review_reading=review_reading,
        draft_report=draft_report,
        reported_case=reported_case,
        signed_report=signed_report,
        care=CareRelationship.objects.get(doctor=bob, patient=alice),
        # A model of the draft case's exam type: a reading by another exam type's model is refused.
        package=next((p for p in packages_discover() if p.exam_type == draft_case.exam_type), None),
    )


BROWSER_READING = ("POST", "cases/<int:case_id>/readings/")


def queued_case(world: World) -> dict:
    """A new patient, with no doctor, who sent a case to the practice's queue."""
    patient = make_user(f"queued{User.objects.count()}", Role.PATIENT)
    return {"case_id": make_case(patient=patient, title="queued", images=1, submit=True).pk}

REPORT_BODY = {"findings": "Clear lungs.", "impression": "Normal.", "ai_agreement": "no_reading"}

# (method, route) -> (url kwargs from the world, request body from the world, expected status per role)
MATRIX = {
    ("GET", "health/"): (None, None, everyone(200)),
    ("GET", "schema/"): (None, None, everyone(200)),
    ("GET", "docs/"): (None, None, everyone(200)),
    ("GET", "auth/csrf/"): (None, None, everyone(200)),
    # Public forms, called with an invalid body: reachable by all, and nothing is created.
    ("POST", "auth/register/"): (None, lambda w: {}, everyone(400)),
    ("POST", "auth/login/"): (None, lambda w: {}, everyone(400)),
    ("POST", "auth/token/"): (None, lambda w: {}, everyone(400)),
    ("POST", "auth/invitations/accept/"): (None, lambda w: {}, everyone(400)),
    ("POST", "auth/logout/"): (None, None, signed_in(204)),
    ("POST", "auth/logout-everywhere/"): (None, None, signed_in(204)),
    ("GET", "auth/me/"): (None, None, signed_in(200)),
    ("POST", "auth/password-reset/"): (None, lambda w: {}, everyone(400)),
    ("POST", "auth/password-reset/confirm/"): (None, lambda w: {}, everyone(400)),
    # Everyone lists only their own tokens; revoking another person's answers 404.
    ("GET", "auth/tokens/"): (None, None, signed_in(200)),
    # Research use of her reviewed cases: each patient her own; doctors and admins see it with her details only.
    ("GET", "auth/research-consent/"): (None, None, signed_in(403, alice=200, charlie=200)),
    ("PUT", "auth/research-consent/"): (
        None, lambda w: {"research_consent": True}, signed_in(403, alice=200, charlie=200)
    ),
    ("DELETE", "auth/tokens/<int:token_id>/"): (
        lambda w: {"token_id": api_token_create(user=w.users["alice"])[0].pk},
        None,
        alice_data(owner=204, doctor=404, admin=404),
    ),
    # A doctor's invitee is under her care from the start.
    ("POST", "invitations/"): (
        None,
        lambda w: {"username": "newpatient", "email": "new@example.org"},
        signed_in(403, bob=201, dan=201, admin=201),
    ),
    ("GET", "users/"): (None, None, admin_only(200)),
    (
        "POST",
        "users/",
    ): (
        None,
        lambda w: {
            "username": "drnew",
            "email": "drnew@example.org",
            "password": "Another-long-passphrase-7",
            "role": "doctor",
        },
        admin_only(201),
    ),
    ("GET", "users/<int:user_id>/"): (lambda w: {"user_id": w.users["alice"].pk}, None, admin_only(200)),
    ("PATCH", "users/<int:user_id>/"): (
        lambda w: {"user_id": w.users["alice"].pk},
        lambda w: {"first_name": "Alicia"},
        admin_only(200),
    ),
    ("POST", "users/<int:user_id>/unlock/"): (lambda w: {"user_id": w.users["alice"].pk}, None, admin_only(200)),
    # Two-factor sign-in. Patients may turn it on; bob, dan and admin have it already (clinic_factories).
    ("POST", "mfa/enrolment/"): (None, None, signed_in(201, bob=409, dan=409, admin=409)),
    # Nobody has started setting up a new authenticator, so there is nothing to confirm.
    ("POST", "mfa/enrolment/confirm/"): (None, lambda w: {"code": "123456"}, signed_in(409)),
    # A wrong recovery code; patients without an authenticator have nothing to check it with.
    ("POST", "mfa/verify/"): (None, lambda w: {"code": "wrongcod"}, signed_in(400, alice=409, charlie=409)),
    ("POST", "users/<int:user_id>/second-factor/reset/"): (lambda w: {"user_id": w.users["bob"].pk}, None, admin_only(204)),
    ("GET", "patients/"): (None, None, signed_in(200, alice=403, charlie=403)),
    ("GET", "patients/<int:patient_id>/history/"): (lambda w: {"patient_id": w.users["alice"].pk}, None, READ),
    ("GET", "doctors/"): (None, None, signed_in(200)),
    ("GET", "care-relationships/"): (None, None, signed_in(200)),
    # Admins link anyone; alice chooses dan for herself; charlie may not choose for alice.
    ("POST", "care-relationships/"): (
        None,
        lambda w: {"doctor": w.users["dan"].pk, "patient": w.users["alice"].pk},
        signed_in(403, alice=201, admin=201),
    ),
    # Admins end any link, alice her own; charlie does not see it.
    ("POST", "care-relationships/<int:relationship_id>/end/"): (
        lambda w: {"relationship_id": w.care.pk},
        None,
        signed_in(403, alice=200, charlie=404, admin=200),
    ),
    ("GET", "cases/"): (None, None, signed_in(200)),
    # The practice's queue, with PRACTICE_QUEUE on (SETTINGS below): doctors only.
    ("GET", "cases/queue/"): (queued_case, None, signed_in(403, bob=200, dan=200)),
    ("POST", "cases/<int:case_id>/take/"): (queued_case, None, signed_in(403, bob=200, dan=200)),
    # Patients open their own cases; doctors only for patients in their care; admins only read.
    ("POST", "cases/"): (
        None,
        lambda w: {"title": "New pain", "patient": w.users["alice"].pk},
        signed_in(201, dan=400, admin=403),
    ),
    ("GET", "cases/<int:case_id>/"): (lambda w: {"case_id": w.draft_case.pk}, None, READ),
    ("PATCH", "cases/<int:case_id>/"): (
        lambda w: {"case_id": w.draft_case.pk},
        lambda w: {"title": "Renamed"},
        alice_data(owner=200, doctor=200, admin=403),
    ),
    ("POST", "cases/<int:case_id>/submit/"): (
        lambda w: {"case_id": w.draft_case.pk},
        None,
        alice_data(owner=200, doctor=200, admin=403),
    ),
    # Who may add images to a case may withdraw it while it is a draft; admins change no clinical record.
    ("POST", "cases/<int:case_id>/withdraw/"): (
        lambda w: {"case_id": w.draft_case.pk},
        None,
        alice_data(owner=204, doctor=204, admin=403),
    ),
    ("GET", "cases/<int:case_id>/images/"): (lambda w: {"case_id": w.draft_case.pk}, None, READ),
    ("POST", "cases/<int:case_id>/images/"): (
        lambda w: {"case_id": w.draft_case.pk},
        lambda w: {"file": upload_file("new.png", png_bytes(color=222))},
        alice_data(owner=201, doctor=201, admin=403),
    ),
    ("GET", "images/<int:image_id>/"): (lambda w: {"image_id": w.draft_image.pk}, None, READ),
    ("GET", "images/<int:image_id>/file/"): (lambda w: {"image_id": w.draft_image.pk}, None, READ),
    ("GET", "images/<int:image_id>/preview/"): (lambda w: {"image_id": w.draft_image.pk}, None, READ),
    ("POST", "images/<int:image_id>/withdraw/"): (
        lambda w: {"image_id": w.draft_image.pk},
        None,
        alice_data(owner=204, doctor=204, admin=403),
    ),
    ("GET", "cases/<int:case_id>/readings/"): (lambda w: {"case_id": w.review_reading.case_id}, None, READ),
    ("POST", "cases/<int:case_id>/readings/"): (
        lambda w: {"case_id": w.draft_case.pk},
        lambda w: browser_reading_body(w.package, w.draft_image),
        alice_data(owner=201, doctor=201, admin=403),
    ),
    ("GET", "readings/<int:reading_id>/"): (lambda w: {"reading_id": w.review_reading.pk}, None, READ),
    ("GET", "cases/<int:case_id>/reports/"): (lambda w: {"case_id": w.reported_case.pk}, None, READ),
    ("POST", "cases/<int:case_id>/reports/"): (
        lambda w: {"case_id": w.submitted_case.pk},
        lambda w: REPORT_BODY,
        alice_data(owner=403, doctor=201, admin=403),
    ),
    ("GET", "reports/<int:report_id>/"): (lambda w: {"report_id": w.signed_report.pk}, None, READ),
    # Patients do not see draft reports at all.
    ("PATCH", "reports/<int:report_id>/"): (
        lambda w: {"report_id": w.draft_report.pk},
        lambda w: {"impression": "Likely pneumonia."},
        alice_data(owner=404, doctor=200, admin=403),
    ),
    ("POST", "reports/<int:report_id>/sign/"): (
        lambda w: {"report_id": w.draft_report.pk},
        None,
        alice_data(owner=404, doctor=200, admin=403),
    ),
    ("GET", "reports/agreement/"): (None, None, admin_only(200)),
    ("GET", "drift/"): (None, None, admin_only(200)),
    ("GET", "reports/<int:report_id>/fhir/"): (lambda w: {"report_id": w.signed_report.pk}, None, READ),
    ("GET", "datasets/"): (None, None, admin_only(200)),
    # alice has not consented to research use: nothing to export (and nothing written).
    ("POST", "datasets/"): (None, lambda w: {}, admin_only(409)),
    ("POST", "reports/<int:report_id>/amend/"): (
        lambda w: {"report_id": w.signed_report.pk},
        lambda w: {**REPORT_BODY, "reason": "Missed a nodule."},
        alice_data(owner=403, doctor=201, admin=403),
    ),
    ("POST", "cases/<int:case_id>/server-readings/"): (
        lambda w: {"case_id": w.draft_case.pk},
        lambda w: {"image": w.draft_image.pk, "model_name": w.package.name},
        alice_data(owner=202, doctor=202, admin=403),
    ),
    # The list of installed models and their metrics: no patient data, asked before sign-in.
    ("GET", "models/"): (None, None, everyone(200)),
    ("POST", "models/<str:name>/activate/"): (
        lambda w: {"name": w.package.name},
        lambda w: {"version": w.package.version, "reason": "Validated on our own images"},
        admin_only(200),
    ),
    # Model weights are public, cacheable files: no patient data.
    ("GET", "models/<str:name>/<str:version>/<path:filename>"): (
        lambda w: {"name": w.package.name, "version": w.package.version, "filename": "tfjs/model.json"},
        None,
        everyone(200),
    ),
    ("GET", "audit-events/"): (None, None, admin_only(200)),
    ("GET", "audit-events/export/"): (None, None, admin_only(200)),
    # Candidate versions in shadow: clinic admins only (docs/shadow.md).
    ("GET", "shadow-candidates/"): (None, None, admin_only(200)),
    ("POST", "models/<str:name>/shadow/"): (
        lambda w: {"name": CHEST},
        lambda w: {"version": CANDIDATE, "reason": "Compare on our own patients"},
        admin_only(201),
    ),
    ("POST", "models/<str:name>/shadow/<str:version>/stop/"): (
        shadow_route_kwargs, lambda w: {"reason": "Seen enough"}, admin_only(204)
    ),
    ("GET", "models/<str:name>/shadow/<str:version>/comparison/"): (
        lambda w: shadow_route_kwargs(w, with_signed_case=True), None, admin_only(200)
    ),
    ("POST", "models/<str:name>/shadow/<str:version>/promote/"): (
        shadow_route_kwargs, lambda w: {"reason": "Better on our patients"}, admin_only(200)
    ),
}

# Settings some rows are called with: the queue's endpoints answer 404 while it is off.
SETTINGS = {
    ("GET", "cases/queue/"): {"PRACTICE_QUEUE": True},
    ("POST", "cases/<int:case_id>/take/"): {"PRACTICE_QUEUE": True},
}

API_PREFIX = "api/v1/"
IGNORED_METHODS = {"options", "head", "trace"}


def api_endpoints() -> set[tuple[str, str]]:
    """(METHOD, route) for every method of every view the resolver serves under /api/v1/."""
    found = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(API_PREFIX):
                view_class = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
                for method in view_class.http_method_names:
                    if method not in IGNORED_METHODS and hasattr(view_class, method):
                        found.add((method.upper(), route.removeprefix(API_PREFIX)))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_endpoint_is_in_the_matrix():
    endpoints = api_endpoints()
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"endpoints with no row in the authorization matrix: {missing}"
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"


def test_the_matrix_covers_every_role():
    for key, (_, _, expected) in MATRIX.items():
        assert set(expected) == set(ROLES), key


def call(world: World, endpoint: tuple[str, str], role: str):
    """Call `endpoint` as `role` with the matrix's URL and body; returns (response, URL kwargs)."""
    kwargs_of, body_of, expected = MATRIX[endpoint]
    with override_settings(**SETTINGS.get(endpoint, {})):
        return _call(world, endpoint, role, kwargs_of, body_of, expected)


def _call(world: World, endpoint: tuple[str, str], role: str, kwargs_of, body_of, expected):
    method, route = endpoint
    # Browser readings are taken only for installed model versions.
    needs_model = route.startswith("models/") or "server-readings" in route or endpoint == BROWSER_READING
    if needs_model and world.package is None:
        skip_or_fail("no model package installed (set MODEL_PACKAGES_DIR)")
    kwargs = kwargs_of(world) if kwargs_of else {}
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs.get(m.group(1), m.group(0))), route)
    assert "<" not in path, f"unfilled parameter in {path}"
    client = client_for(world.users[role])
    body = body_of(world) if body_of else None
    is_multipart = body is not None and "file" in body
    response = getattr(client, method.lower())(
        f"/{API_PREFIX}{path}", body, format="multipart" if is_multipart else "json"
    )
    assert response.status_code == expected[role], (
        f"{method} /{API_PREFIX}{path} as {role}: expected {expected[role]}, got {response.status_code}: "
        f"{getattr(response, 'content', b'')[:300]!r}"
    )
    return response, kwargs


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda e: f"{e[0]} {e[1]}")
def test_authorization_matrix(world, endpoint, role):
    response, _ = call(world, endpoint, role)
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
        assert set(response.json()) == {"error"}


# The refusals of a role that may see the object, with their code and message.
CLINIC_ADMINS_ONLY_READ = ("forbidden", "Clinic admins can read clinical records but not change them.")
DOCTORS_ONLY = ("forbidden", "Only doctors write reports.")
REFUSALS = {
    (("POST", "cases/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("PATCH", "cases/<int:case_id>/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("POST", "cases/<int:case_id>/images/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("POST", "cases/<int:case_id>/withdraw/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("POST", "images/<int:image_id>/withdraw/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("POST", "cases/<int:case_id>/readings/"), "admin"): CLINIC_ADMINS_ONLY_READ,
    (("POST", "cases/<int:case_id>/reports/"), "alice"): DOCTORS_ONLY,
    (("POST", "reports/<int:report_id>/amend/"), "admin"): DOCTORS_ONLY,
    (("POST", "care-relationships/"), "bob"): (
        "forbidden",
        "Only clinic admins link doctors and patients; a patient chooses her own doctor.",
    ),
    (("POST", "care-relationships/"), "charlie"): ("forbidden", "You can choose a doctor for yourself only."),
    (("GET", "cases/queue/"), "alice"): ("forbidden", "Only doctors take cases from the practice's queue."),
    (("POST", "cases/<int:case_id>/take/"), "admin"): ("forbidden", "Only doctors take cases from the practice's queue."),
    (("GET", "users/"), "bob"): ("permission_denied", "You do not have permission to perform this action."),
}


@pytest.mark.parametrize(("endpoint", "role"), sorted(REFUSALS), ids=lambda value: str(value))
def test_refusals_say_why(world, endpoint, role):
    response, _ = call(world, endpoint, role)
    error = response.json()["error"]
    assert (error["code"], error["message"]) == REFUSALS[(endpoint, role)]


def test_only_the_author_changes_or_signs_a_draft_report(world, admin):
    colleague = make_user("carol", Role.DOCTOR)
    CareRelationship.objects.create(doctor=colleague, patient=world.users["alice"], created_by=admin)
    client = client_for(colleague)
    for response in (
        client.patch(f"/{API_PREFIX}reports/{world.draft_report.pk}/", {"impression": "Mine."}, format="json"),
        client.post(f"/{API_PREFIX}reports/{world.draft_report.pk}/sign/"),
    ):
        assert response.status_code == 403
        assert response.json()["error"] == {
            "code": "forbidden",
            "message": "Only the report's author can change or sign it.",
            "details": {},
        }
