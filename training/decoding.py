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

Decoding is bounded, because an upload is small on the wire and can be huge in memory: an image
whose decoded pixels (rows x columns x frames x samples x bytes per sample, from the header, before
any pixel data is touched) exceed `max_bytes` is refused with reason "too_large"; a deflated DICOM
data set is inflated only up to that bound; the float arithmetic runs over a block of rows at a
time, so its working memory stays small whatever the image size.

The type is sniffed from the content, never from the file name. Every failure raises
`ImageDecodeError` with the path, what was wrong, and a `reason` a caller can turn into a response:
nothing else escapes, however damaged the file.
"""
from __future__ import annotations

import io
import os
import struct
import warnings
import zlib

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
DICOM_MAGIC_OFFSET = 128  # "DICM" follows a 128-byte preamble
DEFLATED_SYNTAX = "1.2.840.10008.1.2.1.99"
RLE_SYNTAX = "1.2.840.10008.1.2.5"  # decoded to the header's Rows and Columns, whatever the data says

# The most decoded pixel bytes one image may take (the backend's DECODE_MAX_BYTES by default).
DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024
# Pixels converted in float at a time: 8 MB of float64 working memory, whatever the image size.
BLOCK_PIXELS = 1 << 20
# JPEG start-of-frame markers (baseline to lossless, arithmetic, and JPEG-LS's SOF55): they carry the size.
JPEG_FRAME_MARKERS = {*range(0xC0, 0xD0)} - {0xC4, 0xC8, 0xCC} | {0xF7}
J2K_SIZE_MARKER = b"\xff\x4f\xff\x51"  # start of codestream, then SIZ

# Pillow's modes for grayscale deeper than 8 bits (16-bit PNGs open as one of these).
DEEP_GRAY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
GRAY_MODES = ("1", "L", "LA", "La")


class ImageDecodeError(ValueError):
    """A file that cannot be turned into pixels, with the reason a user can act on.

    `reason` is one of "not_an_image", "unreadable", "corrupt", "no_pixels", "too_large",
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


