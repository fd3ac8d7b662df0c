"""Images a model was not trained for, gathered offline: the input gate learns and is measured on them.

Every source is real data shipped inside an installed package or in the project's shared data, or
made here (noise, blanks, gradients, shapes, text pages, charts). Sources are split in two by name:
the gate trains on one half and is measured on the other, so its refusal rate on foreign images
is measured on kinds of image it never saw (a CT phantom, a moon, a text page, other DICOMs...).

Each image is uint8 (height, width, 3); callers convert to their model's channels the way the
decoder does (Pillow's "L").
"""
from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from training.decoding import ImageDecodeError, decode_image_bytes

# Photographs and pictures shipped with scikit-image, scikit-learn and matplotlib.
TRAIN_PICTURES = (
    "skimage:astronaut.png", "skimage:brick.png", "skimage:camera.png", "skimage:chelsea.png",
    "skimage:coffee.png", "skimage:coins.png", "skimage:grass.png", "skimage:gravel.png",
    "skimage:rocket.jpg", "skimage:motorcycle_left.png", "skimage:ihc.png", "skimage:hubble_deep_field.jpg",
    "skimage:text.png", "sklearn:china.jpg", "sklearn:flower.jpg", "matplotlib:grace_hopper.jpg",
    "matplotlib:Minduka_Present_Blue_Pack.png", "matplotlib:logo2.png",
)
HELD_OUT_PICTURES = (
    "skimage:moon.png", "skimage:page.png", "skimage:horse.png", "skimage:cell.png",
    "skimage:clock_motion.png", "skimage:color.png", "skimage:logo.png", "skimage:phantom.png",
    "skimage:retina.jpg", "skimage:microaneurysms.png",
)
# The retina model's own kind of image: never foreign to it.
FUNDUS_PICTURES = {"skimage:retina.jpg", "skimage:microaneurysms.png"}
# DICOM files in ../shared/data/dicom kept for measuring only (pydicom's copies of them too).
HELD_OUT_DICOM = ("CT_small.dcm", "MR_small.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm")
# Chest radiographs: in the chest model's domain, so never foreign to it.
CHEST_DICOM = ("RG1_UNCI.dcm", "RG1_J2KI.dcm")


def picture(spec: str) -> np.ndarray:
    """One picture shipped inside a package, e.g. "skimage:moon.png", as RGB uint8."""
    package, name = spec.split(":")
    if package == "skimage":
        import skimage
        path = Path(skimage.__file__).parent / "data" / name
    elif package == "sklearn":
        import sklearn
        path = Path(sklearn.__file__).parent / "datasets" / "images" / name
    else:
        import matplotlib
        path = Path(matplotlib.get_data_path()) / "sample_data" / name
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def pictures(specs, exclude=()) -> list[tuple[str, np.ndarray]]:
    return [(spec, picture(spec)) for spec in specs if spec not in exclude]


def mri_slice() -> np.ndarray:
    """matplotlib's sample MRI (a 256x256 big-endian 16-bit head slice), windowed to uint8."""
    import matplotlib
    raw = gzip.open(Path(matplotlib.get_data_path()) / "sample_data" / "s1045.ima.gz").read()
    pixels = np.frombuffer(raw, ">u2").reshape(256, 256).astype(float)
    gray = np.clip(pixels / max(np.percentile(pixels, 99.5), 1.0) * 255, 0, 255).astype(np.uint8)
    return np.repeat(gray[..., np.newaxis], 3, axis=-1)


def dicom_images(files) -> list[tuple[str, np.ndarray]]:
    """Every file that the project's decoder reads, as RGB; unreadable ones are skipped."""
    found = []
    for path in files:
        try:
            gray = decode_image_bytes(Path(path).read_bytes(), 1, name=str(path))
        except (ImageDecodeError, OSError, ValueError):
            continue
        found.append((f"dicom:{Path(path).name}", np.repeat(gray, 3, axis=-1)))
    return found


def pydicom_test_dicoms() -> list[tuple[str, np.ndarray]]:
    """pydicom's own test files, less those that are (versions of) the held-out shared ones."""
    import pydicom
    folder = Path(pydicom.__file__).parent / "data" / "test_files"
    held_out = tuple(name.split(".")[0].split("-")[0] for name in HELD_OUT_DICOM)
    files = [p for p in sorted(folder.glob("*.dcm")) if not p.name.startswith(held_out)]
    return dicom_images(files)


# pydicom-data files whose images the gates learned from (pydicom's own copies of 693 and
# liver), held out elsewhere (MR-SIEMENS) or of a chest (RG1): left out of the unseen set.
PYDICOM_DATA_LEFT_OUT = ("693", "liver", "MR-SIEMENS", "RG1")


