"""The drift reference of a model package: what its validation images looked like to it.

    python -m training.drift_reference exported_models/chest-xray-pneumonia/2.0.0 \
        --data-dir ../shared/data/medmnist --shared-data ../shared/data

The drift watch (backend/drift) compares each week of real readings with this reference, so it
is made from the split the package's threshold and temperature were tuned on, through the same
graph the server runs (`serve`), and kept in the package as `drift_reference.json`:
- `score`: a histogram of P(positive class) for a binary model (100 bins on [0, 1]), or the count
  of each predicted class for a graded one, over the images the input gate accepted;
- `intensity_mean`, `intensity_std`: histograms (64 bins on [0, 256)) of each decoded image's mean
  and standard deviation of grey levels over the centre square the graph reads
  (training/intensity.py), the numbers the upload stores (`Image.intensity_mean`);
- `size`: the width and height of the images as they were scanned (for the real chest scans, their
  full-size originals, from the manifest), and `refused_by_gate`, the share the gate refused.

Which images make the validation split is read from the package's own metadata ("training"):
MedMNIST's `val` split for a MedMNIST package (28x28 arrays, as the graph read them in training),
or for a package trained on the real chest scans the patient-level validation split of
`chest_xray_kermany_train/` (training/real_scans.py), each scan decoded from its PNG file by the
one decoder, as an upload of it would be. Writing it into a shipped package adds the file to
`files` in `model_metadata.json` with its SHA-256, so the package stays valid.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
from pathlib import Path

import numpy as np

from training.decoding import decode_image_file
from training.intensity import intensity_statistics

REFERENCE_FILE = "drift_reference.json"
SCHEMA_VERSION = 1
SCORE_EDGES = np.linspace(0.0, 1.0, 101)
INTENSITY_EDGES = np.linspace(0.0, 256.0, 65)
BATCH = 64


def histogram(values, edges: np.ndarray) -> list[int]:
    """Counts per bin; the last bin holds its upper edge, and values beyond the edges are clipped in."""
    clipped = np.clip(np.asarray(values, dtype=np.float64), edges[0], np.nextafter(edges[-1], edges[0]))
    return [int(n) for n in np.histogram(clipped, bins=edges)[0]]


def validation_images(metadata: dict, *, data_dir: Path,
                      shared_data: Path) -> tuple[list[np.ndarray], list[tuple[int, int]], str]:
    """The package's validation images as decoded uint8 arrays, their (width, height) as scanned,
    and a sentence saying which they are."""
    training = metadata["training"]
    source = training["source"]
    channels = metadata["input"]["channels"]
    if source.get("kind") == "medmnist":
        from training.data import load_medmnist  # imports TensorFlow, which the backend's readers skip

        dataset = load_medmnist(training["dataset"], data_dir, download=False)
        images = dataset.splits["val"][0]
        if images.shape[-1] != channels:
            images = np.repeat(images, channels, axis=-1) if images.shape[-1] == 1 else images
        return list(images), [(image.shape[1], image.shape[0]) for image in images], (f"MedMNIST {training['dataset']} val split ({len(images)} images, "
                              f"{source['md5']}), as arrays")
    if source.get("kind") == "real-scans":
        from training.real_scans import CROPPED, SQUEEZED, read_manifest, split_by_patient

        seed = training["seed"]
        _, val = split_by_patient(read_manifest(shared_data / CROPPED), read_manifest(shared_data / SQUEEZED),
                                  0.2, seed)
        images = [decode_image_file(row["path"], channels) for row in val]
        sizes = [tuple(int(n) for n in row["source_width_x_height"].split("x")) for row in val]
        return images, sizes, (f"real chest scans, validation split by patient (seed {seed}, 20% of patients): "
                        f"{len(images)} PNGs of {CROPPED}/ decoded by training.decoding")
    raise ValueError(f"no validation split is known for training data of kind {source.get('kind')!r}")


def build_reference(serve, images: list[np.ndarray], sizes: list[tuple[int, int]], metadata: dict,
                    description: str) -> dict:
    """Reads `images` with the package's `serve` function and summarises them (see the module's doc)."""
    import tensorflow as tf

    probabilities, accepted = [], []
    for shape, indices in _by_shape(images).items():
        for start in range(0, len(indices), BATCH):
            chunk = indices[start:start + BATCH]
            outputs = serve(tf.constant(np.stack([images[i] for i in chunk]), dtype=tf.uint8))
            probabilities.append((chunk, outputs["probabilities"].numpy()))
            if "input_accepted" in outputs:
                accepted.append((chunk, outputs["input_accepted"].numpy().reshape(-1) >= 0.5))
    by_index = np.zeros((len(images), len(metadata["label_names"])))
    for chunk, values in probabilities:
        by_index[chunk] = values
    kept = np.ones(len(images), dtype=bool)
    for chunk, values in accepted:
        kept[chunk] = values
    stats = np.array([intensity_statistics(image) for image in images])
    return {
        "schema_version": SCHEMA_VERSION,
        "model": metadata["name"],
        "version": metadata["version"],
        "split": description,
        "images": len(images),
        "refused_by_gate": round(float(1 - kept.mean()), 4),
        "score": score_summary(by_index[kept], metadata),
        "intensity_mean": {"edges": INTENSITY_EDGES.tolist(), "counts": histogram(stats[:, 0], INTENSITY_EDGES)},
        "intensity_std": {"edges": INTENSITY_EDGES.tolist(), "counts": histogram(stats[:, 1], INTENSITY_EDGES)},
        "size": {axis: _spread([size[i] for size in sizes]) for axis, i in (("width", 0), ("height", 1))},
    }


def score_summary(probabilities: np.ndarray, metadata: dict) -> dict:
    positive = metadata.get("positive_class")
    if positive is not None:
        return {"kind": "positive_probability", "label": metadata["label_names"][positive],
                "edges": SCORE_EDGES.tolist(), "counts": histogram(probabilities[:, positive], SCORE_EDGES)}
    predicted = probabilities.argmax(axis=1)
    return {"kind": "predicted_class", "labels": metadata["label_names"],
            "counts": [int(n) for n in np.bincount(predicted, minlength=len(metadata["label_names"]))]}


def write_reference(package_dir: Path, reference: dict) -> Path:
    """Writes the reference into a shipped package and lists it, with its SHA-256, in the metadata."""
    path = package_dir / REFERENCE_FILE
    path.write_text(json.dumps(reference, indent=1) + "\n")
    metadata_path = package_dir / "model_metadata.json"
    metadata = json.loads(metadata_path.read_text())
    metadata["files"][REFERENCE_FILE] = hashlib.sha256(path.read_bytes()).hexdigest()
    metadata["files"] = dict(sorted(metadata["files"].items()))
    metadata_path.write_text(json.dumps(metadata, indent=2))
    return path


def _by_shape(images: list[np.ndarray]) -> dict[tuple, list[int]]:
    groups: dict[tuple, list[int]] = {}
    for index, image in enumerate(images):
        groups.setdefault(image.shape, []).append(index)
    return groups


def _spread(values: list[int]) -> dict:
    return {"min": int(min(values)), "median": float(np.median(values)), "max": int(max(values))}


def main(argv: list[str] | None = None) -> None:
    import tensorflow as tf

    parser = argparse.ArgumentParser(prog="python -m training.drift_reference", description=__doc__.split("\n")[0])
    parser.add_argument("package", nargs="+", help="package directories, e.g. exported_models/NAME/VERSION")
    parser.add_argument("--data-dir", default="../shared/data/medmnist", help="the MedMNIST .npz files")
    parser.add_argument("--shared-data", default="../shared/data", help="the real chest scans' folders")
    args = parser.parse_args(argv)
    for package in map(Path, args.package):
        metadata = json.loads((package / "model_metadata.json").read_text())
        images, sizes, description = validation_images(metadata, data_dir=Path(args.data_dir),
                                                shared_data=Path(args.shared_data))
        model = tf.saved_model.load(str(package / "saved_model"))  # kept: `serve` needs its variables
        reference = build_reference(model.serve, images, sizes, metadata, description)
        reference["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        path = write_reference(package, reference)
        print(f"{path}: {reference['images']} images, {reference['refused_by_gate']:.1%} refused by the gate; "
              f"{reference['split']}")


if __name__ == "__main__":
    main()
