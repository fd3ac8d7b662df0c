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
# # Training and evaluating a model
#
# A small pneumonia classifier on PneumoniaMNIST, trained and evaluated with the project's own
# code, as `python -m training.pipeline` does it (without the export): `training.train` fits the
# network, `training.evaluate` builds the serving graph, fits its temperature and decision
# threshold on the validation split and measures it once on the test split, with bootstrap
# intervals from `training.metrics`.
#
# **These numbers are a demonstration.** Two epochs of a network 8 filters wide, so that the
# notebook runs in well under a minute; they are not the shipped model's numbers (those are in
# each package's `evaluation_metrics.json`, and compared at the end).

# %%
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "training" / "train.py").is_file()), None)
if REPO is None:
    raise FileNotFoundError(f"run this notebook inside the repository: no folder above {Path.cwd()} holds training/")
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))
if not (DATA / "medmnist").is_dir():
    raise FileNotFoundError(f"no medmnist/ folder in {DATA}: set MEDICAL_DATA_DIR to the data directory")
# The run (weights, logs, plots) goes to a temporary folder; set RUN_DIR to keep it.
RUN_DIR = Path(os.environ.get("RUN_DIR") or tempfile.mkdtemp(prefix="notebook-run-"))

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import Image, display

from training.evaluate import evaluate, predict
from training.train import TrainConfig, load_dataset, train

# training.plots picks matplotlib's file-only backend; figures are drawn in the notebook again.
# %matplotlib inline
tf.get_logger().setLevel("ERROR")  # evaluate's per-split tf.function tracing is expected here

# %% [markdown]
# ## The run's configuration
# The same dataclass the command line fills. A small batch gives the short run enough steps for
# batch normalisation to settle; the seed makes the run repeatable (TensorFlow's deterministic ops).

# %%
config = TrainConfig(dataset="pneumoniamnist", data_dir=str(DATA / "medmnist"), epochs=2, width=8,
                     batch_size=16, seed=0, output_dir=str(RUN_DIR))
data = load_dataset(config)
print(f"{data.name}: {data.sizes()}, labels {list(data.label_names)}, positive class {data.positive_class}")

# %% [markdown]
# ## Training
# Class-weighted loss, augmentation in the `tf.data` pipeline only, AdamW with cosine decay, the best
# epoch by validation AUC kept. Keras prints one line per epoch.

# %%
summary = train(config, data, command="notebooks/03_train_and_evaluate.py")
history = json.loads((RUN_DIR / "history.json").read_text())["member_0"]
for epoch, (auc, val_auc) in enumerate(zip(history["auc"], history["val_auc"]), start=1):
    print(f"epoch {epoch}: train AUC {auc:.3f}, validation AUC {val_auc:.3f}")

# %% [markdown]
# ## Evaluation
# The serving graph (crop, resize, the network, calibration) is fed the same uint8 images a user
# would send. Everything is chosen on validation; the test split is used once. It prints one line
# per split, each metric with its 95 % bootstrap interval.

# %%
model, metrics = evaluate(RUN_DIR, data)
test = metrics["test"]
threshold = metrics["decision"]["threshold"]
print(f"threshold {threshold:.3f}: {metrics['decision']['rule']}")

# %% [markdown]
# `training.evaluate` draws the ROC curve (with the operating point) and the confusion matrix of
# the test split with `training.plots`, the same figures every model package ships.

# %%
display(Image(filename=str(RUN_DIR / "roc.png"), width=380))
display(Image(filename=str(RUN_DIR / "confusion_matrix.png"), width=380))

# %% [markdown]
# How the test scores spread per true label: where the two overlap, the threshold trades
# sensitivity for specificity.

# %%
x_test, y_test = data.splits["test"]
scores = predict(model, x_test)[:, data.positive_class]
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, name in enumerate(data.label_names):
    ax.hist(scores[y_test == k], bins=30, range=(0, 1), alpha=0.6, label=f"{name} ({np.sum(y_test == k)})")
ax.axvline(threshold, color="black", ls=":", label=f"threshold {threshold:.3f}")
ax.set(xlabel=f"P({data.label_names[data.positive_class]})", ylabel="test images",
       title="Test scores per true label")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Against the shipped models
# The same test split, the same metrics. The shipped 28x28 model (`chest-xray-pneumonia` 1.0.0)
# is two networks 24 filters wide trained for up to 30 epochs; 2.0.0 learned from the real scans at
# 64x64. A two-epoch demonstration is expected to fall short of both.

# %%
rows = [("this notebook (demonstration)", test)]
for version in ("1.0.0", "2.0.0"):
    shipped = json.loads((REPO / "exported_models" / "chest-xray-pneumonia" / version /
                          "evaluation_metrics.json").read_text())
    rows.append((f"chest-xray-pneumonia {version}", shipped["test"]))
KEYS = ("auc", "accuracy", "sensitivity", "specificity")
print(f"\n{'test split (n=624)':32}" + "".join(f"{key:>22}" for key in KEYS))
for name, m in rows:
    cells = "".join(f"{m[key]:>8.3f} [{m['ci95'][key][0]:.3f}-{m['ci95'][key][1]:.3f}]" for key in KEYS)
    print(f"{name:32}{cells}")

# %% [markdown]
# ## Summary

# %%
result = {"run_dir": str(RUN_DIR), "epochs_run": len(history["auc"]), "threshold": threshold,
          "test": {key: round(test[key], 3) for key in KEYS},
          "test_n": test["n"], "confusion_matrix": test["confusion_matrix"],
          "training_seconds": summary["training_seconds"]}
print("SUMMARY " + json.dumps(result))
