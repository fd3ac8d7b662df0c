"""Pusher: a blessed candidate becomes a model package in the export directory; nothing else does.

The package is written by training.export.export_package, as training.pipeline writes it (SavedModel,
TF.js graph model, metadata, metrics, model card, parity fixtures), first into the run's own
folder and then moved into <export-dir>/<name>/<version>/ in one rename, so the export directory
never holds half a package. An existing version is never replaced.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from training.export import export_package


class VersionExists(ValueError):
    """The package version is already in the export directory."""


def destination(export_dir: Path, name: str, version: str) -> Path:
    package_dir = export_dir / name / version
    if package_dir.exists():
        raise VersionExists(f"{package_dir} already exists; a version is never replaced, so choose another "
                            "--version")
    return package_dir


def run(model, *, summary: dict, metrics: dict, run_dir: Path, staging_dir: Path, export_dir: Path, name: str,
        version: str, test_split, val_split, rebuild_command: str, shared_data: Path | None) -> tuple[Path, dict]:
    """Exports the package and returns (its directory in export_dir, its metadata).

    The validation split (the images the threshold was chosen on) becomes the package's drift reference.
    """
    package_dir = destination(export_dir, name, version)
    staged = staging_dir / name / version
    metadata = export_package(model, summary=summary, metrics=metrics, run_dir=run_dir, package_dir=staged,
                              name=name, version=version, test_split=test_split, rebuild_command=rebuild_command,
                              shared_data=shared_data, val_split=val_split)
    package_dir.parent.mkdir(parents=True, exist_ok=True)
    incoming = package_dir.parent / f".{version}.incoming"
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.copytree(staged, incoming)
    os.rename(incoming, destination(export_dir, name, version))
    return package_dir, metadata
