"""The Beam pipeline end to end on small real data: a slice of PneumoniaMNIST plus a tiny dataset
in the format exported from reviewed cases (real Kermany scans), through every component.

One run blesses and pushes a package that the backend's registry accepts; one run with a weak
candidate pushes nothing and exits non-zero; validation stops a darkened copy and an unknown label
with a report that names the split, the feature, what was expected and what was found.
"""
import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from training.loop import run
from training.loop.example_validator import ValidationFailed
from training.loop.pipeline import main
from training.loop.sources import SourceError

REPO = Path(__file__).resolve().parents[2]
SHIPPED_28 = REPO / "exported_models" / "chest-xray-pneumonia" / "1.0.0"
PER_LABEL = {"train": 12, "validation": 4, "test": 6}


def export_like_dataset(root: Path, kermany_train: Path, *, darken: float = 1.0,
                        extra_label: str | None = None) -> Path:
    """A dataset folder as the export of reviewed cases writes it, from real Kermany train scans."""
    with open(kermany_train / "manifest.csv") as f:
        rows = list(csv.DictReader(f))
    label_names = ["normal", "pneumonia"]
    (root / "images").mkdir(parents=True)
    examples, files = [], {}
    taken = {label: 0 for label in ("0", "1")}
    for row in rows:
        label = row["label"]
        if taken[label] >= sum(PER_LABEL.values()):
            continue
        number = taken[label]
        taken[label] += 1
        split = "train" if number < PER_LABEL["train"] else (
            "validation" if number < PER_LABEL["train"] + PER_LABEL["validation"] else "test")
        pixels = np.asarray(Image.open(kermany_train / row["file"]).convert("L"), dtype=np.float64)
        buffer = io.BytesIO()
        Image.fromarray(np.clip(np.round(pixels * darken), 0, 255).astype(np.uint8)).save(buffer, format="PNG")
        data = buffer.getvalue()
        name = f"images/{hashlib.sha256(data).hexdigest()}.png"
        (root / name).write_bytes(data)
        files[name] = hashlib.sha256(data).hexdigest()
        examples.append({"file": name, "label": label_names[int(label)], "split": split,
                         "case": hashlib.sha256(b"case" + data).hexdigest(), "report": "r" * 64, "image": files[name],
                         "model_version": "1.0.0", "ai_agreement": True, "modality": ""})
    if extra_label:
        examples[0]["label"] = extra_label
    manifest = {"format": "healthcare-image-dataset", "format_version": 1, "name": "chest-xray-reviewed",
                "version": "1", "exam_type": "chest_xray", "model_name": "chest-xray-pneumonia",
                "label_names": label_names, "channels": 1, "examples": examples,
                "excluded": {"no_research_consent": 0}, "files": files}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return root


@pytest.fixture(scope="module")
def kermany_train(xray_dir) -> Path:
    path = xray_dir.parent / "chest_xray_kermany_train"
    assert (path / "manifest.csv").exists(), f"{path} is missing"
    return path


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, kermany_train) -> Path:
    return export_like_dataset(tmp_path_factory.mktemp("reviewed") / "chest-xray-reviewed-1", kermany_train)


def common(medmnist_dir: Path, reviewed: Path, root: Path) -> list[str]:
    return ["--source", "medmnist:pneumoniamnist", "--source", f"dataset:{reviewed}", "--data-dir", str(medmnist_dir),
            "--max-per-split", "400", "--no-gate", "--export-dir", str(root / "models")]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("loop")


@pytest.fixture(scope="module")
def first(root, medmnist_dir, reviewed):
    """A weak first version: no baseline, so it only has to beat chance."""
    return run(common(medmnist_dir, reviewed, root) + ["--epochs", "3", "--width", "8", "--resamples", "300",
                                                       "--version", "0.0.1", "--work-dir", str(root / "first")])


@pytest.fixture(scope="module")
def better(root, medmnist_dir, reviewed, first):
    """A candidate trained longer and wider, compared with the first version on the same test examples."""
    return run(common(medmnist_dir, reviewed, root) + ["--epochs", "5", "--width", "16", "--batch-size", "32", "--baseline",
                                                       str(first.package_dir), "--version", "0.0.2",
                                                       "--work-dir", str(root / "better")])


