"""The input gate: "is this the kind of image this model was trained on?", answered in the graph.

A small CNN reads the classifier's own preprocessed input and scores it in [0, 1]. It learns from
the model's training images (in domain) against foreign ones (`training.foreign_images`: other
modalities, the other MedMNIST sets, photographs, documents, noise, blanks, inverted scans), and
is measured on foreign kinds it never saw. The serving graph (`training.models`) carries its
score and decision, so browser and server refuse the same images.

    python -m training.gate --dataset breastmnist --data-dir ../shared/data/medmnist \
        --image-size 28 --output-dir runs/breast-gate
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from PIL import Image

from training import foreign_images as foreign
from training.augment import make_augmenter
from training.data import MEDMNIST, load_medmnist
from training.preprocessing import center_crop_and_resize

GATE_SIZE = 32
# The most in-domain validation images the threshold may refuse.
IN_DOMAIN_REFUSAL_BUDGET = 0.005
DEFAULT_THRESHOLD = 0.5
WHAT = {
    "pneumoniamnist": "chest X-ray", "kermany-chest-xray": "chest X-ray",
    "breastmnist": "breast ultrasound", "retinamnist": "retina photo",
}
# DICOM header values a model's images carry (docs/model-package.md, rule 2).
DICOM_RULES = {
    "chest X-ray": {"modalities": ["CR", "DX", "DR"], "body_parts": ["CHEST", "THORAX", "LUNG", "LUNGS"]},
    "breast ultrasound": {"modalities": ["US"], "body_parts": ["BREAST"]},
    "retina photo": {"modalities": ["OP", "XC"], "body_parts": ["EYE", "RETINA"]},
}


def build_gate(size: int, channels: int, width: int = 16, name: str = "gate") -> keras.Model:
    """float (size, size, channels) in [0, 1] -> (batch,) score that the image is in domain."""
    inputs = keras.Input((size, size, channels))
    x = inputs
    if size > GATE_SIZE:
        x = keras.layers.AveragePooling2D(size // GATE_SIZE)(x)
    for stage in range(3):
        x = keras.layers.Conv2D(width * 2 ** stage, 3, padding="same", use_bias=False)(x)
        # A short memory: the gate trains for a few hundred steps only, and with the default
        # momentum (0.99) the moving variance would still remember its initial value of 1, far
        # from the tiny variances of smooth images, so real scans would be scored as foreign.
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, keras.layers.Reshape(())(x), name=name)


def to_model_input(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 (N, H, W, C) of one shape -> float32 (N, size, size, C), the graph's own preprocessing."""
    out = [center_crop_and_resize(images[i:i + 512], size).numpy() / 255.0 for i in range(0, len(images), 512)]
    return np.concatenate(out).astype(np.float32)


