"""Which models exist and which version of each is active."""

import logging

from inference.models import ActiveModel
from inference.registry import ModelPackage, PackageError, package_get, packages_discover

logger = logging.getLogger(__name__)


def models_available() -> list[ModelPackage]:
    """Every installed package that passed its checks, by name then version."""
    return packages_discover()


def models_active(packages: list[ModelPackage] | None = None) -> list[ModelPackage]:
    """The active package of each model: the admin's choice when it is valid, else the newest version."""
    packages = packages_discover() if packages is None else packages
    active: dict[str, ModelPackage] = {}
    for package in packages:  # ordered by version, so the newest wins
        active[package.name] = package
    for name, version in ActiveModel.objects.values_list("name", "version"):
        chosen = next((p for p in packages if p.name == name and p.version == version), None)
        if chosen is not None:
            active[name] = chosen
        elif name in active:
            logger.warning(
                "active version %s of %s is not a valid package; using %s", version, name, active[name].version
            )
    return [active[name] for name in sorted(active)]


def model_active_get(name: str) -> ModelPackage:
    """The package a new server reading of model `name` runs; PackageError when there is none."""
    for package in models_active():
        if package.name == name:
            return package
    raise PackageError(f"no valid package of model {name!r} is installed")


def model_package_get(name: str, version: str) -> ModelPackage:
    return package_get(name, version)
