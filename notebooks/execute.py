"""Run the notebooks headless: each jupytext source becomes a notebook, executed top to bottom.

    python -m notebooks.execute                      # all of them, into test-artifacts/notebooks/
    python -m notebooks.execute 03_train_and_evaluate --output /tmp/executed

The `.py` files in this folder are the only source; executed `.ipynb` copies (with their outputs
and figures) are written elsewhere and never committed. The kernel is this Python (the project's
virtual environment), started in the repository root, so `import training` works as in a shell.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parent
REPO = NOTEBOOKS.parent
KERNEL_NAME = "project-python"


def notebook_sources() -> list[Path]:
    """The notebooks in reading order (their names start with a number)."""
    return sorted(path for path in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def write_kernelspec(folder: Path) -> Path:
    """A kernelspec that starts this very interpreter, so a notebook never runs another Python.

    Returns the folder of kernelspecs to search (it holds only this one)."""
    spec_dir = folder / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python (project)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return folder


def execute_notebook(source: Path, output_dir: Path | None = None, cell_timeout: int = 120,
                     env: dict[str, str] | None = None, progress: bool = False) -> nbformat.NotebookNode:
    """Executes one jupytext source in a fresh kernel and returns the notebook with its outputs.

    A failing cell raises nbclient's CellExecutionError (naming the cell and the error); the
    partly executed notebook is still written to output_dir, so the failure can be read there.
    `env` adds variables to the kernel's environment (for instance MEDICAL_DATA_DIR); `progress`
    prints a line as each cell finishes.
    """
    notebook = jupytext.read(source)
    with tempfile.TemporaryDirectory(prefix="kernelspec-") as spec_root:
        specs = KernelSpecManager(kernel_dirs=[str(write_kernelspec(Path(spec_root)))])
        client = NotebookClient(notebook, timeout=cell_timeout,
                                km=AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs),
                                resources={"metadata": {"path": str(REPO)}})
        if progress:
            started = time.perf_counter()
            client.on_cell_complete = lambda cell, cell_index: print(
                f"  cell {cell_index + 1}/{len(notebook.cells)} done at {time.perf_counter() - started:.1f} s",
                flush=True)
        try:
            # cleanup_kc: shut the kernel down afterwards, although the manager is ours, not nbclient's.
            client.execute(cleanup_kc=True, env={**os.environ, **(env or {})})
        finally:
            if output_dir is not None:
                output_dir.mkdir(parents=True, exist_ok=True)
                nbformat.write(notebook, output_dir / f"{source.stem}.ipynb")
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m notebooks.execute", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run, by name without .py (default: all)")
    parser.add_argument("--output", default=str(REPO / "test-artifacts" / "notebooks"),
                        help="where the executed .ipynb copies go")
    parser.add_argument("--cell-timeout", type=int, default=300, help="seconds one cell may take")
    args = parser.parse_args(argv)
    sources = notebook_sources()
    if args.names:
        known = {path.stem: path for path in sources}
        unknown = [name for name in args.names if name not in known]
        if unknown:
            parser.error(f"no notebook named {', '.join(unknown)}; there are: {', '.join(known)}")
        sources = [known[name] for name in args.names]
    failed = 0
    for source in sources:
        print(f"{source.name}: running ...", flush=True)
        started = time.perf_counter()
        try:
            execute_notebook(source, Path(args.output), args.cell_timeout, progress=True)
        except CellExecutionError as error:
            failed += 1
            print(f"{source.name}: FAILED after {time.perf_counter() - started:.1f} s\n{error}", flush=True)
            continue
        print(f"{source.name}: done in {time.perf_counter() - started:.1f} s -> "
              f"{Path(args.output) / (source.stem + '.ipynb')}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
