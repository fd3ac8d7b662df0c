"""Print how a candidate in shadow compares with the active version (docs/shadow.md).

    python backend/manage.py shadow_report chest-xray-pneumonia 1.0.0

Counts only, no case: the cases to review are on the admin page, where reading them is audited.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from shadow.selectors import shadow_comparison

MEASURES = (("agreement", "agreement with doctors"), ("sensitivity", "sensitivity"), ("specificity", "specificity"))


def proportion_numbers(proportion) -> dict | None:
    if proportion is None:
        return None
    low, high = proportion.interval or (None, None)
    return {"hits": proportion.hits, "total": proportion.total, "rate": proportion.rate, "low": low, "high": high}


def proportion_text(proportion) -> str:
    if proportion is None:
        return "-"
    if not proportion.total:
        return "no cases"
    low, high = proportion.interval
    return f"{proportion.rate:.0%} ({proportion.hits} of {proportion.total}; 95% CI {low:.0%}-{high:.0%})"


class Command(BaseCommand):
    help = "Compare a candidate version in shadow with the active version on the cases doctors signed."

    def add_arguments(self, parser):
        parser.add_argument("model")
        parser.add_argument("candidate_version")
        parser.add_argument("--json", dest="as_json", action="store_true", help="the numbers as one JSON document")

    def handle(self, *args, model: str, candidate_version: str, as_json: bool, **options):
        try:
            comparison = shadow_comparison(model, candidate_version)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        scores = {"active": comparison.active, "candidate": comparison.candidate}
        if as_json:
            numbers = {
                side: {
                    "version": score.version,
                    "read": score.read,
                    "refused": score.refused,
                    **{key: proportion_numbers(getattr(score, key)) for key, _ in MEASURES},
                }
                for side, score in scores.items()
            }
            body = {"compared": len(comparison.images), "left_out": comparison.left_out, **numbers}
            self.stdout.write(json.dumps({**body, "disagreements": len(comparison.disagreements)}, indent=2))
            return
        active, candidate = comparison.active, comparison.candidate
        self.stdout.write(
            f"{model} {candidate.version} (candidate) against {active.version} (active): "
            f"{len(comparison.images)} signed cases compared"
        )
        columns = [f"active {active.version}", f"candidate {candidate.version}"]
        self.stdout.write(f"{'':24}{columns[0]:36}{columns[1]}")
        for key, label in MEASURES:
            cells = [proportion_text(getattr(score, key)) for score in (active, candidate)]
            self.stdout.write(f"{label:24}{cells[0]:36}{cells[1]}")
        self.stdout.write(f"{'refused images':24}{active.refused:<36}{candidate.refused}")
        left_out = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in comparison.left_out.items() if n)
        self.stdout.write(f"left out: {left_out or 'none'}")
        self.stdout.write(f"cases to review (on the admin page): {len(comparison.disagreements)}")