def foreign_crops(images: list[tuple[str, np.ndarray]], channels: int, size: int, per_image: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Each foreign image whole, then random crops, turns and flips of it, at (size, size)."""
    out = []
    for _, rgb in images:
        pixels = foreign.to_channels(rgb, channels)
        height, width = pixels.shape[:2]
        for index in range(per_image):
            crop = pixels
            if index:
                side = int(min(height, width) * rng.uniform(0.25, 1.0))
                top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
                crop = np.rot90(pixels[top:top + side, left:left + side], int(rng.integers(0, 4)))
            out.append(_square(crop, size))
    return np.stack(out).astype(np.float32) / 255.0


def _square(pixels: np.ndarray, size: int) -> np.ndarray:
    """Centre square crop and resize with Pillow (the same filter as the graph's) for odd-sized images."""
    image = Image.fromarray(pixels.squeeze())
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
    return np.asarray(image).reshape(size, size, pixels.shape[-1])


def foreign_training_set(dataset: str, channels: int, size: int, seed: int) -> np.ndarray:
    """Foreign images the gate learns from: none of the held-out kinds."""
    rng = np.random.default_rng(seed)
    parts = [
        foreign_crops(foreign.pictures(foreign.TRAIN_PICTURES), channels, size, 120, rng),
        foreign_crops(foreign.pydicom_test_dicoms(), channels, size, 12, rng),
        foreign_crops(foreign.synthetic(2100, seed), channels, size, 1, rng),
    ]
    return np.concatenate(parts)


def other_medmnist(dataset: str, data_dir: str, channels: int, size: int, split: str) -> np.ndarray:
    """The other MedMNIST sets' images (grayscale or RGB as this model reads them)."""
    own = "pneumoniamnist" if dataset == "kermany-chest-xray" else dataset
    arrays = []
    for flag in sorted(MEDMNIST):
        if flag == own:
            continue
        images = load_medmnist(flag, data_dir, download=False).splits[split][0]
        arrays.append(foreign_crops([(flag, image if image.shape[-1] == 3 else np.repeat(image, 3, -1))
                                     for image in images], channels, size, 1, np.random.default_rng(0)))
    return np.concatenate(arrays)


def train_gate(in_domain: np.ndarray, foreign_images: np.ndarray, size: int, channels: int,
               seed: int = 0, epochs: int = 8) -> keras.Model:
    """Fits the gate on float images at the model's size: in-domain ones against foreign ones.

    Inverted in-domain images are foreign too (a negative print is not the image the model knows).
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(seed)
    inverted = 1.0 - in_domain[rng.permutation(len(in_domain))[:len(in_domain) // 4]]
    negatives = np.concatenate([foreign_images, inverted])
    images = np.concatenate([in_domain, negatives])
    labels = np.concatenate([np.ones(len(in_domain)), np.zeros(len(negatives))]).astype(np.float32)
    weights = {1: len(labels) / (2 * len(in_domain)), 0: len(labels) / (2 * len(negatives))}
    augment = make_augmenter(seed, flip=True, rotation=0.05)
    dataset = (tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(len(labels), seed=seed)
               .batch(128).map(augment, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE))
    gate = build_gate(size, channels)
    gate.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy",
                 metrics=[keras.metrics.AUC(name="auc")])
    print(f"gate: {len(in_domain)} in-domain and {len(negatives)} foreign images at {size}x{size}", flush=True)
    gate.fit(dataset, epochs=epochs, class_weight=weights, verbose=2)
    return gate


def choose_threshold(in_domain_val_scores: np.ndarray) -> float:
    """0.5, lowered when needed so that at most 0.5% of in-domain validation images are refused."""
    allowed = float(np.quantile(in_domain_val_scores, IN_DOMAIN_REFUSAL_BUDGET))
    return min(DEFAULT_THRESHOLD, allowed * 0.999)


def gate_scores(gate: keras.Model, images: np.ndarray) -> np.ndarray:
    call = tf.function(lambda x: gate(x, training=False))
    return np.concatenate([call(tf.constant(images[i:i + 512])).numpy() for i in range(0, len(images), 512)])


def input_check_metadata(expects: str, threshold: float) -> dict:
    return {
        "expects": expects,
        "refusal": f"This does not look like a {expects}.",
        "threshold": threshold,
        "outputs": {"score": "input_check", "accepted": "input_accepted"},
        "dicom": DICOM_RULES[expects],
        "rule": f"{DEFAULT_THRESHOLD}, lowered if needed so that at most {IN_DOMAIN_REFUSAL_BUDGET:.1%} of "
                "in-domain validation images are refused",
    }


def fit_gate_for(dataset: str, train_images: np.ndarray, val_images: np.ndarray, data_dir: str,
                 size: int, channels: int, seed: int = 0, epochs: int = 8) -> tuple[keras.Model, dict]:
    """Trains the gate of one model from its train/val images (floats at the model's size); returns it and its metadata."""
    foreign_train = np.concatenate([foreign_training_set(dataset, channels, size, seed),
                                    other_medmnist(dataset, data_dir, channels, size, "train")])
    gate = train_gate(train_images, foreign_train, size, channels, seed, epochs)
    threshold = choose_threshold(gate_scores(gate, val_images))
    print(f"gate threshold {threshold:.4f}", flush=True)
    return gate, input_check_metadata(WHAT[dataset], threshold)


def medmnist_in_domain(flag: str, data_dir: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A MedMNIST set's train and val images at the model's size, as floats."""
    splits = load_medmnist(flag, data_dir, download=False).splits
    return to_model_input(splits["train"][0], size), to_model_input(splits["val"][0], size)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.gate", description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=sorted(MEDMNIST), required=True)
    parser.add_argument("--data-dir", default="data/medmnist")
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", required=True)
    args = parser.parse_args(argv)
    channels = MEDMNIST[args.dataset].channels
    train, val = medmnist_in_domain(args.dataset, args.data_dir, args.image_size)
    gate, metadata = fit_gate_for(args.dataset, train, val, args.data_dir, args.image_size, channels, args.seed)
    output = Path(args.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    gate.save(output / "gate.keras")
    (output / "input_check.json").write_text(json.dumps(metadata, indent=2))
    print(f"gate -> {output / 'gate.keras'}")


if __name__ == "__main__":
    main()
