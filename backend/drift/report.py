"""The drift watch: per model version and ISO week, what the model read and how that compares.

    drift_weeks("chest-xray-pneumonia")            # every version with readings, oldest week first
    drift_weeks("chest-xray-pneumonia", "2.0.0")   # one version

Only real readings count: shadow readings (a candidate's, backend/shadow) are left out, and so are
readings still pending or failed. An image read twice by one version (in the browser, then checked
on the server) counts once, by its first reading. A week is the ISO week (Monday to Sunday, UTC) in
which the reading was made; a report's agreement counts in the week of the reading it cites.

The numbers are compared by the rules in drift/checks.py, with histograms (drift/statistics.py) on
the bins of the package's own reference (training/drift_reference.py).
"""

import datetime
import statistics as stats
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from drift import checks as rules
from drift.reference import package_or_none, reference_get
from drift.statistics import chi2_p_value, coarsen, ks_p_value, psi
from inference.registry import version_key
from readings.models import Reading, ReadingStatus
from reports.labels import doctor_label
from reports.selectors import reports_in_force

# PSI is taken over coarser bins than the reference keeps: ten for scores, sixteen (16 grey levels
# wide) for intensity; the tests use the reference's fine bins.
SCORE_PSI_BINS = 10
INTENSITY_PSI_BINS = 16
# Short side of the images, in pixels: PSI over bins doubling from 32, the test over quarter octaves.
SIZE_EDGES = [0, 32, 64, 128, 256, 512, 1024, 2048, 1 << 30]
SIZE_TEST_EDGES = [0, *np.geomspace(16, 8192, 37).tolist(), 1 << 30]


@dataclass
class DriftWeek:
    model_name: str
    model_version: str
    week: str  # ISO week, e.g. "2026-W48"
    starts: datetime.date  # its Monday
    readings: int  # images read (refused ones included)
    refused: int
    width_median: float | None
    height_median: float | None
    intensity_mean: float | None  # mean over the week's images of their mean grey level
    modalities: dict[str, int]  # DICOM modality, or "none" for PNG and JPEG
    reports: int  # signed reports in force citing the week's readings
    agrees: int
    checks: list[rules.Check] = field(default_factory=list)

    @property
    def refusal_rate(self) -> float | None:
        return self.refused / self.readings if self.readings else None

    @property
    def agreement(self) -> float | None:
        return self.agrees / self.reports if self.reports else None

    def check(self, name: str) -> rules.Check:
        return next(check for check in self.checks if check.name == name)

    @property
    def breaches(self) -> list[str]:
        return [check.name for check in self.checks if check.level == rules.BREACH]

    @property
    def warnings(self) -> list[str]:
        return [check.name for check in self.checks if check.level == rules.WARN]

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "starts": self.starts.isoformat(),
            "refusal_rate": self.refusal_rate,
            "agreement": self.agreement,
            "breaches": self.breaches,
            "warnings": self.warnings,
        }


@dataclass
class _Read:
    image_id: int
    created_at: datetime.datetime
    refused: bool
    score: float | None
    label: str
    width: int
    height: int
    intensity_mean: float | None
    modality: str


def drift_weeks(
    model_name: str, model_version: str | None = None, *, since: datetime.datetime | None = None
) -> list[DriftWeek]:
    """One DriftWeek per version (all with real readings, or just `model_version`) and week.

    `since` leaves out readings made before it (their weeks, and their sizes as a baseline).
    """
    # The explicit filter, not the default manager, is what keeps shadow readings out here.
    rows = Reading.all_objects.filter(
        shadow=False, model_name=model_name, status__in=(ReadingStatus.SUCCEEDED, ReadingStatus.REFUSED)
    )
    if model_version is not None:
        rows = rows.filter(model_version=model_version)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    by_version: dict[str, dict[int, _Read]] = defaultdict(dict)
    for row in rows.order_by("created_at", "id").values(
        "model_version", "image_id", "created_at", "status", "score", "label",
        "image__width", "image__height", "image__intensity_mean", "image__modality",
    ):  # fmt: skip
        by_version[row["model_version"]].setdefault(
            row["image_id"],
            _Read(
                image_id=row["image_id"],
                created_at=row["created_at"],
                refused=row["status"] == ReadingStatus.REFUSED,
                score=row["score"],
                label=row["label"],
                width=row["image__width"],
                height=row["image__height"],
                intensity_mean=row["image__intensity_mean"],
                modality=row["image__modality"] or "none",
            ),
        )
    weeks = []
    for version in sorted(by_version, key=version_key):
        weeks.extend(_version_weeks(model_name, version, list(by_version[version].values())))
    return weeks


