"""Image files to pixel arrays: the only step that runs outside the exported model.

PNG and JPEG go through Pillow, DICOM through pydicom. The type is sniffed from the content, never
from the file name. Every failure raises `ImageDecodeError` with the path and what was wrong.
"""
from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
DICOM_MAGIC_OFFSET = 128  # "DICM" follows a 128-byte preamble


class ImageDecodeError(ValueError):
    """A file that cannot be turned into pixels, with the reason a user can act on."""


def sniff_image_type(head: bytes) -> str | None:
    """Returns "png", "jpeg", "dicom" or None from the first bytes of a file."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head[DICOM_MAGIC_OFFSET:DICOM_MAGIC_OFFSET + 4] == b"DICM":
        return "dicom"
    return None


def decode_image_bytes(data: bytes, channels: int, name: str = "<bytes>") -> np.ndarray:
    """Decodes PNG, JPEG or DICOM bytes to a uint8 array of shape (height, width, channels)."""
    kind = sniff_image_type(data[:DICOM_MAGIC_OFFSET + 4])
    if kind is None:
        raise ImageDecodeError(f"{name}: not a PNG, JPEG or DICOM file")
    if kind == "dicom":
        gray = _decode_dicom(data, name)
        image = Image.fromarray(gray, mode="L")
    else:
        image = _open_pillow(data, name)
    mode = "L" if channels == 1 else "RGB"
    pixels = np.asarray(image.convert(mode), dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def decode_image_file(path: str | os.PathLike, channels: int) -> np.ndarray:
    """Reads and decodes one image file; see `decode_image_bytes`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ImageDecodeError(f"{path}: cannot be read ({error.strerror})") from error
    return decode_image_bytes(data, channels, name=str(path))


def _open_pillow(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # truncated or corrupt pixel data fails here, not later
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError(f"{name}: corrupt or truncated image ({error})") from error
    return ImageOps.exif_transpose(image)  # upright, as browsers show photos from phones


def _decode_dicom(data: bytes, name: str) -> np.ndarray:
    """DICOM to 8-bit grayscale the way a viewer shows it: modality LUT, VOI LUT or window, polarity."""
    import pydicom

    try:
        dataset = pydicom.dcmread(io.BytesIO(data))
    except Exception as error:  # pydicom raises many types for malformed files
        raise ImageDecodeError(f"{name}: corrupt DICOM file ({error})") from error
    if "PixelData" not in dataset:
        raise ImageDecodeError(f"{name}: DICOM file has no pixel data")
    try:
        pixels = dataset.pixel_array
    except Exception as error:
        syntax = dataset.file_meta.get("TransferSyntaxUID", "unknown")
        raise ImageDecodeError(f"{name}: DICOM pixel data cannot be decoded "
                               f"(transfer syntax {syntax}: {error})") from error
    if dataset.get("SamplesPerPixel", 1) != 1:
        raise ImageDecodeError(f"{name}: colour DICOM images are not supported")
    if pixels.ndim == 3:  # multi-frame: the middle slice, as the case preview shows
        pixels = pixels[len(pixels) // 2]
    return dicom_gray_to_uint8(dataset, pixels)


def dicom_gray_to_uint8(dataset, pixels: np.ndarray) -> np.ndarray:
    """One grayscale DICOM frame to 8 bits as a viewer shows it: modality LUT, then the VOI LUT or
    window when the file has one, stretched over its range, MONOCHROME1 inverted. The model's input
    and the case preview both come from here, so what a doctor sees is what the model read."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    values = apply_modality_lut(pixels, dataset)
    values = apply_voi_lut(values, dataset) if _has_voi(dataset) else values
    values = values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    if dataset.get("PhotometricInterpretation") == "MONOCHROME1":
        scaled = 1.0 - scaled  # MONOCHROME1 shows low values as white
    return np.round(scaled * 255.0).astype(np.uint8)


def _has_voi(dataset) -> bool:
    return "VOILUTSequence" in dataset or "WindowCenter" in dataset
