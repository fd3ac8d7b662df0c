"""The real Kermany train scans as a data set: every scan once, validation split by patient."""
import numpy as np
import pytest

from training.real_scans import CROPPED, SQUEEZED, load_real_chest_scans, read_manifest, split_by_patient


@pytest.fixture(scope="module")
def scans(medmnist_dir):
    return load_real_chest_scans(medmnist_dir.parent, medmnist_dir, size=32, seed=0)


@pytest.fixture(scope="module")
def manifests(medmnist_dir):
    return read_manifest(medmnist_dir.parent / CROPPED), read_manifest(medmnist_dir.parent / SQUEEZED)


def test_no_patient_is_on_both_sides_of_the_split(manifests):
    cropped, squeezed = manifests
    train, val = split_by_patient(cropped, squeezed, 0.2, seed=0)
    assert not {r["patient"] for r in train} & {r["patient"] for r in val}
    assert all(r["folder"] == CROPPED for r in val)
    assert 0.15 < len(val) / len(cropped) < 0.25
    # Every cropped scan is used once; squeezed scans of validation patients are left out.
    assert sum(r["folder"] == CROPPED for r in train) + len(val) == len(cropped)
    assert 0 < len(squeezed) - sum(r["folder"] == SQUEEZED for r in train) < len(squeezed) // 2


def test_the_whole_kermany_train_split_is_there(manifests):
    cropped, squeezed = manifests
    assert len(cropped) + len(squeezed) == 5216


def test_loaded_splits_have_labels_shapes_and_medmnist_test(scans, manifests):
    x_train, y_train = scans.splits["train"]
    x_val, y_val = scans.splits["val"]
    assert x_train.shape[1:] == (32, 32, 1) and x_train.dtype == np.uint8
    assert set(np.unique(y_train)) == {0, 1} and set(np.unique(y_val)) == {0, 1}
    assert 0.2 < (y_train == 0).mean() < 0.33  # about a quarter of the Kermany train split is normal
    assert scans.splits["test"][0].shape == (624, 28, 28, 1)
    assert scans.source["train"][CROPPED] + len(y_val) == len(manifests[0])


def test_the_split_is_the_same_for_the_same_seed(medmnist_dir, scans):
    again = load_real_chest_scans(medmnist_dir.parent, medmnist_dir, size=32, seed=0)
    assert np.array_equal(again.splits["val"][0], scans.splits["val"][0])
