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
# # Real chest scans against their MedMNIST versions
#
# PneumoniaMNIST was made from the Kermany chest X-rays by a centre crop and a downscale to 28x28.
# `chest_xray_kermany_train/` holds 1,566 of those scans at 256x256, each paired (in its
# `manifest.csv`) with the PneumoniaMNIST image it became. Here: the two side by side, how size and
# intensity differ, and how the shipped model (`chest-xray-pneumonia` 2.0.0) scores the same
# scans in both forms.

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
if not (DATA / "chest_xray_kermany_train").is_dir():
    raise FileNotFoundError(f"no chest_xray_kermany_train/ in {DATA}: set MEDICAL_DATA_DIR to the data directory")

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from training.data import load_medmnist
from training.decoding import decode_image_file
from training.preprocessing import center_crop_and_resize
from training.real_scans import CROPPED, SQUEEZED, read_manifest, split_by_patient

rows = read_manifest(DATA / CROPPED)
medmnist = load_medmnist("pneumoniamnist", DATA / "medmnist", download=False)
# Each scan through the project's one decoder, and the MedMNIST image its manifest names.
scans = np.stack([decode_image_file(row["path"], channels=1) for row in rows])
small = np.stack([medmnist.splits[row["pneumoniamnist_split"]][0][int(row["pneumoniamnist_idx"])] for row in rows])
labels = np.array([row["label"] for row in rows])
print(f"{len(rows)} scans {scans.shape[1:]} ({np.sum(labels == 0)} normal, {np.sum(labels == 1)} pneumonia), "
      f"paired with PneumoniaMNIST images {small.shape[1:]}")

# %% [markdown]
# ## Side by side
# For six scans: the 256x256 scan, the product's own crop and resize of it to 28x28 (the first step
# of every exported graph, `training.preprocessing.center_crop_and_resize`), the PneumoniaMNIST
# image, and the difference between the last two.

# %%
ours = np.clip(np.round(center_crop_and_resize(scans, 28).numpy()), 0, 255).astype(np.uint8)

