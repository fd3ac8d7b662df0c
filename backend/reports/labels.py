"""What a signed report says the right answer was, in the model's own label names.

The dataset export and the shadow comparison both ask this, so there is one rule:
- the report agrees with the AI reading it cites: the reading's label;
- it disagrees and the model has two labels: the other label;
- otherwise (no reading cited, or a disagreement with a model of more than two labels): the one
  label the impression names, if it names exactly one and not after a negation ("no pneumonia");
- else no label: the report does not say, and the case is left out rather than guessed.
"""

import re

from reports.models import AIAgreement, Report

NEGATIONS = ("no", "not", "without", "negative for", "free of", "absent")


def doctor_label(report: Report, label_names: list[str]) -> str | None:
    reading = report.reading
    if report.ai_agreement == AIAgreement.AGREES and reading is not None and reading.label in label_names:
        return reading.label
    if report.ai_agreement == AIAgreement.DISAGREES and reading is not None and reading.label in label_names:
        if len(label_names) == 2:
            return next(name for name in label_names if name != reading.label)
        named = impression_label(report.impression, label_names)
        return named if named != reading.label else None
    return impression_label(report.impression, label_names)


def impression_label(impression: str, label_names: list[str]) -> str | None:
    """The one label the impression names without negating it, or None."""
    text = " ".join(impression.lower().split())
    # Longest names first, so that "normal or benign" is not also counted as "normal".
    named = set()
    for name in sorted(label_names, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", text):
            if _inside(named, match.start(), match.end()):
                continue
            if _negated(text[: match.start()]):
                continue
            named.add((name, match.start(), match.end()))
    names = {name for name, _, _ in named}
    return names.pop() if len(names) == 1 else None


def _inside(named: set, start: int, end: int) -> bool:
    return any(s <= start and end <= e for _, s, e in named)


def _negated(before: str) -> bool:
    # A negation among the three words before the label, within the same clause.
    clause = re.split(r"[.;:,]", before)[-1]
    words = " ".join(clause.split()[-3:])
    return any(re.search(rf"(?<!\w){negation}(?!\w)", words) for negation in NEGATIONS)
