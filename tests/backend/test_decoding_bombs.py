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
BOMB_NAMES = [
    "deflated-zeros",
    "rle-7000x7000",
    "rle-many-frames",
    "png-16bit-10000x10000",
    "jpeg-claims-20000x20000",
]
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
def test_decoder_refuses_the_bomb_as_too_large(bomb_files, name):
    with pytest.raises(ImageDecodeError) as refused:
        decode_image_bytes(bomb_files[name].read_bytes(), 1, name=name, max_bytes=DECODE_MAX_BYTES)
    assert refused.value.reason == "too_large"


@pytest.mark.parametrize("name", BOMB_NAMES)
def test_upload_of_the_bomb_is_refused_413(bomb_files, name, alice, settings):
    settings.DECODE_MAX_BYTES = DECODE_MAX_BYTES
    case = make_case(patient=alice)
    response = client_for(alice).post(
        f"/api/v1/cases/{case.pk}/images/",
        {"file": SimpleUploadedFile(name, bomb_files[name].read_bytes())},
        format="multipart",
    )
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] in ("too_many_pixels", "image_too_large_to_decode")
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
    assert measured["outcomes"][0] == "too_large"
    assert measured["outcomes"][1] in ("too_many_pixels", "image_too_large_to_decode")


def test_a_small_deflated_dicom_still_decodes_like_the_plain_one(medical_data_dir):
    """Deflate is inflated with a bound, not refused: an honest deflated file reads as before."""
    dataset = explicit_little(medical_data_dir / "dicom" / "CT_small.dcm")
    plain = decode_image_bytes((medical_data_dir / "dicom" / "CT_small.dcm").read_bytes(), 1)
    assert (decode_image_bytes(deflated(dataset), 1) == plain).all()
