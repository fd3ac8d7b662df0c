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
from training.metrics import THRESHOLD_RULE, choose_threshold, metrics_with_intervals
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


def evaluate(run_dir: str | Path, data: Dataset | None = None) -> tuple[keras.Model, dict]:
    """Returns the calibrated serving model and the metrics written to evaluation_metrics.json."""
    run_dir = Path(run_dir)
    summary, members = load_run(run_dir)
    config = TrainConfig(**summary["config"])
    data = data or load_dataset(config)
    positive = summary["dataset"]["positive_class"]
    (x_val, y_val), (x_test, y_test) = data.splits["val"], data.splits["test"]

    uncalibrated = build_serving_model(members, config.image_size, data.channels)
    temperature = fit_temperature(y_val, predict(uncalibrated, x_val))
    model = build_serving_model(members, config.image_size, data.channels, temperature)
    p_val, p_test = predict(model, x_val), predict(model, x_test)

    threshold = None
    if positive is not None:
        threshold = choose_threshold(y_val == positive, p_val[:, positive])
    metrics = {
        "dataset": summary["dataset"]["name"],
        "label_names": summary["dataset"]["label_names"],
        "positive_class": positive,
        "decision": ({"threshold": threshold, "on": f"P({data.label_names[positive]})",
                      "rule": THRESHOLD_RULE} if positive is not None
                     else {"threshold": None, "rule": "the class with the highest probability"}),
        "calibration": {"method": "temperature scaling fitted on the validation split",
                        "temperature": temperature},
        "test": metrics_with_intervals(y_test, p_test, positive, threshold),
        "val": metrics_with_intervals(y_val, p_val, positive, threshold, resamples=200),
    }
    (run_dir / "evaluation_metrics.json").write_text(json.dumps(metrics, indent=2))
    names = summary["dataset"]["label_names"]
    test = metrics["test"]
    plots.plot_roc(y_test, p_test, names, positive, test["auc"], run_dir / "roc.png", threshold)
    plots.plot_confusion(test["confusion_matrix"], names, run_dir / "confusion_matrix.png")
    plots.plot_calibration(y_test, p_test, test["ece"], run_dir / "calibration.png")
    print(describe(metrics), flush=True)
    return model, metrics


def describe(metrics: dict) -> str:
    """One line per split with the headline numbers and their intervals."""
    lines = []
    for split in ("val", "test"):
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
