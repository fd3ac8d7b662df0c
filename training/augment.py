"""Training-time augmentation. It runs only in the tf.data training pipeline and is never exported."""
from __future__ import annotations

import keras
import tensorflow as tf

BLUR_KERNEL = tf.constant([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # binomial, close to a Gaussian of sigma 1


def make_augmenter(seed: int, flip: bool, rotation: float = 0.03, strength: float = 1.0,
                   acquisition: bool = False):
    """Returns a function (images, labels) -> (augmented images, labels) for batched tf.data.

    Small shifts, rotations and zooms stand in for patient positioning; contrast, brightness,
    gamma and sharpness changes for different machines, exposures and post-processing, so the
    model cannot lean on how sharp or bright a scanner makes its images. Horizontal flips only
    where anatomy allows it (not for chest X-rays, where the heart's side is informative).
    `rotation` is the largest rotation as a fraction of a full turn (0.5 for fundus photographs,
    which have no upright orientation).

    `acquisition` adds what separates one hospital's scans from another's: aspect ratio (the
    crop covers more or less of the chest), sensor noise and lost resolution (a scan downscaled
    and enlarged again, as the 28x28 MedMNIST images are when a larger model reads them).
    """
    layers = [
        keras.layers.RandomTranslation(0.08 * strength, 0.08 * strength, fill_mode="nearest", seed=seed),
        keras.layers.RandomRotation(rotation * strength, fill_mode="nearest", seed=seed + 1),
        # With a width factor of its own, zoom also changes the aspect ratio.
        keras.layers.RandomZoom(0.1 * strength, 0.15 * strength if acquisition else None,
                                fill_mode="nearest", seed=seed + 2),
        keras.layers.RandomContrast(0.2 * strength, seed=seed + 3),
        keras.layers.RandomBrightness(0.1 * strength, value_range=(0.0, 1.0), seed=seed + 4),
    ]
    if flip:
        layers.insert(0, keras.layers.RandomFlip("horizontal", seed=seed + 5))
    geometry_and_light = keras.Sequential(layers, name="augmentation")
    generator = tf.random.Generator.from_seed(seed + 6)

    def augment(images, labels):
        images = tf.clip_by_value(geometry_and_light(images, training=True), 0.0, 1.0)
        images = random_gamma(images, generator, 0.3 * strength)
        images = random_sharpness(images, generator, strength)
        if acquisition:
            images = random_resolution_loss(images, generator, strength)
            images = random_noise(images, generator, 0.03 * strength)
        return tf.clip_by_value(images, 0.0, 1.0), labels

    return augment


def random_gamma(images: tf.Tensor, generator: tf.random.Generator, spread: float) -> tf.Tensor:
    """x ** gamma per image, log(gamma) uniform in [-spread, spread]: exposure and display curves."""
    gamma = tf.exp(generator.uniform([tf.shape(images)[0], 1, 1, 1], -spread, spread))
    return tf.pow(tf.maximum(images, 1e-6), gamma)


def random_sharpness(images: tf.Tensor, generator: tf.random.Generator, strength: float) -> tf.Tensor:
    """Blends each image with its blurred self: positive weights blur, negative ones sharpen."""
    channels = images.shape[-1]
    kernel_x = tf.tile(tf.reshape(BLUR_KERNEL, [1, 5, 1, 1]), [1, 1, channels, 1])
    kernel_y = tf.reshape(kernel_x, [5, 1, channels, 1])
    padded = tf.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]], mode="SYMMETRIC")
    blurred = tf.nn.depthwise_conv2d(padded, kernel_x, [1, 1, 1, 1], "VALID")
    blurred = tf.nn.depthwise_conv2d(blurred, kernel_y, [1, 1, 1, 1], "VALID")
    amount = generator.uniform([tf.shape(images)[0], 1, 1, 1], -0.5 * strength, 1.0 * strength)
    return images + amount * (blurred - images)


def random_resolution_loss(images: tf.Tensor, generator: tf.random.Generator, strength: float) -> tf.Tensor:
    """Half the batch is downscaled to a random 0.2-0.8 of its size and enlarged back (bilinear)."""
    size = images.shape[1]
    factor = generator.uniform([], 0.2, 0.8)
    small = tf.cast(tf.round(factor * size), tf.int32)
    blurred = tf.image.resize(tf.image.resize(images, [small, small], antialias=True), [size, size])
    chosen = tf.cast(generator.uniform([tf.shape(images)[0], 1, 1, 1]) < 0.5 * min(strength, 1.0), tf.float32)
    return images + chosen * (blurred - images)


def random_noise(images: tf.Tensor, generator: tf.random.Generator, spread: float) -> tf.Tensor:
    """Gaussian noise with a standard deviation drawn per image from [0, spread]."""
    sigma = generator.uniform([tf.shape(images)[0], 1, 1, 1], 0.0, spread)
    return images + sigma * generator.normal(tf.shape(images))
