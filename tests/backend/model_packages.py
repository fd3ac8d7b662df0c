"""Builders for tests about model packages: the shipped ones, copies of them, and damage."""

import base64
import json
import shutil
from pathlib import Path

import numpy as np

from inference.registry import ModelPackage, package_validate, version_key

CHEST = "chest-xray-pneumonia"


def shipped_package(root: Path, name: str = CHEST) -> ModelPackage:
    """The newest shipped version of `name`, checked."""
    versions = sorted(
        (p for p in (root / name).iterdir() if (p / "model_metadata.json").exists()), key=lambda p: version_key(p.name)
    )
    return package_validate(versions[-1])


def copy_package(package: ModelPackage, root: Path, *, version: str | None = None) -> Path:
    """A copy of `package` under `root`, optionally relabelled as another version."""
    target = root / package.name / (version or package.version)
    shutil.copytree(package.path, target)
    if version is not None:
        metadata_path = target / "model_metadata.json"
        metadata = json.loads(metadata_path.read_text())
        metadata["version"] = version
        metadata_path.write_text(json.dumps(metadata))
    return target


def gate_accepts(case: dict) -> bool:
    """Whether the package's input gate accepts a parity case (packages without a gate accept all)."""
    return case["expected"].get("input_accepted", {"values": [1.0]})["values"] == [1.0]


def accepted_cases(package: ModelPackage) -> list[dict]:
    """The parity cases the package reads rather than refuses."""
    return [case for case in parity_cases(package)[0] if gate_accepts(case)]


def parity_cases(package: ModelPackage) -> tuple[list[dict], float]:
    """The package's parity fixtures: (cases with decoded `image` arrays, tolerance)."""
    fixtures = json.loads((package.path / "parity_fixtures.json").read_text())
    cases = []
    for case in fixtures["cases"]:
        spec = case["input"]
        image = np.frombuffer(base64.b64decode(spec["base64"]), np.uint8).reshape(spec["shape"])
        cases.append({**case, "image": image})
    return cases, fixtures["tolerance"]
