"""Evaluate a training run on the official test split, with everything chosen on validation.

    python -m training.evaluate --run-dir runs/pneumonia

The serving graph (preprocessing + ensemble + heat maps) is what gets evaluated, fed the same
uint8 images a user would send. Temperature scaling and the decision threshold are fitted on the
validation split; the test split is used once, for the numbers reported. Writes
evaluation_metrics.json and roc.png, confusion_matrix.png, calibration.png into the run directory.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from training import plots
from training.data import Dataset
from training.metrics import (THRESHOLD_RULE, choose_threshold, metrics_with_intervals,
                              threshold_for_sensitivity, threshold_for_specificity)
from training.models import build_serving_model
from training.train import TrainConfig, load_dataset

TEMPERATURES = np.round(np.geomspace(0.05, 10.0, 213), 3)  # about 2.5% apart


def load_run(run_dir: str | Path) -> tuple[dict, list[keras.Model]]:
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "train_config.json").read_text())
    members = [keras.saving.load_model(run_dir / "members" / f"{name}.keras")
               for name in summary["members"]]
    return summary, members


def predict(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Probabilities from the serving graph, called directly (no per-call Keras predict overhead)."""
    call = tf.function(lambda x: model(x, training=False)["probabilities"])
    return np.concatenate([call(tf.constant(images[i:i + batch_size])).numpy()
                           for i in range(0, len(images), batch_size)])


