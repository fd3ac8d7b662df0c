"""A model version's drift reference, read from its package (training/drift_reference.py writes it)."""

import json
import logging

from inference.registry import ModelPackage, PackageError, package_get
from training.drift_reference import REFERENCE_FILE

logger = logging.getLogger(__name__)


def package_or_none(name: str, version: str) -> ModelPackage | None:
    """The installed, valid package, or None for a version no longer installed (its weeks still show)."""
    try:
        return package_get(name, version)
    except PackageError:
        return None


def reference_get(package: ModelPackage | None) -> dict | None:
    """The package's reference, or None when it has none: its score and intensity then go unchecked.

    Only a reference listed in the package's checksummed files is read.
    """
    if package is None or REFERENCE_FILE not in package.files:
        return None
    try:
        return json.loads((package.path / REFERENCE_FILE).read_text())
    except (OSError, ValueError) as exc:
        logger.warning("%s %s: drift reference unreadable (%s)", package.name, package.version, exc)
        return None
