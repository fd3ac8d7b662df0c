import json

from django.core.management.base import BaseCommand, CommandError

from drift.report import drift_weeks
from drift.selectors import thresholds
from readings.models import Reading

LEVEL_MARK = {"ok": "ok", "warn": "WARN", "breach": "BREACH", "too_few": "-", "no_reference": "n/a"}


class Command(BaseCommand):
    help = "Print the drift watch per model version and ISO week (docs/drift.md)."

    def add_arguments(self, parser):
        parser.add_argument("--model", help="one model (default: every model with real readings)")
        parser.add_argument("--model-version", dest="version", help="one version of it")
        parser.add_argument("--json", dest="as_json", action="store_true", help="one JSON document instead of the table")
        parser.add_argument("--check", action="store_true", help="exit 1 when a version's latest week breached a check")

    def handle(self, *args, model: str | None, version: str | None, as_json: bool, check: bool, **options):
        names = [model] if model else sorted(set(Reading.all_objects.filter(shadow=False).values_list("model_name", flat=True)))
        weeks = [week for name in names for week in drift_weeks(name, version)]
        if model and not weeks:
            raise CommandError(f"no real readings of {model}{' ' + version if version else ''}")
        if as_json:
            self.stdout.write(json.dumps({"thresholds": thresholds(), "weeks": [week.as_dict() for week in weeks]}, indent=2))
        else:
            self._table(weeks)
        latest = {}
        for week in weeks:
            latest[(week.model_name, week.model_version)] = week
        breached = [week for week in latest.values() if week.breaches]
        for week in breached:
            self.stderr.write(
                f"{week.model_name} {week.model_version} {week.week}: breached {', '.join(week.breaches)}"
            )
        if breached and check:
            raise SystemExit(1)

    def _table(self, weeks) -> None:
        header = f"{'model':<30} {'version':<8} {'week':<9} {'reads':>5} {'refused':>7} {'agree':>6}  " + "  ".join(
            f"{name:<10}" for name in ("score", "intensity", "size", "refusals", "agreement")
        )
        self.stdout.write(header)
        for week in weeks:
            cells = []
            for check in week.checks:
                value = "" if check.value is None else f" {check.value:.2f}"
                cells.append(f"{LEVEL_MARK[check.level] + value:<10}")
            agreement = "" if week.agreement is None else f"{week.agreement:.0%}"
            self.stdout.write(
                f"{week.model_name:<30} {week.model_version:<8} {week.week:<9} {week.readings:>5} "
                f"{week.refused:>7} {agreement:>6}  " + "  ".join(cells)
            )
        for week in weeks:
            for check in week.checks:
                if check.level in ("breach", "warn"):
                    self.stdout.write(f"{week.model_name} {week.model_version} {week.week}: {check.says}")