def fit_temperature(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The softmax temperature that minimises validation negative log-likelihood (grid search)."""
    log_p = np.log(np.clip(probabilities, 1e-12, 1.0))

    def nll(t: float) -> float:
        scaled = log_p / t
        scaled -= scaled.max(axis=1, keepdims=True)
        log_softmax = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
        return float(-log_softmax[np.arange(len(labels)), labels].mean())

    return float(min(TEMPERATURES, key=nll))


# Bands of the positive-class probability around the decision threshold, fitted on validation.
BAND_SENSITIVITY = 0.99  # below the low edge, at most 1% of validation positives
BAND_SPECIFICITY = 0.95  # from the high edge, at most 5% of validation negatives


def operating_point(labels: np.ndarray, scores: np.ndarray, label_names, positive: int,
                    target_sensitivity: float | None) -> dict:
    """The decision threshold (for a stated goal) and three bands, all chosen on validation."""
    truth = labels == positive
    if target_sensitivity:
        threshold = threshold_for_sensitivity(truth, scores, target_sensitivity)
        goal = (f"sensitivity >= {target_sensitivity:g} on the validation split, at the best "
                "specificity there")
    else:
        threshold = choose_threshold(truth, scores)
        goal = THRESHOLD_RULE
    low = min(threshold, threshold_for_sensitivity(truth, scores, BAND_SENSITIVITY))
    high = max(threshold, threshold_for_specificity(truth, scores, BAND_SPECIFICITY))
    predicted = scores >= threshold
    finding = label_names[positive]
    return {
        "goal": goal,
        "threshold": threshold,
        "validation": {"sensitivity": float(predicted[truth].mean()),
                       "specificity": float((~predicted[~truth]).mean())},
        "bands": {"below": low, "from": high,
                  "names": [f"likely {label_names[1 - positive]}", "uncertain", f"likely {finding}"],
                  "rule": f"below: sensitivity >= {BAND_SENSITIVITY:g} on validation; from: specificity >= "
                          f"{BAND_SPECIFICITY:g} on validation; between them the reading is uncertain"},
    }


def band_counts(labels: np.ndarray, scores: np.ndarray, positive: int, bands: dict) -> list[dict]:
    """How many images fall in each band, and how many of them truly have the finding."""
    edges = [(-np.inf, bands["below"]), (bands["below"], bands["from"]), (bands["from"], np.inf)]
    counts = []
    for name, (low, high) in zip(bands["names"], edges):
        inside = (scores >= low) & (scores < high)
        counts.append({"band": name, "n": int(inside.sum()), "positive": int((labels[inside] == positive).sum())})
    return counts


def evaluate(run_dir: str | Path, data: Dataset | None = None) -> tuple[keras.Model, dict]:
    """Returns the calibrated serving model and the metrics written to evaluation_metrics.json.

    A gate saved in the run (gate.keras, input_check.json; see training.gate) goes into the graph.
    """
    run_dir = Path(run_dir)
    summary, members = load_run(run_dir)
    config = TrainConfig(**summary["config"])
    data = data or load_dataset(config)
    positive = summary["dataset"]["positive_class"]
    (x_val, y_val), (x_test, y_test) = data.splits["val"], data.splits["test"]

    uncalibrated = build_serving_model(members, config.image_size, data.channels)
    temperature = fit_temperature(y_val, predict(uncalibrated, x_val))
    gate, input_check = load_gate(run_dir)
    model = build_serving_model(members, config.image_size, data.channels, temperature, gate,
                                input_check["threshold"] if input_check else None)
    p_val, p_test = predict(model, x_val), predict(model, x_test)

    threshold, operating = None, None
    if positive is not None:
        operating = operating_point(y_val, p_val[:, positive], data.label_names, positive,
                                    config.target_sensitivity)
        threshold = operating["threshold"]
        operating["test_bands"] = band_counts(y_test, p_test[:, positive], positive, operating["bands"])
    metrics = {
        "dataset": summary["dataset"]["name"],
        "label_names": summary["dataset"]["label_names"],
        "positive_class": positive,
        "decision": ({"threshold": threshold, "on": f"P({data.label_names[positive]})",
                      "rule": operating["goal"]} if positive is not None
                     else {"threshold": None, "rule": "the class with the highest probability"}),
        "operating_point": operating,
        "input_check": input_check,
        "calibration": {"method": "temperature scaling fitted on the validation split",
                        "temperature": temperature},
        "test": metrics_with_intervals(y_test, p_test, positive, threshold),
        "val": metrics_with_intervals(y_val, p_val, positive, threshold, resamples=200),
        **{f"{split}": metrics_with_intervals(labels, predict(model, images), positive, threshold, resamples=200)
           for split, (images, labels) in data.splits.items() if split not in ("train", "val", "test")},
    }
    (run_dir / "evaluation_metrics.json").write_text(json.dumps(metrics, indent=2))
    names = summary["dataset"]["label_names"]
    test = metrics["test"]
    plots.plot_roc(y_test, p_test, names, positive, test["auc"], run_dir / "roc.png", threshold)
    plots.plot_confusion(test["confusion_matrix"], names, run_dir / "confusion_matrix.png")
    plots.plot_calibration(y_test, p_test, test["ece"], run_dir / "calibration.png")
    print(describe(metrics), flush=True)
    return model, metrics


def load_gate(run_dir: Path) -> tuple[keras.Model | None, dict | None]:
    """The run's input gate and its metadata, when training.gate made one."""
    if not (run_dir / "gate.keras").exists():
        return None, None
    return (keras.saving.load_model(run_dir / "gate.keras"),
            json.loads((run_dir / "input_check.json").read_text()))


def describe(metrics: dict) -> str:
    """One line per split with the headline numbers and their intervals."""
    lines = []
    for split in [s for s in ("val", "val_medmnist", "test") if s in metrics]:
        m = metrics[split]
        parts = [f"{key} {m[key]:.3f} [{m['ci95'][key][0]:.3f}, {m['ci95'][key][1]:.3f}]"
                 for key in ("auc", "accuracy", "sensitivity", "specificity", "f1", "macro_f1", "ece")
                 if key in m]
        lines.append(f"{metrics['dataset']} {split} (n={m['n']}): " + ", ".join(parts))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", required=True, help="the --output-dir of python -m training.train")
    evaluate(parser.parse_args(argv).run_dir)


if __name__ == "__main__":
    main()
