"""run.json: what ran, on what, and what it made, in the spirit of ML Metadata.

One record per component with its inputs and outputs (every file with its SHA-256), its status
and duration. It is rewritten after every component, so a failed run still says how far it got.
"""
from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path


def files_sha256(path: Path) -> dict[str, str]:
    """SHA-256 of a file, or of every file under a folder (by path relative to it)."""
    paths = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    result = {}
    for file in paths:
        digest = hashlib.sha256()
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        result[str(file.relative_to(path.parent if path.is_file() else path))] = digest.hexdigest()
    return result


class RunRecord:
    def __init__(self, work_dir: Path, command: str, options: dict):
        self.path = work_dir / "run.json"
        self.record = {"pipeline": "training.loop", "command": command, "options": options,
                       "started": _now(), "finished": None, "status": "running", "components": []}
        self._write()

    def component(self, name: str, *, status: str, seconds: float, inputs: dict[str, Path | str],
                  outputs: dict[str, Path], details: dict | None = None) -> None:
        self.record["components"].append({
            "name": name, "status": status, "seconds": round(seconds, 1),
            "inputs": {key: _artefact(value) for key, value in inputs.items()},
            "outputs": {key: _artefact(value) for key, value in outputs.items()},
            **({"details": details} if details else {}),
        })
        self._write()

    def finish(self, status: str, result: dict) -> None:
        self.record.update({"finished": _now(), "status": status, "result": result})
        self._write()

    def _write(self) -> None:
        self.path.write_text(json.dumps(self.record, indent=2, default=str))


def _artefact(value) -> dict | str:
    if isinstance(value, Path) and value.exists():
        return {"path": str(value), "sha256": files_sha256(value)}
    return str(value)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
