"""PNG plots of an evaluation: ROC curve, confusion matrix, reliability diagram."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402


def plot_roc(labels, probabilities, label_names, positive, auc_value, path: Path, threshold=None) -> None:
    fig, ax = plt.subplots(figsize=(5, 5))
    classes = [positive] if positive is not None else range(len(label_names))
    for k in classes:
        fpr, tpr, thresholds = roc_curve(labels == k, probabilities[:, k])
        ax.plot(fpr, tpr, label=label_names[k])
        if threshold is not None and k == positive:
            at = np.argmin(np.abs(thresholds - threshold))
            ax.plot(fpr[at], tpr[at], "o", color="black", label=f"threshold {threshold:.3f}")
    ax.plot([0, 1], [0, 1], ":", color="gray")
    ax.set(xlabel="1 - specificity (false positive rate)", ylabel="sensitivity (true positive rate)",
           title=f"ROC, test split (AUC {auc_value:.3f})")
    ax.legend(loc="lower right")
    _save(fig, path)


def plot_confusion(confusion, label_names, path: Path) -> None:
    confusion = np.asarray(confusion)
    fig, ax = plt.subplots(figsize=(1.2 * len(label_names) + 3, 1.2 * len(label_names) + 2.5))
    ax.imshow(confusion, cmap="Blues")
    for (i, j), count in np.ndenumerate(confusion):
        color = "white" if count > confusion.max() / 2 else "black"
        ax.text(j, i, str(count), ha="center", va="center", color=color)
    ticks = range(len(label_names))
    ax.set_xticks(ticks, label_names, rotation=30, ha="right")
    ax.set_yticks(ticks, label_names)
    ax.set(xlabel="predicted", ylabel="true", title="Confusion matrix, test split")
    _save(fig, path)


def plot_calibration(labels, probabilities, ece, path: Path, bins: int = 10) -> None:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    centers, accuracy, counts = [], [], []
    for b in range(bins):
        members = which == b
        if members.any():
            centers.append(confidence[members].mean())
            accuracy.append(correct[members].mean())
            counts.append(int(members.sum()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ":", color="gray", label="perfect calibration")
    ax.plot(centers, accuracy, "o-", label="model")
    for x, y, n in zip(centers, accuracy, counts):
        ax.annotate(str(n), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set(xlabel="confidence (top-class probability)", ylabel="accuracy",
           title=f"Reliability, test split (ECE {ece:.3f})", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="upper left")
    _save(fig, path)


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
