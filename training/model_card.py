"""The model card (README.md) of an exported package, written from its metadata and metrics."""
from __future__ import annotations


def _metric_rows(split: dict) -> str:
    keys = ("auc", "accuracy", "sensitivity", "specificity", "precision", "f1", "macro_f1", "ece")
    rows = []
    for key in keys:
        if key in split:
            low, high = split["ci95"].get(key, (float("nan"), float("nan")))
            rows.append(f"| {key} | {split[key]:.3f} | {low:.3f} - {high:.3f} |")
    return "\n".join(rows)


def render(metadata: dict, metrics: dict) -> str:
    training, test, val = metadata["training"], metrics["test"], metrics["val"]
    size = metadata["input"]["model_size"]
    decision = metrics["decision"]
    decision_text = (f"positive when {decision['on']} >= {decision['threshold']:.4f}; the threshold "
                     f"{decision['rule']}" if decision["threshold"] is not None else decision["rule"])
    labels = ", ".join(f"{i}: {name}" for i, name in enumerate(metadata["label_names"]))
    confusion = "\n".join("| " + metadata["label_names"][i] + " | " + " | ".join(map(str, row)) + " |"
                          for i, row in enumerate(test["confusion_matrix"]))
    return f"""# {metadata['name']} {metadata['version']}

{metadata['description']}. Labels: {labels}.

**Not a medical device.** This model is a research and decision-support aid. It has not been
cleared by any regulator, must not be used to diagnose, and every reading needs review by a
qualified clinician.

## Intended use
Second reading and triage support on images like its training data:
{training['dataset']} ({training['source'].get('url', training['source'].get('path', ''))}).
Input: {metadata['input']['color']} image of any size, decoded to uint8; the graph center-crops it
to a square and brings it to {size}x{size} the way MedMNIST made its images.

## Decision rule
{decision_text}. Probabilities are calibrated by {metrics['calibration']['method']}
(temperature {metrics['calibration']['temperature']}).

## Test results (official test split, n={test['n']}, 95% bootstrap intervals)
| metric | value | 95% CI |
|---|---|---|
{_metric_rows(test)}

Confusion matrix (rows: true, columns: predicted):

| true \\ predicted | {' | '.join(metadata['label_names'])} |
|---|{'---|' * len(metadata['label_names'])}
{confusion}

Validation split (n={val['n']}, used to choose the threshold and temperature):

| metric | value | 95% CI |
|---|---|---|
{_metric_rows(val)}

Plots: `roc.png`, `confusion_matrix.png`, `calibration.png`.

## Training
Splits: {training['split_sizes']}. Seed {training['seed']}. Trained in
{training['training_seconds']} s on {training['environment']['cpus']} CPU(s),
{training['environment']['gpus']} GPU(s), TensorFlow {metadata['libraries']['tensorflow']},
Keras {metadata['libraries']['keras']}.

Rebuild this package with:

```
{metadata['command']}
```

## Limits
- Trained on {size}x{size} images from one public dataset; hospitals, devices, populations and
  acquisition protocols that differ from it can lower accuracy without warning. Validate locally
  before any use.
- The heat map is a class activation map at the feature map's resolution over the center square
  crop; it shows where the evidence for a class lies, not a segmentation.
- Parity: the TF.js graph model (`tfjs/model.json`) reproduces the SavedModel's outputs on
  `parity_fixtures.json` to within {1e-4}.
"""
