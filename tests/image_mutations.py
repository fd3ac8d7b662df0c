"""Hypothesis strategies for damaged image files: mutations of the real PNG, JPEG and DICOM files in
the data directory (bit flips, truncations, inserted and overwritten bytes), and files whose
headers are generated (any size, depth, frame count or transfer syntax over a little pixel data).

The decoder fuzz test (tests/training) and the upload fuzz test (tests/backend) share them.
"""
import struct
import zlib
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGLSLossless,
    RLELossless,
)

from tests.bad_images import deflated, dicom_bytes, explicit_little, png_chunk, rle_frame

# Where DICOM and PNG headers are: mutations land here half the time.
HEADER_BYTES = 2048
# The same cases on every run and in CI; decoding a large file may take a while.
SEEDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@cache
def seed_files(data_dir: Path) -> dict[str, bytes]:
    """Small real files of each kind, so that each case decodes in milliseconds."""
    dicom = data_dir / "dicom"
    xray = sorted((data_dir / "chest_xray_kermany" / "NORMAL").glob("*.jpeg"), key=lambda p: p.stat().st_size)
    png = sorted((data_dir / "chest_xray_kermany_train" / "NORMAL").glob("*.png"))
    files = {name: (dicom / name).read_bytes() for name in ("CT_small.dcm", "MR_small.dcm")}
    files["xray.jpeg"] = xray[0].read_bytes()
    files["xray.png"] = png[0].read_bytes()
    files["CT_small-deflated.dcm"] = deflated(explicit_little(dicom / "CT_small.dcm"))
    return files


@st.composite
def mutated(draw, data_dir: Path) -> bytes:
    seeds = seed_files(data_dir)
    data = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 3))):
        end = len(data) - 1
        at = draw(st.integers(0, min(HEADER_BYTES, end)) | st.integers(0, end))
        kind = draw(st.sampled_from(["flip", "flip", "truncate", "insert", "overwrite"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[max(at, 1):]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            patch = draw(st.sampled_from([b"\x00\x00", b"\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x01\x00"]))
            data[at:at + len(patch)] = patch
        if len(data) < 2:
            break
    return bytes(data)


SYNTAXES = [
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    ExplicitVRBigEndian,
    DeflatedExplicitVRLittleEndian,
    RLELossless,
    JPEGBaseline8Bit,
    JPEG2000Lossless,
    JPEGLSLossless,
]
SIDES = st.integers(0, 65535) | st.sampled_from([1, 16, 64, 128, 65535])


@st.composite
def dicom_headers(draw, data_dir: Path) -> bytes:
    """CT_small with a generated image header and a little pixel data that may not match it."""
    dataset = explicit_little(data_dir / "dicom" / "CT_small.dcm")
    syntax = draw(st.sampled_from(SYNTAXES))
    dataset.Rows, dataset.Columns = draw(SIDES), draw(SIDES)
    dataset.BitsAllocated = draw(st.sampled_from([0, 1, 7, 8, 12, 16, 32, 64]))
    dataset.BitsStored = draw(st.integers(0, 64))
    dataset.HighBit = draw(st.integers(0, 64))
    dataset.PixelRepresentation = draw(st.integers(0, 2))
    dataset.SamplesPerPixel = draw(st.sampled_from([0, 1, 1, 1, 3]))
    dataset.PhotometricInterpretation = draw(st.sampled_from(["MONOCHROME1", "MONOCHROME2", "RGB", "PALETTE COLOR"]))
    frames = draw(st.sampled_from([None, 0, 1, 2, 3, 100000, 2**31 - 1]))
    if frames is not None:
        dataset.NumberOfFrames = frames
    if syntax == RLELossless:
        side = draw(st.integers(1, 64))
        dataset.PixelData = encapsulate([rle_frame(side, side, draw(st.sampled_from([8, 16])))])
    elif syntax.is_compressed:
        dataset.PixelData = encapsulate([draw(st.binary(min_size=2, max_size=256))])
    else:
        dataset.PixelData = draw(st.binary(min_size=0, max_size=4096))
    dataset["PixelData"].VR = "OB"
    if syntax == DeflatedExplicitVRLittleEndian:
        return deflated(dataset)
    dataset.file_meta.TransferSyntaxUID = syntax
    dataset.set_original_encoding(syntax.is_implicit_VR, syntax.is_little_endian, dataset._character_set)
    return dicom_bytes(dataset)


@st.composite
def png_headers(draw) -> bytes:
    """A PNG with any declared size, depth and colour type over a little deflated data."""
    header = struct.pack(
        ">IIBBBBB",
        draw(SIDES), draw(SIDES),
        draw(st.sampled_from([1, 2, 4, 8, 16, 3])), draw(st.sampled_from([0, 2, 3, 4, 6, 5])),
        0, 0, draw(st.integers(0, 1)),
    )
    data = zlib.compress(draw(st.binary(min_size=0, max_size=512)))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


@st.composite
def jpeg_headers(draw, data_dir: Path) -> bytes:
    """A real JPEG whose frame header declares any size."""
    jpeg = seed_files(data_dir)["xray.jpeg"]
    at = jpeg.index(b"\xff\xc0")
    height, width = draw(SIDES), draw(SIDES)
    return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def hostile_files(data_dir: Path) -> st.SearchStrategy[bytes]:
    """Every kind above, mixed."""
    return st.one_of(mutated(data_dir), dicom_headers(data_dir), png_headers(), jpeg_headers(data_dir))

