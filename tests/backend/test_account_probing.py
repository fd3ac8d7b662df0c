"""Filters do not tell which user ids exist: an unknown id answers like one the caller may not see."""

import pytest

from clinic_factories import client_for, make_case


@pytest.mark.parametrize("caller", ["alice", "bob"])
def test_filtering_cases_by_an_unknown_or_an_unseen_patient_gives_the_same_empty_list(request, caller, charlie):
    make_case(patient=charlie)
    client = client_for(request.getfixturevalue(caller))
    unknown = client.get("/api/v1/cases/?patient=999999")
    unseen = client.get(f"/api/v1/cases/?patient={charlie.pk}")
    assert unknown.status_code == unseen.status_code == 200, (unknown.content, unseen.content)
    assert unknown.json()["results"] == unseen.json()["results"] == []


def test_filtering_by_a_patient_still_narrows_the_list(admin, alice, charlie):
    mine = make_case(patient=alice)
    make_case(patient=charlie)
    rows = client_for(admin).get(f"/api/v1/cases/?patient={alice.pk}").json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]


def test_opening_a_case_for_an_unknown_or_an_unseen_patient_gives_the_same_answer(bob, charlie, alice):
    client = client_for(bob)  # alice's doctor, not charlie's
    answers = [
        client.post("/api/v1/cases/", {"title": "Chest", "patient": patient_id}, format="json")
        for patient_id in (999999, charlie.pk)
    ]
    assert [a.status_code for a in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    mine = client.post("/api/v1/cases/", {"title": "Chest", "patient": alice.pk}, format="json")
    assert mine.status_code == 201 and mine.json()["patient"]["id"] == alice.pk
