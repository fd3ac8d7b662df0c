"""Export a trained, evaluated run as a model package (see the project's ARCHITECTURE.md).

    python -m training.export --run-dir runs/pneumonia --output exported_models/NAME/VERSION

Package contents: saved_model/ (Keras `model.export()`), tfjs/ (TF.js graph model converted from
that SavedModel), model_metadata.json, evaluation_metrics.json with its plots, README.md (model
card) and parity_fixtures.json (raw inputs with the SavedModel's outputs, checked by the Python
and JavaScript tests).
"""
from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import shutil
import sys
import types
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from training import drift_reference, gate_eval, heatmap_regions, model_card
from training.exam_types import exam_type_for_dataset
from training.metrics import metrics_with_intervals
from training.models import build_serving_model

METADATA_SCHEMA_VERSION = 1
PARITY_TOLERANCE = 1e-4
PLOTS = ("roc.png", "confusion_matrix.png", "calibration.png")
CONTACT_SHEET = "heatmaps_full_size.png"


def import_tfjs_converter():
    """tensorflowjs's SavedModel converter, without the optional modules its package imports.

    `import tensorflowjs` eagerly imports tensorflow_decision_forests and the JAX converter, which
    the SavedModel path never uses and which would pin TensorFlow to an older release. Stand-ins
    are registered only where those modules are absent.
    """
    try:
        import tensorflow_decision_forests  # noqa: F401
    except ImportError:
        sys.modules["tensorflow_decision_forests"] = types.ModuleType("tensorflow_decision_forests")
    if "tensorflowjs.converters.jax_conversion" not in sys.modules:
        try:
            import jax  # noqa: F401
        except ImportError:
            stand_in = types.ModuleType("tensorflowjs.converters.jax_conversion")
            stand_in.convert_jax = None
            sys.modules["tensorflowjs.converters.jax_conversion"] = stand_in
    from tensorflowjs.converters.tf_saved_model_conversion_v2 import convert_tf_saved_model
    return convert_tf_saved_model


def name_tfjs_outputs(tfjs_dir: Path, output_keys: list[str]) -> None:
    """Gives model.json's outputs the SavedModel's names where the converter left them unnamed.

    tensorflowjs 4.22 names outputs by matching dtype and shape, so two outputs of the same
    shape (input_check and input_accepted) stay "Identity_N:0". The frozen graph's output nodes
    are Identity, Identity_1, ... in the sorted order of the signature's keys; the outputs the
    converter did name must agree with that order, or nothing is renamed and an error is raised.
    """
    path = tfjs_dir / "model.json"
    model = json.loads(path.read_text())
    outputs = model["signature"]["outputs"]
    by_node = {f"Identity{'_' + str(i) if i else ''}:0": key for i, key in enumerate(sorted(output_keys))}
    for key, spec in outputs.items():
        if key in output_keys and by_node.get(spec["name"]) != key:
            raise ValueError(f"model.json names {spec['name']} {key!r}; the key order says {by_node.get(spec['name'])!r}")
    model["signature"]["outputs"] = {key if key in output_keys else by_node.get(key, key): spec
                                     for key, spec in outputs.items()}
    path.write_text(json.dumps(model))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fixture_inputs(test_images: np.ndarray, test_labels: np.ndarray, channels: int) -> list[tuple[str, np.ndarray]]:
    """Two test images per class, one non-square image larger than the model's input so the crop
    and anti-aliased resize are exercised too, and uniform noise (which an input gate refuses)."""
    cases = []
    for label in np.unique(test_labels):
        for index in np.flatnonzero(test_labels == label)[:2]:
            cases.append((f"test_{index}_class_{label}", test_images[index:index + 1]))
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:97, 0:131]
    ramp = (rows * 2 + cols)[..., np.newaxis] % 256
    noise = rng.integers(0, 40, (97, 131, channels))
    cases.append(("synthetic_97x131", np.clip(ramp + noise, 0, 255).astype(np.uint8)[np.newaxis]))
    cases.append(("noise_120x90", rng.integers(0, 256, (1, 120, 90, channels), dtype=np.uint8)))
    return cases


def encode_fixture(name: str, image: np.ndarray, outputs: dict) -> dict:
    return {
        "name": name,
        "input": {"shape": list(image.shape), "dtype": "uint8",
                  "base64": base64.b64encode(image.tobytes()).decode("ascii")},
        "expected": {key: {"shape": list(value.shape), "values": value.reshape(-1).tolist()}
                     for key, value in outputs.items()},
    }


