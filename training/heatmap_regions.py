"""Where a chest model's heat maps fall: lung fields or the heart and mediastinum.

A simple geometric proxy on the centre square crop the model sees (x across, y down, both 0-1):
the lung fields are the two bands x in [0.12, 0.42] and [0.58, 0.88], y in [0.10, 0.85]; the
central strip (heart, mediastinum, spine) is x in [0.42, 0.58]. The share of a map's mass in each
says whether a model points at lungs or at the middle of the chest. A contact sheet shows the
maps over the images, as the doctor's page draws them.

    python -m training.heatmap_regions --package exported_models/chest-xray-pneumonia/2.0.0 \
        --package exported_models/chest-xray-pneumonia/1.0.0
"""
from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from training.decoding import decode_image_file

LUNGS = ((0.12, 0.42), (0.58, 0.88))
LUNG_ROWS = (0.10, 0.85)
CENTRE = (0.42, 0.58)


def region_masks(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(lung fields, central strip) as boolean masks over a heat-map grid, by cell centre."""
    y = (np.arange(height) + 0.5) / height
    x = (np.arange(width) + 0.5) / width
    rows = (y >= LUNG_ROWS[0]) & (y <= LUNG_ROWS[1])
    lung_cols = np.zeros(width, bool)
    for low, high in LUNGS:
        lung_cols |= (x >= low) & (x <= high)
    centre_cols = (x > CENTRE[0]) & (x < CENTRE[1])
    return rows[:, None] & lung_cols[None, :], np.broadcast_to(centre_cols[None, :], (height, width))


def mass_shares(heatmap: np.ndarray) -> tuple[float, float]:
    """Share of one (height, width) map's mass over the lung fields and over the central strip."""
    lungs, centre = region_masks(*heatmap.shape)
    total = max(float(heatmap.sum()), 1e-12)
    return float(heatmap[lungs].sum()) / total, float(heatmap[centre].sum()) / total


def full_size_xrays(shared_data: Path) -> list[dict]:
    """The 20 full-size test X-rays with their labels (1 = pneumonia)."""
    folder = shared_data / "chest_xray_kermany"
    with open(folder / "manifest.csv", newline="") as f:
        return [{"file": row["file"], "label": int(row["idx_label"]),
                 "pixels": decode_image_file(folder / row["file"], 1)} for row in csv.DictReader(f)]


def read_all(serve, scans: list[dict], positive: int = 1) -> list[dict]:
    """Each scan's P(finding), accepted flag and the finding's heat map, from the graph."""
    results = []
    for scan in scans:
        outputs = serve(tf.constant(scan["pixels"][np.newaxis], tf.uint8))
        accepted = outputs["input_accepted"].numpy()[0] if "input_accepted" in outputs else 1.0
        results.append({**scan, "probability": float(outputs["probabilities"].numpy()[0, positive]),
                        "heatmap": outputs["heatmaps"].numpy()[0, :, :, positive], "accepted": bool(accepted)})
    return results


def summarise(results: list[dict]) -> dict:
    """Mean lung and centre shares over the pneumonia scans and over all of them."""
    def mean_shares(rows):
        shares = np.array([mass_shares(r["heatmap"]) for r in rows])
        return {"lungs": float(shares[:, 0].mean()), "centre": float(shares[:, 1].mean()), "n": len(rows)}
    lungs, centre = region_masks(*results[0]["heatmap"].shape)
    return {"pneumonia": mean_shares([r for r in results if r["label"] == 1]), "all": mean_shares(results),
            "grid": list(results[0]["heatmap"].shape),
            "uniform_map": {"lungs": float(lungs.mean()), "centre": float(centre.mean())}}


def contact_sheet(results: list[dict], threshold: float, path: Path, title: str) -> None:
    """The scans' centre crops, each with the finding's heat map where the reading is positive."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 5
    rows = int(np.ceil(len(results) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 2.4, rows * 2.7))
    for axis, result in zip(axes.flat, results):
        pixels = result["pixels"][..., 0]
        side = min(pixels.shape)
        top, left = (pixels.shape[0] - side) // 2, (pixels.shape[1] - side) // 2
        axis.imshow(pixels[top:top + side, left:left + side], cmap="gray", extent=(0, 1, 1, 0))
        positive = result["accepted"] and result["probability"] >= threshold
        if positive:
            axis.imshow(result["heatmap"], cmap="inferno", alpha=0.45, extent=(0, 1, 1, 0),
                        interpolation="bilinear", vmin=0, vmax=1)
        truth = "pneumonia" if result["label"] else "normal"
        verdict = "refused" if not result["accepted"] else f"P={result['probability']:.2f}"
        axis.set_title(f"{truth} · {verdict}", fontsize=8, color="darkred" if positive else "black")
        axis.set_xticks([])
        axis.set_yticks([])
    for axis in list(axes.flat)[len(results):]:
        axis.axis("off")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.heatmap_regions", description=__doc__.split("\n")[0])
    parser.add_argument("--package", action="append", required=True, help="a chest model package (repeatable)")
    parser.add_argument("--shared-data", default="../shared/data")
    args = parser.parse_args(argv)
    scans = full_size_xrays(Path(args.shared_data))
    print(f"share of the pneumonia heat map's mass on the 20 full-size test X-rays "
          f"(lung fields / central strip; a flat map gives the areas)")
    for package in map(Path, args.package):
        metadata = json.loads((package / "model_metadata.json").read_text())
        loaded = tf.saved_model.load(str(package / "saved_model"))  # kept: serve needs its variables
        summary = summarise(read_all(loaded.serve, scans))
        print(f"{metadata['name']} {metadata['version']} ({summary['grid'][0]}x{summary['grid'][1]}): "
              f"pneumonia scans lungs {summary['pneumonia']['lungs']:.2f} centre {summary['pneumonia']['centre']:.2f}; "
              f"all 20 lungs {summary['all']['lungs']:.2f} centre {summary['all']['centre']:.2f}; "
              f"flat map lungs {summary['uniform_map']['lungs']:.2f} centre {summary['uniform_map']['centre']:.2f}")


if __name__ == "__main__":
    main()
