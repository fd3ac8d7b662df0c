"""The notebooks run top to bottom in a real kernel, on the real data, and say what they should.

Each jupytext source is turned into a notebook and executed by `notebooks.execute` (nbclient, a
kernel of this very Python, the repository as working directory). The executed copies, with
their figures, are written to test-artifacts/notebooks/ for reading. Every notebook ends by
printing one `SUMMARY {json}` line; the tests check its numbers against the data's README and
count the figures the notebook drew.
"""
import json
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from notebooks.execute import REPO, execute_notebook, notebook_sources
from tests.unavailable import skip_or_fail

ARTIFACTS = REPO / "test-artifacts" / "notebooks"
NOTEBOOKS = REPO / "notebooks"


def data_dir() -> Path:
    path = Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))
    if not (path / "medmnist").is_dir() or not (path / "chest_xray_kermany_train").is_dir():
        skip_or_fail(f"real data not found at {path} (set MEDICAL_DATA_DIR to the data directory)")
    return path


def run(name: str) -> nbformat.NotebookNode:
    return execute_notebook(NOTEBOOKS / f"{name}.py", ARTIFACTS, cell_timeout=300,
                            env={"MEDICAL_DATA_DIR": str(data_dir())})


def outputs(notebook: nbformat.NotebookNode) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def summary(notebook: nbformat.NotebookNode) -> dict:
    lines = [line for output in outputs(notebook) if output.output_type == "stream" and output.name == "stdout"
             for line in output.text.splitlines() if line.startswith("SUMMARY ")]
    assert len(lines) == 1, "the notebook's last cell prints one SUMMARY line"
    return json.loads(lines[0].removeprefix("SUMMARY "))


def figures(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in output.get("data", {}) for output in outputs(notebook))


def small_notebook(tmp_path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    path = tmp_path / "probe.py"
    jupytext.write(notebook, path, fmt="py:percent")
    return path


def test_the_sources_are_plain_text_notebooks_in_reading_order():
    names = [path.name for path in notebook_sources()]
    assert names == ["01_datasets.py", "02_full_size_vs_medmnist.py", "03_train_and_evaluate.py",
                     "04_drift_report.py"]
    for path in notebook_sources():
        notebook = jupytext.read(path)
        assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "percent", path.name
        assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# "), path.name
        assert all(not cell.get("outputs") for cell in notebook.cells), f"{path.name} carries outputs"
    assert not list(NOTEBOOKS.glob("*.ipynb")), "executed notebooks belong in test-artifacts/, not notebooks/"


def test_the_kernel_is_this_python_in_the_repository(tmp_path):
    notebook = execute_notebook(small_notebook(tmp_path, "import os, sys\nprint(sys.executable)\nprint(os.getcwd())"))
    executable, cwd = outputs(notebook)[0].text.split()
    assert Path(executable) == Path(sys.executable)
    assert Path(cwd) == REPO


def test_a_failing_cell_names_its_error_and_the_partial_notebook_is_kept(tmp_path):
    source = small_notebook(tmp_path, "print('first cell ran')", "raise ValueError('no such scan')", "print('never')")
    with pytest.raises(CellExecutionError, match="no such scan"):
        execute_notebook(source, tmp_path / "out")
    kept = nbformat.read(tmp_path / "out" / "probe.ipynb", as_version=4)
    assert kept.cells[0].outputs[0].text == "first cell ran\n"
    assert kept.cells[2].outputs == []


def test_a_missing_data_folder_is_named_in_the_error(tmp_path):
    with pytest.raises(CellExecutionError, match=re.escape(f"no medmnist/ folder in {tmp_path}: set MEDICAL_DATA_DIR")):
        execute_notebook(NOTEBOOKS / "01_datasets.py", env={"MEDICAL_DATA_DIR": str(tmp_path)})


def test_datasets_notebook_shows_the_three_data_sets():
    notebook = run("01_datasets")
    numbers = summary(notebook)
    # Split sizes and label counts as the data's README and the official MedMNIST files have them.
    assert numbers["pneumoniamnist"]["sizes"] == {"train": 4708, "val": 524, "test": 624}
    assert numbers["pneumoniamnist"]["labels"]["train"] == [1214, 3494]
    assert numbers["pneumoniamnist"]["labels"]["test"] == [234, 390]
    assert numbers["breastmnist"]["sizes"] == {"train": 546, "val": 78, "test": 156}
    assert numbers["breastmnist"]["labels"]["train"] == [147, 399]
    assert numbers["retinamnist"]["sizes"] == {"train": 1080, "val": 120, "test": 400}
    assert numbers["retinamnist"]["labels"]["train"] == [486, 128, 206, 194, 66]
    intensity = numbers["pneumoniamnist"]["mean_intensity"]
    assert 130 < intensity["normal"] < intensity["pneumonia"] < 160  # pneumonia scans are brighter
    assert len(numbers["retinamnist"]["mean_intensity"]) == 5
    assert figures(notebook) == 5  # label balance, one grid per data set, intensity histograms


def test_full_size_notebook_compares_the_scans_with_their_medmnist_versions():
    notebook = run("02_full_size_vs_medmnist")
    numbers = summary(notebook)
    assert numbers["pairs"] == 1566
    assert numbers["validation_scans"] == 302  # the package's own validation split, rebuilt
    assert abs(numbers["brightness_gap"]) < 1.0  # MedMNIST keeps brightness ...
    assert 10 < numbers["texture_mse"] < 40  # ... not texture
    full, small = numbers["scores"]["256x256 scan"], numbers["scores"]["PneumoniaMNIST 28x28"]
    assert full["accuracy"] > 0.9 and small["accuracy"] > 0.9
    assert full["gate_accepted"] > 0.95 and small["gate_accepted"] > 0.95
    assert numbers["same_decision"] > 0.9
    assert figures(notebook) == 4  # side by side, sizes, intensity, scores on both forms


def test_training_notebook_trains_and_evaluates_with_the_project_code():
    notebook = run("03_train_and_evaluate")
    numbers = summary(notebook)
    assert numbers["epochs_run"] == 2 and numbers["test_n"] == 624
    confusion = numbers["confusion_matrix"]
    assert sum(map(sum, confusion)) == 624 and [sum(row) for row in confusion] == [234, 390]
    assert numbers["test"]["auc"] > 0.9  # a two-epoch demonstration, but a real model
    assert 0.0 < numbers["threshold"] < 1.0
    assert figures(notebook) == 3  # ROC, confusion matrix, score histogram
    text = "".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "demonstration" in text and "not the shipped model's numbers" in text


def test_drift_notebook_reads_a_quiet_fortnight_and_a_darkened_week():
    notebook = run("04_drift_report")
    weeks = summary(notebook)
    assert list(weeks) == ["2026-W45", "2026-W46", "2026-W47"]
    assert [week["readings"] for week in weeks.values()] == [50, 50, 50]
    normal, also_normal, darkened = weeks.values()
    assert normal["breaches"] == [] and also_normal["breaches"] == []
    assert "intensity" in darkened["breaches"]
    assert darkened["intensity_mean"] < 0.6 * normal["intensity_mean"]
    # A quiet week is a verdict, not a lack of data: every check but size (no earlier week) judged it.
    assert {level for name, level in normal["levels"].items() if name != "size"} <= {"ok", "warn"}
    assert also_normal["levels"]["size"] == "ok"
    assert figures(notebook) == 1  # the four-panel drift view
