"""Which models exist, which version of each is active and which versions read in shadow."""

import logging

from inference.models import ActiveModel, ShadowCandidate
from inference.registry import ModelPackage, PackageError, package_get, packages_discover

logger = logging.getLogger(__name__)


def models_available() -> list[ModelPackage]:
    """Every installed package that passed its checks, by name then version."""
    return packages_discover()


def models_active(packages: list[ModelPackage] | None = None) -> list[ModelPackage]:
    """The active package of each model: the chosen (or pinned) version when it is valid, else the newest.

    A model seen for the first time gets its newest version pinned, so that a newer version copied
    in later does not replace it before an admin activates it.
    """
    from inference.services import model_pin  # services read this module

    packages = packages_discover() if packages is None else packages
    active: dict[str, ModelPackage] = {}
    for package in packages:  # ordered by version, so the newest wins
        active[package.name] = package
    chosen = dict(ActiveModel.objects.values_list("name", "version"))
    for name in sorted(set(active) - set(chosen)):
        chosen[name] = model_pin(name=name, version=active[name].version)
    for name, version in chosen.items():
        package = next((p for p in packages if p.name == name and p.version == version), None)
        if package is not None:
            active[name] = package
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


def model_active_for_exam_type(exam_type: str) -> ModelPackage:
    """The active package that reads `exam_type`; PackageError when no active model reads it."""
    for package in models_active():
        if package.exam_type == exam_type:
            return package
    raise PackageError(f"no installed model reads exam type {exam_type!r}")


def shadow_candidates(name: str | None = None):
    """The candidate versions in shadow now (of model `name`, or of every model), oldest first."""
    candidates = ShadowCandidate.objects.filter(ended_at__isnull=True).select_related("started_by")
    return candidates.filter(name=name) if name else candidates


def shadow_versions_for(model_name: str) -> list[str]:
    """The versions of `model_name` that also read every new case, in shadow.

    A version whose package is no longer installed or valid is left out (and logged): its readings
    could only fail.
    """
    versions = []
    for version in shadow_candidates(model_name).values_list("version", flat=True):
        try:
            package_get(model_name, version)
        except PackageError as exc:
            logger.warning("shadow version %s of %s is skipped: %s", version, model_name, exc)
            continue
        versions.append(version)
    return versions
