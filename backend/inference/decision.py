"""From a model's outputs to a reading: the same rules as the browser (web/src/model.js).

Binary models (a positive class) threshold the positive class's probability; multi-class models
take the most probable label. The heat map kept is the shown label's.
"""

from dataclasses import dataclass

from inference.registry import ModelPackage
from inference.runtime import Prediction


@dataclass
class Decision:
    probabilities: dict[str, float]
    label: str
    score: float | None  # probability of the positive class; None for multi-class models
    threshold: float | None
    heatmap: list[list[float]]


def label_index(probabilities: list[float], package: ModelPackage) -> int:
    positive, threshold = package.positive_class, package.threshold
    if positive is None or threshold is None:
        return max(range(len(probabilities)), key=probabilities.__getitem__)
    return positive if probabilities[positive] >= threshold else 1 - positive


def decide(package: ModelPackage, prediction: Prediction) -> Decision:
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
    )


def max_difference(browser: dict[str, float], server: dict[str, float]) -> float:
    """Largest absolute difference between two readings' probabilities; 1.0 when labels differ."""
    if set(browser) != set(server):
        return 1.0
    return max(abs(float(browser[label]) - server[label]) for label in server)