def decode_image(data: bytes, name: str = "<bytes>", *, max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> Image.Image:
    """Decodes PNG, JPEG or DICOM bytes to the picture everyone sees: an 8-bit "L" or "RGB" image."""
    kind = sniff_image_type(data[:DICOM_MAGIC_OFFSET + 4])
    if kind is None:
        raise ImageDecodeError(f"{name}: not a PNG, JPEG or DICOM file", reason="not_an_image")
    if kind == "dicom":
        return Image.fromarray(_decode_dicom(data, name, max_bytes), mode="L")
    image = _open_pillow(data, name, max_bytes)
    try:
        return _to_picture(image)
    except ImageDecodeError:
        raise
    except Exception as error:  # a damaged palette or mode fails in the conversion
        raise ImageDecodeError(f"{name}: corrupt or truncated image ({error})") from error


def decode_image_bytes(data: bytes, channels: int, name: str = "<bytes>", *,
                       max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> np.ndarray:
    """Decodes PNG, JPEG or DICOM bytes to a uint8 array of shape (height, width, channels)."""
    mode = "L" if channels == 1 else "RGB"
    pixels = np.asarray(decode_image(data, name, max_bytes=max_bytes).convert(mode), dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)


def decode_image_file(path: str | os.PathLike, channels: int, *,
                      max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> np.ndarray:
    """Reads and decodes one image file; see `decode_image_bytes`."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ImageDecodeError(f"{path}: cannot be read ({error.strerror})", reason="unreadable") from error
    return decode_image_bytes(data, channels, name=str(path), max_bytes=max_bytes)


def _too_large(name: str, size: int, max_bytes: int) -> ImageDecodeError:
    return ImageDecodeError(f"{name}: the decoded image would take {size} bytes; the limit is {max_bytes}",
                            reason="too_large")


def _open_pillow(data: bytes, name: str, max_bytes: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; the byte bound below is the one that counts.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            size = image.width * image.height * _bytes_per_pixel(image.mode)
            if size > max_bytes:
                raise _too_large(name, size, max_bytes)
            image.load()  # truncated or corrupt pixel data fails here, not later
            return ImageOps.exif_transpose(image)  # upright, as browsers show photos from phones
    except ImageDecodeError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageDecodeError(f"{name}: {error}", reason="too_large") from error
    except Exception as error:  # Pillow raises many types for damaged files
        raise ImageDecodeError(f"{name}: corrupt or truncated image ({error})") from error


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow allocates per pixel for an image of this mode."""
    if mode in ("I", "F"):
        return 4
    if mode.startswith("I;16"):
        return 2
    return Image.getmodebands(mode)


def _to_picture(image: Image.Image) -> Image.Image:
    """8-bit "L" or "RGB". Converting 8-bit modes through RGB gives Pillow's own "L" for them."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in DEEP_GRAY_MODES:
        # Pillow's "L" of a 16-bit image clips at 255 (a 0-4000 ramp turns mostly white); the
        # stretch keeps the picture a doctor would expect, and the model reads the same.
        return Image.fromarray(_stretch_to_uint8(np.asarray(image)), mode="L")
    if image.mode in GRAY_MODES:
        return image.convert("L")
    return image.convert("RGB")


def _stretch_to_uint8(values: np.ndarray, transform=None, *, invert: bool = False) -> np.ndarray:
    """`transform(values)` stretched min-max over its own range to 0..255 (round half to even; all
    zeros for a flat image), a block of rows at a time so the float working copy stays small."""
    transform = transform or (lambda block: block)
    rows_per_block = max(1, BLOCK_PIXELS // max(1, values.shape[1]))
    starts = range(0, values.shape[0], rows_per_block)
    low, high = np.inf, -np.inf
    for start in starts:
        block = transform(values[start:start + rows_per_block])
        low, high = min(low, float(np.min(block))), max(high, float(np.max(block)))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError("pixel values are not finite numbers (check the rescale and window values)")
    out = np.empty(values.shape[:2], dtype=np.uint8)
    for start in starts:
        block = np.asarray(transform(values[start:start + rows_per_block]), dtype=np.float64)
        scaled = (block - low) / (high - low) if high > low else np.zeros_like(block)
        if invert:
            scaled = 1.0 - scaled  # MONOCHROME1 shows low values as white
        out[start:start + rows_per_block] = np.round(scaled * 255.0)
    return out


def read_dicom(data: bytes, name: str = "<bytes>", *, max_bytes: int = DEFAULT_MAX_DECODED_BYTES):
    """The DICOM data set with its pixel data still encoded; a deflated one inflated up to `max_bytes`."""
    import pydicom
    from pydicom.filereader import _read_file_meta_info, read_preamble

    try:
        stream = io.BytesIO(data)
        preamble = read_preamble(stream, False)
        meta = _read_file_meta_info(stream)
        if meta.get("TransferSyntaxUID") != DEFLATED_SYNTAX:
            return pydicom.dcmread(io.BytesIO(data))
        # pydicom would inflate the whole rest of the file in one call, however large it grows.
        body = _inflate(data[stream.tell():], name, max_bytes)
        dataset = pydicom.filereader.read_dataset(io.BytesIO(body), is_implicit_VR=False, is_little_endian=True)
        dataset = pydicom.dataset.FileDataset(name, dataset, preamble, meta, False, True)
        dataset.set_original_encoding(False, True, dataset._character_set)
        return dataset
    except ImageDecodeError:
        raise
    except Exception as error:  # pydicom raises many types for malformed files
        raise ImageDecodeError(f"{name}: corrupt DICOM file ({error})") from error


def _inflate(deflated: bytes, name: str, max_bytes: int) -> bytes:
    """Measured first a megabyte at a time, keeping nothing, so a bomb costs no memory."""
    inflater, size, pending = zlib.decompressobj(-zlib.MAX_WBITS), 0, deflated
    while pending:
        size += len(inflater.decompress(pending, 1 << 20))
        pending = inflater.unconsumed_tail
        if size > max_bytes:
            raise ImageDecodeError(f"{name}: the deflated DICOM data set inflates to more than {max_bytes} bytes",
                                   reason="too_large")
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(deflated)


def _decode_dicom(data: bytes, name: str, max_bytes: int) -> np.ndarray:
    """DICOM to 8-bit grayscale the way a viewer shows it: modality LUT, VOI LUT or window, polarity."""
    dataset = read_dicom(data, name, max_bytes=max_bytes)
    try:
        return _dicom_pixels(dataset, name, max_bytes)
    except ImageDecodeError:
        raise
    except Exception as error:  # bad dimensions, LUTs, windows or values of a damaged file
        raise ImageDecodeError(f"{name}: corrupt DICOM file ({error})") from error


def _dicom_pixels(dataset, name: str, max_bytes: int) -> np.ndarray:
    from pydicom.pixels import pixel_array

    if "PixelData" not in dataset:
        raise ImageDecodeError(f"{name}: DICOM file has no pixel data", reason="no_pixels")
    # Checked before decoding: the browser refuses it too, and decoding it would be wasted work.
    if dataset.get("SamplesPerPixel", 1) != 1:
        raise ImageDecodeError(f"{name}: colour DICOM images are not supported", reason="unsupported_colour")
    frames = dicom_frame_count(dataset)
    size = dicom_decoded_bytes(dataset)
    if size > max_bytes:
        raise _too_large(name, size, max_bytes)
    syntax = dataset.file_meta.get("TransferSyntaxUID", "unknown")
    if syntax != "unknown" and syntax.is_compressed and syntax != RLE_SYNTAX:
        _check_codestream_size(dataset, name, index=frames // 2, frames=frames)
    try:
        # Only the middle frame of a multi-frame file, the most representative one, is decoded.
        pixels = pixel_array(dataset, index=frames // 2)
    except NotImplementedError as error:  # no installed plugin handles this transfer syntax
        raise ImageDecodeError(f"{name}: DICOM pixel data cannot be decoded (transfer syntax {syntax}: {error})",
                               reason="unsupported_compression") from error
    except Exception as error:
        raise ImageDecodeError(f"{name}: DICOM pixel data cannot be decoded "
                               f"(transfer syntax {syntax}: {error})") from error
    if pixels.ndim != 2:
        raise ImageDecodeError(f"{name}: DICOM frame has shape {pixels.shape}, not rows x columns")
    return dicom_gray_to_uint8(dataset, pixels)


def _check_codestream_size(dataset, name: str, *, index: int, frames: int) -> None:
    """A JPEG or JPEG 2000 frame decodes to the size its own header declares, whatever Rows and
    Columns say: a larger one would be expanded in full before the mismatch is noticed."""
    from pydicom.encaps import get_frame

    size = encoded_frame_size(get_frame(dataset.PixelData, index, number_of_frames=frames))
    rows, columns = int(dataset.Rows), int(dataset.Columns)
    if size is not None and size[0] * size[1] > rows * columns:
        raise ImageDecodeError(f"{name}: the compressed frame is {size[0]}x{size[1]}, "
                               f"larger than the {columns}x{rows} the DICOM header declares")


def encoded_frame_size(frame: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG, JPEG-LS or JPEG 2000 codestream's header; None if not found."""
    start = frame.find(J2K_SIZE_MARKER, 0, 65536)
    if start >= 0 and len(frame) >= start + 24:
        width, height, x_offset, y_offset = struct.unpack_from(">IIII", frame, start + 8)
        return width - x_offset, height - y_offset
    at = 2 if frame.startswith(b"\xff\xd8") else len(frame)
    while at + 4 <= len(frame) and frame[at] == 0xFF:
        marker = frame[at + 1]
        if marker in JPEG_FRAME_MARKERS:
            height, width = struct.unpack_from(">HH", frame, at + 5) if at + 9 <= len(frame) else (0, 0)
            return width, height
        at += 1 if marker == 0xFF else 2 + struct.unpack_from(">H", frame, at + 2)[0]  # fill byte or segment
    return None


def dicom_frame_count(dataset) -> int:
    frames = int(dataset.get("NumberOfFrames") or 1)
    if frames < 1:
        raise ValueError(f"bad number of frames {frames}")
    return frames


def dicom_decoded_bytes(dataset) -> int:
    """Bytes the decoded pixel data takes, from the header alone: rows x columns x frames x samples
    x bytes per sample (1-bit and 12-bit samples decode to 8 and 16 bits)."""
    rows, columns = int(dataset.Rows), int(dataset.Columns)
    samples = int(dataset.get("SamplesPerPixel") or 1)
    bits = int(dataset.BitsAllocated)
    if min(rows, columns, samples, bits) < 1:
        raise ValueError(f"bad image dimensions {rows}x{columns}, {samples} samples of {bits} bits")
    return rows * columns * dicom_frame_count(dataset) * samples * ((bits + 7) // 8)


def dicom_gray_to_uint8(dataset, pixels: np.ndarray) -> np.ndarray:
    """One grayscale DICOM frame to 8 bits as a viewer shows it: modality LUT, then the VOI LUT or
    window when the file has one, stretched over its range, MONOCHROME1 inverted."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    has_voi = "VOILUTSequence" in dataset or "WindowCenter" in dataset

    def to_display_values(block: np.ndarray) -> np.ndarray:
        values = apply_modality_lut(block, dataset)
        return apply_voi_lut(values, dataset) if has_voi else values

    invert = dataset.get("PhotometricInterpretation") == "MONOCHROME1"
    return _stretch_to_uint8(pixels, to_display_values, invert=invert)