def test_a_first_version_without_a_baseline_is_blessed_when_it_beats_chance(first, root):
    assert first.blessed and first.package_dir == root / "models" / "chest-xray-pneumonia" / "0.0.1"
    low, high = first.evaluation["candidate"]["auc"]["ci95"]
    assert 0.5 < low <= first.evaluation["candidate"]["auc"]["value"] <= high
    assert "no baseline" in first.reason


def test_a_candidate_that_matches_the_baseline_is_pushed_as_a_valid_package(better, root, reviewed):
    from inference.registry import package_validate

    assert better.blessed and better.package_dir == root / "models" / "chest-xray-pneumonia" / "0.0.2"
    package = package_validate(better.package_dir)
    assert (package.name, package.version) == ("chest-xray-pneumonia", "0.0.2")
    assert package.metadata["exam_type"] == "chest_xray" and package.label_names == ["normal", "pneumonia"]
    assert (better.package_dir / "tfjs" / "model.json").exists()
    assert "drift_reference.json" in package.files  # what the drift watch compares its readings with
    assert package.metadata["command"].startswith("python -m training.loop --source medmnist:pneumoniamnist")
    sources = package.metadata["training"]["source"]["sources"]
    assert sources["medmnist:pneumoniamnist"]["md5"] == "28209eda62fecd6e6a2d98b1501bb15f"
    assert any(s.get("kind") == "dataset" and len(s["manifest_sha256"]) == 64 for s in sources.values())
    evaluation = better.evaluation
    difference = evaluation["difference"]["auc"]
    assert difference["ci95"][1] >= 0 and difference["ci95"][0] <= difference["value"] <= difference["ci95"][1]
    assert evaluation["baseline"]["package"]["version"] == "0.0.1"
    assert evaluation["n"] == 412 and evaluation["resamples"] == 1000
    assert evaluation["test_sources"] == sorted(["medmnist:pneumoniamnist", f"dataset:{reviewed}"])
    assert evaluation["disagreements"]["count"] >= len(evaluation["disagreements"]["listed"]) > 0
    assert (better.work_dir / "evaluator" / "evaluation.png").stat().st_size > 10_000
    predictions = np.load(better.work_dir / "evaluator" / "predictions.npz")
    assert predictions["candidate"].shape == predictions["baseline"].shape == (412, 2)
    assert len(set(predictions["ids"])) == 412 and set(predictions["labels"]) == {0, 1}


def test_run_json_records_every_component_with_the_checksums_of_its_outputs(better):
    record = json.loads((better.work_dir / "run.json").read_text())
    assert [c["name"] for c in record["components"]] == ["ExampleGen", "StatisticsGen", "SchemaGen", "ExampleValidator",
                                                         "Trainer", "Evaluator", "Pusher"]
    assert record["status"] == "blessed" and record["result"]["package_dir"] == str(better.package_dir)
    assert all(c["status"] == "done" for c in record["components"])
    examples = record["components"][0]["outputs"]["examples"]["sha256"]
    assert {"train/examples-00000-of-00001.tfrecord.gz", "test/examples-00000-of-00001.tfrecord.gz"} <= set(examples)
    assert all(len(digest) == 64 for digest in examples.values())
    pushed = record["components"][-1]["outputs"]["package"]["sha256"]
    metadata = json.loads((better.package_dir / "model_metadata.json").read_text())
    assert pushed["saved_model/saved_model.pb"] == metadata["files"]["saved_model/saved_model.pb"]


def test_examples_keep_each_image_at_its_own_size_with_label_source_and_split(better):
    from training.loop.examples import read_split

    test = read_split(better.work_dir / "example_gen", "test")
    by_source = {}
    for example in test:
        by_source.setdefault(example.source.partition(":")[0], []).append(example)
    assert len(by_source["medmnist"]) == 400 and len(by_source["dataset"]) == 12
    assert {e.pixels.shape for e in by_source["medmnist"]} == {(28, 28, 1)}
    assert {e.pixels.shape for e in by_source["dataset"]} == {(256, 256, 1)}
    assert all(e.split == "test" and e.label in ("normal", "pneumonia") for e in test)
    assert all(["normal", "pneumonia"].index(e.label) == e.label_index for e in test)


