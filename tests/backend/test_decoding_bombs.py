"""Decompression bombs: refused from the header, before the pixels are expanded, on upload and in
the decoder that server readings and training use, with little memory.

Each bomb is a few MB on the wire and hundreds of MB or more once decoded (tests/bad_images.py).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clinic_factories import client_for, make_case, media_files
from imaging.models import Image
from tests.bad_images import MiB, bombs, deflated, explicit_little
from training.decoding import ImageDecodeError, decode_image_bytes

REPO = Path(__file__).resolve().parents[2]
# What each bomb is refused as: the decoder's reason, then the upload's status and error code.
REFUSED_AS = {
    "deflated-zeros": ("too_large", 413, "image_too_large_to_decode"),
    "rle-7000x7000": ("too_large", 413, "image_too_large_to_decode"),
    "rle-many-frames": ("too_large", 413, "too_many_pixels"),
    "png-16bit-10000x10000": ("too_large", 413, "too_many_pixels"),
    "jpeg-claims-20000x20000": ("too_large", 413, "too_many_pixels"),
    # The DICOM header says 64x64; the codestream inside says otherwise, and decoders believe it.
    "j2k-frame-larger-than-header": ("corrupt", 400, "corrupt_dicom"),
    "jpeg-frame-larger-than-header": ("corrupt", 400, "corrupt_dicom"),
}
BOMB_NAMES = list(REFUSED_AS)
# Peak memory one refused bomb may add to the process, on upload and in the decoder together.
MEMORY_BOUND_MIB = 64
DECODE_MAX_BYTES = 64 * MiB

# Runs in a fresh interpreter: how far its resident-set high-water mark (VmHWM, reset first, so
# that start-up does not hide the growth) rises above its resident set while one bomb goes through
# the decoder and then upload validation.
MEASURE = """
import json, re, sys, warnings
import django
django.setup()
from imaging.validation import decode_upload
from training.decoding import decode_image_bytes

def mib(key):
    return int(re.search(key + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024

warnings.simplefilter("ignore")
data = open(sys.argv[1], "rb").read()
max_bytes = int(sys.argv[2])
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # resets VmHWM to the current resident set
before = mib("VmRSS")
outcomes = []
for step in (lambda: decode_image_bytes(data, 1, max_bytes=max_bytes),
             lambda: decode_upload(data, max_pixels=50_000_000, min_side=16, max_bytes=max_bytes)):
    try:
        step()
        outcomes.append("decoded")
    except Exception as error:
        outcomes.append(getattr(error, "code", None) or getattr(error, "reason", None) or type(error).__name__)
print(json.dumps({"growth_mib": round(mib("VmHWM") - before, 1), "outcomes": outcomes}))
"""


@pytest.fixture(scope="module")
def bomb_files(medical_data_dir, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    files = {}
    for name, data in bombs(medical_data_dir).items():
        files[name] = folder / name
        files[name].write_bytes(data)
    return files


def test_each_bomb_is_small_on_the_wire(bomb_files):
    assert sorted(bomb_files) == sorted(BOMB_NAMES)
    assert all(path.stat().st_size < 6 * MiB for path in bomb_files.values())


@pytest.mark.parametrize("name", BOMB_NAMES)
def test_decoder_refuses_the_bomb(bomb_files, name):
    with pytest.raises(ImageDecodeError) as refused:
        decode_image_bytes(bomb_files[name].read_bytes(), 1, name=name, max_bytes=DECODE_MAX_BYTES)
    assert refused.value.reason == REFUSED_AS[name][0]


@pytest.mark.parametrize("name", BOMB_NAMES)
def test_upload_of_the_bomb_is_refused(bomb_files, name, alice, settings):
    settings.DECODE_MAX_BYTES = DECODE_MAX_BYTES
    case = make_case(patient=alice)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/images/",
        {"file": SimpleUploadedFile(name, bomb_files[name].read_bytes())},
        format="multipart",
    )
    assert (response.status_code, response.json()["error"]["code"]) == REFUSED_AS[name][1:], response.content
    assert Image.objects.count() == 0 and media_files(settings) == []


@pytest.mark.parametrize("name", BOMB_NAMES)
def test_bomb_costs_little_memory(bomb_files, name):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": f"{REPO}:{REPO / 'backend'}"}
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(bomb_files[name]), str(DECODE_MAX_BYTES)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(name, measured)  # shown with -s: the measured growth of each bomb
    assert measured["growth_mib"] < MEMORY_BOUND_MIB, measured
    assert measured["outcomes"] == [REFUSED_AS[name][0], REFUSED_AS[name][2]]


def test_a_small_deflated_dicom_still_decodes_like_the_plain_one(medical_data_dir):
    """Deflate is inflated with a bound, not refused: an honest deflated file reads as before."""
    dataset = explicit_little(medical_data_dir / "dicom" / "CT_small.dcm")
    plain = decode_image_bytes((medical_data_dir / "dicom" / "CT_small.dcm").read_bytes(), 1)
    assert (decode_image_bytes(deflated(dataset), 1) == plain).all()
