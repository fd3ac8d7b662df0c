"""How close full-size chest X-rays come to their MedMNIST 28x28 images through our preprocessing.

    .venv/bin/python -m bench.preprocessing_fidelity [--data-dir ../shared/data]

Each of the 20 full-size JPEGs in chest_xray_kermany/ is one PneumoniaMNIST test image
(manifest.csv maps them). Every method first takes the centre square on the short edge; the
numbers are the mean squared error and mean absolute error in grey levels (0-255) against the
official 28x28 image, averaged over the 20 images. Lower is closer.
"""
import argparse
import csv
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from training.decoding import decode_image_file
from training.preprocessing import center_crop_and_resize


def centre_square(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return pixels[top:top + side, left:left + side, 0]


METHODS = {
    "ours (in-graph triangle filter, TF.js ops)": lambda p: np.round(center_crop_and_resize(p[None], 28).numpy()[0, ..., 0]),
    "Pillow BILINEAR (anti-aliased)": lambda p: np.asarray(Image.fromarray(centre_square(p)).resize((28, 28), Image.BILINEAR), float),
    "Pillow BICUBIC (anti-aliased)": lambda p: np.asarray(Image.fromarray(centre_square(p)).resize((28, 28), Image.BICUBIC), float),
    "Pillow BOX (area average)": lambda p: np.asarray(Image.fromarray(centre_square(p)).resize((28, 28), Image.BOX), float),
    "tf.image.resize bilinear (no anti-aliasing)": lambda p: np.round(tf.image.resize(centre_square(p)[None, ..., None].astype(np.float32), (28, 28)).numpy()[0, ..., 0]),
    "nearest neighbour": lambda p: np.asarray(Image.fromarray(centre_square(p)).resize((28, 28), Image.NEAREST), float),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    data_dir = Path(parser.parse_args().data_dir)
    reference = np.load(data_dir / "medmnist" / "pneumoniamnist.npz")["test_images"].astype(float)
    rows = list(csv.DictReader(open(data_dir / "chest_xray_kermany" / "manifest.csv")))
    images = [(decode_image_file(data_dir / "chest_xray_kermany" / r["file"], channels=1),
               reference[int(r["pneumoniamnist_test_idx"])]) for r in rows]
    print(f"{len(images)} full-size X-rays vs their PneumoniaMNIST test images (grey levels 0-255)")
    print(f"  {'method':<46} {'MSE':>7} {'MAE':>6} {'worst MSE':>10}")
    for name, method in METHODS.items():
        errors = [(method(pixels) - target) for pixels, target in images]
        mse = [np.mean(e ** 2) for e in errors]
        mae = [np.mean(np.abs(e)) for e in errors]
        print(f"  {name:<46} {np.mean(mse):7.2f} {np.mean(mae):6.2f} {max(mse):10.2f}")


if __name__ == "__main__":
    main()
