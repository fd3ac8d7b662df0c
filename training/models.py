"""Classifiers, and the serving graph that wraps them with preprocessing and heat maps.

A classifier maps float images in [0, 1] to class probabilities through a feature extractor
(layer "<name>_features"), global average pooling and one dense layer ("<name>_logits"). That shape gives class
activation maps for free: the dense layer applied at every position of the feature map (a 1x1
convolution with the same weights) is a heat map whose average is the logit itself. The serving
model computes them in the forward pass, so the browser draws heat maps without gradients.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from training.preprocessing import preprocess

BACKBONES = {
    "resnet50": keras.applications.ResNet50,
    "mobilenetv3small": keras.applications.MobileNetV3Small,
    "mobilenetv3large": keras.applications.MobileNetV3Large,
    "efficientnetb0": keras.applications.EfficientNetB0,
}
ARCHITECTURES = ("compact", *BACKBONES)


def build_classifier(architecture: str, size: int, channels: int, num_classes: int,
                     weights: str | None = None, width: int = 32, dropout: float = 0.3,
                     name: str = "classifier", feature_size: int | None = None) -> keras.Model:
    """A classifier from float (size, size, channels) images in [0, 1] to softmax probabilities."""
    if architecture == "compact":
        features = compact_features(size, channels, width, name=f"{name}_features",
                                    feature_size=feature_size)
    elif architecture in BACKBONES:
        features = pretrained_features(architecture, size, channels, weights, name=f"{name}_features")
    else:
        raise ValueError(f"unknown architecture {architecture!r}; choose from {', '.join(ARCHITECTURES)}")
    inputs = keras.Input((size, size, channels), name="image")
    x = features(inputs)
    x = keras.layers.GlobalAveragePooling2D(name=f"{name}_pool")(x)
    x = keras.layers.Dropout(dropout, name=f"{name}_dropout")(x)
    logits = keras.layers.Dense(num_classes, name=f"{name}_logits")(x)
    probabilities = keras.layers.Softmax(name="probabilities")(logits)
    return keras.Model(inputs, probabilities, name=name)


def compact_features(size: int, channels: int, width: int = 32, name: str = "features",
                     feature_size: int | None = None) -> keras.Model:
    """A small CNN for 28x28 inputs: three stages of two 3x3 convolutions, 7x7 features at 28.

    Larger inputs (64, 128) get one more stage per doubling, so the parameter count stays small
    enough for the browser. By default every stage but the last halves the resolution (a feature
    map near 7x7); with `feature_size`, downsampling stops there and the remaining stages use
    dilated convolutions instead, which keeps their reach but gives finer heat maps.
    """
    stages = 3 + max(0, (size // 28).bit_length() - 1)
    pools = stages - 1 if feature_size is None else (size // feature_size).bit_length() - 1
    if feature_size is not None and (pools < 1 or size != feature_size * 2 ** pools or pools >= stages):
        raise ValueError(f"feature_size {feature_size} must be {size} halved 1 to {stages - 1} times")
    inputs = keras.Input((size, size, channels))
    x = inputs
    for stage in range(stages):
        filters = width * min(2 ** stage, 4)
        dilation = 2 ** max(0, stage - pools)
        for _ in range(2):
            x = keras.layers.Conv2D(filters, 3, padding="same", dilation_rate=dilation, use_bias=False)(x)
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.Activation("relu")(x)
        if stage < pools:
            x = keras.layers.MaxPooling2D(2)(x)
    return keras.Model(inputs, x, name=name)


def pretrained_features(architecture: str, size: int, channels: int, weights: str | None,
                        name: str = "features") -> keras.Model:
    """A keras.applications backbone (optionally ImageNet weights) taking [0, 1] images."""
    if size < 32:
        raise ValueError(f"{architecture} needs images of at least 32x32; use --image-size 32 or more")
    inputs = keras.Input((size, size, channels))
    x = inputs * 255.0
    if channels == 1:
        x = keras.layers.Concatenate()([x, x, x])  # ImageNet backbones expect RGB
    if architecture == "resnet50":
        x = keras.applications.resnet50.preprocess_input(x)
    kwargs = {"include_preprocessing": True} if architecture.startswith("mobilenetv3") else {}
    backbone = BACKBONES[architecture](include_top=False, weights=weights,
                                       input_shape=(size, size, 3), **kwargs)
    return keras.Model(inputs, backbone(x), name=name)


@keras.saving.register_keras_serializable(package="training")
class Preprocess(keras.layers.Layer):
    """uint8 images of any size -> float (size, size) in [0, 1]; see training.preprocessing."""

    def __init__(self, size: int, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def call(self, images):
        return preprocess(images, self.size)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class ClassLogits(keras.layers.Layer):
    """Feature map -> (pooled logits, per-position logit maps) with one classifier's dense weights."""

    def __init__(self, dense: keras.layers.Dense, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense

    def call(self, features):
        kernel = tf.reshape(self.dense.kernel, [1, 1, *self.dense.kernel.shape])
        maps = tf.nn.conv2d(features, kernel, strides=1, padding="VALID") + self.dense.bias
        return tf.reduce_mean(maps, axis=[1, 2]), maps


class ServingHead(keras.layers.Layer):
    """Averaged logits and maps -> calibrated probabilities and [0, 1] evidence maps per class.

    A class's map is the evidence for it against the others: its logit map minus the mean of all
    classes' maps (for two classes, pneumonia's map minus normal's), so a hot spot means "this
    region argues for the class", not "the network was active here".
    """

    def __init__(self, temperature: float, **kwargs):
        super().__init__(**kwargs)
        self.temperature = temperature

    def call(self, logits, maps):
        probabilities = tf.nn.softmax(logits / self.temperature, axis=-1)
        evidence = maps - tf.reduce_mean(maps, axis=-1, keepdims=True)
        low = tf.reduce_min(evidence, axis=[1, 2], keepdims=True)
        high = tf.reduce_max(evidence, axis=[1, 2], keepdims=True)
        heatmaps = (evidence - low) / tf.maximum(high - low, 1e-6)
        return probabilities, heatmaps


class GateDecision(keras.layers.Layer):
    """The gate's score -> 1.0 when the image is accepted (score at or above the threshold), else 0.0."""

    def __init__(self, threshold: float, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold

    def call(self, score):
        return tf.cast(score >= self.threshold, tf.float32)


def build_serving_model(classifiers: list[keras.Model], size: int, channels: int,
                        temperature: float = 1.0, gate: keras.Model | None = None,
                        gate_threshold: float | None = None) -> keras.Model:
    """The exported graph: uint8 (batch, height, width, channels) of any size -> probabilities, heat maps.

    Several classifiers are an ensemble: their logits and maps are averaged. The heat maps cover
    the center square crop of the input, at the feature map's resolution. With a gate (see
    training.gate), the graph also says whether the image is of the kind the model was trained on:
    `input_check` (its score) and `input_accepted` (the decision), from the same preprocessed input.
    """
    image = keras.Input((None, None, channels), dtype="uint8", name="image")
    x = Preprocess(size, name="preprocess")(image)
    all_logits, all_maps = [], []
    for index, classifier in enumerate(classifiers):
        features = classifier.get_layer(f"{classifier.name}_features")(x)
        dense = classifier.get_layer(f"{classifier.name}_logits")
        logits, maps = ClassLogits(dense, name=f"class_logits_{index}")(features)
        all_logits.append(logits)
        all_maps.append(maps)
    if len(classifiers) > 1:
        logits = keras.layers.Average(name="ensemble_logits")(all_logits)
        maps = keras.layers.Average(name="ensemble_maps")(all_maps)
    else:
        logits, maps = all_logits[0], all_maps[0]
    probabilities, heatmaps = ServingHead(temperature, name="head")(logits, maps)
    outputs = {"probabilities": probabilities, "heatmaps": heatmaps}
    if gate is not None:
        score = gate(x)
        outputs["input_check"] = score
        outputs["input_accepted"] = GateDecision(gate_threshold, name="input_decision")(score)
    return keras.Model(image, outputs, name="serving")
