"""From a model's outputs to a reading: the same rules as the browser (web/src/decision.js).

An image is refused, and gets no reading at all, when its DICOM header names another kind of scan
(checked before the model runs) or when the graph's input gate turns it down. Otherwise binary
models (a positive class) threshold the positive class's probability and multi-class models take
the most probable label. The heat map kept is the shown label's.
"""

import re
from dataclasses import dataclass

from inference.registry import ModelPackage
from inference.runtime import Prediction


@dataclass
class Decision:
    probabilities: dict[str, float]  # empty when refused: a refused image has no reading
    label: str
    score: float | None  # probability of the positive class; None for multi-class models
    threshold: float | None
    heatmap: list[list[float]] | None
    input_score: float | None = None  # the gate's score; None without a gate or when the header refused
    refusal: str = ""  # why the image was refused; empty when it was read

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def refused(refusal: str, *, input_score: float | None = None) -> Decision:
    return Decision(
        probabilities={}, label="", score=None, threshold=None, heatmap=None, input_score=input_score, refusal=refusal
    )


def label_index(probabilities: list[float], package: ModelPackage) -> int:
    positive, threshold = package.positive_class, package.threshold
    if positive is None or threshold is None:
        return max(range(len(probabilities)), key=probabilities.__getitem__)
    return positive if probabilities[positive] >= threshold else 1 - positive


def gate_refusal(package: ModelPackage | None) -> str:
    """What to say when the gate refuses an image: the package's words, or plain ones without them."""
    check = (package.input_check if package is not None else None) or {}
    return check.get("refusal") or "The model's input check refused this image."


def decide(package: ModelPackage, prediction: Prediction) -> Decision:
    # The graph takes the gate's decision; packages without a gate (input_accepted None) accept all.
    if prediction.input_accepted is False:
        return refused(gate_refusal(package), input_score=prediction.input_score)
    # float32 rounding can step a hair outside [0, 1]; a probability cannot.
    probabilities = [min(max(p, 0.0), 1.0) for p in prediction.probabilities]
    index = label_index(probabilities, package)
    binary = package.positive_class is not None and package.threshold is not None
    return Decision(
        probabilities=dict(zip(package.label_names, probabilities, strict=True)),
        label=package.label_names[index],
        score=probabilities[package.positive_class] if binary else None,
        threshold=package.threshold if binary else None,
        heatmap=prediction.heatmaps[:, :, index].tolist(),
        input_score=prediction.input_score,
    )


def _code_article(code: str) -> str:
    """ "an MR", "a CT": modality codes are read letter by letter."""
    return "an" if re.match(r"[AEFHILMNORSX]", code) else "a"


def _word_article(words: str) -> str:
    return "an" if re.match(r"[aeiou]", words, re.IGNORECASE) else "a"


def dicom_refusal(package: ModelPackage, *, modality: str, body_part: str) -> str:
    """Why the DICOM header rules the file out for this model (docs/model-package.md rule 2); "" if it does not.

    The wording matches the browser's, so a patient reads the same reason wherever it was checked.
    """
    check = package.input_check or {}
    rules = check.get("dicom")
    if not rules:
        return ""
    expects = check.get("expects") or "what the model reads"
    expected = f"{_word_article(expects)} {expects}"
    modality, body_part = modality.strip().upper(), body_part.strip().upper()
    modalities = rules.get("modalities")
    if modalities is not None and modality not in {m.strip().upper() for m in modalities}:
        if modality:
            says = f"{_code_article(modality)} {modality} (Modality {modality})"
        else:
            says = "of no modality (Modality missing)"
        return f"The DICOM header says this is {says}, not {expected}."
    body_parts = rules.get("body_parts")
    if body_parts is not None and body_part and body_part not in {b.strip().upper() for b in body_parts}:
        return (
            f"The DICOM header says this is an image of the {body_part} (BodyPartExamined {body_part}), "
            f"not {expected}."
        )
    return ""


def max_difference(browser: dict[str, float], server: dict[str, float]) -> float:
    """Largest absolute difference between two readings' probabilities; 1.0 when labels differ."""
    if set(browser) != set(server):
        return 1.0
    return max(abs(float(browser[label]) - server[label]) for label in server)


def verification_difference(
    *,
    browser_refused: bool,
    browser_probabilities: dict[str, float],
    browser_input_score: float | None,
    server: Decision,
) -> float:
    """How far a browser reading is from the server's decision on the same image.

    The largest absolute difference between their probabilities and gate scores; 1.0 when one
    refused the image and the other read it, since the two then say different things.
    """
    if browser_refused != server.refused:
        return 1.0
    differences = [] if server.refused else [max_difference(browser_probabilities, server.probabilities)]
    if browser_input_score is not None and server.input_score is not None:
        differences.append(abs(float(browser_input_score) - server.input_score))
    return max(differences, default=0.0)
