"""In-browser readings (TF.js in Chromium) agree with the server's SavedModel on real images.

    .venv/bin/python -m pytest tests/web/test_browser_inference.py

Builds web/dist first when it is missing or older than web/src (`npm run build` in web/). Drives web/dist/demo.html in
Debian's Chromium (`apt-get install chromium`; never a downloaded browser) through Playwright,
served with the shipped pneumonia package and the real data from a local server on 127.0.0.1.
Without Chromium or the data it skips with the reason; under CI=true it fails instead. Without the
shipped package it fails: that package is what the product ships.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from live_pages import require

from bench.browser_inference import (CHROMIUM, REPO, chest_xrays, chromium, default_data_dir,
                                     ensure_built, open_demo, static_server)

PACKAGE_ROOT = REPO / "exported_models" / "chest-xray-pneumonia"
RGB_PACKAGE_ROOT = REPO / "exported_models" / "retina-diabetic-retinopathy"
TOLERANCE = 1e-3  # browser vs server probability, per class


@pytest.fixture(scope="module")
def package() -> Path:
    versions = sorted(p.parent for p in PACKAGE_ROOT.glob("*/model_metadata.json"))
    if not versions:
        pytest.fail(f"no shipped pneumonia model package under {PACKAGE_ROOT} (expected <version>/model_metadata.json)")
    return versions[-1]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    path = default_data_dir()
    require((path / "chest_xray_kermany" / "manifest.csv").exists(),
            f"real data not found at {path} (set MEDICAL_DATA_DIR to the data directory)")
    return path


@pytest.fixture(scope="module")
def server_readings(package: Path, data_dir: Path) -> dict[str, dict]:
    """What the server computes: decode_image_file pixels through the SavedModel's serve signature."""
    import tensorflow as tf

    from training.decoding import decode_image_file

    channels = json.loads((package / "model_metadata.json").read_text())["input"]["channels"]
    model = tf.saved_model.load(str(package / "saved_model"))
    files = [f"chest_xray_kermany/{row['file']}" for row in chest_xrays(data_dir)]
    files += ["dicom/RG1_UNCI.dcm"]
    readings = {}
    for name in files:
        pixels = decode_image_file(data_dir / name, channels=channels)
        readings[name] = {**serve(model, pixels), "sha256": hashlib.sha256(pixels.tobytes()).hexdigest(),
                          "shape": list(pixels.shape)}
    return readings


def serve(model, pixels) -> dict:
    """The SavedModel's outputs for one image: probabilities and, for a package with an input gate,
    its score and decision (None without one)."""
    import tensorflow as tf

    outputs = model.serve(tf.constant(pixels[None]))
    gated = "input_accepted" in outputs
    return {"probabilities": outputs["probabilities"].numpy()[0].tolist(),
            "input_check": float(outputs["input_check"].numpy()[0]) if gated else None,
            "accepted": bool(outputs["input_accepted"].numpy()[0] >= 0.5) if gated else None}


def assert_same_gate(browser: dict, server: dict, name: str) -> None:
    """The browser's gate decides as the server's graph does, on a score within the tolerance."""
    if server["accepted"] is None:
        assert browser["status"] == "succeeded" and browser["inputScore"] is None, name
        return
    assert browser["status"] == ("succeeded" if server["accepted"] else "refused"), (name, browser, server)
    assert abs(browser["inputScore"] - server["input_check"]) <= TOLERANCE, (name, browser["inputScore"], server)


@pytest.fixture(scope="module")
def made_dir(tmp_path_factory) -> Path:
    """Files the tests make (served under /made/)."""
    return tmp_path_factory.mktemp("made")


@pytest.fixture(scope="module")
def page(package: Path, data_dir: Path, made_dir: Path):
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require(shutil.which("npm") is not None or (REPO / "web" / "dist" / "demo.js").exists(),
            "npm not found to build web/dist")
    dist = ensure_built()
    mounts = {"/": dist, "/model/": package, "/data/": data_dir, "/made/": made_dir}
    rgb_versions = sorted(p.parent for p in RGB_PACKAGE_ROOT.glob("*/model_metadata.json"))
    if rgb_versions:
        mounts["/rgb-model/"] = rgb_versions[-1]
    with static_server(mounts) as base_url, chromium() as browser:
        page, info = open_demo(browser, base_url, "/model")  # automatic backend choice
        page.load_info = info
        page.base_url, page.chromium = base_url, browser  # for tests that need a page of their own
        yield page
        page.close()


def analyse(page, name: str) -> dict:
    return page.evaluate("(url) => window.inference.analyseUrl(url)", f"/data/{name}")