def test_statistics_are_written_per_split_with_a_plot(better):
    folder = better.work_dir / "statistics_gen"
    for split, count in (("train", 424), ("validation", 408), ("test", 412)):
        stats = json.loads((folder / f"{split}.json").read_text())
        assert stats["count"] == count and sum(stats["labels"].values()) == count
        assert abs(sum(stats["intensity"]["histogram"]) - 1.0) < 1e-9 and len(stats["intensity"]["histogram"]) == 32
        assert stats["height"] == {"min": 28, "max": 256} and stats["channels"] == {"1": count}
    assert (folder / "statistics.png").stat().st_size > 10_000
    report = (better.work_dir / "example_validator" / "validation.txt").read_text()
    assert report.startswith("0 error(s)") or report.startswith("every split matches the schema")


@pytest.fixture
def xray_folder(tmp_path, xray_dir) -> Path:
    """The 20 full-size Kermany X-rays as a hospital's folder (NORMAL/, PNEUMONIA/), with one broken file."""
    folder = tmp_path / "hospital-xrays"
    for label in ("NORMAL", "PNEUMONIA"):
        (folder / label).mkdir(parents=True)
        for image in sorted((xray_dir / label).iterdir()):
            (folder / label / image.name).symlink_to(image)
    (folder / "NORMAL" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    return folder


def test_a_worse_candidate_is_not_pushed_and_the_command_says_why(better, root, medmnist_dir, xray_folder, capsys):
    """A quick candidate against the shipped 28x28 model (test AUC 0.98), which it cannot match; the
    hospital's folder of full-size X-rays joins MedMNIST (its NORMAL is MedMNIST's normal)."""
    code = main(["--source", "medmnist:pneumoniamnist", "--data-dir", str(medmnist_dir), "--max-per-split", "150",
                 "--source", f"folder:{xray_folder}", "--exam-type", "chest_xray",
                 "--no-gate", "--epochs", "1", "--width", "4", "--resamples", "300", "--baseline", str(SHIPPED_28),
                 "--export-dir", str(root / "models"), "--version", "0.0.3", "--work-dir", str(root / "worse")])
    assert code == 1
    generated = json.loads((root / "worse" / "example_gen" / "example_gen.json").read_text())
    assert generated["skipped"][0]["path"].endswith("NORMAL/broken.png")
    assert sum(generated["examples"][split][f"folder:{xray_folder}"] for split in generated["examples"]) == 20
    train = json.loads((root / "worse" / "statistics_gen" / "train.json").read_text())
    assert train["by_source"][f"folder:{xray_folder}"]["height"]["max"] > 1000  # read at full size
    assert set(train["labels"]) == {"normal", "pneumonia"}
    err = capsys.readouterr().err
    assert "not pushed: candidate - baseline, 95% CI: auc -" in err and "worse on auc" in err
    assert not (root / "models" / "chest-xray-pneumonia" / "0.0.3").exists()
    assert sorted(p.name for p in (root / "models" / "chest-xray-pneumonia").iterdir()) == ["0.0.1", "0.0.2"]
    evaluation = json.loads((root / "worse" / "evaluator" / "evaluation.json").read_text())
    assert not evaluation["blessed"] and evaluation["difference"]["auc"]["ci95"][1] < 0
    assert json.loads((root / "worse" / "run.json").read_text())["status"] == "not blessed"


def test_validation_stops_a_darkened_copy_even_among_healthy_images(first, root, tmp_path, kermany_train,
                                                                     medmnist_dir):
    """24 darkened scans among 100 MedMNIST images barely move the split's histogram; their own slice fails."""
    darkened = export_like_dataset(tmp_path / "darkened", kermany_train, darken=0.6)
    schema = first.work_dir / "schema_gen" / "schema.json"
    stale = tmp_path / "work" / "example_gen" / "train" / "examples-00001-of-00002.tfrecord.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier run's shard")  # must not be read as this run's
    with pytest.raises(ValidationFailed) as failure:
        run(["--source", "medmnist:pneumoniamnist", "--data-dir", str(medmnist_dir), "--max-per-split", "100",
             "--source", f"dataset:{darkened}", "--schema", str(schema), "--version", "0.0.9",
             "--export-dir", str(root / "models"), "--work-dir", str(tmp_path / "work")])
    report = str(failure.value)
    assert (f"ERROR: split train, source dataset:{darkened}, feature intensity: expected population stability "
            "index <= 0.2 against the schema's histogram") in report
    assert "found PSI" in report and "split test, source" not in report  # 12 test scans: too few to judge alone
    assert not stale.exists()
    psi = json.loads((tmp_path / "work" / "example_validator" / "validation.json").read_text())["intensity_psi"]
    assert psi["train"]["split"] < 0.2 < psi["train"][f"dataset:{darkened}"]
    record = json.loads((tmp_path / "work" / "run.json").read_text())
    assert record["status"] == "failed" and record["components"][-1]["name"] == "ExampleValidator"
    assert not (tmp_path / "work" / "trainer").exists()


