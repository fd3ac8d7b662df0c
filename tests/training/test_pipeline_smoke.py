"""One real epoch on a real (small) dataset, through train, evaluate and export, then reloaded."""
import json

import numpy as np
import pytest
import tensorflow as tf

from training import pipeline


@pytest.fixture(scope="module")
def package(medmnist_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    package_dir = pipeline.main([
        "--dataset", "breastmnist", "--data-dir", str(medmnist_dir), "--epochs", "1", "--width", "8",
        "--output-dir", str(root / "run"), "--export-dir", str(root / "models"), "--version", "0.0.1",
        "--gate-epochs", "1", "--shared-data", str(medmnist_dir.parent)])
    return package_dir


def test_package_has_every_file(package):
    names = {p.name for p in package.iterdir()}
    assert {"saved_model", "tfjs", "model_metadata.json", "evaluation_metrics.json", "README.md",
            "parity_fixtures.json", "roc.png", "confusion_matrix.png", "calibration.png"} <= names
    assert (package / "tfjs" / "model.json").exists()
    assert package.parent.name == "breast-ultrasound-malignancy" and package.name == "0.0.1"


def test_metadata_describes_the_model(package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    assert metadata["label_names"] == ["malignant", "normal or benign"]
    assert metadata["positive_class"] == 0
    assert metadata["exam_type"] == "breast_ultrasound"  # what the product reads it for
    assert metadata["input"] == {**metadata["input"], "dtype": "uint8", "channels": 1, "model_size": 28}
    assert metadata["training"]["source"]["md5"] == "750601b1f35ba3300ea97c75c52ff8f6"
    assert metadata["training"]["split_sizes"] == {"train": 546, "val": 78, "test": 156}
    assert metadata["command"].startswith("python -m training.pipeline --dataset breastmnist")
    assert 0.0 < metadata["decision"]["threshold"] < 1.0
    assert "tfjs/model.json" in metadata["files"] and "saved_model/saved_model.pb" in metadata["files"]


def test_metrics_cover_the_official_test_split(package):
    metrics = json.loads((package / "evaluation_metrics.json").read_text())
    test = metrics["test"]
    assert test["n"] == 156 and np.array(test["confusion_matrix"]).sum() == 156
    for key in ("auc", "accuracy", "sensitivity", "specificity", "f1", "ece"):
        assert 0.0 <= test[key] <= 1.0
        low, high = test["ci95"][key]
        assert low <= test[key] <= high or np.isclose(low, high)
    assert metrics["calibration"]["temperature"] > 0


def test_saved_model_reloads_and_reads_a_full_size_image(package, xray_dir):
    from training.decoding import decode_image_file
    model = tf.saved_model.load(str(package / "saved_model"))
    pixels = decode_image_file(xray_dir / "NORMAL" / "IM-0001-0001.jpeg", channels=1)
    outputs = model.serve(tf.constant(pixels[np.newaxis]))
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (1, 2) and abs(probabilities.sum() - 1.0) < 1e-5
    assert outputs["heatmaps"].shape == (1, 7, 7, 2)
    assert outputs["input_check"].shape == (1,) and outputs["input_accepted"].shape == (1,)


def test_package_carries_a_measured_input_gate(package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    check = metadata["input_check"]
    assert check["expects"] == "breast ultrasound"
    assert check["refusal"] == "This does not look like a breast ultrasound."
    assert 0.0 < check["threshold"] <= 0.5
    assert check["dicom"]["modalities"] == ["US"]
    measured = check["measured"]
    assert measured["in_domain"]["breastmnist test (MedMNIST, 28x28)"]["n"] == 156
    assert measured["foreign"]["CT and MR (shared DICOMs, an MRI slice)"]["n"] == 4
    assert 0.0 <= measured["foreign_refused"] <= 1.0
    assert set(metadata["outputs"]) == {"probabilities", "heatmaps", "input_check", "input_accepted"}


def test_operating_point_and_bands_come_from_validation(package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    point = metadata["operating_point"]
    assert point["threshold"] == metadata["decision"]["threshold"]
    assert point["bands"]["below"] <= point["threshold"] <= point["bands"]["from"]
    assert point["bands"]["names"] == ["likely normal or benign", "uncertain", "likely malignant"]
    assert metadata["heatmap"] == {**metadata["heatmap"], "class": 0, "label": "malignant", "grid": [7, 7]}
