"""Paired bootstrap: two models' metrics on the same examples, and the interval of their difference.

Each resample draws examples with replacement once and scores both models on that same draw, so
the interval of (candidate - baseline) reflects how the two differ on the same cases, which is
far narrower than comparing two independent intervals. Percentile intervals, seeded.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from training.metrics import auc as multiclass_auc
from training.metrics import predict_labels

METRICS = ("auc", "accuracy", "sensitivity", "specificity")


def binary_auc(truth: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the Mann-Whitney U statistic (ties count half), as sklearn computes it."""
    positives = int(truth.sum())
    negatives = len(truth) - positives
    ranks = rankdata(scores)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def point(labels: np.ndarray, probabilities: np.ndarray, positive: int | None, threshold: float | None) -> dict:
    """AUC and accuracy; with a positive class also sensitivity and specificity at `threshold`."""
    predicted = predict_labels(probabilities, positive, threshold)
    result = {"accuracy": float((predicted == labels).mean())}
    if positive is None:
        result["auc"] = multiclass_auc(labels, probabilities, None)
        return result
    truth = labels == positive
    result["auc"] = binary_auc(truth, probabilities[:, positive])
    result["sensitivity"] = float((predicted[truth] == positive).mean())
    result["specificity"] = float((predicted[~truth] != positive).mean())
    return result


def paired(labels: np.ndarray, candidate: np.ndarray, baseline: np.ndarray, positive: int | None, *,
           candidate_threshold: float | None, baseline_threshold: float | None, resamples: int = 1000,
           seed: int = 0) -> dict:
    """Both models' metrics with 95% intervals, and each difference (candidate - baseline) with its own.

    Resamples that miss a class are drawn again (AUC needs every class), so exactly `resamples`
    are used.
    """
    if len(labels) != len(candidate) or len(labels) != len(baseline):
        raise ValueError("labels and both models' probabilities must cover the same examples")
    classes = candidate.shape[1]
    if len(np.unique(labels)) < classes:
        raise ValueError(f"the examples must hold every class ({classes}) to compare AUCs")
    rng = np.random.default_rng(seed)
    samples = {"candidate": [], "baseline": [], "difference": []}
    while len(samples["difference"]) < resamples:
        index = rng.integers(0, len(labels), len(labels))
        if len(np.unique(labels[index])) < classes:
            continue
        c = point(labels[index], candidate[index], positive, candidate_threshold)
        b = point(labels[index], baseline[index], positive, baseline_threshold)
        samples["candidate"].append(c)
        samples["baseline"].append(b)
        samples["difference"].append({k: c[k] - b[k] for k in c})
    c = point(labels, candidate, positive, candidate_threshold)
    b = point(labels, baseline, positive, baseline_threshold)
    estimates = {"candidate": c, "baseline": b, "difference": {k: c[k] - b[k] for k in c}}
    result = {}
    for who, values in estimates.items():
        result[who] = {key: {"value": value, "ci95": interval([s[key] for s in samples[who]])}
                       for key, value in values.items()}
    result.update({"n": int(len(labels)), "resamples": resamples, "seed": seed})
    return result


def interval(values: list[float]) -> list[float]:
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
