"""Hostile image files, built in code from the real files in the data directory.

Decompression bombs (small on the wire, huge once decoded) and malformed DICOMs that once made
the server run out of memory or answer 500. The decoder and upload tests share them.
"""
import struct
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.dataelem import RawDataElement
from pydicom.encaps import encapsulate
from pydicom.filewriter import write_file_meta_info
from pydicom.tag import Tag
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    RLELossless,
)

MiB = 1024 * 1024


def dicom_bytes(dataset) -> bytes:
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def explicit_little(path: Path):
    """A real DICOM re-encoded as Explicit VR Little Endian, so elements carry their VR."""
    dataset = pydicom.dcmread(path)
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset.set_original_encoding(False, True, dataset._character_set)
    return dataset


def deflated(dataset, *, zeros: int = 0) -> bytes:
    """`dataset` in Deflated Explicit VR Little Endian, followed by a private OB element of `zeros`
    zero bytes: the file stays small however large `zeros` is (about 1000:1)."""
    plain = dicom_bytes(dataset)
    meta_end = 132 + 12 + struct.unpack("<I", plain[140:144])[0]
    meta = pydicom.dataset.FileMetaDataset(dataset.file_meta)
    meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    meta_out = pydicom.filebase.DicomBytesIO()
    write_file_meta_info(meta_out, meta)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = [compressor.compress(plain[meta_end:])]
    if zeros:
        # (7FE1,0010) private creator, then (7FE1,1000) OB of zeros, after the pixel data.
        creator = b"BOMB"
        body.append(compressor.compress(struct.pack("<HH2sH", 0x7FE1, 0x0010, b"LO", len(creator)) + creator))
        body.append(compressor.compress(struct.pack("<HH2sHI", 0x7FE1, 0x1000, b"OB", 0, zeros)))
        chunk = bytes(MiB)
        for _ in range(zeros // MiB):
            body.append(compressor.compress(chunk))
        body.append(compressor.compress(bytes(zeros % MiB)))
    body.append(compressor.flush())
    return b"\0" * 128 + b"DICM" + meta_out.getvalue() + b"".join(body)


def rle_segment(length: int) -> bytes:
    """RLE (PackBits) of `length` zero bytes: runs of 128, two bytes each."""
    full, rest = divmod(length, 128)
    return b"\x81\x00" * full + (bytes([257 - rest, 0]) if rest > 1 else b"\x00\x00" if rest else b"")


def rle_frame(rows: int, columns: int, bits: int) -> bytes:
    segments = [rle_segment(rows * columns) for _ in range(bits // 8)]
    offsets, at = [], 64
    for segment in segments:
        offsets.append(at)
        at += len(segment)
    header = struct.pack("<16I", len(segments), *offsets, *([0] * (15 - len(segments))))
    return header + b"".join(segments)


def rle_dicom(template: Path, *, rows: int, columns: int, bits: int = 16, frames: int = 1) -> bytes:
    """An all-zero RLE Lossless grayscale image of any size, a few bytes per 128 pixels."""
    dataset = explicit_little(template)
    dataset.file_meta.TransferSyntaxUID = RLELossless
    dataset.Rows, dataset.Columns = rows, columns
    dataset.BitsAllocated = dataset.BitsStored = bits
    dataset.HighBit = bits - 1
    dataset.PixelRepresentation = 0
    dataset.SamplesPerPixel = 1
    dataset.PhotometricInterpretation = "MONOCHROME2"
    if frames > 1:
        dataset.NumberOfFrames = frames
    frame = rle_frame(rows, columns, bits)
    dataset.PixelData = encapsulate([frame] * frames)
    dataset["PixelData"].VR = "OB"
    return dicom_bytes(dataset)


def frame_larger_than_header(template: Path, *, codec: str, side: int) -> bytes:
    """A 64x64 8-bit DICOM whose one JPEG or JPEG 2000 frame declares `side` x `side` in its own
    header: decoders expand the codestream's size, not the DICOM header's."""
    buffer = BytesIO()
    pixels = Image.fromarray(np.zeros((64, 64), np.uint8))
    if codec == "j2k":
        pixels.save(buffer, "JPEG2000", no_jp2=True, irreversible=False)
        frame = bytearray(buffer.getvalue())
        at = frame.index(b"\xff\x51")  # SIZ: image and tile sizes, then their offsets
        struct.pack_into(">IIIIIIII", frame, at + 6, side, side, 0, 0, side, side, 0, 0)
    else:
        pixels.save(buffer, "JPEG")
        frame = bytearray(jpeg_claiming(buffer.getvalue(), side, side))
    dataset = explicit_little(template)
    dataset.file_meta.TransferSyntaxUID = JPEG2000Lossless if codec == "j2k" else JPEGBaseline8Bit
    dataset.Rows = dataset.Columns = 64
    dataset.BitsAllocated = dataset.BitsStored = 8
    dataset.HighBit, dataset.PixelRepresentation = 7, 0
    dataset.PixelData = encapsulate([bytes(frame)])
    dataset["PixelData"].VR = "OB"
    return dicom_bytes(dataset)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_zeros(width: int, height: int, *, bit_depth: int = 8) -> bytes:
    """A valid grayscale PNG of any size, all zeros, deflated row by row."""
    row = bytes(1 + width * bit_depth // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) claims another size."""
    at = jpeg.index(b"\xff\xc0")
    return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def bombs(data_dir: Path) -> dict[str, bytes]:
    """Each file is at most a few MB and would decode to hundreds of MB or more."""
    ct = data_dir / "dicom" / "CT_small.dcm"
    jpeg = (data_dir / "chest_xray_kermany" / "NORMAL" / "IM-0001-0001.jpeg").read_bytes()
    return {
        "deflated-zeros": deflated(explicit_little(ct), zeros=512 * MiB),
        "rle-7000x7000": rle_dicom(ct, rows=7000, columns=7000, bits=16),
        "rle-many-frames": rle_dicom(ct, rows=512, columns=512, bits=8, frames=1200),
        "png-16bit-10000x10000": png_of_zeros(10000, 10000, bit_depth=16),
        "jpeg-claims-20000x20000": jpeg_claiming(jpeg, 20000, 20000),
        "j2k-frame-larger-than-header": frame_larger_than_header(ct, codec="j2k", side=20000),
        "jpeg-frame-larger-than-header": frame_larger_than_header(ct, codec="jpeg", side=13000),
    }


def with_raw(dataset, keyword: str, vr: str, value: bytes):
    """`dataset` with `keyword` holding exactly these bytes, unchecked, as a damaged file would."""
    tag = Tag(keyword)
    dataset[tag] = RawDataElement(tag, vr, len(value), value, 0, False, True)
    return dataset


def voi_lut_item(descriptor: list[int], data: list[int]):
    item = pydicom.Dataset()
    item.LUTDescriptor = descriptor
    item.add_new("LUTData", "OW", struct.pack(f"<{len(data)}H", *data))
    return item


def malformed_dicoms(data_dir: Path) -> dict[str, bytes]:
    """Damaged real DICOMs (CT_small and MR_small) that pydicom reads but cannot turn into pixels,
    or cannot read at all."""
    ct = data_dir / "dicom" / "CT_small.dcm"
    mr = data_dir / "dicom" / "MR_small.dcm"
    cases = {}

    def add(name, path, change):
        dataset = explicit_little(path)
        change(dataset)
        cases[name] = dicom_bytes(dataset)

    def window(width):
        def change(dataset):
            dataset.WindowCenter, dataset.WindowWidth = 40, width
        return change

    add("window-width-zero", ct, window(0))
    add("window-width-negative", ct, window(-400))
    add("rescale-slope-not-a-number", ct, lambda d: with_raw(d, "RescaleSlope", "DS", b"abc "))

    def voi_lut(descriptor, data):
        def change(dataset):
            dataset.VOILUTSequence = [voi_lut_item(descriptor, data)]
        return change

    add("voi-lut-two-value-descriptor", ct, voi_lut([4096, 0], [0, 1, 2]))
    add("voi-lut-zero-bits", ct, voi_lut([4, 0, 0], [0, 1, 2, 3]))

    def modality_lut(change_item):
        def change(dataset):
            item = pydicom.Dataset()
            change_item(item)
            dataset.ModalityLUTSequence = [item]
            for keyword in ("RescaleSlope", "RescaleIntercept"):
                dataset.pop(keyword, None)
        return change

    add("modality-lut-empty-item", ct, modality_lut(lambda item: None))
    add("modality-lut-empty-data", ct, modality_lut(lambda item: setattr(item, "LUTDescriptor", [4096, 0, 16])))
    add("rows-not-a-number", mr, lambda d: with_raw(d, "Rows", "US", b"\x40"))
    add("bits-allocated-three-bytes", mr, lambda d: with_raw(d, "BitsAllocated", "US", b"\x10\x00\x00"))
    add("number-of-frames-text", mr, lambda d: with_raw(d, "NumberOfFrames", "IS", b"many"))

    plain = dicom_bytes(explicit_little(ct))
    at = plain.index(b"\x18\x00\x50\x00") + 4  # (0018,0050) Slice Thickness: its VR
    cases["unknown-value-representation"] = plain[:at] + b"ZZ" + plain[at + 2:]
    return cases
