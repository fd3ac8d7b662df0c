"""The on-disk format of an exported dataset, read by the training pipeline.

    <root>/<name>/<version>/manifest.json
    <root>/<name>/<version>/images/<sha256 of the PNG>.png

The manifest lists every example (file, label, split, the salted hashes of its case, report and
image, the reading's model version, the report's agreement with the AI, the modality), what was
left out and why (counts only), and the SHA-256 of every file. It has no dates and its keys and
lists are sorted, so the same examples give the same bytes; the version is, unless chosen, the
first 12 hex digits of the SHA-256 of the example list, so new data gets a new version.
"""

import hashlib
import json

FORMAT = "healthcare-image-dataset"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
IMAGES = "images"


def canonical_json(value) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def examples_sorted(examples: list[dict]) -> list[dict]:
    return sorted(examples, key=lambda example: (example["case"], example["image"], example["report"]))


def version_of(examples: list[dict]) -> str:
    compact = json.dumps(examples_sorted(examples), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(compact).hexdigest()[:12]


def manifest_build(
    *,
    name: str,
    version: str,
    exam_type: str,
    model_name: str,
    label_names: list[str],
    channels: int,
    examples: list[dict],
    excluded: dict[str, int],
    files: dict[str, str],
) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "version": version,
        "exam_type": exam_type,
        "model_name": model_name,
        "label_names": list(label_names),
        "channels": channels,
        "examples": examples_sorted(examples),
        "excluded": dict(sorted(excluded.items())),
        "files": dict(sorted(files.items())),
    }
