"""Preprocessing that is part of the exported graph: center crop, anti-aliased resize, scaling.

MedMNIST made its 28x28 images by center-cropping each scan to a square on its short edge and
downscaling it with an anti-aliased (triangle filter) resize. TF.js cannot run TensorFlow's
anti-aliased resize ops, so the same filter is written here as two small weight matrices that
are multiplied with the image: only MatMul, Reshape, Transpose and elementwise ops, which every
TF.js backend runs. The crop is folded into the same matrices (zero weight outside the window).
"""
from __future__ import annotations

import tensorflow as tf


def resize_matrix(in_size: tf.Tensor, out_size: int, crop_start: tf.Tensor,
                  crop_size: tf.Tensor) -> tf.Tensor:
    """(in_size, out_size) weights of a triangle-filter resize of the window [crop_start, +crop_size).

    The filter widens with the downscale factor (as Pillow's BILINEAR does), so every source pixel
    contributes; when upscaling it is plain bilinear interpolation, and at scale 1 the identity.
    The layout is (input, output) so that the image multiplies it without a transpose flag: TF.js's
    WASM backend runs a transposed MatMul several times slower.
    """
    scale = tf.cast(crop_size, tf.float32) / float(out_size)
    support = tf.maximum(scale, 1.0)
    centers = (tf.range(out_size, dtype=tf.float32) + 0.5) * scale  # in window coordinates
    positions = tf.range(in_size, dtype=tf.float32) - tf.cast(crop_start, tf.float32) + 0.5
    distance = (positions[:, tf.newaxis] - centers[tf.newaxis, :]) / support
    weights = tf.maximum(1.0 - tf.abs(distance), 0.0)
    inside = tf.logical_and(positions > 0.0, positions < tf.cast(crop_size, tf.float32))
    weights = weights * tf.cast(inside, tf.float32)[:, tf.newaxis]
    return weights / tf.reduce_sum(weights, axis=0, keepdims=True)


def center_crop_and_resize(images: tf.Tensor, size: int) -> tf.Tensor:
    """Square center crop on the short edge, then an anti-aliased resize to (size, size).

    images: (batch, height, width, channels), any numeric dtype. Returns float32 in the input's range.
    """
    images = tf.cast(images, tf.float32)
    shape = tf.shape(images)
    batch, height, width, channels = shape[0], shape[1], shape[2], shape[3]
    side = tf.minimum(height, width)
    rows = resize_matrix(height, size, (height - side) // 2, side)  # (height, size)
    cols = resize_matrix(width, size, (width - side) // 2, side)    # (width, size)

    # Columns first: (b, c, h, w) rows of pixels times cols.
    x = tf.transpose(images, [0, 3, 1, 2])
    x = tf.reshape(x, [-1, width])
    x = tf.matmul(x, cols)
    x = tf.reshape(x, [batch, channels, height, size])
    # Then rows: bring height last and multiply by rows.
    x = tf.transpose(x, [0, 1, 3, 2])
    x = tf.reshape(x, [-1, height])
    x = tf.matmul(x, rows)
    x = tf.reshape(x, [batch, channels, size, size])  # (b, c, w_out, h_out)
    return tf.transpose(x, [0, 3, 2, 1])


def preprocess(images: tf.Tensor, size: int) -> tf.Tensor:
    """uint8 images of any size to the model's float32 input in [0, 1] at (size, size)."""
    return center_crop_and_resize(images, size) / 255.0
