"""The drift watch on real X-rays read by the shipped chest model: quiet on the same distribution,
tripped by darkened, shrunk or cropped images, and blind to shadow readings."""

import pytest

from drift.report import drift_weeks
from drift_samples import cropped_centre, darkened, same_distribution_scans, shrunk, week_of_readings
from inference.registry import package_get

CHEST, VERSION = "chest-xray-pneumonia", "2.0.0"


@pytest.fixture(scope="module")
def scans(medical_data_dir):
    return same_distribution_scans(medical_data_dir)


@pytest.fixture
def chest(shipped_models):
    package = package_get(CHEST, VERSION)
    assert "drift_reference.json" in package.files, "the shipped package has no drift reference"
    return package


@pytest.fixture
def weeks_of(chest, alice, bob):
    def make(*weeks, **options):
        for week, scans in enumerate(weeks):
            week_of_readings(package=chest, patient=alice, doctor=bob, scans=scans, week=week, **options)
        return drift_weeks(CHEST, VERSION)

    return make


def describe(weeks) -> str:
    return "\n".join(f"{w.week}: " + " | ".join(check.says for check in w.checks) for w in weeks)


def test_the_same_distribution_trips_no_check(weeks_of, scans):
    weeks = weeks_of(scans[:50], scans[50:])
    assert [w.readings for w in weeks] == [50, 50]
    assert all(w.breaches == [] for w in weeks), describe(weeks)
    # Every check had enough to judge: a quiet week is a verdict, not a lack of data.
    assert {check.level for w in weeks for check in w.checks if check.name != "size"} <= {"ok", "warn"}, describe(weeks)
    assert weeks[1].check("size").level == "ok", describe(weeks)
    assert weeks[0].agreement >= 0.8


def test_darkened_images_trip_the_intensity_check(weeks_of, scans):
    weeks = weeks_of(scans[:50], [darkened(scan) for scan in scans[50:]])
    assert weeks[0].breaches == [], describe(weeks)
    assert "intensity" in weeks[1].breaches, describe(weeks)
    assert weeks[1].intensity_mean < weeks[0].intensity_mean * 0.6


def test_shrunk_images_trip_the_size_check(weeks_of, scans):
    weeks = weeks_of(scans[:50], scans[50:], [shrunk(scan) for scan in scans[:50]])
    assert weeks[1].breaches == [], describe(weeks)
    assert "size" in weeks[2].breaches, describe(weeks)
    assert weeks[2].width_median == 32


def test_cropped_images_trip_the_score_check(weeks_of, scans):
    weeks = weeks_of(scans[:50], [cropped_centre(scan) for scan in scans[50:]])
    assert "score" in weeks[1].breaches, describe(weeks)


def test_doctors_disagreeing_trip_the_agreement_check(weeks_of, scans):
    weeks = weeks_of(scans[:50], doctors_agree_when_right=False)
    assert "agreement" in weeks[0].breaches, describe(weeks)


def test_shadow_readings_are_left_out(weeks_of, chest, alice, bob, scans):
    week_of_readings(package=chest, patient=alice, doctor=bob, scans=[darkened(s) for s in scans], week=0, shadow=True)
    weeks = weeks_of(scans[:50])
    assert [w.readings for w in weeks] == [50]
    assert weeks[0].breaches == [], describe(weeks)
