"""Evaluator: the candidate against the baseline (the active version's package) on the same test examples.

Both read the same decoded test images at their own size, as uploads are read: the candidate
through its serving graph, the baseline through its SavedModel's `serve` signature (as
backend/inference/runtime.py runs it). Each decides at its own threshold. The comparison is a
paired bootstrap (training.loop.bootstrap).

Blessing rule ("not worse"): for AUC and, at each model's own operating point, sensitivity and
specificity (accuracy for a multi-class model), the upper end of the 95% interval of
(candidate - baseline) is at least 0: these test examples do not show the candidate to be worse
on any of them. AUC alone is not enough: a candidate with the same AUC can decide at a threshold
that costs patients far more false alarms or missed findings. Without a baseline (a first
version), the candidate is blessed when the lower end of its own AUC interval is above 0.5.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from training.data import Dataset
from training.loop import bootstrap
from training.loop.examples import ImageExample

DISAGREEMENTS_LISTED = 50
BLESSING_RULE = ("not worse: for AUC and, at each model's own threshold, sensitivity and specificity (accuracy "
                 "for multi-class models), the upper end of the paired bootstrap 95% CI of (candidate - baseline) "
                 "is >= 0; without a baseline, the lower end of the candidate's AUC CI is > 0.5")


class BaselineError(ValueError):
    """A baseline package that cannot be compared with this run's candidate."""


def read_by_shape(call, images: list[np.ndarray]) -> np.ndarray:
    """Probabilities for images of any sizes: one call per size, in the images' order."""
    import tensorflow as tf

    by_shape: dict[tuple, list[int]] = {}
    for index, image in enumerate(images):
        by_shape.setdefault(image.shape, []).append(index)
    result = [None] * len(images)
    for indices in by_shape.values():
        for start in range(0, len(indices), 256):
            chunk = indices[start:start + 256]
            probabilities = np.asarray(call(tf.constant(np.stack([images[i] for i in chunk]), dtype=tf.uint8)))
            for row, index in enumerate(chunk):
                result[index] = probabilities[row]
    return np.stack(result)


def load_baseline(path: Path, label_names: tuple[str, ...], channels: int) -> tuple[dict, object]:
    """The baseline's metadata and its SavedModel, after checking that it reads what the candidate reads."""
    import tensorflow as tf

    try:
        metadata = json.loads((path / "model_metadata.json").read_text())
    except (OSError, ValueError) as error:
        raise BaselineError(f"--baseline {path}: no readable model_metadata.json ({error}); give a model "
                            "package directory such as exported_models/chest-xray-pneumonia/2.0.0") from None
    if tuple(metadata.get("label_names", ())) != tuple(label_names):
        raise BaselineError(f"--baseline {path} reads labels {metadata.get('label_names')}, but the examples' "
                            f"labels are {list(label_names)}")
    if metadata.get("input", {}).get("channels") != channels:
        raise BaselineError(f"--baseline {path} reads {metadata.get('input', {}).get('channels')}-channel images, "
                            f"the examples have {channels}")
    return metadata, tf.saved_model.load(str(path / "saved_model"))


def run(*, run_dir: Path, data: Dataset, test_examples: list[ImageExample], baseline: Path | None,
        output_dir: Path, resamples: int = 1000, seed: int = 0) -> tuple[object, dict, dict]:
    """Returns (the candidate's serving model, its training.evaluate metrics, the comparison)."""
    import tensorflow as tf

    from training.evaluate import evaluate

    output_dir.mkdir(parents=True, exist_ok=True)
    model, metrics = evaluate(run_dir, data)
    positive = metrics["positive_class"]
    threshold = metrics["decision"]["threshold"]
    images = [e.pixels for e in test_examples]
    labels = np.asarray([e.label_index for e in test_examples])
    candidate = read_by_shape(tf.function(lambda x: model(x, training=False)["probabilities"], reduce_retracing=True),
                              images)
    if baseline is None:
        comparison = bootstrap.paired(labels, candidate, candidate, positive, candidate_threshold=threshold,
                                      baseline_threshold=threshold, resamples=resamples, seed=seed)
        del comparison["baseline"], comparison["difference"]
        low = comparison["candidate"]["auc"]["ci95"][0]
        blessed = low > 0.5
        reason = (f"no baseline: the lower end of the candidate's AUC interval is {low:.3f}, "
                  f"{'above' if blessed else 'not above'} 0.5")
        baseline_probabilities = None
    else:
        baseline_metadata, saved_model = load_baseline(baseline, data.label_names, data.channels)
        baseline_probabilities = read_by_shape(lambda x: saved_model.serve(x)["probabilities"].numpy(), images)
        comparison = bootstrap.paired(labels, candidate, baseline_probabilities, positive,
                                      candidate_threshold=threshold,
                                      baseline_threshold=(baseline_metadata.get("decision") or {}).get("threshold"),
                                      resamples=resamples, seed=seed)
        comparison["baseline"]["package"] = {"path": str(baseline), "name": baseline_metadata.get("name"),
                                             "version": baseline_metadata.get("version")}
        blessed, reason = blessing(comparison["difference"], positive)
        comparison["disagreements"] = disagreements(test_examples, labels, candidate, baseline_probabilities,
                                                    positive, threshold, comparison, baseline_metadata)
    evaluation = {"blessed": bool(blessed), "reason": reason,
                  "rule": BLESSING_RULE,
                  "test_sources": sorted({e.source for e in test_examples}), **comparison}
    (output_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2))
    np.savez_compressed(output_dir / "predictions.npz", ids=np.asarray([e.example_id for e in test_examples]),
                        sources=np.asarray([e.source for e in test_examples]), labels=labels, candidate=candidate,
                        **({"baseline": baseline_probabilities} if baseline_probabilities is not None else {}))
    plot(labels, candidate, baseline_probabilities, positive, evaluation, output_dir / "evaluation.png")
    return model, metrics, evaluation


