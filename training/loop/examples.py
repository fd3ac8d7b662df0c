"""The examples every component passes on: one `tf.train.Example` per image, in TFRecord files.

An example keeps the decoded pixels (as a lossless PNG, at the image's own size), the label as text
and as an index into the run's label names (-1 when the label is not one of them, which the
ExampleValidator reports), where it came from, and its modality. Splits are named as TFX names them.
"""
from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
from PIL import Image

SPLITS = ("train", "validation", "test")
# training.data's names for the same splits.
TRAINING_SPLITS = {"train": "train", "validation": "val", "test": "test"}
UNKNOWN_LABEL = -1


@dataclasses.dataclass
class ImageExample:
    pixels: np.ndarray  # (height, width, channels) uint8
    label: str
    label_index: int
    split: str
    source: str  # the source argument it came from, e.g. "medmnist:pneumoniamnist"
    example_id: str  # unique within its source
    modality: str = ""  # DICOM modality when known ("" for MedMNIST and plain PNG/JPEG)


def encode_png(pixels: np.ndarray) -> bytes:
    picture = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def decode_png(data: bytes, channels: int) -> np.ndarray:
    pixels = np.asarray(Image.open(io.BytesIO(data)), dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def serialize(example: ImageExample) -> bytes:
    import tensorflow as tf

    def text(value: str):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode()]))

    def integer(value: int):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))

    height, width, channels = example.pixels.shape
    features = {
        "image/encoded": tf.train.Feature(bytes_list=tf.train.BytesList(value=[encode_png(example.pixels)])),
        "image/height": integer(height), "image/width": integer(width), "image/channels": integer(channels),
        "label": text(example.label), "label/index": integer(example.label_index),
        "split": text(example.split), "source": text(example.source), "id": text(example.example_id),
        "modality": text(example.modality),
    }
    return tf.train.Example(features=tf.train.Features(feature=features)).SerializeToString()


def parse(record: bytes) -> ImageExample:
    import tensorflow as tf

    feature = tf.train.Example.FromString(record).features.feature

    def text(key: str) -> str:
        return feature[key].bytes_list.value[0].decode()

    def integer(key: str) -> int:
        return int(feature[key].int64_list.value[0])

    pixels = decode_png(feature["image/encoded"].bytes_list.value[0], integer("image/channels"))
    return ImageExample(pixels=pixels, label=text("label"), label_index=integer("label/index"),
                        split=text("split"), source=text("source"), example_id=text("id"),
                        modality=text("modality"))


def split_pattern(examples_dir: str | Path, split: str) -> str:
    """The file pattern of one split's TFRecord shards under ExampleGen's output folder."""
    return str(Path(examples_dir) / split / "examples-*.tfrecord.gz")


def read_split(examples_dir: str | Path, split: str) -> list[ImageExample]:
    """Every example of one split, in a stable order (by source, then id)."""
    import tensorflow as tf

    files = sorted(tf.io.gfile.glob(split_pattern(examples_dir, split)))
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    examples = [parse(record.numpy()) for record in dataset]
    return sorted(examples, key=lambda e: (e.source, e.example_id))
