"""Image files to pixels: the one decoder, and the only step that runs outside the exported model.

Every consumer reads images through here: upload validation and the case preview
(backend/imaging), server readings (backend/inference), and training's image folders. The browser
(web/src/decode.js, web/src/dicom.js) mirrors it byte for byte for what it decodes itself.

`decode_image` gives the picture: 8-bit grayscale ("L") or 8-bit RGB. The preview shows it and the
model reads it (`decode_image_bytes` only converts it to the model's channel count), so what a
doctor sees is what the model read. The rule for each input:

- 8-bit grayscale PNG/JPEG: as stored. 8-bit colour PNG/JPEG (also palette, CMYK, with alpha): as
  Pillow reads it to RGB; a 1-channel model reads Pillow's "L" of those RGB pixels
  (L = R*299/1000 + G*587/1000 + B*114/1000). Photos are turned upright by their EXIF orientation.
- 16-bit grayscale PNG: stretched min-max over the image's own range to 0..255 (round half to
  even), the same stretch a DICOM gets. 16-bit colour PNG: Pillow keeps each channel's top 8 bits.
- Grayscale DICOM: modality LUT, then the VOI LUT or window when the file has one, stretched
  min-max to 0..255, MONOCHROME1 inverted; the middle frame of a multi-frame file.
- Colour DICOM (Samples per Pixel 3) is refused: no reader of this project decodes it.

The type is sniffed from the content, never from the file name. Every failure raises
`ImageDecodeError` with the path, what was wrong, and a `reason` a caller can turn into a response.
"""
from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
DICOM_MAGIC_OFFSET = 128  # "DICM" follows a 128-byte preamble

# Pillow's modes for grayscale deeper than 8 bits (16-bit PNGs open as one of these).
DEEP_GRAY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
GRAY_MODES = ("1", "L", "LA", "La")


class ImageDecodeError(ValueError):
    """A file that cannot be turned into pixels, with the reason a user can act on.

    `reason` is one of "not_an_image", "unreadable", "corrupt", "no_pixels",
    "unsupported_compression" or "unsupported_colour".
    """

    def __init__(self, message: str, *, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.reason = reason


def sniff_image_type(head: bytes) -> str | None:
    """Returns "png", "jpeg", "dicom" or None from the first bytes of a file."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head[DICOM_MAGIC_OFFSET:DICOM_MAGIC_OFFSET + 4] == b"DICM":
        return "dicom"
    return None


def decode_image(data: bytes, name: str = "<bytes>") -> Image.Image:
    """Decodes PNG, JPEG or DICOM bytes to the picture everyone sees: an 8-bit "L" or "RGB" image."""
    kind = sniff_image_type(data[:DICOM_MAGIC_OFFSET + 4])
    if kind is None:
        raise ImageDecodeError(f"{name}: not a PNG, JPEG or DICOM file", reason="not_an_image")
    if kind == "dicom":
        return Image.fromarray(_decode_dicom(data, name), mode="L")
    return _to_picture(_open_pillow(data, name))


def decode_image_bytes(data: bytes, channels: int, name: str = "<bytes>") -> np.ndarray:
    """Decodes PNG, JPEG or DICOM bytes to a uint8 array of shape (height, width, channels)."""
    mode = "L" if channels == 1 else "RGB"
    pixels = np.asarray(decode_image(data, name).convert(mode), dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def decode_image_file(path: str | os.PathLike, channels: int) -> np.ndarray:
    """Reads and decodes one image file; see `decode_image_bytes`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ImageDecodeError(f"{path}: cannot be read ({error.strerror})", reason="unreadable") from error
    return decode_image_bytes(data, channels, name=str(path))


def _open_pillow(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # truncated or corrupt pixel data fails here, not later
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageDecodeError(f"{name}: corrupt or truncated image ({error})") from error
    return ImageOps.exif_transpose(image)  # upright, as browsers show photos from phones


def _to_picture(image: Image.Image) -> Image.Image:
    """8-bit "L" or "RGB". Converting 8-bit modes through RGB gives Pillow's own "L" for them."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in DEEP_GRAY_MODES:
        # Pillow's "L" of a 16-bit image clips at 255 (a 0-4000 ramp turns mostly white); the
        # stretch keeps the picture a doctor would expect, and the model reads the same.
        values = np.asarray(image, dtype=np.float64)
        return Image.fromarray(np.round(_stretch(values) * 255.0).astype(np.uint8), mode="L")
    if image.mode in GRAY_MODES:
        return image.convert("L")
    return image.convert("RGB")


def _stretch(values: np.ndarray) -> np.ndarray:
    """Min-max over the image's own range to 0..1 (all zeros for a flat image)."""
    values = values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _decode_dicom(data: bytes, name: str) -> np.ndarray:
    """DICOM to 8-bit grayscale the way a viewer shows it: modality LUT, VOI LUT or window, polarity."""
    import pydicom

    try:
        dataset = pydicom.dcmread(io.BytesIO(data))
    except Exception as error:  # pydicom raises many types for malformed files
        raise ImageDecodeError(f"{name}: corrupt DICOM file ({error})") from error
    if "PixelData" not in dataset:
        raise ImageDecodeError(f"{name}: DICOM file has no pixel data", reason="no_pixels")
    # Checked before decoding: the browser refuses it too, and decoding it would be wasted work.
    if dataset.get("SamplesPerPixel", 1) != 1:
        raise ImageDecodeError(f"{name}: colour DICOM images are not supported", reason="unsupported_colour")
    try:
        pixels = dataset.pixel_array
    except NotImplementedError as error:  # no installed plugin handles this transfer syntax
        syntax = dataset.file_meta.get("TransferSyntaxUID", "unknown")
        raise ImageDecodeError(f"{name}: DICOM pixel data cannot be decoded (transfer syntax {syntax}: {error})",
                               reason="unsupported_compression") from error
    except Exception as error:
        syntax = dataset.file_meta.get("TransferSyntaxUID", "unknown")
        raise ImageDecodeError(f"{name}: DICOM pixel data cannot be decoded "
                               f"(transfer syntax {syntax}: {error})") from error
    if pixels.ndim == 3:  # multi-frame: the middle slice, the most representative one
        pixels = pixels[len(pixels) // 2]
    return dicom_gray_to_uint8(dataset, pixels)


def dicom_gray_to_uint8(dataset, pixels: np.ndarray) -> np.ndarray:
    """One grayscale DICOM frame to 8 bits as a viewer shows it: modality LUT, then the VOI LUT or
    window when the file has one, stretched over its range, MONOCHROME1 inverted."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    values = apply_modality_lut(pixels, dataset)
    values = apply_voi_lut(values, dataset) if _has_voi(dataset) else values
    scaled = _stretch(values)
    if dataset.get("PhotometricInterpretation") == "MONOCHROME1":
        scaled = 1.0 - scaled  # MONOCHROME1 shows low values as white
    return np.round(scaled * 255.0).astype(np.uint8)


def _has_voi(dataset) -> bool:
    return "VOILUTSequence" in dataset or "WindowCenter" in dataset
