"""The model registry: shipped packages are listed and served; damaged ones are refused."""

import json
import logging
from pathlib import Path

import pytest

from clinic_factories import client_for
from inference.registry import packages_discover
from model_packages import CHEST, copy_package, shipped_package

pytestmark = pytest.mark.django_db


def test_every_shipped_package_passes_its_checks(shipped_models, caplog):
    with caplog.at_level(logging.ERROR, logger="inference.registry"):
        packages = packages_discover(shipped_models)
    shipped = sorted(p.parent for p in shipped_models.glob("*/*/model_metadata.json"))
    assert [p.path for p in packages] == shipped
    assert CHEST in {p.name for p in packages}
    assert "refused" not in caplog.text


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _edit_metadata(package: Path, change) -> None:
    metadata = json.loads((package / "model_metadata.json").read_text())
    change(metadata)
    (package / "model_metadata.json").write_text(json.dumps(metadata))


DAMAGE = {
    "a weight file that fails its checksum": (
        lambda p: _flip_a_byte(p / "saved_model/variables/variables.data-00000-of-00001"),
        "does not match its checksum",
    ),
    "a TF.js shard that fails its checksum": (
        lambda p: _flip_a_byte(next((p / "tfjs").glob("*.bin"))),
        "does not match its checksum",
    ),
    "a missing file": (lambda p: (p / "saved_model/variables/variables.index").unlink(), "is missing"),
    "metadata that is not JSON": (
        lambda p: (p / "model_metadata.json").write_text("{not json"),
        "cannot be read as JSON",
    ),
    "metadata without labels": (
        lambda p: _edit_metadata(p, lambda m: m.pop("label_names")),
        "label_names",
    ),
    "a threshold outside [0, 1]": (
        lambda p: _edit_metadata(p, lambda m: m["decision"].update(threshold=1.5)),
        "decision.threshold",
    ),
    "a file list that points outside the package": (
        lambda p: _edit_metadata(p, lambda m: m["files"].update({"../../secrets": "0" * 64})),
        "outside the package",
    ),
    "a file that no checksum covers": (
        lambda p: (p / "saved_model" / "extra.pb").write_bytes(b"unchecked"),
        "is not listed in files",
    ),
    "an input check that gives no reason to refuse": (
        lambda p: _edit_metadata(p, lambda m: m.update(input_check={"refusal": " ", "threshold": 0.5})),
        "input_check.refusal",
    ),
    "an input check without a threshold": (
        lambda p: _edit_metadata(p, lambda m: m.update(input_check={"refusal": "Not an X-ray.", "threshold": None})),
        "input_check.threshold",
    ),
    "DICOM rules that are not lists of codes": (
        lambda p: _edit_metadata(
            p, lambda m: m.update(input_check={"refusal": "No.", "threshold": 0.5, "dicom": {"modalities": "CR"}})
        ),
        "input_check.dicom.modalities",
    ),
    "metadata naming another version": (
        lambda p: _edit_metadata(p, lambda m: m.update(version="9.9.9")),
        "sits in",
    ),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_package_is_refused_with_a_clear_log_line_and_not_listed(
    damage, shipped_models, tmp_path, settings, caplog, alice
):
    package = copy_package(shipped_package(shipped_models), tmp_path / "models")
    damage_it, reason = DAMAGE[damage]
    damage_it(package)
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"

    with caplog.at_level(logging.ERROR, logger="inference.registry"):
        assert packages_discover() == []
        response = client_for(alice).get("/api/v1/models/")
    assert response.status_code == 200 and response.json() == []
    refusals = [r.getMessage() for r in caplog.records if "model package refused" in r.getMessage()]
    assert len(refusals) == 1, refusals  # said once, not on every request
    assert str(package) in refusals[0] and reason in refusals[0]
    assert client_for(None).get(f"/api/v1/models/{CHEST}/{package.name}/tfjs/model.json").status_code == 404


def test_a_package_repaired_in_place_is_accepted_again(shipped_models, tmp_path, settings):
    original = shipped_package(shipped_models)
    package = copy_package(original, tmp_path / "models")
    index = package / "saved_model/variables/variables.index"
    kept = index.read_bytes()
    index.unlink()
    assert packages_discover(tmp_path / "models") == []
    index.write_bytes(kept)
    assert [p.version for p in packages_discover(tmp_path / "models")] == [original.version]


def test_models_are_listed_with_metadata_metrics_and_the_tfjs_url(shipped_models, alice):
    response = client_for(alice).get("/api/v1/models/")
    assert response.status_code == 200
    package = shipped_package(shipped_models)
    chest = next(m for m in response.json() if (m["name"], m["version"]) == (CHEST, package.version))
    assert chest["active"] is True  # a fresh installation starts on the newest version
    assert chest["label_names"] == package.label_names
    assert chest["decision"]["threshold"] == package.threshold
    assert chest["input"]["channels"] == package.channels
    assert chest["metrics"]["test"]["auc"] == package.metrics["test"]["auc"]
    assert chest["tfjs_model_url"] == f"/api/v1/models/{CHEST}/{package.version}/tfjs/model.json"
    assert chest["metadata_url"] == chest["base_url"] + "model_metadata.json"


def test_models_are_listed_with_their_input_check_operating_point_and_heatmap_as_packaged(shipped_models, alice):
    listed = {(m["name"], m["version"]): m for m in client_for(alice).get("/api/v1/models/").json()}
    packages = packages_discover(shipped_models)
    assert set(listed) == {(p.name, p.version) for p in packages}
    for package in packages:
        model = listed[(package.name, package.version)]
        for key in ("input_check", "operating_point", "heatmap"):
            # Null for packages made before these existed (the 1.0.0 versions).
            assert model[key] == package.metadata.get(key), (package.name, package.version, key)


def test_models_are_listed_with_the_tolerance_the_server_verifies_browser_readings_by(shipped_models, settings):
    settings.INFERENCE_VERIFY_TOLERANCE = 2.5e-4
    listed = client_for(None).get("/api/v1/models/").json()
    assert listed and {m["verify_tolerance"] for m in listed} == {2.5e-4}


def test_tfjs_files_are_served_with_long_lived_cache_headers(shipped_models):
    package = shipped_package(shipped_models)
    anonymous = client_for(None)
    model_json = anonymous.get(f"/api/v1/models/{CHEST}/{package.version}/tfjs/model.json")
    assert model_json.status_code == 200
    assert model_json["Cache-Control"] == "public, max-age=31536000, immutable"
    assert model_json["ETag"] == f'"{package.files["tfjs/model.json"]}"'
    graph = json.loads(b"".join(model_json.streaming_content))
    for group in graph["weightsManifest"]:
        for shard in group["paths"]:
            weights = anonymous.get(f"/api/v1/models/{CHEST}/{package.version}/tfjs/{shard}")
            assert weights.status_code == 200
            assert b"".join(weights.streaming_content) == (package.path / "tfjs" / shard).read_bytes()
    metadata = anonymous.get(f"/api/v1/models/{CHEST}/{package.version}/model_metadata.json")
    assert metadata["Cache-Control"] == "public, max-age=300"
    assert json.loads(b"".join(metadata.streaming_content))["label_names"] == package.label_names


@pytest.mark.parametrize(
    "filename",
    ["saved_model/saved_model.pb", "README.md", "tfjs/../model_metadata.json", "../../../backend/config/settings.py"],
)
def test_only_the_browsers_files_are_served(shipped_models, filename):
    version = shipped_package(shipped_models).version
    assert client_for(None).get(f"/api/v1/models/{CHEST}/{version}/{filename}").status_code == 404


def test_an_admin_chooses_the_active_version(shipped_models, tmp_path, settings, admin, bob):
    package = shipped_package(shipped_models)
    copy_package(package, tmp_path / "models", version="1.0.0")
    copy_package(package, tmp_path / "models", version="1.1.0")
    settings.MODEL_PACKAGES_DIR = tmp_path / "models"

    def active() -> list[str]:
        return [m["version"] for m in client_for(bob).get("/api/v1/models/").json() if m["active"]]

    assert active() == ["1.1.0"]  # the newest, until an admin chooses
    response = client_for(admin).post(f"/api/v1/models/{CHEST}/activate/", {"version": "1.0.0", "reason": "Back to the validated release"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["active"] is True
    assert active() == ["1.0.0"]
    assert (
        client_for(bob).post(f"/api/v1/models/{CHEST}/activate/", {"version": "1.1.0", "reason": "Newer"}, format="json").status_code
        == 403
    )
    missing = client_for(admin).post(f"/api/v1/models/{CHEST}/activate/", {"version": "2.0.0", "reason": "Not installed"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_model"
