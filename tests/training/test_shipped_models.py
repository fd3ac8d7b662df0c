"""Every shipped model package: complete, checksummed, and its SavedModel matches its fixtures."""
import base64
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

EXPORTED_MODELS = Path(__file__).resolve().parents[2] / "exported_models"
PACKAGES = sorted(p.parent for p in EXPORTED_MODELS.glob("*/*/model_metadata.json"))
REQUIRED = {"pneumoniamnist", "breastmnist", "retinamnist"}


def test_the_three_models_are_shipped():
    datasets = {json.loads((p / "model_metadata.json").read_text())["training"]["dataset"] for p in PACKAGES}
    assert REQUIRED <= datasets, f"missing packages for {REQUIRED - datasets}"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_files_match_their_checksums(package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    for relative, expected in metadata["files"].items():
        assert hashlib.sha256((package / relative).read_bytes()).hexdigest() == expected, relative


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tfjs_model_is_at_most_six_megabytes(package):
    assert sum(p.stat().st_size for p in (package / "tfjs").iterdir()) <= 6_000_000


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_model_matches_parity_fixtures(package):
    fixtures = json.loads((package / "parity_fixtures.json").read_text())
    model = tf.saved_model.load(str(package / "saved_model"))
    assert len(fixtures["cases"]) >= 3
    for case in fixtures["cases"]:
        spec = case["input"]
        image = np.frombuffer(base64.b64decode(spec["base64"]), np.uint8).reshape(spec["shape"])
        outputs = model.serve(tf.constant(image))
        for name, expected in case["expected"].items():
            actual = outputs[name].numpy()
            assert list(actual.shape) == expected["shape"]
            np.testing.assert_allclose(actual.reshape(-1), expected["values"], atol=fixtures["tolerance"],
                                       err_msg=f"{case['name']} {name}")