def blessing(difference: dict, positive: int | None) -> tuple[bool, str]:
    """Whether the candidate is not worse than the baseline (see the module docstring), and why."""
    metrics = ("auc", "sensitivity", "specificity") if positive is not None else ("auc", "accuracy")
    described = [f"{m} {difference[m]['value']:+.3f} [{difference[m]['ci95'][0]:+.3f}, {difference[m]['ci95'][1]:+.3f}]"
                 for m in metrics]
    worse = [m for m in metrics if difference[m]["ci95"][1] < 0]
    summary = "candidate - baseline, 95% CI: " + ", ".join(described)
    if worse:
        return False, f"{summary}: worse on {', '.join(worse)} (the whole interval is below 0)"
    return True, f"{summary}: no interval lies wholly below 0, so the test examples do not show the candidate to be worse"


def disagreements(examples, labels, candidate, baseline, positive, threshold, comparison, baseline_metadata) -> dict:
    """The test examples the two models label differently, for a person to look at."""
    from training.metrics import predict_labels

    ours = predict_labels(candidate, positive, threshold)
    theirs = predict_labels(baseline, positive, (baseline_metadata.get("decision") or {}).get("threshold"))
    differ = np.flatnonzero(ours != theirs)
    return {"count": int(len(differ)),
            "listed": [{"id": examples[i].example_id, "source": examples[i].source, "label": examples[i].label,
                        "candidate": int(ours[i]), "baseline": int(theirs[i])}
                       for i in differ[:DISAGREEMENTS_LISTED]]}


def plot(labels, candidate, baseline, positive, evaluation: dict, path: Path) -> None:
    """ROC curves of both models with their operating points, and each metric's difference with its 95% interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    fig, (roc, forest) = plt.subplots(1, 2, figsize=(10, 4.2))
    k = positive if positive is not None else 0
    for name, probabilities in (("candidate", candidate), ("baseline", baseline)):
        if probabilities is not None:
            fpr, tpr, _ = roc_curve(labels == k, probabilities[:, k])
            line, = roc.plot(fpr, tpr, label=f"{name} (AUC {evaluation[name]['auc']['value']:.3f})")
            if "specificity" in evaluation[name]:  # where its threshold puts it
                roc.plot(1 - evaluation[name]["specificity"]["value"], evaluation[name]["sensitivity"]["value"], "o",
                         color=line.get_color(), label=f"{name} at its threshold")
    roc.plot([0, 1], [0, 1], ":", color="gray")
    roc.set(xlabel="1 - specificity", ylabel="sensitivity", title=f"test examples (n={evaluation['n']})")
    roc.legend(loc="lower right")
    shown = evaluation.get("difference") or evaluation["candidate"]
    keys = list(shown)
    values = [shown[key]["value"] for key in keys]
    low = [shown[key]["value"] - shown[key]["ci95"][0] for key in keys]
    high = [shown[key]["ci95"][1] - shown[key]["value"] for key in keys]
    forest.errorbar(values, range(len(keys)), xerr=[low, high], fmt="o", capsize=4)
    forest.set_yticks(range(len(keys)), keys)
    if "difference" in evaluation:
        forest.axvline(0, color="gray", linestyle=":")
        forest.set_title(f"candidate - baseline, 95% CI: {'blessed' if evaluation['blessed'] else 'not blessed'}")
    else:
        forest.set_title(f"candidate, 95% CI: {'blessed' if evaluation['blessed'] else 'not blessed'}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
