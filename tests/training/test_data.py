import dataclasses
import shutil

import numpy as np
import pytest

from training import data
from training.data import DataError, load_image_folder, load_medmnist, read_medmnist_npz


def test_it_loads_the_official_splits(medmnist_dir):
    dataset = load_medmnist("pneumoniamnist", medmnist_dir, download=False)
    assert dataset.sizes() == {"train": 4708, "val": 524, "test": 624}
    images, labels = dataset.splits["train"]
    assert images.shape == (4708, 28, 28, 1) and images.dtype == np.uint8
    assert set(np.unique(labels)) == {0, 1}
    assert dataset.source["md5"] == "28209eda62fecd6e6a2d98b1501bb15f"


def test_rgb_dataset_keeps_three_channels(medmnist_dir):
    dataset = load_medmnist("retinamnist", medmnist_dir, download=False)
    assert dataset.splits["test"][0].shape == (400, 28, 28, 3)
    assert dataset.positive_class is None


def test_missing_file_offline_says_where_to_put_it(tmp_path):
    with pytest.raises(DataError, match=r"breastmnist.npz does not exist; download https://zenodo.org"):
        load_medmnist("breastmnist", tmp_path, download=False)


def test_failed_download_says_where_to_put_the_file(tmp_path, monkeypatch):
    # A closed local port: the real download code, failing the way it does offline.
    unreachable = dataclasses.replace(data.MEDMNIST["breastmnist"], url="http://127.0.0.1:9/breastmnist.npz")
    monkeypatch.setitem(data.MEDMNIST, "breastmnist", unreachable)
    with pytest.raises(DataError, match=r"could not be downloaded .* put it at .*breastmnist.npz"):
        load_medmnist("breastmnist", tmp_path)
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_bad_checksum_is_refused(medmnist_dir, tmp_path):
    damaged = tmp_path / "breastmnist.npz"
    shutil.copy(medmnist_dir / "breastmnist.npz", damaged)
    with open(damaged, "ab") as f:
        f.write(b"\0")
    with pytest.raises(DataError, match="has MD5 .* but the official breastmnist.npz has 750601b1"):
        load_medmnist("breastmnist", tmp_path, download=False)


def test_wrong_keys_are_named(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, train_images=np.zeros((2, 28, 28), np.uint8), train_labels=np.zeros((2, 1)))
    with pytest.raises(DataError, match="lacks the MedMNIST keys val_images, val_labels, test_images"):
        read_medmnist_npz(path)


def test_unknown_dataset_lists_known_ones(tmp_path):
    with pytest.raises(DataError, match="known: breastmnist, pneumoniamnist, retinamnist"):
        load_medmnist("chestmnist", tmp_path)


def make_folder(tmp_path, xray_dir, dicom_dir):
    root = tmp_path / "hospital"
    for cls, source in (("0_normal", "NORMAL"), ("1_pneumonia", "PNEUMONIA")):
        (root / cls).mkdir(parents=True)
        for jpeg in sorted((xray_dir / source).glob("*.jpeg"))[:5]:
            shutil.copy(jpeg, root / cls / jpeg.name)
    shutil.copy(dicom_dir / "RG1_UNCI.dcm", root / "0_normal" / "scan.dcm")
    good = sorted((xray_dir / "NORMAL").glob("*.jpeg"))[0].read_bytes()
    (root / "1_pneumonia" / "truncated.jpeg").write_bytes(good[:len(good) // 3])
    (root / "1_pneumonia" / "notes.png").write_text("not an image")
    return root


def test_image_folder_loads_and_reports_bad_files(tmp_path, xray_dir, dicom_dir, capsys):
    dataset = load_image_folder(make_folder(tmp_path, xray_dir, dicom_dir), channels=1, size=28)
    assert dataset.label_names == ("0_normal", "1_pneumonia")
    assert dataset.source["loaded"] == 11
    skipped = {entry["path"].rsplit("/", 1)[-1]: entry["reason"] for entry in dataset.source["skipped"]}
    assert set(skipped) == {"truncated.jpeg", "notes.png"}
    assert "corrupt or truncated image" in skipped["truncated.jpeg"]
    assert "not a PNG, JPEG or DICOM file" in skipped["notes.png"]
    err = capsys.readouterr().err
    assert "truncated.jpeg" in err and "2 file(s) skipped, 11 loaded" in err
    assert sum(dataset.sizes().values()) == 11
    assert dataset.splits["train"][0].shape[1:] == (28, 28, 1)


def test_empty_class_folder_is_an_error(tmp_path, xray_dir, dicom_dir):
    root = make_folder(tmp_path, xray_dir, dicom_dir)
    (root / "2_empty").mkdir()
    with pytest.raises(DataError, match="class folder .*2_empty has no readable images"):
        load_image_folder(root, channels=1, size=28)


def test_folder_without_classes_is_an_error(tmp_path):
    with pytest.raises(DataError, match="needs one sub-folder per class"):
        load_image_folder(tmp_path, channels=1, size=28)


def test_stratified_split_keeps_every_class_in_every_split():
    labels = np.array([0] * 30 + [1] * 70)
    splits = data.stratified_split(np.arange(100), labels, seed=0, val_fraction=0.1, test_fraction=0.2)
    assert {s: len(v[1]) for s, v in splits.items()} == {"train": 70, "val": 10, "test": 20}
    assert np.bincount(splits["test"][1]).tolist() == [6, 14]
    assert len(np.intersect1d(splits["train"][0], splits["test"][0])) == 0