def test_the_browser_picks_the_wasm_backend_and_loads_the_shipped_model(page, package):
    metadata = json.loads((package / "model_metadata.json").read_text())
    assert page.load_info["backend"] == "wasm"
    assert (page.load_info["name"], page.load_info["version"]) == (metadata["name"], metadata["version"])


def test_without_webassembly_the_next_backend_reads_the_same(page, server_readings):
    """WASM can be missing (an old browser, or disabled by a hospital's policy): the page falls back
    to WebGL or the plain CPU backend and reads the same probabilities."""
    context = page.chromium.new_context()
    context.add_init_script("delete globalThis.WebAssembly;")
    try:
        other, info = open_demo(context, page.base_url, "/model")
        assert other.evaluate("typeof WebAssembly") == "undefined"
        assert info["backend"] in ("webgl", "cpu"), info
        name = next(n for n in server_readings if n.startswith("chest_xray_kermany/"))
        browser = analyse(other, name)
        server = server_readings[name]["probabilities"]
        assert max(abs(b - s) for b, s in zip(browser["probabilities"], server)) <= TOLERANCE
    finally:
        context.close()


def test_browser_and_server_probabilities_agree_on_the_full_size_xrays(page, server_readings):
    """The probabilities within 1e-3, and the input gate (packages with one) decides alike."""
    xrays = [name for name in server_readings if name.startswith("chest_xray_kermany/")]
    assert len(xrays) == 20
    report, worst = [], 0.0
    for name in xrays:
        browser = analyse(page, name)
        assert_same_gate(browser, server_readings[name], name)
        server = server_readings[name]["probabilities"]
        diff = max(abs(b - s) for b, s in zip(browser["probabilities"], server))
        worst = max(worst, diff)
        gate = "" if browser["inputScore"] is None else f", input check {browser['inputScore']:.4f} {browser['status']}"
        report.append(f"{name}: browser {browser['probabilities'][1]:.6f} server {server[1]:.6f} "
                      f"diff {diff:.2e}{gate} ({browser['timings']['totalMs']:.0f} ms)")
    print("\n".join(report) + f"\nworst difference {worst:.2e} over {len(xrays)} X-rays")
    assert worst <= TOLERANCE, "\n".join(report)


def test_the_browser_decodes_the_jpegs_to_the_server_pixels(page, server_readings):
    mismatched = []
    for name, server in server_readings.items():
        if not name.endswith(".jpeg"):
            continue
        pixels = analyse(page, name)["pixels"]
        assert [pixels["height"], pixels["width"], pixels["channels"]] == server["shape"], name
        if pixels["sha256"] != server["sha256"]:
            mismatched.append(name)
    assert not mismatched, f"browser and server decoded these to different pixels: {mismatched}"


def test_uncompressed_dicom_is_read_in_the_browser_like_on_the_server(page, server_readings):
    name = "dicom/RG1_UNCI.dcm"
    browser = analyse(page, name)
    assert browser["pixels"]["sha256"] == server_readings[name]["sha256"]
    assert_same_gate(browser, server_readings[name], name)  # its header says CR, CHEST: not refused by it
    diff = max(abs(b - s) for b, s in zip(browser["probabilities"], server_readings[name]["probabilities"]))
    assert diff <= TOLERANCE


def test_jpeg2000_dicom_is_left_to_the_server(page, data_dir):
    require((data_dir / "dicom" / "RG1_J2KI.dcm").exists(), "RG1_J2KI.dcm not found in the data directory")
    error = page.evaluate(
        "(url) => window.inference.analyseUrl(url).then(() => null, (e) => e.name)", "/data/dicom/RG1_J2KI.dcm")
    assert error == "UnsupportedInBrowserError"
    assert "server" in page.text_content("[role=alert]")


def test_exif_orientation_is_applied_like_on_the_server(page, made_dir, data_dir):
    from PIL import Image

    from training.decoding import decode_image_file

    # A phone-style JPEG: stored sideways, with EXIF orientation 6 (rotate 90 degrees clockwise to view).
    image = Image.open(data_dir / "chest_xray_kermany" / "PNEUMONIA" / "person1_virus_11.jpeg").convert("L")
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(made_dir / "rotated.jpeg", exif=exif)
    expected = decode_image_file(made_dir / "rotated.jpeg", channels=1)
    assert expected.shape[:2] == (image.width, image.height)  # the server turned it upright

    pixels = page.evaluate("(url) => window.inference.analyseUrl(url)", "/made/rotated.jpeg")["pixels"]
    assert [pixels["height"], pixels["width"]] == list(expected.shape[:2])
    assert pixels["sha256"] == hashlib.sha256(expected.tobytes()).hexdigest()


