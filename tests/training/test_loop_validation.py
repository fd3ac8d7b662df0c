"""StatisticsGen's per-split statistics and ExampleValidator's rules, on real MedMNIST images (no Beam run)."""
import numpy as np
import pytest

from training.data import load_medmnist
from training.loop import schema_gen
from training.loop.example_validator import ValidationFailed, check_split, population_stability_index
from training.loop.example_validator import run as validate
from training.loop.examples import ImageExample, serialize
from training.loop.statistics_gen import SplitStatistics, image_statistics


def statistics(images, labels, label_names=("normal", "pneumonia"), modality=""):
    combine = SplitStatistics()
    records = [serialize(ImageExample(pixels=image, label=label_names[label] if label >= 0 else "covid",
                                      label_index=int(label), split="train", source="test", example_id=str(i),
                                      modality=modality))
               for i, (image, label) in enumerate(zip(images, labels))]
    # Two partial accumulators merged, as workers' results are.
    halves = [combine.create_accumulator(), combine.create_accumulator()]
    for i, record in enumerate(records):
        halves[i % 2] = combine.add_input(halves[i % 2], image_statistics(record))
    return combine.extract_output(combine.merge_accumulators(halves))


@pytest.fixture(scope="module")
def pneumonia(medmnist_dir):
    data = load_medmnist("pneumoniamnist", medmnist_dir)
    (train_x, train_y), (test_x, test_y) = data.splits["train"], data.splits["test"]
    return train_x[:300], train_y[:300], test_x[:200], test_y[:200]


@pytest.fixture(scope="module")
def schema(pneumonia):
    train_x, train_y, _, _ = pneumonia
    return schema_gen.infer(statistics(train_x, train_y), label_names=("normal", "pneumonia"), exam_type="chest_xray")


def test_statistics_count_labels_sizes_and_a_normalised_histogram(pneumonia):
    train_x, train_y, _, _ = pneumonia
    stats = statistics(train_x, train_y)
    assert stats["count"] == 300
    assert stats["labels"] == {"normal": int((train_y == 0).sum()), "pneumonia": int((train_y == 1).sum())}
    assert stats["height"] == {"min": 28, "max": 28} and stats["channels"] == {"1": 300}
    assert sum(stats["intensity"]["histogram"]) == pytest.approx(1.0)
    assert stats["intensity"]["mean"] == pytest.approx(train_x.mean())


def test_the_test_split_of_the_same_data_passes(pneumonia, schema):
    _, _, test_x, test_y = pneumonia
    anomalies = check_split("test", statistics(test_x, test_y), schema)
    assert [a for a in anomalies if a["severity"] == "error"] == []
    assert population_stability_index(schema["intensity"]["histogram"],
                                      statistics(test_x, test_y)["intensity"]["histogram"]) < 0.05


def test_a_darkened_copy_fails_on_intensity(pneumonia, schema, tmp_path):
    _, _, test_x, test_y = pneumonia
    darkened = (test_x * 0.7).astype(np.uint8)
    with pytest.raises(ValidationFailed) as failure:
        validate({"test": statistics(darkened, test_y)}, schema, tmp_path)
    assert "ERROR: split test, feature intensity: expected population stability index <= 0.2" in str(failure.value)
    assert (tmp_path / "validation.txt").read_text().startswith("1 error(s)")


def test_other_images_fail_on_channels_size_and_label(pneumonia, schema):
    _, _, test_x, test_y = pneumonia
    rgb = np.repeat(test_x[:20], 3, axis=-1)
    large = np.repeat(np.repeat(test_x[:20], 3, axis=1), 3, axis=2)  # 84x84: beyond twice the largest
    labels = test_y[:20].copy()
    labels[0] = -1
    features = {a["feature"] for a in check_split("test", statistics(rgb, test_y[:20]), schema)}
    assert "channels" in features
    found = {a["feature"]: a for a in check_split("test", statistics(large, labels), schema)}
    assert found["height"]["expected"] == "14 to 56 pixels" and found["height"]["found"] == "84 to 84 pixels"
    assert found["label"]["found"] == "'covid' (1 example)"


def test_a_darkened_source_is_found_in_its_own_slice_of_a_split(pneumonia, schema):
    _, _, test_x, test_y = pneumonia
    healthy, darkened = statistics(test_x, test_y), statistics((test_x[:30] * 0.6).astype(np.uint8), test_y[:30])
    mixed = statistics(np.concatenate([test_x, (test_x[:30] * 0.6).astype(np.uint8)]),
                       np.concatenate([test_y, test_y[:30]]))
    mixed["by_source"] = {"medmnist:pneumoniamnist": healthy, "dataset:/exports/dark": darkened}
    errors = [a for a in check_split("test", mixed, schema) if a["severity"] == "error"]
    assert [(a["split"], a["feature"]) for a in errors] == [("test, source dataset:/exports/dark", "intensity")]
    mixed["by_source"]["dataset:/exports/dark"] = statistics((test_x[:19] * 0.6).astype(np.uint8), test_y[:19])
    assert not [a for a in check_split("test", mixed, schema) if a["severity"] == "error"]  # under 20: not judged


def test_a_new_modality_and_a_shifted_balance_are_warnings_only(pneumonia, schema):
    _, _, test_x, test_y = pneumonia
    normal_only = test_x[test_y == 0]
    anomalies = check_split("test", statistics(normal_only, np.zeros(len(normal_only), int), modality="CR"), schema)
    assert {a["feature"] for a in anomalies} == {"modality", "label_balance"}
    assert {a["severity"] for a in anomalies} == {"warning"}


def test_population_stability_index():
    uniform = np.full(32, 1 / 32)
    assert population_stability_index(uniform, uniform) == pytest.approx(0.0)
    shifted = np.roll(uniform * np.linspace(0.5, 1.5, 32), 4)
    assert population_stability_index(uniform, shifted) > 0
    assert population_stability_index(uniform, np.eye(32)[0]) > 3  # everything in one bin
