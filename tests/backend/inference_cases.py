"""Builders for server-reading tests: cases holding real X-rays, and what the SavedModel says of them."""

import io
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from clinic_factories import upload_file
from inference.registry import ModelPackage
from training.decoding import decode_image_bytes

KERMANY = "chest_xray_kermany"


def xray_files(medical_data_dir: Path, count: int) -> list[Path]:
    files = sorted((medical_data_dir / KERMANY).glob("*/*.jpeg"))
    assert len(files) >= count, f"need {count} X-rays in {medical_data_dir / KERMANY}"
    return files[:count]


def case_with_images(*, patient, files: list[Path] | None = None, blobs: list[bytes] | None = None, submit=True):
    """A case of `patient` holding the given image files (or raw bytes), submitted."""
    from cases.services import case_create, case_submit
    from imaging.services import image_upload

    case = case_create(created_by=patient, patient=patient, title="Cough and fever")
    for index, data in enumerate([f.read_bytes() for f in files or []] + list(blobs or [])):
        image_upload(case=case, uploaded_by=patient, file=upload_file(f"scan-{index}", data))
    return case_submit(case=case, submitted_by=patient) if submit else case


def png_of(pixels: np.ndarray) -> bytes:
    """A lossless PNG of uint8 pixels (height, width, 1 or 3)."""
    image = PILImage.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def serve_directly(package: ModelPackage, data: bytes) -> dict[str, np.ndarray]:
    """The SavedModel's own outputs for one image file, decoded by the shared decoder."""
    import tensorflow as tf

    model = tf.saved_model.load(str(package.saved_model_dir))
    pixels = decode_image_bytes(data, package.channels)
    return {k: v.numpy()[0] for k, v in model.serve(tf.constant(pixels[None])).items()}
