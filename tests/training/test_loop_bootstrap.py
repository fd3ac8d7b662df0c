"""The paired bootstrap behind the Evaluator's blessing: intervals of each model and of their difference."""
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from training.loop.bootstrap import binary_auc, paired
from training.loop.evaluator import blessing


@pytest.fixture(scope="module")
def scored():
    """Labels and two models' probabilities: the candidate separates the classes better than the baseline."""
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, 300)
    signal = labels + rng.normal(0, 0.6, 300)
    def probabilities(noise):
        score = 1 / (1 + np.exp(-(signal + rng.normal(0, noise, 300))))
        return np.stack([1 - score, score], axis=1)
    return labels, probabilities(0.1), probabilities(1.5)


def test_auc_matches_sklearn_including_ties():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 500).astype(bool)
    scores = np.round(rng.random(500) + truth * 0.3, 1)  # rounded: many ties
    assert binary_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)


def test_the_same_model_twice_differs_by_exactly_zero(scored):
    labels, candidate, _ = scored
    result = paired(labels, candidate, candidate, 1, candidate_threshold=0.5, baseline_threshold=0.5, resamples=200)
    for metric in ("auc", "accuracy", "sensitivity", "specificity"):
        assert result["difference"][metric] == {"value": 0.0, "ci95": [0.0, 0.0]}


def test_a_better_candidate_has_a_difference_interval_above_zero(scored):
    labels, candidate, baseline = scored
    result = paired(labels, candidate, baseline, 1, candidate_threshold=0.5, baseline_threshold=0.5)
    auc = result["difference"]["auc"]
    assert auc["value"] > 0.05 and 0 < auc["ci95"][0] <= auc["value"] <= auc["ci95"][1]
    assert result["candidate"]["auc"]["value"] == pytest.approx(roc_auc_score(labels, candidate[:, 1]))
    assert result["n"] == 300 and result["resamples"] == 1000
    swapped = paired(labels, baseline, candidate, 1, candidate_threshold=0.5, baseline_threshold=0.5)
    assert swapped["difference"]["auc"]["ci95"][1] < 0


def test_pairing_narrows_the_interval_of_the_difference(scored):
    """Both models err on the same hard cases, so their difference varies far less than each alone."""
    labels, candidate, _ = scored
    shifted = np.clip(candidate + np.random.default_rng(1).normal(0, 0.02, candidate.shape), 0, 1)
    result = paired(labels, candidate, shifted, 1, candidate_threshold=0.5, baseline_threshold=0.5)
    width = {who: np.diff(result[who]["auc"]["ci95"])[0] for who in ("candidate", "baseline", "difference")}
    assert width["difference"] < 0.25 * min(width["candidate"], width["baseline"])


def test_each_model_decides_at_its_own_threshold(scored):
    labels, candidate, _ = scored
    result = paired(labels, candidate, candidate, 1, candidate_threshold=0.5, baseline_threshold=0.99, resamples=50)
    assert result["baseline"]["sensitivity"]["value"] < result["candidate"]["sensitivity"]["value"]
    assert result["baseline"]["specificity"]["value"] > result["candidate"]["specificity"]["value"]
    assert result["difference"]["auc"]["value"] == 0.0


def test_it_is_seeded(scored):
    labels, candidate, baseline = scored
    args = dict(candidate_threshold=0.5, baseline_threshold=0.5, resamples=200)
    assert paired(labels, candidate, baseline, 1, seed=3, **args) == paired(labels, candidate, baseline, 1, seed=3, **args)
    assert paired(labels, candidate, baseline, 1, seed=3, **args) != paired(labels, candidate, baseline, 1, seed=4, **args)


def test_it_refuses_examples_it_cannot_compare(scored):
    labels, candidate, baseline = scored
    with pytest.raises(ValueError, match="same examples"):
        paired(labels, candidate, baseline[:-1], 1, candidate_threshold=0.5, baseline_threshold=0.5)
    with pytest.raises(ValueError, match="every class"):
        paired(np.ones(300, int), candidate, baseline, 1, candidate_threshold=0.5, baseline_threshold=0.5)


def test_multiclass_models_are_compared_on_macro_auc_and_accuracy():
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, 200)
    def probabilities(noise):
        logits = np.eye(3)[labels] * 2 + rng.normal(0, noise, (200, 3))
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    result = paired(labels, probabilities(0.5), probabilities(3.0), None, candidate_threshold=None,
                    baseline_threshold=None, resamples=100)
    assert set(result["difference"]) == {"auc", "accuracy"}
    assert result["difference"]["auc"]["ci95"][0] > 0


def differences(**intervals):
    return {metric: {"value": sum(ci) / 2, "ci95": list(ci)} for metric, ci in intervals.items()}


def test_blessing_needs_every_interval_to_reach_zero():
    # As measured on PneumoniaMNIST: a 10-epoch candidate against the shipped 28x28 model. Its AUC is
    # as good, but at its own threshold it gives far more false alarms.
    measured = differences(auc=(-0.006, 0.002), sensitivity=(0.0, 0.013), specificity=(-0.192, -0.102),
                           accuracy=(-0.071, -0.035))
    blessed, reason = blessing(measured, positive=1)
    assert not blessed and reason.endswith("worse on specificity (the whole interval is below 0)")
    assert reason.startswith("candidate - baseline, 95% CI: auc -0.002 [-0.006, +0.002], sensitivity")
    as_good = differences(auc=(-0.006, 0.002), sensitivity=(-0.02, 0.013), specificity=(-0.05, 0.0))
    assert blessing(as_good, positive=1)[0]


def test_multiclass_blessing_looks_at_auc_and_accuracy():
    assert not blessing(differences(auc=(0.01, 0.05), accuracy=(-0.08, -0.01)), positive=None)[0]
    assert blessing(differences(auc=(-0.01, 0.05), accuracy=(-0.08, 0.01)), positive=None)[0]
