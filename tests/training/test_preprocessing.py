import csv

import numpy as np
import tensorflow as tf
from PIL import Image

from training.decoding import decode_image_file
from training.preprocessing import center_crop_and_resize, preprocess


def test_same_size_input_passes_through_unchanged():
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28, 3)).astype(np.uint8)
    assert np.array_equal(center_crop_and_resize(images, 28).numpy(), images.astype(np.float32))


def test_output_is_scaled_to_unit_range():
    images = np.full((1, 50, 40, 1), 255, np.uint8)
    out = preprocess(images, 28).numpy()
    assert out.shape == (1, 28, 28, 1)
    np.testing.assert_allclose(out, 1.0, atol=1e-6)


def test_crop_is_centred_on_the_long_edge():
    # A 10x30 image whose middle 10x10 square is white: only that square must survive the crop.
    image = np.zeros((1, 10, 30, 1), np.uint8)
    image[:, :, 10:20] = 255
    np.testing.assert_allclose(center_crop_and_resize(image, 10).numpy(), 255.0, atol=1e-3)


def test_full_size_xrays_match_pillow_and_medmnist(xray_dir, medmnist_dir):
    """The in-graph resize is Pillow's anti-aliased bilinear, and close to MedMNIST's own images."""
    reference = np.load(medmnist_dir / "pneumoniamnist.npz")["test_images"].astype(float)
    pil_gap, ours_mse, naive_mse = [], [], []
    for row in csv.DictReader(open(xray_dir / "manifest.csv")):
        pixels = decode_image_file(xray_dir / row["file"], channels=1)
        ours = center_crop_and_resize(pixels[np.newaxis], 28).numpy()[0, ..., 0]
        height, width = pixels.shape[:2]
        side = min(height, width)
        top, left = (height - side) // 2, (width - side) // 2
        square = pixels[top:top + side, left:left + side, 0]
        pil = np.asarray(Image.fromarray(square).resize((28, 28), Image.BILINEAR), dtype=float)
        naive = tf.image.resize(square[np.newaxis, ..., np.newaxis].astype(np.float32), (28, 28)).numpy()[0, ..., 0]
        target = reference[int(row["pneumoniamnist_test_idx"])]
        pil_gap.append(np.abs(ours - pil).max())
        ours_mse.append(np.mean((np.round(ours) - target) ** 2))
        naive_mse.append(np.mean((naive - target) ** 2))
    assert max(pil_gap) < 1.0  # within one grey level of Pillow everywhere
    assert np.mean(ours_mse) < 25.0  # measured 20.8: RMS 4.6 grey levels from MedMNIST's images
    assert np.mean(naive_mse) > 2 * np.mean(ours_mse)  # a plain bilinear resize aliases
