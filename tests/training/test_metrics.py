import numpy as np

from training.metrics import (choose_threshold, expected_calibration_error, metrics_with_intervals,
                              point_metrics, threshold_for_sensitivity, threshold_for_specificity)


def test_threshold_separates_perfectly_separable_scores():
    labels = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    threshold = choose_threshold(labels, scores)
    assert 0.3 < threshold <= 0.7
    assert np.array_equal(scores >= threshold, labels == 1)


def test_binary_metrics_count_the_positive_class():
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    p1 = np.array([0.9, 0.8, 0.7, 0.2, 0.6, 0.1, 0.1, 0.1])
    m = point_metrics(labels, np.stack([1 - p1, p1], axis=1), positive=1, threshold=0.5)
    assert m["confusion_matrix"] == [[3, 1], [1, 3]]
    assert m["sensitivity"] == 0.75 and m["specificity"] == 0.75 and m["accuracy"] == 0.75
    assert abs(m["f1"] - 0.75) < 1e-9


def test_positive_class_zero_is_the_screened_finding():
    labels = np.array([0, 0, 1, 1])
    p0 = np.array([0.9, 0.4, 0.2, 0.1])
    m = point_metrics(labels, np.stack([p0, 1 - p0], axis=1), positive=0, threshold=0.5)
    assert m["sensitivity"] == 0.5 and m["specificity"] == 1.0


def test_calibration_error_of_a_perfectly_calibrated_model_is_zero():
    labels = np.array([1, 1, 1, 0] * 25)
    probabilities = np.tile([[0.25, 0.75]], (100, 1))
    assert expected_calibration_error(labels, probabilities) < 1e-9
    assert abs(expected_calibration_error(labels, np.tile([[0.05, 0.95]], (100, 1))) - 0.2) < 1e-9


def test_multiclass_metrics_and_intervals():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    probabilities = rng.dirichlet([1, 1, 1], 300)
    probabilities[np.arange(300), labels] += 0.4
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    m = metrics_with_intervals(labels, probabilities, positive=None, threshold=None, resamples=100)
    assert m["auc"] > 0.8 and np.array(m["confusion_matrix"]).sum() == 300
    low, high = m["ci95"]["accuracy"]
    assert low < m["accuracy"] < high and m["accuracy"] < 1.0


def test_threshold_for_sensitivity_keeps_the_goal_at_the_best_specificity():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 500)
    scores = np.clip(labels * 0.3 + rng.random(500) * 0.7, 0, 1)
    threshold = threshold_for_sensitivity(labels, scores, 0.95)
    positives = scores[labels == 1]
    assert (positives >= threshold).mean() >= 0.95
    # Raising it past the lowest positive it keeps would lose the goal: no better specificity exists.
    lowest_kept = positives[positives >= threshold].min()
    assert (positives > lowest_kept).mean() < 0.95


def test_threshold_for_specificity_refuses_no_more_false_positives_than_allowed():
    labels = np.array([0] * 20 + [1] * 10)
    scores = np.concatenate([np.linspace(0.0, 0.95, 20), np.linspace(0.5, 1.0, 10)])
    threshold = threshold_for_specificity(labels, scores, 0.95)
    negatives = scores[labels == 0]
    assert (negatives < threshold).mean() >= 0.95
    assert threshold <= 0.95
