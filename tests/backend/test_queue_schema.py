"""Schemathesis over the practice queue's two operations with PRACTICE_QUEUE on and a case waiting
in the queue: the whole-API run (test_schemathesis.py) sees them only as 404, the queue being off
by default. As her doctor (bob) and as a patient (alice, refused)."""

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, settings

from accounts.models import Role, User
from clinic_factories import client_for, make_case, make_user
from test_schemathesis import CHECKS, MAX_EXAMPLES, _wsgi_app, schema

QUEUE_PATHS = r"^/api/v1/cases/(queue|\{case_id\}/take)/$"
queue_operations = schema.include(path_regex=QUEUE_PATHS)


@pytest.mark.parametrize("username", ["bob", "alice"])
@queue_operations.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_queue_answers_as_its_schema_says(case, username, alice, bob):
    with override_settings(PRACTICE_QUEUE=True):
        patient = make_user(f"queued{User.objects.count()}", Role.PATIENT)
        waiting = make_case(patient=patient, title="queued", images=1, submit=True)
        if "case_id" in (case.path_parameters or {}):
            case.path_parameters["case_id"] = waiting.pk
        case.call_and_validate(app=_wsgi_app(client_for({"alice": alice, "bob": bob}[username])), checks=CHECKS)
