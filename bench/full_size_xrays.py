"""The shipped pneumonia model(s) on full-size chest X-rays, read through the exported graph.

    .venv/bin/python -m bench.full_size_xrays [--data-dir ../shared/data]

Each full-size JPEG is decoded to 8-bit grayscale and fed whole to the package's SavedModel (the
graph crops and resizes it). The same model also reads the official 28x28 PneumoniaMNIST test
image made from that scan, so the two columns show what full-size input costs, if anything.
"""
import argparse
import csv
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from training.decoding import decode_image_file

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    data_dir = Path(parser.parse_args().data_dir)
    rows = list(csv.DictReader(open(data_dir / "chest_xray_kermany" / "manifest.csv")))
    small = np.load(data_dir / "medmnist" / "pneumoniamnist.npz")["test_images"]
    packages = [p.parent for p in sorted(REPO.glob("exported_models/*/*/model_metadata.json"))
                if json.loads(p.read_text())["name"] == "chest-xray-pneumonia"]
    for package in packages:
        metadata = json.loads((package / "model_metadata.json").read_text())
        test = json.loads((package / "evaluation_metrics.json").read_text())["test"]
        threshold, positive = metadata["decision"]["threshold"], metadata["positive_class"]
        model = tf.saved_model.load(str(package / "saved_model"))
        print(f"{metadata['name']} {metadata['version']}: threshold {threshold:.4f} on P(pneumonia)")
        print(f"  {'file':<34} {'size':>10} {'label':>6} {'P full':>7} {'P 28x28':>8}")
        correct_full, correct_small, gaps = 0, 0, []
        for row in rows:
            label = int(row["idx_label"])
            pixels = decode_image_file(data_dir / "chest_xray_kermany" / row["file"], channels=1)
            p_full = float(model.serve(tf.constant(pixels[np.newaxis]))["probabilities"][0, positive])
            image = small[int(row["pneumoniamnist_test_idx"])][np.newaxis, ..., np.newaxis]
            p_small = float(model.serve(tf.constant(image))["probabilities"][0, positive])
            correct_full += int((p_full >= threshold) == (label == positive))
            correct_small += int((p_small >= threshold) == (label == positive))
            gaps.append(abs(p_full - p_small))
            print(f"  {row['file']:<34} {row['width_x_height']:>10} {label:>6} {p_full:7.3f} {p_small:8.3f}")
        n = len(rows)
        print(f"  accuracy on these {n}: full-size {correct_full / n:.3f}, their 28x28 images "
              f"{correct_small / n:.3f}; whole 28x28 test split {test['accuracy']:.3f}")
        print(f"  |P full - P 28x28|: mean {np.mean(gaps):.4f}, max {np.max(gaps):.4f}\n")


if __name__ == "__main__":
    main()
