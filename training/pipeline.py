"""From data to a finished model package in one command: train, evaluate, export.

    python -m training.pipeline --dataset pneumoniamnist --data-dir ../shared/data/medmnist

The package goes to <export-dir>/<name>/<version>/ and records this exact command, so it can be
rebuilt. The run itself (checkpoints, TensorBoard logs, plots) stays in --output-dir.
"""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

from training import gate as input_gate
from training.evaluate import evaluate
from training.export import export_package
from training.train import TrainConfig, add_arguments, config_from_arguments, load_dataset, train

MODEL_NAMES = {
    "pneumoniamnist": "chest-xray-pneumonia",
    "breastmnist": "breast-ultrasound-malignancy",
    "retinamnist": "retina-diabetic-retinopathy",
    "kermany-chest-xray": "chest-xray-pneumonia",
}


def main(argv: list[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m training.pipeline", description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--export-dir", default="exported_models")
    parser.add_argument("--name", help="model name (default: one per MedMNIST dataset, or the folder's name)")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--no-gate", dest="gate", action="store_false",
                        help="export without the input gate (training.gate)")
    parser.add_argument("--gate-epochs", type=int, default=8)
    parser.add_argument("--shared-data", default="../shared/data",
                        help="where the gate set's shared images are (DICOMs, full-size X-rays)")
    args = parser.parse_args(argv)
    config = config_from_arguments(args)
    if args.output_dir == parser.get_default("output_dir"):
        default_name = MODEL_NAMES["kermany-chest-xray"] if config.real_scans else MODEL_NAMES.get(config.dataset)
        config.output_dir = str(Path("runs") / (args.name or default_name or "model"))

    command = "python -m training.pipeline " + shlex.join(argv)
    data = load_dataset(config)
    summary = train(config, data, command)
    if args.gate:
        fit_gate(config, data, args.gate_epochs)
    model, metrics = evaluate(config.output_dir, data)
    name = args.name or MODEL_NAMES.get(data.name) or Path(config.image_folder).name
    package_dir = Path(args.export_dir) / name / args.version
    metadata = export_package(model, summary=summary, metrics=metrics, run_dir=Path(config.output_dir),
                              package_dir=package_dir, name=name, version=args.version,
                              test_split=data.splits["test"], rebuild_command=command,
                              shared_data=Path(args.shared_data) if args.gate else None,
                              val_split=data.splits["val"])
    print(f"exported {name} {args.version} -> {package_dir} "
          f"(TF.js {metadata['tfjs']['bytes'] / 1e6:.2f} MB, trained in {summary['training_seconds']} s)")
    return package_dir


def fit_gate(config: TrainConfig, data, epochs: int = 8) -> None:
    """Trains the run's input gate on its own train/val images (plus MedMNIST's for real scans)."""
    size = config.image_size
    train_images = [input_gate.to_model_input(data.splits["train"][0], size)]
    val_images = [input_gate.to_model_input(data.splits["val"][0], size)]
    if data.name == "kermany-chest-xray":  # uploads may also be MedMNIST-sized images
        more_train, more_val = input_gate.medmnist_in_domain("pneumoniamnist", config.data_dir, size)
        train_images.append(more_train)
        val_images.append(more_val)
    gate, metadata = input_gate.fit_gate_for(data.name, np.concatenate(train_images), np.concatenate(val_images),
                                             config.data_dir, size, data.channels, config.seed, epochs)
    output = Path(config.output_dir)
    gate.save(output / "gate.keras")
    (output / "input_check.json").write_text(json.dumps(metadata, indent=2))


if __name__ == "__main__":
    main()