def test_statistics_have_a_slice_per_source(better, reviewed):
    stats = json.loads((better.work_dir / "statistics_gen" / "train.json").read_text())
    assert {k: v["count"] for k, v in stats["by_source"].items()} == {"medmnist:pneumoniamnist": 400,
                                                                      f"dataset:{reviewed}": 24}
    assert stats["by_source"][f"dataset:{reviewed}"]["height"] == {"min": 256, "max": 256}


def test_validation_stops_an_unknown_label(root, tmp_path, kermany_train, medmnist_dir, capsys):
    relabelled = export_like_dataset(tmp_path / "relabelled", kermany_train, extra_label="covid")
    code = main(["--source", f"dataset:{relabelled}", "--source", "medmnist:pneumoniamnist", "--data-dir",
                 str(medmnist_dir), "--max-per-split", "100", "--version", "0.0.9",
                 "--export-dir", str(root / "models"), "--work-dir", str(tmp_path / "work")])
    assert code == 2
    err = capsys.readouterr().err
    assert ("ERROR: split train, feature label: expected one of normal, pneumonia; found 'covid' (1 example)"
            in err)


def test_a_file_changed_after_export_is_refused(tmp_path, kermany_train):
    dataset = export_like_dataset(tmp_path / "changed", kermany_train)
    changed = sorted((dataset / "images").iterdir())[3]
    changed.write_bytes(changed.read_bytes()[:-1] + b"\0")
    with pytest.raises(SourceError, match=f"images/{changed.name} has SHA-256 .*, but manifest.json says"):
        run(["--source", f"dataset:{dataset}", "--version", "1", "--work-dir", str(tmp_path / "work")])


@pytest.mark.parametrize("arguments, message", [
    (["--source", "kaggle:chest"], "is not one of medmnist:..., folder:..., dataset:..."),
    (["--source", "folder:/nonexistent/xrays", "--exam-type", "chest_xray"], "is not a directory"),
    (["--source", "medmnist:pneumoniamnist", "--epochz", "3"], "unknown option(s): --epochz"),
    (["--source", "medmnist:pneumoniamnist", "--baseline", "/nonexistent"], "is not a model package"),
    (["--source", "medmnist:pneumoniamnist", "--max-per-split", "0"], "--max-per-split must be at least 1"),
])
def test_bad_arguments_are_refused_before_any_work(tmp_path, medmnist_dir, arguments, message):
    with pytest.raises(ValueError) as failure:
        run(arguments + ["--data-dir", str(medmnist_dir), "--version", "1", "--work-dir", str(tmp_path / "work")])
    assert message in str(failure.value)
    assert not (tmp_path / "work" / "example_gen").exists()


def test_an_existing_version_is_never_replaced(first, root, medmnist_dir, tmp_path):
    with pytest.raises(ValueError, match="0.0.1 already exists; a version is never replaced"):
        run(["--source", "medmnist:pneumoniamnist", "--data-dir", str(medmnist_dir), "--version", "0.0.1",
             "--export-dir", str(root / "models"), "--work-dir", str(tmp_path / "work")])
    assert not (tmp_path / "work" / "example_gen").exists()