def test_pngs_and_colour_jpegs_decode_to_the_server_pixels(page, made_dir, data_dir):
    """Grey, colour, transparent and palette PNGs (read with ImageDecoder) and colour JPEGs (left in YUV
    by ImageDecoder, so read through a canvas) all give Pillow's pixels."""
    import numpy as np
    from PIL import Image

    from training.decoding import decode_image_file

    gray = Image.open(data_dir / "chest_xray_kermany" / "PNEUMONIA" / "person1_virus_11.jpeg").convert("L")
    colour = Image.merge("RGB", [gray, gray.transpose(Image.FLIP_LEFT_RIGHT), gray.transpose(Image.FLIP_TOP_BOTTOM)])
    rgba = np.asarray(colour.convert("RGBA")).copy()
    rgba[..., 3] = np.linspace(0, 255, rgba.shape[1]).astype(np.uint8)  # semi-transparent, left to right
    files = {"gray.png": gray, "colour.png": colour, "rgba.png": Image.fromarray(rgba), "palette.png": colour.convert("P"),
             "colour.jpeg": colour, "colour_444.jpeg": colour}
    mismatched = []
    for name, image in files.items():
        image.save(made_dir / name, **({"subsampling": 0} if name == "colour_444.jpeg" else {}))
        expected = decode_image_file(made_dir / name, channels=1)
        pixels = page.evaluate("(url) => window.inference.analyseUrl(url)", f"/made/{name}")["pixels"]
        if pixels["sha256"] != hashlib.sha256(expected.tobytes()).hexdigest():
            mismatched.append(name)
    assert not mismatched, f"browser and server decoded these to different pixels: {mismatched}"


def test_an_rgb_multi_class_model_reads_like_the_server(page, data_dir, made_dir):
    """Runs last: it switches the page to the shipped RGB model (decoded to 3 channels, argmax). A
    retina photograph (RetinaMNIST) is read alike; a chest X-ray gets the same gate decision on both
    sides; with DICOM rules in the package, an MR is refused by its header with the server's words."""
    import numpy as np
    import tensorflow as tf
    from PIL import Image

    from inference.decision import dicom_refusal
    from inference.registry import package_validate
    from training.decoding import decode_image_file

    versions = sorted(p.parent for p in RGB_PACKAGE_ROOT.glob("*/model_metadata.json"))
    require(bool(versions), f"no shipped RGB model package under {RGB_PACKAGE_ROOT}")
    retina_npz = data_dir / "medmnist" / "retinamnist.npz"
    require(retina_npz.exists(), f"{retina_npz} not found")
    metadata = json.loads((versions[-1] / "model_metadata.json").read_text())
    assert metadata["input"]["channels"] == 3
    model = tf.saved_model.load(str(versions[-1] / "saved_model"))
    page.evaluate("(url) => window.inference.load(url)", "/rgb-model")
    Image.fromarray(np.load(retina_npz)["test_images"][0]).save(made_dir / "retina.png")
    checked = 0
    for name in ["made/retina.png", "chest_xray_kermany/NORMAL/IM-0001-0001.jpeg", "dicom/MR_small.dcm"]:
        path = made_dir / "retina.png" if name.startswith("made/") else data_dir / name
        browser = page.evaluate("(url) => window.inference.analyseUrl(url)", f"/{name}" if name.startswith("made/")
                                else f"/data/{name}")
        header_rules = name.endswith(".dcm") and (metadata.get("input_check") or {}).get("dicom")
        if header_rules:
            # Refused before decoding: the same words the server's header check uses.
            expected = dicom_refusal(package_validate(versions[-1]), modality="MR", body_part="")
            assert expected.startswith("The DICOM header says this is an MR (Modality MR)"), expected
            assert browser["status"] == "refused" and browser["refusal"] == expected, browser
            assert browser["inputScore"] is None and browser["pixels"] is None and browser["label"] is None
            continue
        pixels = decode_image_file(path, channels=3)
        server = serve(model, pixels)
        assert browser["pixels"]["sha256"] == hashlib.sha256(pixels.tobytes()).hexdigest(), name
        assert max(abs(b - s) for b, s in zip(browser["probabilities"], server["probabilities"])) <= TOLERANCE, name
        assert_same_gate(browser, server, name)
        if browser["status"] == "succeeded":
            assert browser["label"] == metadata["label_names"][int(np.argmax(server["probabilities"]))]
            assert browser["heatmap"] is not None, "a multi-class reading shows its grade's heat map"
            checked += 1
        else:
            assert browser["label"] is None and browser["heatmap"] is None, browser
    assert checked >= 1, "no image was read by the RGB model"