rng = np.random.default_rng(0)
shown = np.concatenate([rng.choice(np.flatnonzero(labels == k), 3, replace=False) for k in (0, 1)])
fig, axes = plt.subplots(len(shown), 4, figsize=(7.5, 1.9 * len(shown)))
for row, index in zip(axes, shown):
    difference = ours[index, ..., 0].astype(int) - small[index, ..., 0].astype(int)
    panels = [(scans[index, ..., 0], "gray", (0, 255), "256x256 scan"),
              (ours[index, ..., 0], "gray", (0, 255), "product's 28x28"),
              (small[index, ..., 0], "gray", (0, 255), "PneumoniaMNIST"),
              (difference, "coolwarm", (-40, 40), "ours - MedMNIST (±40)")]
    for ax, (image, cmap, (low, high), title) in zip(row, panels):
        ax.imshow(image, cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8)
    row[0].set_ylabel(f"{rows[index]['file'].split('/')[0].lower()}\n{rows[index]['patient']}", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Size
# Before the 256-pixel crop the scans were 384 to 2,916 pixels wide. Their size and shape differ by
# label: pneumonia scans are smaller and wider for their height than normal ones. A model could
# learn that shortcut; the square centre crop hides most of it, and the manifest keeps each
# original size to check.

# %%
original = np.array([[int(v) for v in row["source_width_x_height"].split("x")] for row in rows])
aspect = original[:, 0] / original[:, 1]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for k, name in enumerate(medmnist.label_names):
    left.scatter(original[labels == k, 0], original[labels == k, 1], s=4, alpha=0.5, label=name)
    right.hist(aspect[labels == k], bins=40, range=(0.8, 2.2), histtype="step", density=True, label=name)
left.set(xlabel="original width (px)", ylabel="original height (px)", title="Original sizes")
right.set(xlabel="width / height", ylabel="density", title="Original aspect ratio")
left.legend()
right.legend()
fig.tight_layout()
plt.show()
for k, name in enumerate(medmnist.label_names):
    print(f"{name:9}: median original {np.median(original[labels == k, 0]):.0f}x"
          f"{np.median(original[labels == k, 1]):.0f} px, median aspect {np.median(aspect[labels == k]):.2f}")

# %% [markdown]
# ## Intensity
# Brightness is kept: the mean grey level of a scan and of its MedMNIST image agree to about a tenth
# of a grey level. What differs is texture: the product's 28x28 downscale and MedMNIST's differ by a
# mean squared error of about 20 grey levels², fine detail that a 28x28 network can key on.

# %%
mean_scan = scans.mean(axis=(1, 2, 3))
mean_small = small.mean(axis=(1, 2, 3))
mse = ((ours.astype(float) - small.astype(float)) ** 2).mean(axis=(1, 2, 3))
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
left.hist(mean_small - mean_scan, bins=50, color="gray")
left.set(xlabel="mean grey level: MedMNIST - 256x256 scan", ylabel="scans", title="Brightness difference")
right.hist(mse, bins=50, color="gray")
right.set(xlabel="mean squared error (grey levels²)", ylabel="scans",
          title="Product's 28x28 against MedMNIST's")
fig.tight_layout()
plt.show()
brightness_gap = float(np.mean(mean_small - mean_scan))
print(f"brightness: MedMNIST - scan = {brightness_gap:+.2f} ± {np.std(mean_small - mean_scan):.2f} grey levels")
print(f"texture: mean squared error {np.mean(mse):.1f} (median {np.median(mse):.1f}, max {np.max(mse):.1f}); "
      f"the manifest's nn_mse, from another resize, {np.mean([float(r['nn_mse']) for r in rows]):.1f}")

# %% [markdown]
# ## The shipped model on both
# `chest-xray-pneumonia` 2.0.0 was trained on these scans, except those of 240 patients kept for
# validation (302 scans; `training.real_scans.split_by_patient` with the package's seed rebuilds
# that split). Only those 302 are scored here, in both forms, through the SavedModel's `serve`
# signature: the graph crops, resizes and gates by itself and takes decoded uint8 pixels of any
# size, as the server does (`backend/inference/runtime.py`). Validation chose the package's
# threshold and stopped its training, so these numbers lean a little optimistic; the package's own
# test numbers are in its `evaluation_metrics.json`.

# %%
PACKAGE = REPO / "exported_models" / "chest-xray-pneumonia" / "2.0.0"
metadata = json.loads((PACKAGE / "model_metadata.json").read_text())
threshold = metadata["decision"]["threshold"]
positive = metadata["positive_class"]
model = tf.saved_model.load(str(PACKAGE / "saved_model"))

squeezed = read_manifest(DATA / SQUEEZED)
seed = metadata["training"]["seed"]
_, validation = split_by_patient(rows, squeezed, val_fraction=0.2, seed=seed)
held_out = {row["file"] for row in validation}
index = np.array([i for i, row in enumerate(rows) if row["file"] in held_out])
assert len({rows[i]["patient"] for i in index}) == metadata["training"]["source"]["val_patients"]


def read(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(finding) and the input gate's decision for a batch of same-sized uint8 images."""
    outputs = model.serve(tf.constant(images, dtype=tf.uint8))
    return outputs["probabilities"].numpy()[:, positive], outputs["input_accepted"].numpy().reshape(-1) >= 0.5


scores = {}
for form, images in (("256x256 scan", scans[index]), ("PneumoniaMNIST 28x28", small[index])):
    scores[form] = read(images)
truth = labels[index] == positive

# %%
fig, ax = plt.subplots(figsize=(5.2, 5))
big, tiny = scores["256x256 scan"][0], scores["PneumoniaMNIST 28x28"][0]
for k, name in enumerate(medmnist.label_names):
    ax.scatter(big[labels[index] == k], tiny[labels[index] == k], s=8, alpha=0.6, label=f"{name} (truth)")
ax.axvline(threshold, color="black", lw=0.8, ls=":")
ax.axhline(threshold, color="black", lw=0.8, ls=":", label=f"threshold {threshold:.3f}")
ax.plot([0, 1], [0, 1], color="gray", lw=0.5)
ax.set(xlabel="P(pneumonia), 256x256 scan", ylabel="P(pneumonia), PneumoniaMNIST version",
       title=f"Same {len(index)} validation scans, two forms")
ax.legend(fontsize=8, loc="lower right")
fig.tight_layout()
plt.show()

results = {}
for form, (p, accepted) in scores.items():
    predicted = p >= threshold
    results[form] = {"accuracy": float(np.mean(predicted == truth)),
                     "sensitivity": float(np.mean(predicted[truth])),
                     "specificity": float(np.mean(~predicted[~truth])),
                     "gate_accepted": float(np.mean(accepted))}
    print(f"{form:21} accuracy {results[form]['accuracy']:.3f}, sensitivity {results[form]['sensitivity']:.3f}, "
          f"specificity {results[form]['specificity']:.3f}, accepted by the gate {results[form]['gate_accepted']:.1%}")
same_decision = float(np.mean((big >= threshold) == (tiny >= threshold)))
print(f"same decision on both forms: {same_decision:.1%}; "
      f"median |difference| in P(pneumonia) {np.median(np.abs(big - tiny)):.3f}")

# %% [markdown]
# ## Summary

# %%
summary = {"pairs": len(rows), "validation_scans": int(len(index)), "brightness_gap": round(brightness_gap, 2),
           "texture_mse": round(float(np.mean(mse)), 1), "threshold": threshold,
           "same_decision": round(same_decision, 3),
           "scores": {form: {k: round(v, 3) for k, v in r.items()} for form, r in results.items()}}
print("SUMMARY " + json.dumps(summary))
