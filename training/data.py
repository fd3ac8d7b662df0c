"""Training data: official MedMNIST files and a hospital's own image folders, and tf.data pipelines."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import tensorflow as tf

from training.decoding import ImageDecodeError, decode_image_file
from training.preprocessing import center_crop_and_resize

SPLITS = ("train", "val", "test")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".dcm", ".dicom"}


class DataError(ValueError):
    """Data that cannot be used, with a message that says what to do about it."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    md5: str
    url: str
    label_names: tuple[str, ...]
    channels: int
    description: str
    positive_class: int | None  # the finding a binary model screens for; None for multi-class

    @property
    def num_classes(self) -> int:
        return len(self.label_names)


# Official MedMNIST v2 files (MD5s and URLs from the `medmnist` 3.0.2 package's INFO).
MEDMNIST = {
    "pneumoniamnist": DatasetInfo(
        md5="28209eda62fecd6e6a2d98b1501bb15f",
        url="https://zenodo.org/records/10519652/files/pneumoniamnist.npz?download=1",
        label_names=("normal", "pneumonia"), channels=1,
        description="pediatric chest X-ray (Kermany et al. 2018)", positive_class=1),
    "breastmnist": DatasetInfo(
        md5="750601b1f35ba3300ea97c75c52ff8f6",
        url="https://zenodo.org/records/10519652/files/breastmnist.npz?download=1",
        label_names=("malignant", "normal or benign"), channels=1,
        description="breast ultrasound (Al-Dhabyani et al. 2020)", positive_class=0),
    "retinamnist": DatasetInfo(
        md5="bd4c0672f1bba3e3a89f0e4e876791e4",
        url="https://zenodo.org/records/10519652/files/retinamnist.npz?download=1",
        label_names=("grade 0", "grade 1", "grade 2", "grade 3", "grade 4"), channels=3,
        description="retinal fundus photographs, diabetic retinopathy grade (DeepDRiD)",
        positive_class=None),
}


@dataclasses.dataclass
class Dataset:
    """Images (N, H, W, C) uint8 and integer labels (N,) for each split."""
    name: str
    label_names: tuple[str, ...]
    channels: int
    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    source: dict  # where it came from: path, checksum, or folder and skipped files
    positive_class: int | None = None

    def sizes(self) -> dict[str, int]:
        return {split: len(labels) for split, (_, labels) in self.splits.items()}


def file_md5(path: str | os.PathLike) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_medmnist(flag: str, data_dir: str | os.PathLike, download: bool = True) -> Dataset:
    """Loads an official MedMNIST `.npz` from data_dir, downloading it first when it is missing."""
    if flag not in MEDMNIST:
        raise DataError(f"unknown MedMNIST dataset {flag!r}; known: {', '.join(sorted(MEDMNIST))}")
    info = MEDMNIST[flag]
    path = Path(data_dir) / f"{flag}.npz"
    if not path.exists():
        if not download:
            raise DataError(f"{path} does not exist; download {info.url} and save it there")
        _download(info.url, path)
    checksum = file_md5(path)
    if checksum != info.md5:
        raise DataError(f"{path} has MD5 {checksum}, but the official {flag}.npz has {info.md5}: "
                        f"the file is damaged or not the official release; download it again "
                        f"from {info.url}")
    splits = read_medmnist_npz(path)
    return Dataset(name=flag, label_names=info.label_names, channels=info.channels, splits=splits,
                   source={"kind": "medmnist", "file": path.name, "md5": checksum, "url": info.url},
                   positive_class=info.positive_class)


