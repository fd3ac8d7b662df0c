"""From data to a finished model package in one command: train, evaluate, export.

    python -m training.pipeline --dataset pneumoniamnist --data-dir ../shared/data/medmnist

The package goes to <export-dir>/<name>/<version>/ and records this exact command, so it can be
rebuilt. The run itself (checkpoints, TensorBoard logs, plots) stays in --output-dir.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from training.evaluate import evaluate
from training.export import export_package
from training.train import add_arguments, config_from_arguments, load_dataset, train

MODEL_NAMES = {
    "pneumoniamnist": "chest-xray-pneumonia",
    "breastmnist": "breast-ultrasound-malignancy",
    "retinamnist": "retina-diabetic-retinopathy",
}


def main(argv: list[str] | None = None) -> Path:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m training.pipeline", description=__doc__.split("\n")[0])
    add_arguments(parser)
    parser.add_argument("--export-dir", default="exported_models")
    parser.add_argument("--name", help="model name (default: one per MedMNIST dataset, or the folder's name)")
    parser.add_argument("--version", default="1.0.0")
    args = parser.parse_args(argv)
    config = config_from_arguments(args)
    if args.output_dir == parser.get_default("output_dir"):
        config.output_dir = str(Path("runs") / (args.name or MODEL_NAMES.get(config.dataset, "model")))

    command = "python -m training.pipeline " + shlex.join(argv)
    data = load_dataset(config)
    summary = train(config, data, command)
    model, metrics = evaluate(config.output_dir, data)
    name = args.name or MODEL_NAMES.get(config.dataset) or Path(config.image_folder).name
    package_dir = Path(args.export_dir) / name / args.version
    metadata = export_package(model, summary, metrics, Path(config.output_dir), package_dir, name,
                              args.version, data.splits["test"], command)
    print(f"exported {name} {args.version} -> {package_dir} "
          f"(TF.js {metadata['tfjs']['bytes'] / 1e6:.2f} MB, trained in {summary['training_seconds']} s)")
    return package_dir


if __name__ == "__main__":
    main()
