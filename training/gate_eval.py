"""How often a model's input gate refuses what it should and accepts what it should.

The gate set: in-domain images the model must read (its own test images, and for the chest model
the 1,566 real train-split scans and the 20 full-size test X-rays), and foreign images it must
refuse, of kinds the gate never trained on (held-out photographs, a CT phantom and a fundus
photo, the shared CT and MR DICOMs, an MRI slice, the other MedMNIST test sets, fresh synthetic
images, inverted scans). Images go through the exported graph as a user would send them.

    python -m training.gate_eval --package exported_models/chest-xray-pneumonia/2.0.0
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from training import foreign_images as foreign
from training.data import MEDMNIST, load_medmnist
from training.decoding import decode_image_file
from training.real_scans import CROPPED

FULL_SIZE = "chest_xray_kermany"
OWN_SET = {"chest-xray-pneumonia": "pneumoniamnist", "breast-ultrasound-malignancy": "breastmnist",
           "retina-diabetic-retinopathy": "retinamnist"}


def gate_set(model_name: str, channels: int, shared_data: Path) -> tuple[dict, dict]:
    """(in-domain sets, foreign sets): name -> list of uint8 (H, W, channels) images."""
    medmnist_dir = shared_data / "medmnist"
    own = OWN_SET[model_name]
    own_test = load_medmnist(own, medmnist_dir, download=False).splits["test"][0]
    in_domain = {f"{own} test (MedMNIST, 28x28)": list(own_test)}
    if own == "pneumoniamnist":
        in_domain["real train-split scans (256x256)"] = _folder_images(shared_data / CROPPED, channels)
        in_domain["full-size test X-rays"] = _folder_images(shared_data / FULL_SIZE, channels)

    rgb = lambda images: [image if image.shape[-1] == 3 else np.repeat(image, 3, -1) for image in images]
    held_out = [p for p in foreign.pictures(foreign.HELD_OUT_PICTURES)
                if not (own == "retinamnist" and p[0] in foreign.FUNDUS_PICTURES)]
    dicoms = foreign.dicom_images(shared_data / "dicom" / name for name in foreign.HELD_OUT_DICOM)
    other = []
    for flag in sorted(MEDMNIST):
        if flag != own:
            other += rgb(load_medmnist(flag, medmnist_dir, download=False).splits["test"][0])
    foreign_sets = {
        "held-out photographs and pictures": [image for _, image in held_out],
        "CT and MR (shared DICOMs, an MRI slice)": [image for _, image in dicoms] + [foreign.mri_slice()],
        "pydicom-data DICOMs (an extremity radiograph, CT, MR, NM, ultrasound...)":
            [image for _, image in foreign.pydicom_data_dicoms()],
        "other MedMNIST test sets": other,
        "synthetic (noise, blanks, gradients, shapes, pages, charts; unseen seed)":
            [image for _, image in foreign.synthetic(350, seed=99)],
        f"inverted {own} test images": rgb([255 - image for image in own_test]),
    }
    if own == "pneumoniamnist":
        foreign_sets["inverted full-size test X-rays"] = rgb([255 - x for x in in_domain["full-size test X-rays"]])
    if own != "pneumoniamnist":
        chest = shared_data / FULL_SIZE
        foreign_sets["full-size chest X-rays"] = rgb(_folder_images(chest, 1))
    foreign_sets = {name: [foreign.to_channels(image, channels) for image in images]
                    for name, images in foreign_sets.items()}
    return in_domain, foreign_sets


def _folder_images(folder: Path, channels: int) -> list[np.ndarray]:
    with open(folder / "manifest.csv", newline="") as f:
        return [decode_image_file(folder / row["file"], channels) for row in csv.DictReader(f)]


def accepted(serve, images: list[np.ndarray]) -> np.ndarray:
    """The graph's own input_accepted for each image (one call per image shape)."""
    decisions = np.zeros(len(images))
    by_shape: dict[tuple, list[int]] = {}
    for index, image in enumerate(images):
        by_shape.setdefault(image.shape, []).append(index)
    for indices in by_shape.values():
        for start in range(0, len(indices), 256):
            chunk = indices[start:start + 256]
            batch = tf.constant(np.stack([images[i] for i in chunk]), tf.uint8)
            decisions[chunk] = serve(batch)["input_accepted"].numpy()
    return decisions


def measure(serve, in_domain: dict, foreign_sets: dict) -> dict:
    """Refusal counts per set, and the overall in-domain and foreign refusal rates."""
    def rates(sets):
        rows = {}
        for name, images in sets.items():
            refused = int((accepted(serve, images) < 0.5).sum())
            rows[name] = {"n": len(images), "refused": refused, "rate": refused / max(len(images), 1)}
        return rows
    inside, outside = rates(in_domain), rates(foreign_sets)
    total = lambda rows: sum(r["refused"] for r in rows.values()) / max(sum(r["n"] for r in rows.values()), 1)
    return {"in_domain": inside, "foreign": outside,
            "in_domain_refused": total(inside), "foreign_refused": total(outside),
            "command": "python -m training.gate_eval --package <this package>"}


def measure_package(package_dir: Path, shared_data: Path) -> dict:
    metadata = json.loads((package_dir / "model_metadata.json").read_text())
    loaded = tf.saved_model.load(str(package_dir / "saved_model"))  # kept: serve needs its variables
    return measure(loaded.serve, *gate_set(metadata["name"], metadata["input"]["channels"], shared_data))


def describe(result: dict) -> str:
    lines = []
    for side in ("in_domain", "foreign"):
        for name, row in result[side].items():
            lines.append(f"  {side:9s} {name:70s} {row['refused']:5d} / {row['n']:5d} refused ({row['rate']:.1%})")
    lines.append(f"  in-domain refused {result['in_domain_refused']:.2%}, foreign refused {result['foreign_refused']:.2%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.gate_eval", description=__doc__.split("\n")[0])
    parser.add_argument("--package", required=True, help="exported_models/<name>/<version>")
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args(argv)
    print(describe(measure_package(Path(args.package), Path(args.shared_data))))


if __name__ == "__main__":
    main()