def read_medmnist_npz(path: str | os.PathLike) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The splits of a MedMNIST-format archive, with (N, H, W, C) uint8 images and (N,) labels."""
    try:
        archive = np.load(path)
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise DataError(f"{path} is not a readable .npz archive ({error})") from error
    with archive:
        missing = [f"{split}_{kind}" for split in SPLITS for kind in ("images", "labels")
                   if f"{split}_{kind}" not in archive.files]
        if missing:
            raise DataError(f"{path} lacks the MedMNIST keys {', '.join(missing)}")
        splits = {}
        for split in SPLITS:
            images = archive[f"{split}_images"]
            if images.ndim == 3:
                images = images[..., np.newaxis]
            splits[split] = (images.astype(np.uint8), archive[f"{split}_labels"].reshape(-1).astype(np.int64))
    return splits


def _download(url: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    print(f"downloading {url} -> {path}", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
            while block := response.read(1 << 20):
                out.write(block)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DataError(f"{path.name} is not in {path.parent} and could not be downloaded from "
                        f"{url} ({error}); download it on a machine with internet access and put it "
                        f"at {path}") from error
    partial.rename(path)


def load_image_folder(root: str | os.PathLike, channels: int, size: int, seed: int = 0,
                      val_fraction: float = 0.1, test_fraction: float = 0.2) -> Dataset:
    """Loads root/<class name>/<image files> (PNG, JPEG, DICOM) into stratified random splits.

    With two classes, the second in alphabetical order is the positive finding (name the folders
    so, e.g. "0_normal" and "1_pneumonia").
    Every image is brought to (size, size) with the model's own crop and resize. Files that cannot
    be decoded are reported on stderr with their path and listed in `source["skipped"]`.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root} is not a directory")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_dirs) < 2:
        raise DataError(f"{root} needs one sub-folder per class (at least two); found "
                        f"{len(class_dirs)}")
    images, labels, skipped = [], [], []
    for label, class_dir in enumerate(class_dirs):
        files = sorted(p for p in class_dir.rglob("*") if p.is_file() and not p.name.startswith("."))
        loaded = 0
        for file in files:
            if file.suffix.lower() not in IMAGE_SUFFIXES:
                skipped.append({"path": str(file), "reason": "not a PNG, JPEG or DICOM file name"})
                continue
            try:
                pixels = decode_image_file(file, channels)
            except ImageDecodeError as error:
                skipped.append({"path": str(file), "reason": str(error)})
                continue
            images.append(_to_size(pixels, size))
            labels.append(label)
            loaded += 1
        if loaded == 0:
            raise DataError(f"class folder {class_dir} has no readable images")
    for entry in skipped:
        print(f"skipped {entry['path']}: {entry['reason']}", file=sys.stderr)
    if skipped:
        print(f"{len(skipped)} file(s) skipped, {len(images)} loaded", file=sys.stderr)
    images, labels = np.stack(images), np.asarray(labels, dtype=np.int64)
    splits = stratified_split(images, labels, seed, val_fraction, test_fraction)
    return Dataset(name=root.name, label_names=tuple(p.name for p in class_dirs), channels=channels,
                   splits=splits, source={"kind": "folder", "path": str(root),
                                          "loaded": len(labels), "skipped": skipped},
                   positive_class=1 if len(class_dirs) == 2 else None)


def _to_size(pixels: np.ndarray, size: int) -> np.ndarray:
    resized = center_crop_and_resize(pixels[np.newaxis], size)[0].numpy()
    return np.clip(np.round(resized), 0, 255).astype(np.uint8)


def stratified_split(images: np.ndarray, labels: np.ndarray, seed: int, val_fraction: float,
                     test_fraction: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Splits each class by the same fractions so every split keeps the class balance."""
    rng = np.random.default_rng(seed)
    chosen = {split: [] for split in SPLITS}
    for label in np.unique(labels):
        index = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(len(index) * test_fraction))
        n_val = int(round(len(index) * val_fraction))
        chosen["test"].extend(index[:n_test])
        chosen["val"].extend(index[n_test:n_test + n_val])
        chosen["train"].extend(index[n_test + n_val:])
    return {split: (images[np.sort(idx)], labels[np.sort(idx)])
            for split, idx in ((s, np.asarray(chosen[s], dtype=np.int64)) for s in SPLITS)}


def make_pipeline(images: np.ndarray, labels: np.ndarray, num_classes: int, batch_size: int,
                  size: int, training: bool, seed: int, augment=None,
                  work_size: int | None = None) -> tf.data.Dataset:
    """tf.data pipeline of (float images in [0, 1] at size, one-hot labels).

    The preprocessing is the exported graph's own; it runs once and is cached, then training
    batches are shuffled and augmented on the fly. With a `work_size` larger than `size`, images
    are cached and augmented at that size and only then brought down to the model's, so blur,
    noise and geometry act on detail the model's input would keep, as in a real acquisition.
    """
    work_size = work_size if training and augment is not None and work_size else size
    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    dataset = dataset.batch(256).map(
        lambda x, y: (center_crop_and_resize(x, work_size) / 255.0, tf.one_hot(y, num_classes)),
        num_parallel_calls=tf.data.AUTOTUNE).unbatch().cache()
    if training:
        dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if training and augment is not None:
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
        if work_size != size:
            dataset = dataset.map(lambda x, y: (center_crop_and_resize(x, size), y),
                                  num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)
