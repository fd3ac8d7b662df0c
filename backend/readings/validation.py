"""Checks on a reading's result or refusal before it is stored, whoever computed it."""

import math

from config.errors import ApplicationError

HEATMAP_MAX_SIDE = 256
REFUSAL_MAX_LENGTH = 2000


def _is_probability(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value) and 0 <= value <= 1


def validate_result(
    *, probabilities: dict, label: str, score: float, threshold: float, heatmap, latency_ms, input_score=None
) -> None:
    problems: dict[str, str] = {}
    if not probabilities or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and 0 <= v <= 1 for k, v in probabilities.items()
    ):
        problems["probabilities"] = "Give each label's probability, each between 0 and 1."
    elif label not in probabilities:
        problems["label"] = "The label must be one of the labels in probabilities."
    # Multi-class models have no positive class: no score and no threshold.
    if (score is None) != (threshold is None):
        problems["score"] = "Give both score and threshold (binary models) or neither (multi-class models)."
    for name, value in (("score", score), ("threshold", threshold)):
        if value is not None and not _is_probability(value):
            problems[name] = "Must be a number between 0 and 1."
    if latency_ms is not None and (not isinstance(latency_ms, (int, float)) or latency_ms < 0):
        problems["latency_ms"] = "Must be zero or more."
    if input_score is not None and not _is_probability(input_score):
        problems["input_score"] = "Must be a number between 0 and 1."
    if heatmap is not None and not _is_heatmap(heatmap):
        problems["heatmap"] = f"Must be a rectangular grid of values in [0, 1], at most {HEATMAP_MAX_SIDE} per side."
    if problems:
        raise ApplicationError("The reading is not valid.", code="invalid_reading", details={"fields": problems})


def validate_refusal(*, refusal: str, input_score, latency_ms) -> None:
    problems: dict[str, str] = {}
    if not isinstance(refusal, str) or not refusal.strip() or len(refusal) > REFUSAL_MAX_LENGTH:
        problems["refusal"] = f"Say why the image was refused, in at most {REFUSAL_MAX_LENGTH} characters."
    if input_score is not None and not _is_probability(input_score):
        problems["input_score"] = "Must be a number between 0 and 1."
    if latency_ms is not None and (not isinstance(latency_ms, (int, float)) or latency_ms < 0):
        problems["latency_ms"] = "Must be zero or more."
    if problems:
        raise ApplicationError(
            "The refused reading is not valid.", code="invalid_reading", details={"fields": problems}
        )


def _is_heatmap(grid) -> bool:
    if not isinstance(grid, list) or not 0 < len(grid) <= HEATMAP_MAX_SIDE:
        return False
    width = len(grid[0]) if isinstance(grid[0], list) else 0
    if not 0 < width <= HEATMAP_MAX_SIDE:
        return False
    return all(
        isinstance(row, list)
        and len(row) == width
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in row)
        for row in grid
    )
