"""The input gate of every shipped model: real foreign images refused, real in-domain images read."""
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from training import foreign_images as foreign
from training.decoding import decode_image_file
from training.gate import choose_threshold
from training.gate_eval import OWN_SET

EXPORTED_MODELS = Path(__file__).resolve().parents[2] / "exported_models"
GATED = sorted(p.parent for p in EXPORTED_MODELS.glob("*/*/model_metadata.json")
               if "input_check" in json.loads(p.read_text()))


_loaded = {}


def serve(package):
    # The loaded object must outlive its serve function, which refers to its variables.
    if package not in _loaded:
        _loaded[package] = tf.saved_model.load(str(package / "saved_model"))
    return _loaded[package].serve


def accepted(model, image: np.ndarray) -> bool:
    value = model(tf.constant(image[np.newaxis], tf.uint8))["input_accepted"].numpy()[0]
    assert value in (0.0, 1.0)
    return bool(value)


def test_every_model_ships_a_version_with_a_gate():
    assert {p.parent.name for p in GATED} == set(OWN_SET)


@pytest.mark.parametrize("package", GATED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_gate_refuses_real_foreign_images(package, dicom_dir):
    metadata = json.loads((package / "model_metadata.json").read_text())
    channels = metadata["input"]["channels"]
    model = serve(package)
    images = {name: image for name, image in foreign.dicom_images(
        [dicom_dir / "CT_small.dcm", dicom_dir / "MR_small.dcm"])}
    images["moon photograph"] = foreign.picture("skimage:moon.png")
    images["text page"] = foreign.picture("skimage:page.png")
    images["uniform noise"] = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    images["black"] = np.zeros((200, 200, 3), np.uint8)
    let_through = [name for name, image in images.items() if accepted(model, foreign.to_channels(image, channels))]
    assert not let_through, f"{metadata['name']} {metadata['version']} accepted {let_through}"


@pytest.mark.parametrize("package", GATED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_gate_accepts_its_own_test_images(package, medmnist_dir):
    metadata = json.loads((package / "model_metadata.json").read_text())
    images = np.load(medmnist_dir / f"{OWN_SET[metadata['name']]}.npz")["test_images"][:64]
    if images.ndim == 3:
        images = images[..., np.newaxis]
    decisions = serve(package)(tf.constant(images))["input_accepted"].numpy()
    assert decisions.sum() >= 63


def test_chest_gate_reads_every_full_size_xray_and_refuses_their_negatives(xray_dir):
    package = max((p for p in GATED if p.parent.name == "chest-xray-pneumonia"), key=lambda p: p.name)
    model = serve(package)
    scans = [decode_image_file(path, 1) for path in sorted(xray_dir.glob("*/*.jpeg"))]
    assert len(scans) == 20
    assert all(accepted(model, scan) for scan in scans)
    assert not any(accepted(model, 255 - scan) for scan in scans)


def test_metadata_states_the_refusal_and_the_dicom_rule():
    for package in GATED:
        check = json.loads((package / "model_metadata.json").read_text())["input_check"]
        assert check["refusal"] == f"This does not look like a {check['expects']}."
        assert check["outputs"] == {"score": "input_check", "accepted": "input_accepted"}
        assert check["dicom"]["modalities"] and check["dicom"]["body_parts"]
        assert check["measured"]["foreign_refused"] >= 0.99
        assert check["measured"]["in_domain_refused"] <= 0.01


def test_threshold_is_half_unless_that_refuses_too_many_in_domain_images():
    assert choose_threshold(np.full(1000, 0.99)) == 0.5
    scores = np.concatenate([np.full(990, 0.99), np.full(10, 0.2)])  # 1% would be refused at 0.5
    threshold = choose_threshold(scores)
    assert threshold < 0.2 and (scores < threshold).mean() <= 0.005


def test_foreign_sources_for_training_and_measuring_do_not_overlap():
    assert not set(foreign.TRAIN_PICTURES) & set(foreign.HELD_OUT_PICTURES)
    names = {name for name, _ in foreign.pydicom_test_dicoms()}
    assert names and not any(name.split(":")[1].startswith(("CT_small", "MR_small", "MR-SIEMENS")) for name in names)


def test_synthetic_images_are_reproducible_and_varied():
    first, again = foreign.synthetic(14, seed=3), foreign.synthetic(14, seed=3)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again))
    assert len({name for name, _ in first}) == 7
    assert all(image.dtype == np.uint8 and image.shape == (256, 256, 3) for _, image in first)


def test_the_adult_chest_radiograph_passes_its_header_but_not_the_pediatric_chest_gate(dicom_dir):
    """RG1_UNCI.dcm is an adult's CR chest film: 2.0.0 knows children's X-rays only and says so
    (1.0.0 read it as pneumonia, 90.5 %)."""
    package = EXPORTED_MODELS / "chest-xray-pneumonia" / "2.0.0"
    rules = json.loads((package / "model_metadata.json").read_text())["input_check"]["dicom"]
    assert "CR" in rules["modalities"] and "CHEST" in rules["body_parts"]
    assert not accepted(serve(package), decode_image_file(dicom_dir / "RG1_UNCI.dcm", 1))


def test_the_chest_gate_refuses_dicoms_it_never_saw_another_body_parts_radiograph_among_them():
    package = EXPORTED_MODELS / "chest-xray-pneumonia" / "2.0.0"
    unseen = foreign.pydicom_data_dicoms()
    names = [name for name, _ in unseen]
    assert "dicom:RG3_J2KI.dcm" in names and len(unseen) >= 8  # RG3: a CR radiograph of an extremity
    let_through = [name for name, image in unseen if accepted(serve(package), foreign.to_channels(image, 1))]
    assert not let_through, let_through
