"""A new version of an exported model: the same classifier weights, plus the input gate.

    python -m training.add_gate --package exported_models/breast-ultrasound-malignancy/1.0.0 \
        --version 1.1.0 --data-dir ../shared/data/medmnist --shared-data ../shared/data

The ensemble members are rebuilt from the package's SavedModel variables (checked against the
package's own outputs on the whole test split), a gate is trained for the model's MedMNIST set,
and the run is evaluated and exported like any other (training.evaluate, training.export). The
classifier's readings do not change; the package gains `input_check` and `input_accepted`.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from training.data import load_medmnist
from training.evaluate import evaluate, predict
from training.export import export_package
from training.models import build_classifier, build_serving_model
from training.pipeline import fit_gate
from training.train import TrainConfig

MATCH_TOLERANCE = 1e-5


def rebuild_members(saved_model, config: TrainConfig, channels: int, num_classes: int) -> list:
    """Keras members with the SavedModel's weights: every member's feature variables come first, in
    member order, then each member's dense layer."""
    members = [build_classifier(config.architecture, config.image_size, channels, num_classes,
                                width=config.width, dropout=config.dropout, name=f"member_{index}",
                                feature_size=config.feature_size)
               for index in range(config.ensemble)]
    features = [v for v in saved_model.variables if "_logits/" not in v.name]
    logits = [v for v in saved_model.variables if "_logits/" in v.name]
    for member in members:
        feature_weights = member.get_layer(f"{member.name}_features").weights
        taken, features = features[:len(feature_weights)], features[len(feature_weights):]
        for target, source in zip(feature_weights, taken, strict=True):
            target.assign(source.numpy())
        dense = member.get_layer(f"{member.name}_logits")
        dense.kernel.assign(next(v for v in logits if v.name.startswith(f"{member.name}_logits/kernel")).numpy())
        dense.bias.assign(next(v for v in logits if v.name.startswith(f"{member.name}_logits/bias")).numpy())
    if features:
        raise ValueError(f"{len(features)} variables of the SavedModel were not used: not the recorded architecture")
    return members


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.add_gate", description=__doc__.split("\n")[0])
    parser.add_argument("--package", required=True, help="exported_models/<name>/<version> to start from")
    parser.add_argument("--version", required=True, help="the new version, e.g. 1.1.0")
    parser.add_argument("--data-dir", default="data/medmnist")
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args(argv)
    source = Path(args.package)
    metadata = json.loads((source / "model_metadata.json").read_text())
    training = metadata["training"]
    config = TrainConfig(**{**training["hyperparameters"], "data_dir": args.data_dir,
                            "output_dir": f"runs/{metadata['name']}-{args.version}"})
    data = load_medmnist(training["dataset"], args.data_dir, download=False)
    saved_model = tf.saved_model.load(str(source / "saved_model"))
    members = rebuild_members(saved_model, config, data.channels, len(data.label_names))

    test_images = data.splits["test"][0]
    rebuilt = predict(build_serving_model(members, config.image_size, data.channels,
                                          metadata["calibration"]["temperature"]), test_images)
    shipped = np.concatenate([saved_model.serve(tf.constant(test_images[i:i + 256]))["probabilities"].numpy()
                              for i in range(0, len(test_images), 256)])
    difference = float(np.abs(rebuilt - shipped).max())
    if difference > MATCH_TOLERANCE:
        raise SystemExit(f"rebuilt members differ from {source} by {difference:.2g}: not carried over")
    print(f"rebuilt {len(members)} members from {source}; test probabilities within {difference:.1e}")

    run_dir = Path(config.output_dir)
    (run_dir / "members").mkdir(parents=True, exist_ok=True)
    for member in members:
        member.save(run_dir / "members" / f"{member.name}.keras")
    command = metadata["command"] + f" --version {args.version}"
    summary = {"config": {**training["hyperparameters"], "output_dir": str(run_dir)},
               "dataset": {"name": training["dataset"], "label_names": list(data.label_names),
                           "channels": data.channels, "positive_class": data.positive_class,
                           "split_sizes": data.sizes(), "source": data.source},
               "members": [member.name for member in members],
               "training_seconds": training["training_seconds"], "command": command,
               "environment": training["environment"],
               "carried_over_from": f"{metadata['name']} {metadata['version']}"}
    (run_dir / "train_config.json").write_text(json.dumps(summary, indent=2))
    fit_gate(config, data)
    model, metrics = evaluate(run_dir, data)
    package_dir = source.parent / args.version
    exported = export_package(model, summary=summary, metrics=metrics, run_dir=run_dir, package_dir=package_dir,
                              name=metadata["name"], version=args.version, test_split=data.splits["test"],
                              rebuild_command=command, shared_data=Path(args.shared_data))
    print(f"exported {exported['name']} {exported['version']} -> {package_dir}")


if __name__ == "__main__":
    main()