def _version_weeks(model_name: str, version: str, reads: list[_Read]) -> list[DriftWeek]:
    package = package_or_none(model_name, version)
    reference = reference_get(package)
    label_names = package.label_names if package else sorted({read.label for read in reads if read.label})
    by_week: dict[str, list[_Read]] = defaultdict(list)
    for read in reads:
        by_week[iso_week(read.created_at)].append(read)
    agreement = _agreement_by_week(model_name, version, label_names)
    weeks, earlier = [], []
    for week in sorted(by_week):
        week_reads = by_week[week]
        agrees, reports = agreement.get(week, (0, 0))
        drift_week = DriftWeek(
            model_name=model_name,
            model_version=version,
            week=week,
            starts=datetime.date.fromisocalendar(*map(int, week.replace("-W", " ").split()), 1),
            readings=len(week_reads),
            refused=sum(read.refused for read in week_reads),
            width_median=_median([read.width for read in week_reads]),
            height_median=_median([read.height for read in week_reads]),
            intensity_mean=_mean([read.intensity_mean for read in week_reads if read.intensity_mean is not None]),
            modalities=dict(Counter(read.modality for read in week_reads)),
            reports=reports,
            agrees=agrees,
        )
        drift_week.checks = [
            _score_check(week_reads, reference, label_names),
            _intensity_check(week_reads, reference),
            _size_check(week_reads, earlier),
            rules.refusal_check(refused=drift_week.refused, readings=drift_week.readings),
            rules.agreement_check(agrees=agrees, reports=reports),
        ]
        weeks.append(drift_week)
        earlier.extend(week_reads)
    return weeks


def _score_check(reads: list[_Read], reference: dict | None, label_names: list[str]) -> rules.Check:
    read = [r for r in reads if not r.refused]
    what = "Scores"
    if reference is None:
        return rules.shift_check("score", what=what, value=None, p_value=None, sample=len(read),
                                  compared_with="the validation reference")  # fmt: skip
    score = reference["score"]
    if score["kind"] == "positive_probability":
        what = f"P({score['label']})"
        counts = _histogram([r.score for r in read if r.score is not None], score["edges"])
        ref_counts = score["counts"]
        value = psi(coarsen(ref_counts, SCORE_PSI_BINS), coarsen(counts, SCORE_PSI_BINS))
        p_value = ks_p_value(ref_counts, counts)
    else:
        what = "Predicted grades"
        counts = [sum(r.label == label for r in read) for label in score["labels"]]
        value = psi(score["counts"], counts)
        p_value = chi2_p_value(score["counts"], counts)
    return rules.shift_check("score", what=what, value=value, p_value=p_value, sample=len(read),
                              compared_with="the validation reference")  # fmt: skip


def _intensity_check(reads: list[_Read], reference: dict | None) -> rules.Check:
    values = [r.intensity_mean for r in reads if r.intensity_mean is not None]
    if reference is None:
        return rules.shift_check("intensity", what="Image brightness", value=None, p_value=None,
                                  sample=len(values), compared_with="the validation reference")  # fmt: skip
    histogram = reference["intensity_mean"]
    counts = _histogram(values, histogram["edges"])
    value = psi(coarsen(histogram["counts"], INTENSITY_PSI_BINS), coarsen(counts, INTENSITY_PSI_BINS))
    return rules.shift_check("intensity", what="Image brightness (mean grey level)", value=value,
                              p_value=ks_p_value(histogram["counts"], counts), sample=len(values),
                              compared_with="the validation reference")  # fmt: skip


def _size_check(reads: list[_Read], earlier: list[_Read]) -> rules.Check:
    compared_with = "the earlier weeks"
    if not earlier:
        return rules.shift_check("size", what="Image size", value=None, p_value=None, sample=len(reads),
                                 compared_with=compared_with)  # fmt: skip
    sides, earlier_sides = _short_sides(reads), _short_sides(earlier)
    return rules.shift_check(
        "size", what="Image size (short side)",
        value=psi(_histogram(earlier_sides, SIZE_EDGES), _histogram(sides, SIZE_EDGES)),
        p_value=ks_p_value(_histogram(earlier_sides, SIZE_TEST_EDGES), _histogram(sides, SIZE_TEST_EDGES)),
        sample=len(reads), compared_with=compared_with,
    )  # fmt: skip


def _agreement_by_week(model_name: str, version: str, label_names: list[str]) -> dict[str, tuple[int, int]]:
    """(agrees, reports) per week of the cited reading, over the reports in force citing this version."""
    reports = reports_in_force().filter(
        reading__model_name=model_name, reading__model_version=version, reading__shadow=False
    ).select_related("reading")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for report in reports:
        # A disagreement whose right label the report does not name (a graded model's impression
        # without a grade) is still a disagreement: leaving it out would flatter the model.
        right = doctor_label(report, label_names)
        week = counts[iso_week(report.reading.created_at)]
        week[0] += right is not None and right == report.reading.label
        week[1] += 1
    return {week: (agrees, total) for week, (agrees, total) in counts.items()}


def _short_sides(reads: list[_Read]) -> list[int]:
    return [min(r.width, r.height) for r in reads]


def _histogram(values: list[float], edges: list[float]) -> list[int]:
    edges_array = np.asarray(edges, dtype=float)
    top = np.nextafter(edges_array[-1], edges_array[0])
    clipped = np.clip(np.asarray(values, dtype=float), edges_array[0], top)
    return [int(n) for n in np.histogram(clipped, bins=edges_array)[0]] if len(values) else [0] * (len(edges) - 1)


def iso_week(moment: datetime.datetime) -> str:
    year, week, _ = moment.astimezone(datetime.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def _median(values: list[float]) -> float | None:
    return float(stats.median(values)) if values else None


def _mean(values: list[float]) -> float | None:
    return float(stats.fmean(values)) if values else None
