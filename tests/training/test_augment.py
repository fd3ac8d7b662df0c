import numpy as np
import tensorflow as tf

from training.augment import make_augmenter, random_sharpness


def test_augmentation_keeps_shape_range_and_labels():
    images = tf.constant(np.random.default_rng(0).random((8, 28, 28, 1)), tf.float32)
    labels = tf.one_hot([0, 1] * 4, 2)
    augmented, same_labels = make_augmenter(seed=0, flip=False)(images, labels)
    assert augmented.shape == images.shape
    assert float(tf.reduce_min(augmented)) >= 0.0 and float(tf.reduce_max(augmented)) <= 1.0
    assert np.array_equal(same_labels.numpy(), labels.numpy())
    assert float(tf.reduce_mean(tf.abs(augmented - images))) > 0.01


def test_sharpness_blends_between_blurred_and_sharpened():
    images = tf.constant(np.random.default_rng(1).random((64, 16, 16, 3)), tf.float32)
    out = random_sharpness(images, tf.random.Generator.from_seed(0), strength=1.0)
    # Blurring lowers the pixel-to-pixel differences, sharpening raises them: both must occur.
    def roughness(x):
        return tf.reduce_mean(tf.abs(x[:, :, 1:] - x[:, :, :-1]), axis=[1, 2, 3]).numpy()
    change = roughness(out) / roughness(images)
    assert change.min() < 0.8 and change.max() > 1.1
