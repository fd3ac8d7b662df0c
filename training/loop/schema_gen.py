"""SchemaGen: what examples are expected to look like, inferred from the train split's statistics.

A later run passes this file back with `--schema`, so new data is validated against what the
model was trained on, not against itself. Tolerances are part of the schema, so a reader sees
the rule next to the numbers:

- labels: exactly the run's label names; any other label is an error.
- channels: exactly the channel counts seen in train.
- sizes: height and width within [half the smallest, twice the largest] seen in train.
- intensity: population stability index (PSI) of a split's intensity histogram against the
  schema's at most 0.2 (the usual "significant shift" line: below 0.1 no change, 0.1-0.2
  moderate); bins are smoothed with 1e-4 so an empty bin does not make the index infinite.
- modalities: a modality not seen in train is a warning (MedMNIST and plain PNG/JPEG have none).
- label balance: a label's share more than 0.2 away from train's is a warning (test splits are
  often balanced differently on purpose).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

SCHEMA_FORMAT = "training.loop schema"
SCHEMA_VERSION = 1
MAX_PSI = 0.2
SIZE_TOLERANCE = 2.0
MAX_BALANCE_DIFFERENCE = 0.2


def infer(train: dict, *, label_names: tuple[str, ...], exam_type: str) -> dict:
    return {
        "format": SCHEMA_FORMAT, "version": SCHEMA_VERSION,
        "inferred_from": {"split": "train", "count": train["count"]},
        "exam_type": exam_type,
        "label": {"values": list(label_names), "severity": "error"},
        "channels": {"values": sorted(int(c) for c in train["channels"]), "severity": "error"},
        "height": {"min": math.floor(train["height"]["min"] / SIZE_TOLERANCE),
                   "max": math.ceil(train["height"]["max"] * SIZE_TOLERANCE), "severity": "error"},
        "width": {"min": math.floor(train["width"]["min"] / SIZE_TOLERANCE),
                  "max": math.ceil(train["width"]["max"] * SIZE_TOLERANCE), "severity": "error"},
        "intensity": {**train["intensity"], "max_psi": MAX_PSI, "severity": "error"},
        "modality": {"values": sorted(train["modalities"]), "severity": "warning"},
        "label_balance": {"expected": train["label_balance"], "max_difference": MAX_BALANCE_DIFFERENCE,
                          "severity": "warning"},
    }


def load(path: str | Path) -> dict:
    try:
        schema = json.loads(Path(path).read_text())
    except OSError as error:
        raise ValueError(f"--schema {path}: cannot be read ({error.strerror})") from None
    except ValueError as error:
        raise ValueError(f"--schema {path}: not JSON ({error})") from None
    if not isinstance(schema, dict) or schema.get("format") != SCHEMA_FORMAT:
        raise ValueError(f"--schema {path}: not a schema written by this pipeline's SchemaGen")
    if schema.get("version") != SCHEMA_VERSION:
        raise ValueError(f"--schema {path}: schema version {schema.get('version')!r} is not supported")
    return schema
