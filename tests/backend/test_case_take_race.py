"""Two doctors take the same queued case at the same moment: one gets it, the other 409 (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from accounts.models import CareRelationship, Role
from cases.queue import case_take
from clinic_factories import make_case, make_user
from config.errors import ApplicationError


@pytest.mark.django_db(transaction=True)
def test_of_two_doctors_taking_at_once_one_gets_the_case(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.PRACTICE_QUEUE = True
    doctors = [make_user("ada", Role.DOCTOR), make_user("bo", Role.DOCTOR)]
    patient = make_user("pia", Role.PATIENT)
    case = make_case(patient=patient, images=1, submit=True)
    start = threading.Barrier(len(doctors))
    outcomes: dict[str, str] = {}

    def take(doctor):
        try:
            start.wait()
            case_take(case_id=case.pk, doctor=doctor)
            outcomes[doctor.username] = "taken"
        except ApplicationError as exc:
            outcomes[doctor.username] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(doctor,)) for doctor in doctors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["already_taken", "taken"], outcomes
    [link] = CareRelationship.objects.filter(patient=patient)
    assert outcomes[link.doctor.username] == "taken"
