"""The drift reference in model packages: present in every shipped package, listed with its checksum,
made from the split the package names, and reproduced by the command that made it."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from training import drift_reference
from training.data import load_medmnist
from training.export import write_drift_reference
from training.intensity import centre_square, intensity_statistics

EXPORTED_MODELS = Path(__file__).resolve().parents[2] / "exported_models"
PACKAGES = sorted(p.parent for p in EXPORTED_MODELS.glob("*/*/model_metadata.json"))
BREAST = EXPORTED_MODELS / "breast-ultrasound-malignancy" / "1.1.0"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_shipped_package_has_a_listed_reference_of_its_validation_split(package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    assert "drift_reference.json" in metadata["files"]
    reference = json.loads((package / "drift_reference.json").read_text())
    val = metadata["training"]["split_sizes"]["val"]
    assert (reference["model"], reference["version"], reference["images"]) == (metadata["name"], metadata["version"], val)
    accepted = round(val * (1 - reference["refused_by_gate"]))
    assert sum(reference["score"]["counts"]) == accepted
    assert sum(reference["intensity_mean"]["counts"]) == val
    if metadata["positive_class"] is None:
        assert reference["score"]["labels"] == metadata["label_names"]
    else:
        assert reference["score"]["label"] == metadata["label_names"][metadata["positive_class"]]


def test_the_command_reproduces_a_shipped_reference(tmp_path, medmnist_dir):
    copy = tmp_path / "1.1.0"
    shutil.copytree(BREAST, copy)
    drift_reference.main([str(copy), "--data-dir", str(medmnist_dir)])
    made = json.loads((copy / "drift_reference.json").read_text())
    shipped = json.loads((BREAST / "drift_reference.json").read_text())
    for key in ("score", "intensity_mean", "intensity_std", "size", "refused_by_gate", "images"):
        assert made[key] == shipped[key], key
    metadata = json.loads((copy / "model_metadata.json").read_text())
    assert metadata["files"]["drift_reference.json"] != json.loads((BREAST / "model_metadata.json").read_text())[
        "files"]["drift_reference.json"]  # a new creation time, and its own checksum listed


def test_export_writes_the_reference_of_the_split_it_is_given(tmp_path, medmnist_dir):
    images, _ = load_medmnist("breastmnist", medmnist_dir, download=False).splits["val"]
    model = tf.saved_model.load(str(BREAST / "saved_model"))
    summary = {"dataset": {"name": "breastmnist", "label_names": ["malignant", "normal or benign"],
                           "positive_class": 0}}
    write_drift_reference(model.serve, images[:40], summary=summary, package_dir=tmp_path, name="breast",
                          version="9.9.9")
    reference = json.loads((tmp_path / "drift_reference.json").read_text())
    assert reference["images"] == 40 and reference["version"] == "9.9.9"
    means = [intensity_statistics(image)[0] for image in images[:40]]
    assert np.argmax(reference["intensity_mean"]["counts"]) == np.argmax(np.histogram(means, bins=64, range=(0, 256))[0])


def test_intensity_is_taken_over_the_centre_square_the_graph_reads():
    image = np.zeros((100, 300, 1), dtype=np.uint8)
    image[:, 100:200] = 200  # a bright square between black borders the crop drops
    assert centre_square(image).shape == (100, 100, 1)
    assert intensity_statistics(image) == (200.0, 0.0)
