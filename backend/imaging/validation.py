"""Checking uploaded bytes before and around decoding, and turning refusals into clear errors.

Decoding itself is `training.decoding`, the one decoder the server's readings, training and (in
JavaScript) the browser share: an upload it cannot read is refused here, never stored. What stays
here is what only an upload needs: the type from the bytes (magic numbers), never from the file
name or the client's Content-Type; pixel counts from the header before anything is decoded, so a
decompression bomb is refused without being expanded; and strict structure checks (PNG checksums,
truncated DICOM elements) that a lenient reader would let through half-read; and text from the
DICOM header cleaned of control characters (a NUL byte cannot be stored in PostgreSQL).
Whatever the bytes, the answer is one of the refusals below, never a server error.
"""

import datetime
import unicodedata
import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image
from pydicom.dataelem import RawDataElement
from rest_framework import status

from config.errors import ApplicationError
from training.decoding import (
    DEFAULT_MAX_DECODED_BYTES,
    ImageDecodeError,
    decode_image,
    read_dicom,
    sniff_image_type,
)

UNDEFINED_LENGTH = 0xFFFFFFFF

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "dicom": "application/dicom"}


@dataclass
class DecodedImage:
    kind: str
    width: int
    height: int
    frames: int
    # 8-bit grayscale or RGB from training.decoding: the preview shows it, the model reads it.
    display: Image.Image
    modality: str = ""
    body_part: str = ""
    study_date: datetime.date | None = None

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def decode_upload(
    data: bytes, *, max_pixels: int, min_side: int, max_bytes: int = DEFAULT_MAX_DECODED_BYTES
) -> DecodedImage:
    kind = sniff_image_type(data)
    if kind is None:
        raise ApplicationError(
            "The file is not a PNG, JPEG or DICOM image (checked from its content, not its name).",
            code="unsupported_type",
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if kind == "dicom":
        decoded = _decode_dicom(data, max_pixels=max_pixels, max_bytes=max_bytes)
    else:
        decoded = _decode_raster(data, kind=kind, max_pixels=max_pixels, max_bytes=max_bytes)
    if min(decoded.width, decoded.height) < min_side:
        raise ApplicationError(
            f"The image is {decoded.width}x{decoded.height}; each side must be at least {min_side} pixels.",
            code="image_too_small",
        )
    return decoded


def _too_many_pixels(width: int | None, height: int | None, frames: int, max_pixels: int) -> ApplicationError:
    if width is None or height is None:  # Pillow refused the header before telling us its size
        message = f"The image has more pixels than the limit of {max_pixels}."
    else:
        message = f"The image has {width * height * frames} pixels; the limit is {max_pixels}."
    return ApplicationError(
        message,
        code="too_many_pixels",
        status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        details={"width": width, "height": height, "frames": frames, "max_pixels": max_pixels},
    )


def _corrupt(kind: str, reason: str) -> ApplicationError:
    label = {"png": "PNG", "jpeg": "JPEG", "dicom": "DICOM"}[kind]
    return ApplicationError(
        f"The {label} file is damaged or incomplete and cannot be read.",
        code="corrupt_image" if kind != "dicom" else "corrupt_dicom",
        details={"reason": reason[:200]},
    )


def _decode_raster(data: bytes, *, kind: str, max_pixels: int, max_bytes: int) -> DecodedImage:
    pil_format = "PNG" if kind == "png" else "JPEG"
    width = height = None
    with warnings.catch_warnings():
        # Pillow's own bomb guard only warns below twice its limit; ours is the stricter one anyway.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=[pil_format]) as header:
                width, height = header.size
                frames = 1
            if width * height > max_pixels:
                raise _too_many_pixels(width, height, frames, max_pixels)
            with Image.open(BytesIO(data), formats=[pil_format]) as probe:
                probe.verify()  # chunk checksums and structure, without decoding
            display = _decode_checked(data, kind=kind, max_bytes=max_bytes)
        except ApplicationError:
            raise
        except Image.DecompressionBombError:
            raise _too_many_pixels(width, height, 1, max_pixels) from None
        except Exception as exc:  # Pillow raises many types for damaged headers
            raise _corrupt(kind, str(exc)) from None
    # The upright size (after the EXIF rotation), as the preview and the model see the image.
    width, height = display.size
    return DecodedImage(kind=kind, width=width, height=height, frames=frames, display=display)


def _decode_checked(data: bytes, *, kind: str, max_bytes: int) -> Image.Image:
    """The shared decoder's picture, or the refusal its reason calls for."""
    try:
        return decode_image(data, name="the upload", max_bytes=max_bytes)
    except ImageDecodeError as exc:
        raise _refusal(kind, exc) from None


def _refusal(kind: str, exc: ImageDecodeError) -> ApplicationError:
    if exc.reason == "unsupported_colour":
        return ApplicationError(
            "Colour DICOM images are not supported: only grayscale DICOM (Samples per Pixel 1) can be read.",
            code="unsupported_dicom_colour",
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if exc.reason == "unsupported_compression":
        return ApplicationError(
            "The DICOM file uses a compression this server cannot decode.",
            code="unsupported_dicom_compression",
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            details={"reason": str(exc)[:200]},
        )
    if exc.reason == "no_pixels":
        return _without_pixels()
    if exc.reason == "too_large":
        return ApplicationError(
            "The image would take more memory to decode than this server allows.",
            code="image_too_large_to_decode",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            details={"reason": str(exc)[:200]},
        )
    return _corrupt(kind, str(exc))


def _without_pixels() -> ApplicationError:
    return ApplicationError(
        "The DICOM file holds no image (it has no pixel data).",
        code="dicom_without_pixels",
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


def _decode_dicom(data: bytes, *, max_pixels: int, max_bytes: int) -> DecodedImage:
    dataset = _read_dicom_strictly(data, max_bytes=max_bytes)
    if not any(tag in dataset for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise _without_pixels()
    try:
        width, height = int(dataset.Columns), int(dataset.Rows)
        frames = int(dataset.get("NumberOfFrames") or 1)
        if width * height * frames > max_pixels:
            raise _too_many_pixels(width, height, frames, max_pixels)
        _check_native_pixel_length(dataset, width=width, height=height, frames=frames)
        modality = _dicom_text(dataset, "Modality", max_length=16)
        body_part = _dicom_text(dataset, "BodyPartExamined", max_length=64)
        study_date = _dicom_date(dataset.get("StudyDate"))
    except ApplicationError:
        raise
    except Exception as exc:  # a damaged value fails when pydicom converts it
        raise _corrupt("dicom", f"bad header value: {exc}") from None
    display = _decode_checked(data, kind="dicom", max_bytes=max_bytes)
    return DecodedImage(
        kind="dicom",
        width=width,
        height=height,
        frames=frames,
        display=display,
        modality=modality,
        body_part=body_part,
        study_date=study_date,
    )


def _dicom_text(dataset, keyword: str, *, max_length: int) -> str:
    """A header string as stored in the Image row: no NUL or other control characters, trimmed."""
    text = str(dataset.get(keyword, "") or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()[:max_length]


def _read_dicom_strictly(data: bytes, *, max_bytes: int):
    """pydicom reads damaged files leniently; refuse what it would silently half-read."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            dataset = read_dicom(data, "the upload", max_bytes=max_bytes)
            _check_element_lengths(dataset)
            # Elements are parsed lazily; touching each one surfaces broken sequences now.
            for _ in dataset.iterall():
                pass
        except ImageDecodeError as exc:
            raise _refusal("dicom", exc) from None
        except Exception as exc:  # pydicom raises many types for malformed elements
            raise _corrupt("dicom", str(exc)) from None
    # pydicom only warns when the file ends inside an element of undefined length.
    for warning in caught:
        if "end of file" in str(warning.message).lower():
            raise _corrupt("dicom", str(warning.message))
    if "TransferSyntaxUID" not in dataset.file_meta:
        raise _corrupt("dicom", "the file meta information has no transfer syntax")
    # A backslash in the value makes it several values (a MultiValue), which is no UID at all.
    if not getattr(dataset.file_meta.TransferSyntaxUID, "is_valid", False):
        raise _corrupt("dicom", "the transfer syntax is not a valid UID")
    return dataset


def _check_element_lengths(dataset) -> None:
    """A file cut inside an element leaves a value shorter than its declared length."""
    for container in (dataset.file_meta, dataset):
        for tag in list(container.keys()):
            raw = container.get_item(tag)
            if not isinstance(raw, RawDataElement) or raw.value is None or raw.length == UNDEFINED_LENGTH:
                continue
            if len(raw.value) < raw.length:
                raise _corrupt("dicom", f"element {tag} holds {len(raw.value)} of its {raw.length} bytes")


def _check_native_pixel_length(dataset, *, width: int, height: int, frames: int) -> None:
    if dataset.file_meta.TransferSyntaxUID.is_compressed or "PixelData" not in dataset:
        return  # a truncated compressed stream fails to decode instead
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    bits = int(dataset.get("BitsAllocated", 8) or 8)
    expected = (width * height * frames * samples * bits + 7) // 8
    if len(dataset.PixelData) < expected:
        raise _corrupt("dicom", f"pixel data holds {len(dataset.PixelData)} bytes, the image needs {expected}")


def _dicom_date(value) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(str(value).strip(), "%Y%m%d").date()
    except (TypeError, ValueError):
        return None


def render_preview(decoded: DecodedImage, *, max_side: int) -> bytes:
    """A PNG built from pixels alone: no EXIF, no DICOM tags, nothing that names the patient."""
    preview = decoded.display.copy()
    preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    clean = Image.new(preview.mode, preview.size)
    clean.paste(preview)
    buffer = BytesIO()
    clean.save(buffer, format="PNG")
    return buffer.getvalue()