def pydicom_data_dicoms() -> list[tuple[str, np.ndarray]]:
    """The pydicom-data package's DICOMs, which no gate trained on: an extremity radiograph (RG3),
    CT, MR, NM, ultrasound and others; one file per image (its compressed variants left out)."""
    import data_store  # the pydicom-data package
    folder = Path(data_store.__file__).parent / "data"
    images, seen = [], set()
    for name, image in dicom_images(sorted(folder.glob("*.dcm"))):
        base = Path(name.split(":")[1]).stem.split("_")[0]
        if base.startswith(PYDICOM_DATA_LEFT_OUT) or base in seen:
            continue
        seen.add(base)
        images.append((name, image))
    return images


def synthetic(count: int, seed: int, size: int = 256) -> list[tuple[str, np.ndarray]]:
    """Noise, blanks, gradients, shapes, text pages and charts: things people upload by mistake."""
    rng = np.random.default_rng(seed)
    makers = [_noise, _blank, _gradient, _shapes, _text_page, _chart, _checkerboard]
    images = []
    for index in range(count):
        maker = makers[index % len(makers)]
        images.append((f"synthetic:{maker.__name__[1:]}", maker(rng, size)))
    return images


def _noise(rng, size):
    if rng.random() < 0.5:
        return rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    level, spread = rng.uniform(40, 215), rng.uniform(5, 80)
    gray = rng.normal(level, spread, (size, size, 1))
    return np.clip(np.repeat(gray, 3, axis=-1), 0, 255).astype(np.uint8)


def _blank(rng, size):
    return np.full((size, size, 3), rng.integers(0, 256, 3 if rng.random() < 0.5 else 1), dtype=np.uint8)


def _gradient(rng, size):
    angle = rng.uniform(0, 2 * np.pi)
    rows, cols = np.mgrid[0:size, 0:size] / size
    ramp = np.cos(angle) * cols + np.sin(angle) * rows
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    gray = ramp * rng.uniform(100, 255) + rng.uniform(0, 100)
    return np.clip(np.repeat(gray[..., np.newaxis], 3, axis=-1), 0, 255).astype(np.uint8)


def _shapes(rng, size):
    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(2, 12)):
        box = sorted(rng.integers(0, size, 2)), sorted(rng.integers(0, size, 2))
        xy = [box[0][0], box[1][0], box[0][1] + 1, box[1][1] + 1]
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(xy, fill=fill)
    return np.asarray(image)


def _font(size: int):
    import matplotlib
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return ImageFont.truetype(str(path), size)


def _text_page(rng, size):
    """A scanned page or a screenshot of a form: lines of words on a light (or dark) ground."""
    dark = rng.random() < 0.2
    image = Image.new("L", (size, size), int(rng.integers(0, 50) if dark else rng.integers(200, 256)))
    draw = ImageDraw.Draw(image)
    font = _font(int(rng.integers(8, 24)))
    words = ["patient", "report", "date", "name", "result", "normal", "dose", "mg", "invoice", "total",
             "the", "and", "of", "chest", "x-ray", "referral", "signature", "2024", "No.", "page"]
    y = int(rng.integers(2, 20))
    while y < size:
        line = " ".join(rng.choice(words, int(rng.integers(2, 10))))
        draw.text((int(rng.integers(2, 30)), y), line, fill=230 if dark else int(rng.integers(0, 80)), font=font)
        y += int(font.size * rng.uniform(1.2, 2.0))
    return np.repeat(np.asarray(image)[..., np.newaxis], 3, axis=-1)


def _chart(rng, size):
    """A line or bar chart, drawn with Pillow (a screenshot of a plot)."""
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.line([(20, 10), (20, size - 20), (size - 10, size - 20)], fill=(0, 0, 0), width=2)
    values = rng.uniform(0.1, 0.9, int(rng.integers(4, 20)))
    step = (size - 40) / len(values)
    colour = tuple(int(v) for v in rng.integers(0, 200, 3))
    points = [(25 + i * step, (size - 20) - v * (size - 40)) for i, v in enumerate(values)]
    if rng.random() < 0.5:
        draw.line(points, fill=colour, width=3)
    else:
        for x, y in points:
            draw.rectangle([x, y, x + step * 0.7, size - 21], fill=colour)
    return np.asarray(image)


def _checkerboard(rng, size):
    cells = int(rng.integers(2, 32))
    rows, cols = np.mgrid[0:size, 0:size] * cells // size
    gray = ((rows + cols) % 2) * rng.uniform(50, 255)
    return np.repeat(gray[..., np.newaxis], 3, axis=-1).astype(np.uint8)


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """RGB -> the model's channels, as the decoder converts (Pillow "L" for grayscale models)."""
    if channels == 3:
        return image
    return np.asarray(Image.fromarray(image).convert("L"))[..., np.newaxis]


def encode_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image.squeeze()).save(buffer, format="PNG")
    return buffer.getvalue()
