"""The one rule that turns a signed report into a label (reports/labels.py)."""

from types import SimpleNamespace

import pytest

from reports.labels import doctor_label, impression_label
from reports.models import AIAgreement

CHEST = ["normal", "pneumonia"]
BREAST = ["malignant", "normal or benign"]
RETINA = ["grade 0", "grade 1", "grade 2", "grade 3", "grade 4"]


def report(agreement, reading_label=None, impression=""):
    reading = SimpleNamespace(label=reading_label) if reading_label is not None else None
    return SimpleNamespace(ai_agreement=agreement, reading=reading, impression=impression)


def test_agreement_takes_the_readings_label():
    assert doctor_label(report(AIAgreement.AGREES, "pneumonia", "No pneumonia."), CHEST) == "pneumonia"


def test_disagreement_with_a_two_label_model_is_the_other_label():
    assert doctor_label(report(AIAgreement.DISAGREES, "pneumonia"), CHEST) == "normal"
    assert doctor_label(report(AIAgreement.DISAGREES, "normal or benign"), BREAST) == "malignant"


def test_disagreement_with_a_graded_model_needs_the_impression_to_name_another_grade():
    assert doctor_label(report(AIAgreement.DISAGREES, "grade 1", "Moderate, grade 2."), RETINA) == "grade 2"
    assert doctor_label(report(AIAgreement.DISAGREES, "grade 1", "Not as read."), RETINA) is None
    assert doctor_label(report(AIAgreement.DISAGREES, "grade 1", "Grade 1 after all."), RETINA) is None


def test_no_reading_uses_the_impression():
    assert doctor_label(report(AIAgreement.NO_READING, None, "Right lower lobe pneumonia."), CHEST) == "pneumonia"
    assert doctor_label(report(AIAgreement.NO_READING, None, "Unclear; repeat."), CHEST) is None


@pytest.mark.parametrize(
    "impression, expected",
    [
        ("No pneumonia. Normal chest.", "normal"),
        ("Negative for pneumonia", None),
        ("Normal heart size; pneumonia in the left base.", None),  # names both: not guessed
        ("Lungs without pneumonia, otherwise normal", "normal"),
        ("PNEUMONIA", "pneumonia"),
        ("Pneumonia-like shadow", None),
    ],
)
def test_the_impression_names_one_label_and_negations_do_not_count(impression, expected):
    assert impression_label(impression, CHEST) == expected


def test_a_longer_label_is_not_also_counted_as_the_shorter_one_inside_it():
    assert impression_label("Normal or benign appearance.", BREAST) == "normal or benign"
    assert impression_label("Normal or benign appearance.", ["normal", "normal or benign"]) == "normal or benign"
