"""ExampleGen: the sources' images, decoded by the project's one decoder, as TFRecord files per split.

Items (see training.loop.sources) are decoded on the Beam workers: a file through
training.decoding, a MedMNIST image from its archive. A file that cannot be decoded is left out
and listed, with its reason, in `skipped.jsonl`, as training.data.load_image_folder does.

Shards are written by TensorFlow's own TFRecord writer inside a Beam step (examples grouped by a
stable hash of their id), not by beam.io.WriteToTFRecord: Beam's writer needs a CRC-32C package
(its `tfrecord` extra: crcmod or google-crc32c) that this project does not install, while
TensorFlow, which every worker has anyway, checksums in C++. Within a shard examples are sorted by
id, so the same items give the same records.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path

import apache_beam as beam
import numpy as np

from training.loop.examples import SPLITS, ImageExample, serialize
from training.loop.sources import Item

SKIPPED = "skipped"
EXAMPLES_PER_SHARD = 2000


@functools.lru_cache(maxsize=4)
def _archive_images(archive: str, split: str) -> np.ndarray:
    from training.data import read_medmnist_npz
    from training.loop.examples import TRAINING_SPLITS

    return read_medmnist_npz(archive)[TRAINING_SPLITS[split]][0]


class DecodeItem(beam.DoFn):
    """Item -> (split, example id, serialized tf.train.Example), or a `skipped` record for an unreadable file."""

    def process(self, item: Item):
        from training.decoding import ImageDecodeError, decode_image_file

        if item.archive is not None:
            pixels = _archive_images(item.archive, item.split)[item.index]
        else:
            try:
                pixels = decode_image_file(item.path, item.channels)
            except ImageDecodeError as error:
                yield beam.pvalue.TaggedOutput(SKIPPED, {"source": item.source, "path": item.path,
                                                         "reason": str(error)})
                return
        example = ImageExample(pixels=pixels, label=item.label, label_index=item.label_index, split=item.split,
                               source=item.source, example_id=item.example_id, modality=item.modality)
        yield item.split, item.example_id, serialize(example)


def shard_counts(items: list[Item]) -> dict[str, int]:
    return {split: max(1, math.ceil(sum(item.split == split for item in items) / EXAMPLES_PER_SHARD))
            for split in SPLITS}


def shard_key(record: tuple[str, str, bytes], shards: dict[str, int]) -> tuple[tuple[str, int], tuple[str, bytes]]:
    split, example_id, data = record
    shard = int.from_bytes(hashlib.sha256(example_id.encode()).digest()[:8], "big") % shards[split]
    return (split, shard), (example_id, data)


def write_shard(keyed, output_dir: str, shards: dict[str, int]) -> str:
    """Writes one shard's examples (sorted by id) with TensorFlow's GZIP TFRecord writer; returns its path."""
    import tensorflow as tf

    (split, shard), records = keyed
    folder = f"{output_dir}/{split}"
    tf.io.gfile.makedirs(folder)
    path = f"{folder}/examples-{shard:05d}-of-{shards[split]:05d}.tfrecord.gz"
    with tf.io.TFRecordWriter(path, options="GZIP") as writer:
        for _, data in sorted(records):
            writer.write(data)
    return path


def read_shard(path: str):
    """The serialized examples of one shard file."""
    import tensorflow as tf

    for record in tf.data.TFRecordDataset(path, compression_type="GZIP"):
        yield record.numpy()


def build(pipeline: beam.Pipeline, items: list[Item], output_dir: Path) -> None:
    """Adds ExampleGen's steps to a Beam pipeline: one folder of gzipped TFRecord shards per split."""
    shards = shard_counts(items)
    decoded = (pipeline
               | "Items" >> beam.Create(items, reshuffle=True)
               | "Decode" >> beam.ParDo(DecodeItem()).with_outputs(SKIPPED, main="examples"))
    (decoded.examples
     | "ShardKey" >> beam.Map(shard_key, shards)
     | "GroupShards" >> beam.GroupByKey()
     | "WriteShards" >> beam.Map(write_shard, str(output_dir), shards))
    (decoded[SKIPPED]
     | "SkippedJson" >> beam.Map(json.dumps, sort_keys=True)
     | "WriteSkipped" >> beam.io.WriteToText(str(output_dir / "skipped"), file_name_suffix=".jsonl",
                                             shard_name_template=""))


def run(pipeline_options, items: list[Item], output_dir: Path) -> dict:
    """Runs ExampleGen and returns what it wrote: examples per split and source, files skipped."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with beam.Pipeline(options=pipeline_options) as pipeline:
        build(pipeline, items, output_dir)
    skipped_file = output_dir / "skipped.jsonl"
    skipped = [json.loads(line) for line in skipped_file.read_text().splitlines()] if skipped_file.exists() else []
    skipped_paths = {entry["path"] for entry in skipped}
    counts: dict[str, dict[str, int]] = {split: {} for split in SPLITS}
    for item in items:
        if item.path not in skipped_paths:
            counts[item.split][item.source] = counts[item.split].get(item.source, 0) + 1
    summary = {"examples": counts, "skipped": skipped}
    (output_dir / "example_gen.json").write_text(json.dumps(summary, indent=2))
    return summary
