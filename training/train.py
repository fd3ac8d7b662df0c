"""Train a classifier (or an ensemble of them) on MedMNIST or a folder of images.

    python -m training.train --dataset pneumoniamnist --data-dir ../shared/data/medmnist \
        --output-dir runs/pneumonia --epochs 30

Writes to the output directory: members/<name>.keras (one per ensemble member), train_config.json
(everything needed to rebuild the run), history.json and TensorBoard logs under logs/.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from training.augment import make_augmenter
from training.data import MEDMNIST, Dataset, load_image_folder, load_medmnist, make_pipeline
from training.models import ARCHITECTURES, build_classifier
from training.real_scans import load_real_chest_scans

# Which geometric augmentations keep the label. Chest X-rays are not flipped (the heart has a
# side); fundus photographs have no upright orientation, so they may turn all the way round.
AUGMENTATION = {
    "pneumoniamnist": {"flip": False, "rotation": 0.03},
    "breastmnist": {"flip": True, "rotation": 0.03},
    "retinamnist": {"flip": True, "rotation": 0.5},
    "kermany-chest-xray": {"flip": False, "rotation": 0.03, "acquisition": True},
}
FOLDER_AUGMENTATION = {"flip": False, "rotation": 0.03}


@dataclasses.dataclass
class TrainConfig:
    dataset: str | None = "pneumoniamnist"
    data_dir: str = "data/medmnist"
    image_folder: str | None = None
    real_scans: str | None = None
    medmnist_versions: bool = False
    channels: int = 1
    architecture: str = "compact"
    weights: str | None = None
    image_size: int = 28
    work_size: int | None = None
    feature_size: int | None = None
    width: int = 32
    ensemble: int = 1
    epochs: int = 30
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    dropout: float = 0.3
    class_weight: str = "balanced"
    augment: bool = True
    augment_strength: float = 1.0
    patience: int = 8
    target_sensitivity: float | None = None
    seed: int = 0
    output_dir: str = "runs/latest"


def load_dataset(config: TrainConfig) -> Dataset:
    if config.image_folder:
        return load_image_folder(config.image_folder, config.channels, config.image_size, seed=config.seed)
    if config.real_scans:
        return load_real_chest_scans(config.real_scans, config.data_dir, config.work_size or config.image_size,
                                     seed=config.seed, medmnist_versions=config.medmnist_versions)
    return load_medmnist(config.dataset, config.data_dir)


def class_weights(labels: np.ndarray, num_classes: int, mode: str) -> dict[int, float] | None:
    """'balanced': each class weighs as much in the loss as the others, whatever its count."""
    if mode == "none":
        return None
    counts = np.bincount(labels, minlength=num_classes).astype(float)
    return {k: float(len(labels) / (num_classes * max(counts[k], 1.0))) for k in range(num_classes)}


def distribution_strategy() -> tf.distribute.Strategy:
    """Several workers (TF_CONFIG) or several GPUs: data-parallel; otherwise the default."""
    if "TF_CONFIG" in os.environ:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def train(config: TrainConfig, data: Dataset | None = None, command: str | None = None) -> dict:
    """Trains config.ensemble members and returns a summary; see the module docstring for outputs.

    `command` is the command line that reproduces the run (recorded in train_config.json).
    """
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    if tf.config.list_physical_devices("GPU"):
        keras.mixed_precision.set_global_policy("mixed_float16")
    output = Path(config.output_dir)
    (output / "members").mkdir(parents=True, exist_ok=True)

    data = data or load_dataset(config)
    (x_train, y_train), (x_val, y_val) = data.splits["train"], data.splits["val"]
    num_classes = len(data.label_names)
    geometry = FOLDER_AUGMENTATION if config.image_folder else AUGMENTATION[data.name]
    augment = make_augmenter(config.seed, strength=config.augment_strength, **geometry) if config.augment else None
    weights = class_weights(y_train, num_classes, config.class_weight)
    print(f"{data.name}: {data.sizes()} images, classes {list(data.label_names)}, "
          f"class weights {weights}", flush=True)

    strategy = distribution_strategy()
    started = time.time()
    history = {}
    for member in range(config.ensemble):
        seed = config.seed + 1000 * member
        keras.utils.set_random_seed(seed)
        train_ds = make_pipeline(x_train, y_train, num_classes, config.batch_size, config.image_size,
                                 training=True, seed=seed, augment=augment, work_size=config.work_size)
        val_ds = make_pipeline(x_val, y_val, num_classes, 256, config.image_size, training=False, seed=seed)
        name = f"member_{member}"
        with strategy.scope():
            model = build_classifier(config.architecture, config.image_size, data.channels, num_classes,
                                     weights=config.weights, width=config.width,
                                     dropout=config.dropout, name=name, feature_size=config.feature_size)
            steps = config.epochs * int(np.ceil(len(y_train) / config.batch_size))
            schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps)
            model.compile(
                optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
                loss=keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing),
                metrics=[keras.metrics.AUC(name="auc"), keras.metrics.CategoricalAccuracy(name="accuracy")])
        print(f"training {name} ({config.architecture}, {model.count_params():,} parameters, seed {seed})",
              flush=True)
        fit = model.fit(
            train_ds, validation_data=val_ds, epochs=config.epochs, class_weight=weights, verbose=2,
            callbacks=[
                keras.callbacks.EarlyStopping(monitor="val_auc", mode="max", patience=config.patience,
                                              restore_best_weights=True),
                keras.callbacks.TensorBoard(log_dir=str(output / "logs" / name)),
            ])
        model.save(output / "members" / f"{name}.keras")
        history[name] = {key: [float(v) for v in values] for key, values in fit.history.items()}

    summary = {
        "config": dataclasses.asdict(config),
        "dataset": {"name": data.name, "label_names": list(data.label_names), "channels": data.channels,
                    "positive_class": data.positive_class, "split_sizes": data.sizes(),
                    "source": data.source},
        "members": sorted(history),
        "training_seconds": round(time.time() - started, 1),
        "command": command or "python -m training.train " + shlex.join(sys.argv[1:]),
        "environment": environment(),
    }
    (output / "train_config.json").write_text(json.dumps(summary, indent=2))
    (output / "history.json").write_text(json.dumps(history, indent=2))
    print(f"trained {config.ensemble} member(s) in {summary['training_seconds']} s -> {output}", flush=True)
    return summary


def environment() -> dict:
    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "machine": platform.machine(),
            "gpus": len(tf.config.list_physical_devices("GPU")), "cpus": os.cpu_count()}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The training options, shared with training.pipeline."""
    defaults = TrainConfig()
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", choices=sorted(MEDMNIST), default=defaults.dataset)
    source.add_argument("--image-folder", help="a folder with one sub-folder of images per class")
    source.add_argument("--real-scans", help="the folder holding the real Kermany chest X-ray train scans "
                                             "(chest_xray_kermany_train and _224); validation by patient")
    parser.add_argument("--data-dir", default=os.environ.get("MEDMNIST_DIR", defaults.data_dir),
                        help="where the MedMNIST .npz files are (downloaded there when missing)")
    parser.add_argument("--channels", type=int, choices=(1, 3), default=defaults.channels,
                        help="image channels for --image-folder (MedMNIST sets its own)")
    parser.add_argument("--architecture", choices=ARCHITECTURES, default=defaults.architecture)
    parser.add_argument("--weights", choices=("none", "imagenet"), default="none",
                        help="initial weights for keras.applications backbones (imagenet downloads)")
    parser.add_argument("--image-size", type=int, default=defaults.image_size)
    parser.add_argument("--medmnist-versions", action="store_true",
                        help="with --real-scans: also train on the PneumoniaMNIST images of the training scans")
    parser.add_argument("--work-size", type=int, help="size at which training images are cached and "
                        "augmented before the model's own resize (default: the model's size)")
    parser.add_argument("--feature-size", type=int, help="compact CNN's feature map (heat map) side; "
                        "default: halve until near 7")
    parser.add_argument("--width", type=int, default=defaults.width, help="compact CNN's first-stage filters")
    parser.add_argument("--ensemble", type=int, default=defaults.ensemble, help="members averaged in one graph")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
    parser.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
    parser.add_argument("--dropout", type=float, default=defaults.dropout)
    parser.add_argument("--class-weight", choices=("balanced", "none"), default=defaults.class_weight)
    parser.add_argument("--no-augment", dest="augment", action="store_false")
    parser.add_argument("--augment-strength", type=float, default=defaults.augment_strength)
    parser.add_argument("--patience", type=int, default=defaults.patience,
                        help="epochs without a better validation AUC before stopping")
    parser.add_argument("--target-sensitivity", type=float,
                        help="binary models: decide at the highest threshold with at least this sensitivity "
                             "on validation (default: Youden's J)")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--output-dir", default=defaults.output_dir)


def config_from_arguments(args: argparse.Namespace) -> TrainConfig:
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    values["weights"] = None if args.weights == "none" else args.weights
    if args.image_folder or args.real_scans:
        values["dataset"] = None
    return TrainConfig(**values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    add_arguments(parser)
    train(config_from_arguments(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
