import numpy as np
import pydicom
import pytest

from training.decoding import ImageDecodeError, decode_image_bytes, decode_image_file, sniff_image_type


def test_jpeg_xray_decodes_to_grayscale(xray_dir):
    pixels = decode_image_file(xray_dir / "NORMAL" / "IM-0001-0001.jpeg", channels=1)
    assert pixels.shape == (1317, 1857, 1) and pixels.dtype == np.uint8
    assert 30 < pixels.mean() < 220


def test_grayscale_file_can_be_read_as_rgb(xray_dir):
    pixels = decode_image_file(xray_dir / "NORMAL" / "IM-0001-0001.jpeg", channels=3)
    assert pixels.shape[-1] == 3
    assert np.array_equal(pixels[..., 0], pixels[..., 2])


def test_type_is_sniffed_from_content_not_name(xray_dir, tmp_path):
    renamed = tmp_path / "scan.dcm"
    renamed.write_bytes((xray_dir / "NORMAL" / "IM-0001-0001.jpeg").read_bytes())
    assert decode_image_file(renamed, channels=1).shape == (1317, 1857, 1)
    assert sniff_image_type(renamed.read_bytes()[:132]) == "jpeg"


def test_dicom_radiograph_decodes_with_its_window(dicom_dir):
    pixels = decode_image_file(dicom_dir / "RG1_UNCI.dcm", channels=1)
    assert pixels.shape == (1955, 1841, 1)
    assert pixels.min() == 0 and pixels.max() == 255


def test_jpeg2000_dicom_matches_the_uncompressed_one(dicom_dir):
    compressed = decode_image_file(dicom_dir / "RG1_J2KI.dcm", channels=1).astype(float)
    plain = decode_image_file(dicom_dir / "RG1_UNCI.dcm", channels=1).astype(float)
    assert compressed.shape == plain.shape
    assert np.abs(compressed - plain).mean() < 2.0  # lossy JPEG 2000: close, not identical


def test_monochrome1_is_inverted(dicom_dir, tmp_path):
    dataset = pydicom.dcmread(dicom_dir / "MR_small.dcm")
    normal = decode_image_file(dicom_dir / "MR_small.dcm", channels=1).astype(int)
    dataset.PhotometricInterpretation = "MONOCHROME1"
    dataset.save_as(tmp_path / "inverted.dcm")
    inverted = decode_image_file(tmp_path / "inverted.dcm", channels=1).astype(int)
    assert np.abs(inverted - (255 - normal)).max() <= 1  # rounding at .5 may differ by one


def test_dicom_without_pixel_data_is_refused(dicom_dir, tmp_path):
    dataset = pydicom.dcmread(dicom_dir / "CT_small.dcm")
    del dataset.PixelData
    dataset.save_as(tmp_path / "no_pixels.dcm")
    with pytest.raises(ImageDecodeError, match="no_pixels.dcm: DICOM file has no pixel data"):
        decode_image_file(tmp_path / "no_pixels.dcm", channels=1)


def test_truncated_dicom_is_refused(dicom_dir):
    data = (dicom_dir / "CT_small.dcm").read_bytes()
    with pytest.raises(ImageDecodeError, match="truncated.dcm: (corrupt DICOM|DICOM file has no pixel data)"):
        decode_image_bytes(data[:2000], channels=1, name="truncated.dcm")


def test_truncated_png_is_refused(tmp_path):
    from PIL import Image
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    with pytest.raises(ImageDecodeError, match="x.png: corrupt or truncated image"):
        decode_image_bytes(data[:len(data) // 2], channels=1, name="x.png")


def test_other_content_is_refused():
    with pytest.raises(ImageDecodeError, match="notes.txt: not a PNG, JPEG or DICOM file"):
        decode_image_bytes(b"hello" * 100, channels=1, name="notes.txt")


def test_unreadable_path_says_why(tmp_path):
    with pytest.raises(ImageDecodeError, match="missing.png: cannot be read"):
        decode_image_file(tmp_path / "missing.png", channels=1)


def test_exif_orientation_is_applied_as_browsers_do(tmp_path):
    from PIL import Image
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.new("L", (40, 20), 128).save(tmp_path / "phone.jpg", exif=exif)
    assert decode_image_file(tmp_path / "phone.jpg", channels=1).shape == (40, 20, 1)


def test_16_bit_png_is_stretched_over_its_range_not_clipped(tmp_path):
    from PIL import Image
    ramp = np.tile(np.linspace(0, 4000, 256).astype(np.uint16), (16, 1))
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    pixels = decode_image_file(tmp_path / "ramp.png", channels=1)[..., 0]
    expected = np.round(ramp / 4000 * 255).astype(np.uint8)
    assert np.array_equal(pixels, expected)


def test_colour_dicom_is_refused_before_its_pixels_are_decoded(dicom_dir, tmp_path):
    dataset = pydicom.dcmread(dicom_dir / "MR_small.dcm")
    dataset.SamplesPerPixel = 3
    dataset.PhotometricInterpretation = "RGB"
    dataset.save_as(tmp_path / "colour.dcm")
    with pytest.raises(ImageDecodeError, match="colour.dcm: colour DICOM images are not supported") as refusal:
        decode_image_file(tmp_path / "colour.dcm", channels=1)
    assert refusal.value.reason == "unsupported_colour"


def test_16bit_png_stretch_is_the_same_across_row_blocks(tmp_path):
    """The stretch runs a block of rows at a time; the result is the whole-image formula."""
    from PIL import Image
    from training.decoding import BLOCK_PIXELS
    width = 600
    values = np.random.default_rng(1).integers(100, 4000, (3 * BLOCK_PIXELS // width + 7, width), dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    expected = np.round((values - float(values.min())) / (values.max() - values.min()) * 255.0).astype(np.uint8)
    assert np.array_equal(decode_image_file(tmp_path / "deep.png", channels=1)[..., 0], expected)
