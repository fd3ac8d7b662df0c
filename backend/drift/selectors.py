"""The drift report a clinic admin reads: weeks of one model (or all), the thresholds, each version's reference."""

from dataclasses import dataclass

from django.conf import settings
from rest_framework import status

from accounts.models import User
from audit.services import audit_record
from config.errors import ApplicationError
from drift.reference import package_or_none, reference_get
from drift.report import DriftWeek, drift_weeks
from inference.registry import packages_discover, version_key
from inference.selectors import models_active
from readings.models import Reading

THRESHOLDS = (
    "DRIFT_PSI_WARN", "DRIFT_PSI_BREACH", "DRIFT_P_VALUE", "DRIFT_P_VALUE_WARN", "DRIFT_MIN_READINGS",
    "DRIFT_REFUSAL_WARN", "DRIFT_REFUSAL_BREACH", "DRIFT_AGREEMENT_WARN", "DRIFT_AGREEMENT_BREACH",
    "DRIFT_MIN_REPORTS",
)  # fmt: skip


@dataclass
class VersionReference:
    model: str
    version: str
    active: bool
    installed: bool
    reference_split: str | None  # which images the reference was made of; None without one
    reference_images: int | None


@dataclass
class DriftReport:
    model: str | None  # None: every model
    thresholds: dict[str, float]
    versions: list[VersionReference]
    weeks: list[DriftWeek]


def thresholds() -> dict[str, float]:
    return {name.removeprefix("DRIFT_").lower(): getattr(settings, name) for name in THRESHOLDS}


def drift_report_get(*, user: User, model_name: str | None = None, model_version: str | None = None) -> DriftReport:
    """The drift weeks of one model (every version with real readings, or one) or of every model,
    recorded as `drift.read`.

    No patient data: counts, medians and shares per week. A model neither installed nor ever read
    answers 404.
    """
    installed = packages_discover()
    read = set(Reading.all_objects.filter(shadow=False).values_list("model_name", flat=True).distinct())
    names = sorted({package.name for package in installed} | read)
    if model_name is not None:
        if model_name not in names:
            raise ApplicationError(
                f"No model named {model_name!r} is installed or has readings.",
                code="unknown_model",
                status_code=status.HTTP_404_NOT_FOUND,
            )
        names = [model_name]
    weeks = [week for name in names for week in drift_weeks(name, model_version)]
    active = {package.name: package.version for package in models_active(installed)}
    versions = {(package.name, package.version) for package in installed if package.name in names}
    versions |= {(week.model_name, week.model_version) for week in weeks}
    if model_version is not None:
        versions = {(name, version) for name, version in versions if version == model_version}
    audit_record(
        actor=user,
        action="drift.read",
        object_type="drift",  # a report about the model, kept apart from the model's own events
        object_id=model_name or "",
        detail={"version": model_version, "weeks": len(weeks), "breaches": sum(bool(w.breaches) for w in weeks)},
    )
    return DriftReport(
        model=model_name,
        thresholds=thresholds(),
        versions=[
            _version_reference(name, version, active.get(name))
            for name, version in sorted(versions, key=lambda item: (item[0], version_key(item[1])))
        ],
        weeks=weeks,
    )


def _version_reference(model_name: str, version: str, active: str | None) -> VersionReference:
    package = package_or_none(model_name, version)
    reference = reference_get(package)
    return VersionReference(
        model=model_name,
        version=version,
        active=version == active,
        installed=package is not None,
        reference_split=reference["split"] if reference else None,
        reference_images=reference["images"] if reference else None,
    )
