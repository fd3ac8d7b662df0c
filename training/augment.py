"""Training-time augmentation. It runs only in the tf.data training pipeline and is never exported."""
from __future__ import annotations

import keras
import tensorflow as tf


def make_augmenter(seed: int, flip: bool, strength: float = 1.0):
    """Returns a function (images, labels) -> (augmented images, labels) for batched tf.data.

    Small shifts, rotations and zooms stand in for patient positioning; contrast and brightness
    changes for different machines and exposures. Horizontal flips only where anatomy allows it
    (not for chest X-rays, where the heart's side is informative).
    """
    layers = [
        keras.layers.RandomTranslation(0.08 * strength, 0.08 * strength, fill_mode="nearest", seed=seed),
        keras.layers.RandomRotation(0.03 * strength, fill_mode="nearest", seed=seed + 1),
        keras.layers.RandomZoom(0.1 * strength, fill_mode="nearest", seed=seed + 2),
        keras.layers.RandomContrast(0.2 * strength, seed=seed + 3),
        keras.layers.RandomBrightness(0.1 * strength, value_range=(0.0, 1.0), seed=seed + 4),
    ]
    if flip:
        layers.insert(0, keras.layers.RandomFlip("horizontal", seed=seed + 5))
    pipeline = keras.Sequential(layers, name="augmentation")

    def augment(images, labels):
        return tf.clip_by_value(pipeline(images, training=True), 0.0, 1.0), labels

    return augment