def export_package(model: keras.Model, *, summary: dict, metrics: dict, run_dir: Path, package_dir: Path,
                   name: str, version: str, test_split: tuple[np.ndarray, np.ndarray],
                   rebuild_command: str, shared_data: Path | None = None,
                   val_split: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Writes the whole package into package_dir (replacing it) and returns its metadata.

    With `val_split` (the split the threshold was tuned on), the package gets the drift watch's
    reference, drift_reference.json (training.drift_reference), read through the exported graph.

    With `shared_data` (the shared real images), the input gate is measured on its gate set
    (training.gate_eval) and a chest model is also read on the full-size test X-rays, with a
    contact sheet of its heat maps (training.heatmap_regions).
    """
    if package_dir.exists():
        shutil.rmtree(package_dir)
    package_dir.mkdir(parents=True)
    model.export(str(package_dir / "saved_model"), verbose=False)
    import_tfjs_converter()(str(package_dir / "saved_model"), str(package_dir / "tfjs"),
                           signature_def="serving_default", saved_model_tags="serve")
    name_tfjs_outputs(package_dir / "tfjs", list(model.output))

    # Fixtures come from the reloaded SavedModel: what the server will run.
    saved_model = tf.saved_model.load(str(package_dir / "saved_model"))
    fixtures = []
    channels = summary["dataset"]["channels"]
    for case_name, image in fixture_inputs(*test_split, channels):
        outputs = {k: v.numpy() for k, v in saved_model.serve(tf.constant(image)).items()}
        fixtures.append(encode_fixture(case_name, image, outputs))
    (package_dir / "parity_fixtures.json").write_text(json.dumps(
        {"tolerance": PARITY_TOLERANCE, "cases": fixtures}))

    if shared_data is not None and metrics.get("input_check"):
        channels = summary["dataset"]["channels"]
        result = gate_eval.measure(saved_model.serve, *gate_eval.gate_set(name, channels, shared_data))
        print("input gate:\n" + gate_eval.describe(result), flush=True)
        metrics["input_check"]["measured"] = result
    if shared_data is not None and name == "chest-xray-pneumonia":
        metrics["full_size_test_xrays"] = read_full_size_xrays(
            saved_model.serve, metrics=metrics, shared_data=shared_data, sheet=package_dir / CONTACT_SHEET,
            title=f"{name} {version}")
    (package_dir / "evaluation_metrics.json").write_text(json.dumps(metrics, indent=2))
    if val_split is not None:
        write_drift_reference(saved_model.serve, val_split[0], summary=summary, package_dir=package_dir,
                              name=name, version=version)
    for plot in PLOTS:
        shutil.copy(run_dir / plot, package_dir / plot)
    metadata = build_metadata(model, summary=summary, metrics=metrics, package_dir=package_dir, name=name,
                              version=version, rebuild_command=rebuild_command)
    (package_dir / "model_metadata.json").write_text(json.dumps(metadata, indent=2))
    (package_dir / "README.md").write_text(model_card.render(metadata, metrics))
    return metadata


def write_drift_reference(serve, images: np.ndarray, *, summary: dict, package_dir: Path, name: str,
                          version: str) -> None:
    dataset = summary["dataset"]
    identity = {"name": name, "version": version, "label_names": dataset["label_names"],
                "positive_class": dataset["positive_class"]}
    reference = drift_reference.build_reference(
        serve, list(images), [(image.shape[1], image.shape[0]) for image in images], identity,
        f"{dataset['name']} val split of the run ({len(images)} images, as the training arrays)")
    (package_dir / drift_reference.REFERENCE_FILE).write_text(json.dumps(reference, indent=1) + "\n")


def read_full_size_xrays(serve, *, metrics: dict, shared_data: Path, sheet: Path, title: str) -> dict:
    """Metrics on the 20 full-size test X-rays (as uploaded), heat-map regions and a contact sheet."""
    results = heatmap_regions.read_all(serve, heatmap_regions.full_size_xrays(shared_data))
    labels = np.array([r["label"] for r in results])
    probabilities = np.array([[1 - r["probability"], r["probability"]] for r in results])
    threshold = metrics["decision"]["threshold"]
    heatmap_regions.contact_sheet(results, threshold, sheet, f"{title}: the 20 full-size test X-rays, "
                                  "heat map (evidence for pneumonia) on positive readings")
    return {**metrics_with_intervals(labels, probabilities, 1, threshold),
            "refused_by_gate": int(sum(not r["accepted"] for r in results)),
            "heatmap_regions": heatmap_regions.summarise(results),
            "contact_sheet": CONTACT_SHEET}


def build_metadata(model: keras.Model, *, summary: dict, metrics: dict, package_dir: Path, name: str,
                   version: str, rebuild_command: str) -> dict:
    config, dataset = summary["config"], summary["dataset"]
    heatmap_shape = model.output["heatmaps"].shape
    files = sorted(p for p in package_dir.rglob("*") if p.is_file())
    tfjs_bytes = sum(p.stat().st_size for p in (package_dir / "tfjs").iterdir())
    return {
        "schema_version": METADATA_SCHEMA_VERSION,
        "name": name,
        "version": version,
        "task": "binary" if dataset["positive_class"] is not None else "multiclass",
        "exam_type": exam_type_for_dataset(dataset["name"]),
        "description": f"{config['architecture']} classifier "
                       f"({config['ensemble']}-member ensemble) for {dataset['name']}",
        "label_names": dataset["label_names"],
        "positive_class": dataset["positive_class"],
        "input": {
            "name": "image", "dtype": "uint8", "shape": [None, None, None, dataset["channels"]],
            "channels": dataset["channels"], "color": "grayscale" if dataset["channels"] == 1 else "rgb",
            "accepts": "decoded pixels of any height and width; the graph center-crops the short "
                       "edge to a square and resizes it",
            "model_size": config["image_size"],
        },
        "outputs": {
            "probabilities": {"shape": [None, len(dataset["label_names"])], "meaning": "calibrated class probabilities"},
            "heatmaps": {"shape": [None, *heatmap_shape[1:]], "range": [0.0, 1.0],
                         "meaning": "per class, the evidence for it against the other classes (class activation "
                                    "map of its logit minus the mean of all), scaled to [0, 1]; covers the "
                                    "center square crop of the input"},
            **({"input_check": {"shape": [None], "range": [0.0, 1.0],
                                "meaning": "input gate score: how much the image looks like the training images"},
                "input_accepted": {"shape": [None], "values": [0.0, 1.0],
                                   "meaning": "1 when input_check >= input_check.threshold, else 0: "
                                              "no reading is given for a refused image"}}
               if metrics.get("input_check") else {}),
        },
        "preprocessing": "in the graph: center square crop on the short edge, anti-aliased triangle-filter "
                         f"resize to {config['image_size']}x{config['image_size']} (as MedMNIST made its "
                         "images), scale to [0, 1]; only decoding happens outside",
        "decision": metrics["decision"],
        **({"operating_point": {k: v for k, v in metrics["operating_point"].items() if k != "test_bands"}}
           if metrics.get("operating_point") else {}),
        "heatmap": {"class": dataset["positive_class"],
                    "label": (dataset["label_names"][dataset["positive_class"]]
                              if dataset["positive_class"] is not None else None),
                    "grid": list(heatmap_shape[1:3]),
                    "shown_for": ("readings at or above the decision threshold" if dataset["positive_class"]
                                  is not None else "the predicted class"),
                    "covers": "the centre square crop of the image"},
        **({"input_check": metrics["input_check"]} if metrics.get("input_check") else {}),
        "calibration": metrics["calibration"],
        "headline_metrics": {k: metrics["test"][k] for k in ("auc", "accuracy") if k in metrics["test"]},
        "training": {
            "dataset": dataset["name"], "source": dataset["source"], "split_sizes": dataset["split_sizes"],
            "hyperparameters": config, "seed": config["seed"],
            "training_seconds": summary["training_seconds"], "environment": summary["environment"],
        },
        "command": rebuild_command,
        "libraries": {"tensorflow": tf.__version__, "keras": keras.__version__,
                      "tensorflowjs": _tfjs_version()},
        "tfjs": {"model_json": "tfjs/model.json", "format": "graph-model", "bytes": tfjs_bytes},
        "files": {str(p.relative_to(package_dir)): sha256(p) for p in files},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _tfjs_version() -> str:
    from importlib.metadata import version
    return version("tensorflowjs")


def main(argv: list[str] | None = None) -> None:
    from training.evaluate import load_gate, load_run
    from training.train import TrainConfig, load_dataset

    parser = argparse.ArgumentParser(prog="python -m training.export", description=__doc__.split("\n")[0])
    parser.add_argument("--run-dir", required=True, help="a run already evaluated by training.evaluate")
    parser.add_argument("--output", required=True, help="the package directory, e.g. exported_models/NAME/VERSION")
    parser.add_argument("--name", help="model name (default: the package directory's parent's name)")
    parser.add_argument("--shared-data", help="the shared real images, to measure the gate and read "
                                              "the full-size X-rays (e.g. ../shared/data)")
    args = parser.parse_args(argv)
    run_dir, output = Path(args.run_dir), Path(args.output)
    summary, members = load_run(run_dir)
    metrics = json.loads((run_dir / "evaluation_metrics.json").read_text())
    config = TrainConfig(**summary["config"])
    gate, input_check = load_gate(run_dir)
    model = build_serving_model(members, config.image_size, summary["dataset"]["channels"],
                                metrics["calibration"]["temperature"], gate,
                                input_check["threshold"] if input_check else None)
    data = load_dataset(config)
    metadata = export_package(model, summary=summary, metrics=metrics, run_dir=run_dir, package_dir=output,
                              name=args.name or output.parent.name, version=output.name,
                              test_split=data.splits["test"], rebuild_command=summary["command"],
                              shared_data=Path(args.shared_data) if args.shared_data else None,
                              val_split=data.splits["val"])
    print(f"exported {metadata['name']} {metadata['version']} -> {output} "
          f"(TF.js {metadata['tfjs']['bytes'] / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
