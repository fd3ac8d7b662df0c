# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The three MedMNIST data sets
#
# PneumoniaMNIST (chest X-rays), BreastMNIST (breast ultrasound) and RetinaMNIST (fundus photographs),
# 28x28, as the shipped models were first trained on them. For each: the official splits, how the
# labels are balanced, a few images per label, and the intensity of their pixels.
#
# The files are read with `training.data.load_medmnist`, the loader training uses, which refuses a
# file whose MD5 is not the official release's. The data folder is `MEDICAL_DATA_DIR` (default
# `../shared/data` beside the repository).

# %%
import json
import os
import sys
from pathlib import Path

REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "training" / "train.py").is_file()), None)
if REPO is None:
    raise FileNotFoundError(f"run this notebook inside the repository: no folder above {Path.cwd()} holds training/")
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))
if not (DATA / "medmnist").is_dir():
    raise FileNotFoundError(f"no medmnist/ folder in {DATA}: set MEDICAL_DATA_DIR to the data directory")

import matplotlib.pyplot as plt
import numpy as np

from training.data import MEDMNIST, load_medmnist

FLAGS = ("pneumoniamnist", "breastmnist", "retinamnist")
datasets = {flag: load_medmnist(flag, DATA / "medmnist", download=False) for flag in FLAGS}

# %% [markdown]
# ## Splits and label balance
# All three are unbalanced, and not the same way: most chest X-rays show pneumonia, most breast
# ultrasounds are normal or benign, and the retina grades thin out towards the severe end. This is
# why training weighs the classes (`class_weight="balanced"`) and why accuracy alone says little.
# PneumoniaMNIST's test split holds more normal scans (38 %) than its train split (26 %): precision
# measured on one mix does not carry over to the other.

# %%
counts = {}
for flag, data in datasets.items():
    print(f"{flag}: {MEDMNIST[flag].description}, {data.channels} channel(s), labels {list(data.label_names)}")
    counts[flag] = {}
    for split, (images, labels) in data.splits.items():
        per_label = np.bincount(labels, minlength=len(data.label_names))
        counts[flag][split] = per_label.tolist()
        shares = ", ".join(f"{name} {n} ({n / len(labels):.0%})" for name, n in zip(data.label_names, per_label))
        print(f"  {split:5} {len(labels):5} images {images.shape[1:]}: {shares}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for ax, (flag, data) in zip(axes, datasets.items()):
    splits = list(data.splits)
    bottom = np.zeros(len(splits))
    for k, name in enumerate(data.label_names):
        shares = np.array([counts[flag][s][k] / sum(counts[flag][s]) for s in splits])
        ax.bar(splits, shares, bottom=bottom, label=name)
        bottom += shares
    ax.set(title=flag, ylabel="share of the split", ylim=(0, 1))
    ax.legend(fontsize=7, loc="lower right")
fig.suptitle("Label balance per split")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## A few images per label
# Eight training images of each label, the same ones on every run (seed 0).

# %%
rng = np.random.default_rng(0)
for flag, data in datasets.items():
    images, labels = data.splits["train"]
    names = data.label_names
    fig, axes = plt.subplots(len(names), 8, figsize=(8, 1.1 * len(names) + 0.4), squeeze=False)
    for row, name in enumerate(names):
        chosen = rng.choice(np.flatnonzero(labels == row), size=8, replace=False)
        for ax, index in zip(axes[row], chosen):
            image = images[index]
            ax.imshow(image[..., 0] if data.channels == 1 else image, cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(f"{flag}, train split")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# ## Intensity
# The histogram of every training pixel, per label (RetinaMNIST as grey levels, the luminance a
# one-channel reader would see). The drift watch compares the intensity of new uploads with
# distributions like these, so it is worth knowing how they look and how much the labels differ.

# %%
def grey(images: np.ndarray) -> np.ndarray:
    """Pillow's luminance (L = 0.299 R + 0.587 G + 0.114 B) of RGB images; grey images as they are."""
    if images.shape[-1] == 1:
        return images[..., 0].astype(np.float32)
    return images.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
intensity = {}
for ax, (flag, data) in zip(axes, datasets.items()):
    images, labels = data.splits["train"]
    pixels = grey(images)
    intensity[flag] = {}
    for k, name in enumerate(data.label_names):
        ax.hist(pixels[labels == k].ravel(), bins=64, range=(0, 255), density=True, histtype="step", label=name)
        intensity[flag][name] = round(float(pixels[labels == k].mean()), 1)
    ax.set(title=flag, xlabel="grey level", ylabel="density")
    ax.legend(fontsize=7)
fig.suptitle("Pixel intensity per label, train split")
fig.tight_layout()
plt.show()

# %% [markdown]
# The splits themselves are drawn from one distribution: the mean and spread of each image's
# average grey level agree from train to test.

# %%
for flag, data in datasets.items():
    parts = []
    for split, (images, _) in data.splits.items():
        means = grey(images).mean(axis=(1, 2))
        parts.append(f"{split} {means.mean():.1f} ± {means.std():.1f}")
    print(f"{flag:15} mean grey level per image: " + ", ".join(parts))

# %% [markdown]
# ## Summary
# The numbers above in one line (the notebook's test reads it).

# %%
summary = {flag: {"sizes": datasets[flag].sizes(), "labels": counts[flag], "mean_intensity": intensity[flag]}
           for flag in FLAGS}
print("SUMMARY " + json.dumps(summary))
