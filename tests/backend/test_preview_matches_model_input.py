"""A case's preview shows the pixels the model reads: one decoder (training.decoding) serves both."""
from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from imaging.validation import decode_upload
from training.decoding import decode_image_bytes

# Grayscale files with a modality LUT (CT), plain MR, a multi-frame MR with overlays, and a
# radiograph stored uncompressed and as JPEG 2000.
DICOMS = ["CT_small.dcm", "MR_small.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm", "RG1_UNCI.dcm", "RG1_J2KI.dcm"]
XRAY = "chest_xray_kermany/NORMAL/IM-0001-0001.jpeg"


def xray_pixels(data_dir) -> np.ndarray:
    with Image.open(data_dir / XRAY) as image:
        return np.asarray(image.convert("L"))


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_8bit(pixels):
    return encoded(Image.fromarray(pixels, mode="L"), "PNG")


def png_16bit(pixels):
    # The X-ray on a 0-4000 scale, as a 12-bit detector writes it.
    deep = np.round(pixels.astype(np.float64) * (4000 / 255)).astype(np.uint16)
    return encoded(Image.fromarray(deep), "PNG")


def jpeg_gray(pixels):
    return encoded(Image.fromarray(pixels, mode="L"), "JPEG", quality=90)


def jpeg_colour(pixels):
    # A warm tint, as a phone photo of a light box has: the channels really differ.
    tinted = np.stack([pixels, (pixels * 0.85).astype(np.uint8), (pixels * 0.6).astype(np.uint8)], axis=-1)
    return encoded(Image.fromarray(tinted, mode="RGB"), "JPEG", quality=90)


def jpeg_exif_rotated(pixels):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    return encoded(Image.fromarray(pixels, mode="L"), "JPEG", quality=90, exif=exif)


RASTERS = {"png-8bit": png_8bit, "png-16bit": png_16bit, "jpeg-gray": jpeg_gray,
           "jpeg-colour": jpeg_colour, "jpeg-exif-rotated": jpeg_exif_rotated}


def upload_bytes(data_dir, source: str) -> bytes:
    if source in RASTERS:
        return RASTERS[source](xray_pixels(data_dir))
    return (data_dir / "dicom" / source).read_bytes()


@pytest.mark.parametrize("source", DICOMS + list(RASTERS))
def test_the_preview_is_the_model_input(medical_data_dir, source):
    data = upload_bytes(medical_data_dir, source)
    preview = np.asarray(decode_upload(data, max_pixels=50_000_000, min_side=16).display)
    channels = 1 if preview.ndim == 2 else 3
    model_input = decode_image_bytes(data, channels=channels, name=source)
    assert np.array_equal(preview.reshape(model_input.shape), model_input)
    # A grayscale model reads Pillow's "L" of the very pixels the preview shows.
    gray = np.asarray(Image.fromarray(preview).convert("L"))
    assert np.array_equal(gray, decode_image_bytes(data, channels=1, name=source)[..., 0])


@pytest.mark.parametrize("name", DICOMS)
def test_a_dicom_is_stretched_over_the_full_range(medical_data_dir, name):
    preview = np.asarray(decode_upload(upload_bytes(medical_data_dir, name), max_pixels=50_000_000, min_side=16).display)
    assert preview.max() == 255 and preview.min() == 0


def test_a_16_bit_png_is_stretched_not_clipped(medical_data_dir):
    model_input = decode_image_bytes(upload_bytes(medical_data_dir, "png-16bit"), channels=1)
    assert model_input.min() == 0 and model_input.max() == 255
    assert (model_input == 255).mean() < 0.05  # clipping at 255 would turn most of it white
    # The stretch undoes the 0-4000 scale: the picture is the 8-bit X-ray to within rounding.
    assert np.abs(model_input[..., 0].astype(int) - xray_pixels(medical_data_dir)).max() <= 1


def test_a_colour_jpeg_stays_colour_in_the_preview(medical_data_dir):
    preview = np.asarray(decode_upload(upload_bytes(medical_data_dir, "jpeg-colour"), max_pixels=50_000_000, min_side=16).display)
    assert preview.ndim == 3 and not np.array_equal(preview[..., 0], preview[..., 2])


def test_an_exif_rotated_jpeg_is_upright_in_preview_and_size(medical_data_dir):
    height, width = xray_pixels(medical_data_dir).shape
    decoded = decode_upload(upload_bytes(medical_data_dir, "jpeg-exif-rotated"), max_pixels=50_000_000, min_side=16)
    assert (decoded.width, decoded.height) == (height, width)
    assert np.asarray(decoded.display).shape == (width, height)
