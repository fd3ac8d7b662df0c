"""ExampleValidator: every split's statistics against the schema; errors stop the pipeline.

Each anomaly says which split, which feature, what the schema expects and what was found. The
rules and their tolerances are in the schema itself (see training.loop.schema_gen).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PSI_SMOOTHING = 1e-4
# A source's slice of a split is checked on its own (images, not labels) from this many examples:
# fewer images make too noisy a histogram.
MIN_SLICE = 20
SLICE_FEATURES = ("channels", "height", "width", "intensity")


class ValidationFailed(ValueError):
    """The examples do not match the schema; the message is the readable report."""

    def __init__(self, report: str, anomalies: list[dict]):
        super().__init__(report)
        self.anomalies = anomalies


def population_stability_index(expected, found, smoothing: float = PSI_SMOOTHING) -> float:
    """PSI = sum over bins of (found - expected) * ln(found / expected), on smoothed proportions."""
    expected = np.asarray(expected, dtype=np.float64) + smoothing
    found = np.asarray(found, dtype=np.float64) + smoothing
    expected, found = expected / expected.sum(), found / found.sum()
    return float(np.sum((found - expected) * np.log(found / expected)))


def check_split(split: str, stats: dict, schema: dict) -> list[dict]:
    """The split's anomalies, then those of each source's slice of it (when it has several sources)."""
    anomalies = check_statistics(split, stats, schema)
    slices = stats.get("by_source", {})
    if len(slices) > 1:
        for source, sliced in slices.items():
            if sliced["count"] >= MIN_SLICE:
                anomalies += check_statistics(f"{split}, source {source}", sliced, schema, SLICE_FEATURES)
    return anomalies


def check_statistics(split: str, stats: dict, schema: dict, features=None) -> list[dict]:
    anomalies = []

    def anomaly(feature: str, rule: dict, expected: str, found: str) -> None:
        if features is None or feature in features:
            anomalies.append({"split": split, "feature": feature, "severity": rule.get("severity", "error"),
                              "expected": expected, "found": found})

    if stats["count"] == 0:
        anomaly("examples", {"severity": "error"}, "at least one example", "none")
        return anomalies
    unknown = {label: n for label, n in stats["labels"].items() if label not in schema["label"]["values"]}
    if unknown:
        anomaly("label", schema["label"], "one of " + ", ".join(schema["label"]["values"]),
                ", ".join(f"{label!r} ({n} example{'s' * (n != 1)})" for label, n in unknown.items()))
    channels = sorted(int(c) for c in stats["channels"])
    if set(channels) - set(schema["channels"]["values"]):
        anomaly("channels", schema["channels"], " or ".join(map(str, schema["channels"]["values"])),
                ", ".join(f"{c} ({stats['channels'][str(c)]} examples)" for c in channels))
    for feature in ("height", "width"):
        rule, found = schema[feature], stats[feature]
        if found["min"] < rule["min"] or found["max"] > rule["max"]:
            anomaly(feature, rule, f"{rule['min']} to {rule['max']} pixels", f"{found['min']} to {found['max']} pixels")
    rule = schema["intensity"]
    psi = population_stability_index(rule["histogram"], stats["intensity"]["histogram"])
    if psi > rule["max_psi"]:
        anomaly("intensity", rule, f"population stability index <= {rule['max_psi']} against the schema's "
                f"histogram (mean grey level {rule['mean']:.1f})",
                f"PSI {psi:.3f} (mean grey level {stats['intensity']['mean']:.1f})")
    new = sorted(set(stats["modalities"]) - set(schema["modality"]["values"]))
    if new:
        anomaly("modality", schema["modality"], ", ".join(map(repr, schema["modality"]["values"])),
                ", ".join(f"{m!r} ({stats['modalities'][m]} examples)" for m in new))
    rule = schema["label_balance"]
    for label, share in rule["expected"].items():
        found_share = stats["label_balance"].get(label, 0.0)
        if abs(found_share - share) > rule["max_difference"]:
            anomaly("label_balance", rule, f"{label!r} about {share:.0%} (within {rule['max_difference']:.0%})",
                    f"{found_share:.0%}")
    return anomalies


def report(anomalies: list[dict]) -> str:
    if not anomalies:
        return "every split matches the schema"
    lines = [f"{a['severity'].upper()}: split {a['split']}, feature {a['feature']}: expected {a['expected']}; "
             f"found {a['found']}" for a in anomalies]
    errors = sum(a["severity"] == "error" for a in anomalies)
    return f"{errors} error(s), {len(anomalies) - errors} warning(s)\n" + "\n".join(lines)


def run(statistics: dict[str, dict], schema: dict, output_dir: Path) -> list[dict]:
    """Validates every split; writes validation.json and validation.txt; raises ValidationFailed on errors."""
    output_dir.mkdir(parents=True, exist_ok=True)
    anomalies = [a for split, stats in statistics.items() for a in check_split(split, stats, schema)]
    text = report(anomalies)
    psi = {split: psi_by_slice(stats, schema) for split, stats in statistics.items() if stats["count"]}
    (output_dir / "validation.json").write_text(json.dumps({"anomalies": anomalies, "intensity_psi": psi,
                                                            "passed": not _errors(anomalies)}, indent=2))
    (output_dir / "validation.txt").write_text(text + "\n")
    if _errors(anomalies):
        raise ValidationFailed("the examples do not match the schema:\n" + text, anomalies)
    return anomalies


def psi_by_slice(stats: dict, schema: dict) -> dict:
    """The intensity PSI of a split, and of each source's slice of it."""
    def psi(sliced):
        return population_stability_index(schema["intensity"]["histogram"], sliced["intensity"]["histogram"])
    return {"split": psi(stats), **{source: psi(sliced) for source, sliced in stats.get("by_source", {}).items()
                                     if sliced["count"]}}


def _errors(anomalies: list[dict]) -> list[dict]:
    return [a for a in anomalies if a["severity"] == "error"]
