"""Running a model package's SavedModel inside a worker process.

TensorFlow is imported and each SavedModel loaded lazily, on the first reading that needs it, so
it happens in the Celery child process after the fork (a model loaded before the fork makes the
child hang). Images go through the `serve` signature, the same graph the TF.js model was converted
from; `model.predict` is never used (about 70 ms of overhead per call). The graph crops and
resizes by itself, so images are never resized here: images of the same size share one batch.
"""

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.registry import ModelPackage, PackageError

logger = logging.getLogger(__name__)

_models: dict[Path, object] = {}
_lock = threading.Lock()


@dataclass
class Prediction:
    probabilities: list[float]  # one per label, in label_names order
    heatmaps: np.ndarray  # (height, width, labels), values in [0, 1]
    latency_ms: float  # this image's share of its batch's graph call
    # The input gate's score and decision; None for packages made before the gate.
    input_score: float | None = None
    input_accepted: bool | None = None


def device() -> str:
    """ "gpu" when TensorFlow sees a GPU in this process, else "cpu"."""
    import tensorflow as tf

    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def model_load(package: ModelPackage):
    """The package's SavedModel, loaded once per process."""
    with _lock:
        model = _models.get(package.path)
        if model is None:
            import tensorflow as tf

            started = time.perf_counter()
            model = tf.saved_model.load(str(package.saved_model_dir))
            _models[package.path] = model
            logger.info(
                "loaded %s %s on %s in %.0f ms",
                package.name,
                package.version,
                device(),
                (time.perf_counter() - started) * 1000,
            )
        return model


def _gate_outputs(package: ModelPackage, outputs: dict) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The gate's scores and decisions for a batch, or (None, None) for a package without a gate."""
    if package.input_check is None:
        return None, None
    names = {"score": "input_check", "accepted": "input_accepted", **package.input_check.get("outputs", {})}
    missing = [names[key] for key in ("score", "accepted") if names[key] not in outputs]
    if missing:
        # Treating such images as accepted would read scans the package says it must refuse.
        raise PackageError(f"the graph lacks the input check outputs its metadata promises: {', '.join(missing)}")
    return outputs[names["score"]].numpy().reshape(-1), outputs[names["accepted"]].numpy().reshape(-1)


def predict(package: ModelPackage, images: list[np.ndarray]) -> list[Prediction]:
    """Runs the graph on decoded uint8 images (height, width, channels); one call per image size."""
    import tensorflow as tf

    model = model_load(package)
    by_shape: dict[tuple, list[int]] = {}
    for index, image in enumerate(images):
        by_shape.setdefault(image.shape, []).append(index)
    predictions: list[Prediction | None] = [None] * len(images)
    for indices in by_shape.values():
        batch = np.stack([images[i] for i in indices])
        started = time.perf_counter()
        outputs = model.serve(tf.constant(batch, dtype=tf.uint8))
        probabilities = outputs["probabilities"].numpy()
        heatmaps = outputs["heatmaps"].numpy()
        scores, accepted = _gate_outputs(package, outputs)
        share_ms = (time.perf_counter() - started) * 1000 / len(indices)
        for row, index in enumerate(indices):
            predictions[index] = Prediction(
                probabilities=[float(p) for p in probabilities[row]],
                heatmaps=np.clip(heatmaps[row], 0.0, 1.0),
                latency_ms=share_ms,
                input_score=None if scores is None else min(max(float(scores[row]), 0.0), 1.0),
                input_accepted=None if accepted is None else bool(accepted[row] >= 0.5),
            )
    return predictions
