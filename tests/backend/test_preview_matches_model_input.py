"""A case's preview of a DICOM shows the pixels the model reads: one conversion serves both."""
import numpy as np
import pytest

from imaging.decoding import decode_upload
from training.decoding import decode_image_bytes

# Grayscale files with a modality LUT (CT), plain MR, a multi-frame MR with overlays, and a
# radiograph stored uncompressed and as JPEG 2000.
DICOMS = ["CT_small.dcm", "MR_small.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm", "RG1_UNCI.dcm", "RG1_J2KI.dcm"]


@pytest.mark.parametrize("name", DICOMS)
def test_the_preview_of_a_real_dicom_is_the_model_input(medical_data_dir, name):
    data = (medical_data_dir / "dicom" / name).read_bytes()
    decoded = decode_upload(data, max_pixels=50_000_000, min_side=16)
    model_input = decode_image_bytes(data, channels=1, name=name)[..., 0]
    preview = np.asarray(decoded.display)
    assert preview.shape == model_input.shape
    assert np.array_equal(preview, model_input)
    assert preview.max() == 255 and preview.min() == 0  # stretched over the full range
