"""Classification metrics with bootstrap confidence intervals, for binary and multi-class tasks."""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

THRESHOLD_RULE = ("maximises Youden's J (sensitivity + specificity - 1) on the validation split; "
                  "ties go to the threshold nearest 0.5")


def choose_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """The decision threshold on the positive-class score, chosen by THRESHOLD_RULE."""
    fpr, tpr, thresholds = roc_curve(labels, scores)
    finite = np.isfinite(thresholds)
    fpr, tpr, thresholds = fpr[finite], tpr[finite], thresholds[finite]
    youden = tpr - fpr
    best = np.flatnonzero(np.isclose(youden, youden.max()))
    chosen = best[np.argmin(np.abs(thresholds[best] - 0.5))]
    # Midway to the next lower score, so a score equal to the validation one is not on the edge.
    lower = thresholds[chosen + 1] if chosen + 1 < len(thresholds) else 0.0
    return float((thresholds[chosen] + lower) / 2.0)


def threshold_for_sensitivity(labels: np.ndarray, scores: np.ndarray, sensitivity: float) -> float:
    """The highest threshold whose sensitivity on these labels is at least `sensitivity`.

    That is the best specificity reachable with that sensitivity. The threshold sits midway to
    the next lower score, so a score equal to the lowest accepted positive is not on the edge.
    """
    positives = np.sort(scores[labels.astype(bool)])[::-1]
    needed = int(np.ceil(sensitivity * len(positives)))
    lowest = positives[max(needed, 1) - 1]
    below = scores[scores < lowest]
    return float((lowest + below.max()) / 2.0) if below.size else float(lowest)


def threshold_for_specificity(labels: np.ndarray, scores: np.ndarray, specificity: float) -> float:
    """The lowest threshold whose specificity on these labels is at least `specificity`."""
    negatives = np.sort(scores[~labels.astype(bool)])
    allowed = len(negatives) - int(np.ceil(specificity * len(negatives)))  # false positives allowed
    highest = negatives[len(negatives) - allowed - 1]
    above = scores[scores > highest]
    return float((highest + above.min()) / 2.0) if above.size else float(np.nextafter(highest, 2.0))


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> float:
    """Top-label ECE: the gap between confidence and accuracy, averaged over equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def auc(labels: np.ndarray, probabilities: np.ndarray, positive: int | None) -> float:
    """Binary: ROC AUC of the positive class's probability. Multi-class: macro one-vs-rest AUC."""
    if positive is not None:
        return float(roc_auc_score(labels == positive, probabilities[:, positive]))
    return float(roc_auc_score(labels, probabilities, multi_class="ovr", average="macro",
                               labels=np.arange(probabilities.shape[1])))


def predict_labels(probabilities: np.ndarray, positive: int | None, threshold: float | None) -> np.ndarray:
    if positive is None:
        return probabilities.argmax(axis=1)
    negative = 1 - positive
    return np.where(probabilities[:, positive] >= threshold, positive, negative)


def point_metrics(labels: np.ndarray, probabilities: np.ndarray, positive: int | None,
                  threshold: float | None) -> dict:
    """Metrics of one set of predictions (no intervals)."""
    predicted = predict_labels(probabilities, positive, threshold)
    num_classes = probabilities.shape[1]
    confusion = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    result = {
        "auc": auc(labels, probabilities, positive),
        "accuracy": float((predicted == labels).mean()),
        "ece": expected_calibration_error(labels, probabilities),
        "confusion_matrix": confusion.tolist(),
    }
    if positive is not None:
        true_pos = confusion[positive, positive]
        false_neg = confusion[positive].sum() - true_pos
        false_pos = confusion[:, positive].sum() - true_pos
        true_neg = confusion.sum() - true_pos - false_neg - false_pos
        sensitivity = true_pos / max(true_pos + false_neg, 1)
        specificity = true_neg / max(true_neg + false_pos, 1)
        precision = true_pos / max(true_pos + false_pos, 1)
        result.update({
            "sensitivity": float(sensitivity), "specificity": float(specificity),
            "precision": float(precision),
            "f1": float(2 * precision * sensitivity / max(precision + sensitivity, 1e-12)),
        })
    else:
        recalls = np.diag(confusion) / np.maximum(confusion.sum(axis=1), 1)
        precisions = np.diag(confusion) / np.maximum(confusion.sum(axis=0), 1)
        f1 = 2 * precisions * recalls / np.maximum(precisions + recalls, 1e-12)
        result.update({"macro_f1": float(f1.mean()), "per_class_recall": recalls.tolist()})
    return result


def metrics_with_intervals(labels: np.ndarray, probabilities: np.ndarray, positive: int | None,
                           threshold: float | None, resamples: int = 1000, seed: int = 0) -> dict:
    """point_metrics plus percentile bootstrap 95% intervals of every scalar metric."""
    result = point_metrics(labels, probabilities, positive, threshold)
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(resamples):
        index = rng.integers(0, len(labels), len(labels))
        if len(np.unique(labels[index])) < probabilities.shape[1]:
            continue  # AUC needs every class present
        for key, value in point_metrics(labels[index], probabilities[index], positive, threshold).items():
            if isinstance(value, float):
                samples.setdefault(key, []).append(value)
    result["ci95"] = {key: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
                      for key, v in samples.items()}
    result["bootstrap_resamples"] = resamples
    result["n"] = int(len(labels))
    return result
