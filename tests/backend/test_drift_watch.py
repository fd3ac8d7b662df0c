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


def test_a_graded_model_compares_its_predicted_grades(shipped_models, alice, bob, medical_data_dir):
    from drift_samples import Scan
    from training.data import read_medmnist_npz

    retina = package_get("retina-diabetic-retinopathy", "1.1.0")
    images, labels = read_medmnist_npz(medical_data_dir / "medmnist" / "retinamnist.npz")["test"]
    scans = [Scan(image, int(label)) for image, label in zip(images[:120], labels[:120], strict=True)]
    for week, sample in enumerate([scans[:60], scans[60:], [darkened(scan) for scan in scans[:60]]]):
        week_of_readings(package=retina, patient=alice, doctor=bob, scans=sample, week=week)
    weeks = drift_weeks(retina.name, retina.version)
    assert [w.check("score").level != "no_reference" for w in weeks] == [True] * 3
    assert weeks[0].check("score").says.startswith("Predicted grades")
    # Doctors who know the truth agree as often as the model is right (0.535 on the whole test split):
    # a breach of agreement, rightly, and the only one on the same distribution.
    assert [w.breaches for w in weeks[:2]] == [["agreement"], ["agreement"]], describe(weeks)
    assert all(0.4 < w.agreement < 0.7 and w.reports == 60 for w in weeks[:2]), describe(weeks)
    assert "intensity" in weeks[2].breaches, describe(weeks)
