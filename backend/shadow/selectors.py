"""How a candidate version in shadow compares with the active version, on cases doctors signed.

The cases: those a candidate's shadow reading read, with a report in force
(`reports.selectors.reports_in_force`). The image: the one the report's cited reading read, else
the case's only image the candidate read. The doctor's label: `reports.labels.doctor_label`; a
report that says no label leaves its case out. On that image the candidate's latest finished
shadow reading stands beside the active version's latest finished reading (a server reading
before a browser one); an image that lacks either is left out. A refused image counts as read by
neither side's agreement, sensitivity or specificity, and is listed when the other side read it.
"""

from dataclasses import dataclass

from accounts.models import User
from audit.access import audited_list
from config.errors import ApplicationError
from inference.registry import ModelPackage, PackageError, package_get
from inference.selectors import model_active_get, shadow_candidates
from readings.models import Reading, ReadingStatus, RunsOn
from reports.labels import doctor_label
from reports.models import Report
from reports.selectors import reports_in_force
from shadow.intervals import Proportion

FINISHED = (ReadingStatus.SUCCEEDED, ReadingStatus.REFUSED)
REFUSED = "refused"  # what a refused image is labelled in the lists


@dataclass(frozen=True)
class ComparedImage:
    """One image of a signed case, as the doctor, the active version and the candidate read it."""

    report: Report
    image_id: int
    doctor_label: str
    active: Reading
    candidate: Reading

    @property
    def case_id(self) -> int:
        return self.report.case_id

    @property
    def patient_id(self) -> int:
        return self.report.case.patient_id

    @property
    def differs(self) -> bool:
        labels = {_label_of(self.active), _label_of(self.candidate), self.doctor_label}
        return len(labels) > 1


@dataclass(frozen=True)
class VersionScore:
    """One version's readings of the compared images, against the doctors' labels."""

    version: str
    read: int  # images it read (not refused)
    refused: int
    agreement: Proportion
    sensitivity: Proportion | None  # None for a model without a positive class
    specificity: Proportion | None


@dataclass(frozen=True)
class Comparison:
    model_name: str
    candidate_version: str
    active_version: str
    label_names: list[str]
    positive_label: str | None
    images: list[ComparedImage]
    # Cases with a shadow reading and a report in force that could not be compared, by reason.
    left_out: dict[str, int]
    active: VersionScore
    candidate: VersionScore

    @property
    def disagreements(self) -> list[ComparedImage]:
        """Where the candidate and the active version differ, or either differs from the doctor."""
        return [image for image in self.images if image.differs]


def _label_of(reading: Reading) -> str:
    return REFUSED if reading.status == ReadingStatus.REFUSED else reading.label


def _latest(readings: list[Reading]) -> Reading | None:
    # Server readings first (browser readings are claims the server verifies), then the newest.
    ranked = sorted(readings, key=lambda r: (r.runs_on == RunsOn.SERVER, r.completed_at, r.pk), reverse=True)
    return ranked[0] if ranked else None


def _score(version: str, pairs: list[tuple[str, Reading]], positive: str | None) -> VersionScore:
    read = [(doctor, reading.label) for doctor, reading in pairs if reading.status == ReadingStatus.SUCCEEDED]
    agreement = Proportion(sum(doctor == label for doctor, label in read), len(read))
    sensitivity = specificity = None
    if positive is not None:
        sick = [label for doctor, label in read if doctor == positive]
        well = [label for doctor, label in read if doctor != positive]
        sensitivity = Proportion(sum(label == positive for label in sick), len(sick))
        specificity = Proportion(sum(label != positive for label in well), len(well))
    return VersionScore(
        version=version,
        read=len(read),
        refused=len(pairs) - len(read),
        agreement=agreement,
        sensitivity=sensitivity,
        specificity=specificity,
    )


def shadow_packages_get(name: str, version: str) -> tuple[ModelPackage, ModelPackage]:
    """The candidate's package and the active one; 404 when `version` is not in shadow or not valid."""
    if not shadow_candidates(name).filter(version=version).exists():
        raise ApplicationError(f"{name} {version} is not in shadow.", code="not_in_shadow", status_code=404)
    try:
        return package_get(name, version), model_active_get(name)
    except PackageError as exc:
        raise ApplicationError(str(exc), code="unknown_model", status_code=404) from None


def shadow_comparison(name: str, version: str) -> Comparison:
    """The candidate `version` of model `name` (in shadow now) against the active version, on the
    cases doctors signed; 404 `not_in_shadow` for a version that is not in shadow."""
    candidate_package, active_package = shadow_packages_get(name, version)
    label_names = candidate_package.label_names
    binary = candidate_package.positive_class is not None
    positive = label_names[candidate_package.positive_class] if binary else None

    shadow_readings = list(
        Reading.all_objects.filter(
            shadow=True,
            model_name=name,
            model_version=version,
            status__in=FINISHED,
            image__withdrawn_at__isnull=True,
            case__withdrawn_at__isnull=True,
        )
    )
    by_image: dict[int, list[Reading]] = {}
    for reading in shadow_readings:
        by_image.setdefault(reading.image_id, []).append(reading)
    images_of_case: dict[int, set[int]] = {}
    for reading in shadow_readings:
        images_of_case.setdefault(reading.case_id, set()).add(reading.image_id)
    active_readings: dict[int, list[Reading]] = {}
    for reading in Reading.objects.filter(
        model_name=name, model_version=active_package.version, status__in=FINISHED, image_id__in=by_image
    ):
        active_readings.setdefault(reading.image_id, []).append(reading)

    reports = reports_in_force().filter(case_id__in=images_of_case).select_related("reading", "case")
    compared, left_out = [], {"no_label": 0, "no_image": 0, "no_active_reading": 0}
    for report in reports.order_by("case_id", "id"):
        if report.reading is not None:
            image_id = report.reading.image_id
        elif len(images_of_case[report.case_id]) == 1:
            [image_id] = images_of_case[report.case_id]
        else:
            left_out["no_image"] += 1  # several images, and the report names none of them
            continue
        label = doctor_label(report, label_names)
        candidate = _latest(by_image.get(image_id, []))
        active = _latest(active_readings.get(image_id, []))
        if label is None:
            left_out["no_label"] += 1
        elif candidate is None:
            left_out["no_image"] += 1  # the cited reading's image was not read in shadow
        elif active is None:
            left_out["no_active_reading"] += 1
        else:
            compared.append(
                ComparedImage(report=report, image_id=image_id, doctor_label=label, active=active, candidate=candidate)
            )
    return Comparison(
        model_name=name,
        candidate_version=version,
        active_version=active_package.version,
        label_names=label_names,
        positive_label=positive,
        images=compared,
        left_out=left_out,
        active=_score(active_package.version, [(c.doctor_label, c.active) for c in compared], positive),
        candidate=_score(version, [(c.doctor_label, c.candidate) for c in compared], positive),
    )


def shadow_comparison_read(*, user: User, name: str, version: str) -> Comparison:
    """The comparison for a clinic admin, audited as a read of every case it counts (one event per patient)."""
    comparison = shadow_comparison(name, version)
    audited_list(
        user=user,
        objects=[image.report.case for image in comparison.images],
        object_type="case",
        action="shadow.comparison_read",
        patient_id_of=lambda case: case.patient_id,
        detail={"model": name, "candidate": version, "active": comparison.active_version},
    )
    return comparison
