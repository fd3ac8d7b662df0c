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


def _real_scans(metadata: dict, metrics: dict) -> str:
    """Results on real scans, first: what an upload is, as far as the shared data can show it."""
    full = metrics.get("full_size_test_xrays")
    if metadata["training"]["dataset"] != "kermany-chest-xray":
        return ("## Real images\nThis model's only data here is MedMNIST's 28x28 images: how it reads a "
                "real full-size image has not been measured. Expect it to be weaker than the numbers "
                "below, and validate it on your own images before relying on it.\n")
    val = metrics["val"]
    text = ["## Results on real scans (read first)",
            "The model trained on real Kermany train-split scans through its own preprocessing. The full-size",
            "Kermany **test** split is not in this project (it is the independent check); what is here:", ""]
    if full:
        text += [f"**The 20 full-size test X-rays** (uploaded as they are, n={full['n']}; a small sample, wide "
                 "intervals; 95% bootstrap CI):", "", "| metric | value | 95% CI |", "|---|---|---|",
                 _metric_rows(full), "",
                 f"Refused by the input gate: {full['refused_by_gate']} of {full['n']}.", ""]
    text += [f"**Patient-held-out validation scans** (real train-split scans of {val['n']} images from patients "
             "not trained on; they chose the threshold and temperature, so they flatter the model):", "",
             "| metric | value | 95% CI |", "|---|---|---|", _metric_rows(val), ""]
    return "\n".join(text)


def _operating_point(metrics: dict) -> str:
    point = metrics.get("operating_point")
    if not point:
        return ""
    bands = point["bands"]
    rows = "\n".join(f"| {b['band']} | {b['n']} | {b['positive']} |" for b in point.get("test_bands", []))
    return f"""## Operating point and bands
Threshold {point['threshold']:.4f}: {point['goal']} (validation sensitivity
{point['validation']['sensitivity']:.3f}, specificity {point['validation']['specificity']:.3f}).
A reading at or above it is flagged for the doctor. Three bands of the probability:
{bands['names'][0]} below {bands['below']:.4f}, {bands['names'][1]} up to {bands['from']:.4f},
{bands['names'][2]} from there ({bands['rule']}).

Test images per band (MedMNIST test split):

| band | images | with the finding |
|---|---|---|
{rows}
"""


def _input_gate(metrics: dict) -> str:
    check = metrics.get("input_check")
    if not check:
        return ""
    lines = [f"## Input gate: is this a {check['expects']}?",
             f"The graph also scores how much an image looks like this model's training images "
             f"(`input_check`) and refuses it below {check['threshold']:.4f} (`input_accepted`); a refused",
             f"image gets \"{check['refusal']}\" instead of a reading, in the browser and on the server.",
             f"DICOM headers are checked first: Modality in {', '.join(check['dicom']['modalities'])}, "
             f"BodyPartExamined (when present) in {', '.join(check['dicom']['body_parts'])}.", ""]
    measured = check.get("measured")
    if measured:
        lines += ["Measured on the gate set (foreign kinds the gate never trained on):", "",
                  "| set | images | refused |", "|---|---|---|"]
        for side in ("in_domain", "foreign"):
            for name, row in measured[side].items():
                lines.append(f"| {'in domain' if side == 'in_domain' else 'foreign'}: {name} | {row['n']} | "
                             f"{row['refused']} ({row['rate']:.1%}) |")
        lines += ["", f"In-domain images refused: {measured['in_domain_refused']:.2%}; foreign images refused: "
                      f"{measured['foreign_refused']:.2%}. Foreign images unlike all of these (another body part's "
                      "X-ray, say) may still pass: the gate knows what it has seen.", ""]
    return "\n".join(lines)


def _heatmaps(metadata: dict, metrics: dict) -> str:
    full = metrics.get("full_size_test_xrays")
    grid = metadata["heatmap"]["grid"]
    text = [f"## Heat maps",
            f"{grid[0]}x{grid[1]} over the centre square crop: for each class, the evidence for it against the "
            "others. Shown for " + metadata["heatmap"]["shown_for"] + "."]
    if full:
        regions = full["heatmap_regions"]
        text += ["", f"Share of the pneumonia map's mass on the {regions['pneumonia']['n']} full-size pneumonia "
                     f"X-rays: lung fields {regions['pneumonia']['lungs']:.2f}, central strip "
                     f"{regions['pneumonia']['centre']:.2f} (a flat map: {regions['uniform_map']['lungs']:.2f} and "
                     f"{regions['uniform_map']['centre']:.2f}; `python -m training.heatmap_regions`).", "",
                 f"![heat maps on the 20 full-size test X-rays]({full['contact_sheet']})"]
    return "\n".join(text) + "\n"


def render(metadata: dict, metrics: dict) -> str:
    training, test, val = metadata["training"], metrics["test"], metrics["val"]
    size = metadata["input"]["model_size"]
    decision = metrics["decision"]
    decision_text = (f"positive when {decision['on']} >= {decision['threshold']:.4f}; how the threshold was "
                     f"chosen: {decision['rule']}" if decision["threshold"] is not None else decision["rule"])
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
{training['dataset']} ({training['source'].get('url', 'real scans, see Training below')}).
Input: {metadata['input']['color']} image of any size, decoded to uint8; the graph center-crops it
to a square and brings it to {size}x{size} with an anti-aliased resize.

## Decision rule
{decision_text}. Probabilities are calibrated by {metrics['calibration']['method']}
(temperature {metrics['calibration']['temperature']}).

{_real_scans(metadata, metrics)}
{_operating_point(metrics)}
## Test results (official MedMNIST test split, 28x28, n={test['n']}, 95% bootstrap intervals)
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

{_input_gate(metrics)}
{_heatmaps(metadata, metrics)}
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
- Trained at {size}x{size} on one public dataset; hospitals, devices, populations and
  acquisition protocols that differ from it can lower accuracy without warning. Validate locally
  before any use.
- The heat map is a class activation map at the feature map's resolution over the center square
  crop; it shows where the evidence for a class lies, not a segmentation.
- The input gate refuses what it recognises as foreign; it cannot promise to refuse every image
  that is not a {metrics['input_check']['expects'] if metrics.get('input_check') else 'training-like image'}.
- Parity: the TF.js graph model (`tfjs/model.json`) reproduces the SavedModel's outputs on
  `parity_fixtures.json` to within {1e-4}.
"""
