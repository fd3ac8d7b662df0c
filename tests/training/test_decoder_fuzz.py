"""Seeded fuzzing of the one decoder: whatever the bytes, it returns 8-bit pixels within the decode
bound or raises ImageDecodeError, nothing else (no other exception, no unbounded allocation).

Derandomized, so every run (and CI) tries the same cases; about 3,000 in all.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

from tests.image_mutations import SEEDED, dicom_headers, jpeg_headers, mutated, png_headers
from training.decoding import ImageDecodeError, decode_image_bytes

MAX_BYTES = 16 * 1024 * 1024


def decodes_within_bounds_or_refuses(data: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns about every odd value it reads
        try:
            pixels = decode_image_bytes(data, 1, name="fuzzed", max_bytes=MAX_BYTES)
        except ImageDecodeError as refused:
            assert refused.reason in ("not_an_image", "corrupt", "no_pixels", "too_large",
                                      "unsupported_compression", "unsupported_colour")
            return
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 1
    assert 0 < pixels.size <= MAX_BYTES


@pytest.fixture(scope="module")
def data(dicom_dir, xray_dir):
    return dicom_dir.parent


# Each kind, the strategy built from the data directory, and how many cases it runs.
KINDS = {
    "mutated-real-files": (mutated, 1800),
    "generated-dicom-headers": (dicom_headers, 600),
    "generated-png-headers": (lambda _: png_headers(), 300),
    "generated-jpeg-headers": (jpeg_headers, 300),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_decoder_gives_bounded_pixels_or_its_own_error(kind, data):
    strategy, examples = KINDS[kind]

    @settings(SEEDED, max_examples=examples)
    @given(strategy(data))
    def check(fuzzed):
        decodes_within_bounds_or_refuses(fuzzed)

    check()
