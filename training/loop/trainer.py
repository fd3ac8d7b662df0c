"""Trainer: the validated examples through the project's own training code (training.train).

Images are brought to the model's size with the exported graph's own crop and resize, as
training.data.load_image_folder does, so MedMNIST images and full-size scans train together. With
the input gate on, it is fitted exactly as training.pipeline fits it.
"""
from __future__ import annotations

import numpy as np

from training.data import Dataset
from training.loop.examples import SPLITS, TRAINING_SPLITS, ImageExample
from training.preprocessing import center_crop_and_resize
from training.train import TrainConfig, train

# The training dataset whose augmentation, gate and exam type a run takes when it has no MedMNIST source.
DATASET_FOR_EXAM_TYPE = {"chest_xray": "kermany-chest-xray", "breast_ultrasound": "breastmnist",
                         "retina_photo": "retinamnist"}


def training_dataset(examples: dict[str, list[ImageExample]], *, name: str, label_names: tuple[str, ...],
                     channels: int, positive_class: int | None, size: int, source: dict) -> Dataset:
    splits = {}
    for split in SPLITS:
        images = [to_size(e.pixels, size) for e in examples[split]]
        labels = np.asarray([e.label_index for e in examples[split]], dtype=np.int64)
        shape = (0, size, size, channels)
        splits[TRAINING_SPLITS[split]] = (np.stack(images) if images else np.zeros(shape, np.uint8), labels)
    return Dataset(name=name, label_names=tuple(label_names), channels=channels, splits=splits, source=source,
                   positive_class=positive_class)


def to_size(pixels: np.ndarray, size: int) -> np.ndarray:
    resized = center_crop_and_resize(pixels[np.newaxis], size)[0].numpy()
    return np.clip(np.round(resized), 0, 255).astype(np.uint8)


def run(config: TrainConfig, data: Dataset, command: str, gate_epochs: int | None) -> dict:
    """Trains (and, with gate_epochs, fits the input gate) into config.output_dir; returns the summary."""
    from training.pipeline import fit_gate

    summary = train(config, data, command)
    if gate_epochs:
        fit_gate(config, data, gate_epochs)
    return summary
