"""The grey-level statistics the drift watch keeps of every image: mean and spread of what the model reads.

Every model's graph reads the centre square of the decoded picture (it crops the short edge, then
resizes), so the statistics are taken over that square, in 0-255 grey levels, over all of the
picture's channels. A full-size scan and its centre-cropped copy then give the same numbers, and a
border around a scan, which the model never sees, does not move them.
"""
from __future__ import annotations

import numpy as np


def centre_square(pixels: np.ndarray) -> np.ndarray:
    """The centre square of a (height, width[, channels]) array, as the models' graphs crop it."""
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return pixels[top:top + side, left:left + side]


def intensity_statistics(pixels: np.ndarray) -> tuple[float, float]:
    """(mean, standard deviation) of the centre square's grey levels (0-255)."""
    square = np.asarray(centre_square(np.asarray(pixels)), dtype=np.float64)
    return float(square.mean()), float(square.std())
