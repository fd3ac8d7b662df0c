"""What a browser reading may claim, checked against the model package the server has installed.

The server cannot trust a browser's numbers until it has re-run the model, but it refuses what no
installed package could have said: an unknown model version, other labels, another decision
threshold (which would move the flag), or a label the package's own rule would not pick.
"""

import math

from rest_framework import status

from config.errors import ApplicationError
from inference.decision import label_index
from inference.registry import ModelPackage, PackageError, package_get
from training.exam_types import EXAM_TYPES

# Browsers send float32 outputs as JSON numbers: the same value, give or take its last digits.
SAME_NUMBER = 1e-6


def browser_package_get(*, model_name: str, model_version: str) -> ModelPackage:
    """The installed package a browser reading names; 422 when the server does not have it (it could
    never verify the reading)."""
    try:
        return package_get(model_name, model_version)
    except PackageError:
        raise ApplicationError(
            f"The model {model_name} {model_version} is not installed on the server, so its readings cannot be "
            "verified.",
            code="model_not_installed",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
            details={"model_name": model_name, "model_version": model_version},
        ) from None


def exam_type_check(*, package: ModelPackage, exam_type: str) -> None:
    """Refuse (400 `wrong_exam_type`) a reading by a model that does not read the case's exam type:
    a chest X-ray model says nothing worth keeping about a breast ultrasound."""
    if package.exam_type == exam_type:
        return
    case_kind = _in_sentence(EXAM_TYPES.get(exam_type, exam_type))
    reads = f"reads {_in_sentence(package.exam_type_label)} images" if package.exam_type else "names no exam type"
    raise ApplicationError(
        f"The model {package.name} {reads}, and this is a {case_kind} case: read it with the model for "
        f"{case_kind} images, or open a new case for the other exam type.",
        code="wrong_exam_type",
        details={"model_name": package.name, "model_exam_type": package.exam_type, "case_exam_type": exam_type},
    )


def _in_sentence(label: str) -> str:
    """ "Chest X-ray" -> "chest X-ray": an exam type's name inside a sentence."""
    return label[:1].lower() + label[1:]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=SAME_NUMBER)


def browser_result_check(
    *, package: ModelPackage, probabilities: dict[str, float], label: str, score: float | None, threshold: float | None
) -> None:
    """Refuse (400) a result that contradicts `package`: its labels, its threshold, its decision rule."""
    names = package.label_names
    if set(probabilities) != set(names):
        problems = {"probabilities": f"Give one probability for each of the model's labels: {', '.join(names)}."}
    else:
        values = [probabilities[name] for name in names]
        binary = package.positive_class is not None and package.threshold is not None
        expected_score = values[package.positive_class] if binary else None
        expected_threshold = package.threshold if binary else None
        problems = {}
        if not _close(threshold, expected_threshold):
            problems["threshold"] = f"The model's threshold is {expected_threshold}."
        if not _close(score, expected_score):
            problems["score"] = "The score is the probability of the model's positive label (null for multi-class)."
        if label != names[label_index(values, package)]:
            problems["label"] = "The label is not the one the model's decision rule gives for these probabilities."
    if problems:
        raise ApplicationError(
            "The reading contradicts the installed model.", code="invalid_reading", details={"fields": problems}
        )
