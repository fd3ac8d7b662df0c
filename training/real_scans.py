"""Real Kermany chest X-ray scans (the source PneumoniaMNIST was made from) as a training set.

Two folders make up the Kermany train split (see ../shared/data/README.md):
- `chest_xray_kermany_train/`: 1,566 scans centre-cropped and resized to 256x256, with patient ids;
  the shape an upload has after the graph's own crop, so validation comes from here only.
- `chest_xray_kermany_train_224/`: 3,650 scans squeezed whole to 224x224 by their source. Their
  width is cut back to the centre square the crop would have kept (using the median aspect ratio
  of that label's full-size scans, as the squeeze lost each one's own), so they look like the rest.

Validation is carved by patient: no patient has scans on both sides. The test split is MedMNIST's
(the same test scans at 28x28); the full-size test scans stay outside the project.

Each cropped scan is also an image of PneumoniaMNIST (its manifest says which). Those 28x28
versions of the validation scans are a second validation split (`val_medmnist`): how the model
reads MedMNIST-sized uploads. With `medmnist_versions`, the 28x28 versions of the training
patients' scans are trained on too (enlarged to the working size), so small uploads are read
like large ones.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
from PIL import Image

from training.data import MEDMNIST, DataError, Dataset, file_md5, load_medmnist
from training.preprocessing import center_crop_and_resize

CROPPED = "chest_xray_kermany_train"
SQUEEZED = "chest_xray_kermany_train_224"
# Median width / height of the full-size train scans, per label (from CROPPED's manifest).
SOURCE_ASPECT = {0: 1.22, 1: 1.52}


def load_real_chest_scans(root: str | os.PathLike, medmnist_dir: str | os.PathLike, size: int,
                          val_fraction: float = 0.2, seed: int = 0, medmnist_versions: bool = False) -> Dataset:
    """The 5,216 real train scans at (size, size), a patient-level validation split, MedMNIST test."""
    root = Path(root)
    cropped = read_manifest(root / CROPPED)
    squeezed = read_manifest(root / SQUEEZED)
    train, val = split_by_patient(cropped, squeezed, val_fraction, seed)

    medmnist = load_medmnist("pneumoniamnist", medmnist_dir, download=False)
    info = MEDMNIST["pneumoniamnist"]
    x_train, y_train = _load(train, size)
    versions_of_train = [row for row in train if row["folder"] == CROPPED]
    if medmnist_versions:
        x_small, y_small = _medmnist_versions(versions_of_train, medmnist.splits)
        x_train = np.concatenate([x_train, _enlarge(x_small, size)])
        y_train = np.concatenate([y_train, y_small])
    return Dataset(
        name="kermany-chest-xray", label_names=info.label_names, channels=1,
        splits={"train": (x_train, y_train), "val": _load(val, size), "test": medmnist.splits["test"],
                "val_medmnist": _medmnist_versions(val, medmnist.splits)},
        source={"kind": "real-scans", "path": str(root),
                "manifests": {name: file_md5(root / name / "manifest.csv") for name in (CROPPED, SQUEEZED)},
                "train": {CROPPED: sum(r["folder"] == CROPPED for r in train),
                          SQUEEZED: sum(r["folder"] == SQUEEZED for r in train)},
                "val_patients": len({row["patient"] for row in val}), "split": f"by patient, seed {seed}",
                "medmnist_versions_trained_on": len(versions_of_train) if medmnist_versions else 0,
                "test": "PneumoniaMNIST test split (28x28), " + medmnist.source["md5"]},
        positive_class=info.positive_class)


def split_by_patient(cropped: list[dict], squeezed: list[dict], val_fraction: float,
                     seed: int) -> tuple[list[dict], list[dict]]:
    """(train rows, validation rows): validation takes whole patients' cropped scans; squeezed
    scans of those patients are left out rather than trained on."""
    patients = sorted({row["patient"] for row in cropped})
    rng = np.random.default_rng(seed)
    val_patients = set(rng.permutation(patients)[:int(round(len(patients) * val_fraction))])
    train = [row for row in cropped if row["patient"] not in val_patients]
    val = [row for row in cropped if row["patient"] in val_patients]
    return train + [row for row in squeezed if row["patient"] not in val_patients], val


def read_manifest(folder: Path) -> list[dict]:
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        raise DataError(f"{manifest} does not exist; the real chest scans are described in "
                        f"shared/data/README.md")
    with open(manifest, newline="") as f:
        return [{**row, "folder": folder.name, "path": folder / row["file"], "label": int(row["label"])}
                for row in csv.DictReader(f)]


def _medmnist_versions(rows: list[dict], splits: dict) -> tuple[np.ndarray, np.ndarray]:
    """The PneumoniaMNIST image each cropped scan became, with the scan's label."""
    images = np.stack([splits[row["pneumoniamnist_split"]][0][int(row["pneumoniamnist_idx"])] for row in rows])
    return images, np.asarray([row["label"] for row in rows], dtype=np.int64)


def _enlarge(images: np.ndarray, size: int) -> np.ndarray:
    resized = center_crop_and_resize(images, size).numpy()
    return np.clip(np.round(resized), 0, 255).astype(np.uint8)


def _load(rows: list[dict], size: int) -> tuple[np.ndarray, np.ndarray]:
    images = np.stack([_scan(row, size) for row in rows])[..., np.newaxis]
    return images, np.asarray([row["label"] for row in rows], dtype=np.int64)


def _scan(row: dict, size: int) -> np.ndarray:
    with Image.open(row["path"]) as image:
        image = image.convert("L")
        if row["folder"] == SQUEEZED:
            width = image.width / SOURCE_ASPECT[row["label"]]
            left = (image.width - width) / 2
            image = image.crop((round(left), 0, round(left + width), image.height))
        return np.asarray(image.resize((size, size), Image.BILINEAR), dtype=np.uint8)
