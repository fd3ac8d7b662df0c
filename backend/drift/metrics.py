"""The drift watch as Prometheus gauges, for the alert in deploy/prometheus/alerts.yml (DriftBreach).

Each version's latest week counts while it is this ISO week or the one before: a version nobody
reads any more stops reporting rather than alerting for ever. Image sizes are compared with the
weeks since BASELINE_WEEKS before, so that a scrape reads a bounded number of rows.
"""

import datetime

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from drift import checks
from drift.report import drift_weeks, iso_week
from readings.models import Reading

BASELINE_WEEKS = 8
SHIFT_CHECKS = ("score", "intensity", "size")


def drift_families() -> list:
    labels = ["model", "version"]
    psi = GaugeMetricFamily(
        "healthcare_drift_psi",
        "Population stability index of the version's latest week: score and intensity against its validation "
        "reference, size against its earlier weeks.",
        labels=[*labels, "check"],
    )
    breach = GaugeMetricFamily(
        "healthcare_drift_breach",
        "1 when the check breached in the version's latest week (this ISO week or the one before), else 0.",
        labels=[*labels, "check"],
    )
    refusals = GaugeMetricFamily("healthcare_drift_refusal_rate", "Share of the latest week's images refused.", labels=labels)
    agreement = GaugeMetricFamily(
        "healthcare_drift_agreement", "Share of the latest week's signed reports agreeing with the reading.", labels=labels
    )
    now = timezone.now()
    recent = {iso_week(now), iso_week(now - datetime.timedelta(weeks=1))}
    since = now - datetime.timedelta(weeks=BASELINE_WEEKS + 1)
    names = Reading.all_objects.filter(shadow=False, created_at__gte=since).values_list("model_name", flat=True).distinct()
    for name in sorted(set(names)):
        latest = {}
        for week in drift_weeks(name, since=since):
            latest[week.model_version] = week
        for version, week in sorted(latest.items()):
            if week.week not in recent:
                continue
            for check in week.checks:
                if check.name in SHIFT_CHECKS and check.value is not None:
                    psi.add_metric([name, version, check.name], check.value)
                breach.add_metric([name, version, check.name], float(check.level == checks.BREACH))
            if week.refusal_rate is not None:
                refusals.add_metric([name, version], week.refusal_rate)
            if week.agreement is not None:
                agreement.add_metric([name, version], week.agreement)
    return [psi, breach, refusals, agreement]
