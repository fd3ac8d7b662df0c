"""StatisticsGen: per split, what the examples look like, computed by Beam, written as JSON and a plot.

Per split: the number of examples, label balance, image sizes (height, width), channels,
modalities, sources, and the intensity histogram (32 bins over 0-255); and the same for each
source's slice of the split (`by_source`), so one source's drift is not hidden by the others. The histogram is the mean
of each image's own normalised histogram, so every image weighs the same whatever its size: a
256x256 scan does not outweigh eighty 28x28 ones.
"""
from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import numpy as np

from training.loop.examples import SPLITS, split_pattern

BINS = 32


def image_statistics(record: bytes) -> dict:
    from training.loop.examples import parse

    example = parse(record)
    height, width, channels = example.pixels.shape
    histogram = np.bincount(example.pixels.reshape(-1) // (256 // BINS), minlength=BINS).astype(np.float64)
    return {"label": example.label, "source": example.source, "modality": example.modality,
            "height": height, "width": width, "channels": channels, "histogram": histogram / histogram.sum(),
            "mean": float(example.pixels.mean())}


class SplitStatistics(beam.CombineFn):
    """Folds per-image statistics into one split's statistics (associative, so it scales out)."""

    def create_accumulator(self):
        return {"count": 0, "labels": {}, "sources": {}, "modalities": {}, "channels": {}, "sizes": {},
                "height": [None, None], "width": [None, None], "histogram": np.zeros(BINS), "mean_sum": 0.0}

    def add_input(self, accumulator, image):
        return self.merge_accumulators([accumulator, self._single(image)])

    def _single(self, image):
        return {"count": 1, "labels": {image["label"]: 1}, "sources": {image["source"]: 1},
                "modalities": {image["modality"]: 1}, "channels": {str(image["channels"]): 1},
                "sizes": {f"{image['height']}x{image['width']}": 1},
                "height": [image["height"]] * 2, "width": [image["width"]] * 2,
                "histogram": image["histogram"], "mean_sum": image["mean"]}

    def merge_accumulators(self, accumulators):
        merged = self.create_accumulator()
        for acc in accumulators:
            merged["count"] += acc["count"]
            merged["histogram"] = merged["histogram"] + acc["histogram"]
            merged["mean_sum"] += acc["mean_sum"]
            for key in ("labels", "sources", "modalities", "channels", "sizes"):
                for value, n in acc[key].items():
                    merged[key][value] = merged[key].get(value, 0) + n
            for key in ("height", "width"):
                low, high = acc[key]
                if low is not None:
                    current = merged[key]
                    merged[key] = [low if current[0] is None else min(low, current[0]),
                                   high if current[1] is None else max(high, current[1])]
        return merged

    def extract_output(self, accumulator):
        count = accumulator["count"]
        return {
            "count": count,
            "labels": dict(sorted(accumulator["labels"].items())),
            "label_balance": {k: v / count for k, v in sorted(accumulator["labels"].items())},
            "sources": dict(sorted(accumulator["sources"].items())),
            "modalities": dict(sorted(accumulator["modalities"].items())),
            "channels": dict(sorted(accumulator["channels"].items())),
            "height": {"min": accumulator["height"][0], "max": accumulator["height"][1]},
            "width": {"min": accumulator["width"][0], "max": accumulator["width"][1]},
            "sizes": dict(sorted(accumulator["sizes"].items(), key=lambda kv: -kv[1])[:20]),
            "intensity": {"bins": BINS, "range": [0, 256],
                          "histogram": (accumulator["histogram"] / max(count, 1)).tolist(),
                          "mean": accumulator["mean_sum"] / count if count else None},
        }


def with_sources(statistics: dict, by_source: dict, split: str) -> str:
    return json.dumps({"split": split, **statistics, "by_source": dict(sorted(by_source.items()))}, indent=2)


def build(pipeline: beam.Pipeline, examples_dir: Path, output_dir: Path) -> None:
    """Per split: the statistics of all its examples, and the same for each source's slice of them."""
    import tensorflow as tf

    from training.loop.example_gen import read_shard

    for split in SPLITS:
        images = (pipeline
                  | f"Shards{split}" >> beam.Create(sorted(tf.io.gfile.glob(split_pattern(examples_dir, split))))
                  | f"Read{split}" >> beam.FlatMap(read_shard)
                  | f"Image{split}" >> beam.Map(image_statistics))
        by_source = (images
                     | f"BySource{split}" >> beam.Map(lambda image: (image["source"], image))
                     | f"CombineBySource{split}" >> beam.CombinePerKey(SplitStatistics()))
        (images
         | f"Combine{split}" >> beam.CombineGlobally(SplitStatistics())
         | f"Json{split}" >> beam.Map(with_sources, beam.pvalue.AsDict(by_source), split)
         | f"Write{split}" >> beam.io.WriteToText(str(output_dir / split), file_name_suffix=".json",
                                                  shard_name_template=""))


def run(pipeline_options, examples_dir: Path, output_dir: Path) -> dict[str, dict]:
    """Runs StatisticsGen; returns the statistics of each split and draws statistics.png."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with beam.Pipeline(options=pipeline_options) as pipeline:
        build(pipeline, examples_dir, output_dir)
    statistics = {split: json.loads((output_dir / f"{split}.json").read_text()) for split in SPLITS}
    plot(statistics, output_dir / "statistics.png")
    return statistics


def plot(statistics: dict[str, dict], path: Path, schema: dict | None = None) -> None:
    """One row per split: intensity histogram (with the schema's, when given) and label balance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(statistics), 2, figsize=(10, 2.6 * len(statistics)), squeeze=False)
    for row, (split, stats) in enumerate(statistics.items()):
        histogram = stats["intensity"]["histogram"]
        edges = np.linspace(0, 256, len(histogram) + 1)
        axes[row, 0].bar(edges[:-1], histogram, width=edges[1] - edges[0], align="edge", alpha=0.7, label=split)
        if schema is not None:
            axes[row, 0].step(edges[:-1], schema["intensity"]["histogram"], where="post", color="black",
                              label="schema")
        axes[row, 0].set_title(f"{split}: intensity (n={stats['count']})")
        axes[row, 0].set_xlabel("grey level")
        axes[row, 0].legend(fontsize=8)
        labels = list(stats["labels"])
        axes[row, 1].barh(labels, [stats["labels"][k] for k in labels])
        axes[row, 1].set_title(f"{split}: labels (images {stats['height']['min']}-{stats['height']['max']} px high)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
