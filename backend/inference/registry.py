"""The model packages the product serves, discovered on disk and checked before use.

A package is `<MODEL_PACKAGES_DIR>/<name>/<version>/` as written by `python -m training.export`.
It is listed only when its metadata is well formed and every file matches the SHA-256 in
`model_metadata.json`; a broken package is refused with one log line saying why and is never
served or run. Results are cached per package until one of its files changes.
"""

import hashlib
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from training.exam_types import EXAM_TYPES

logger = logging.getLogger(__name__)

METADATA_FILE = "model_metadata.json"
REQUIRED_FILES = ("saved_model/saved_model.pb", "tfjs/model.json")
# Directories whose every file must be listed in `files`: nothing unchecked is loaded or served.
CHECKED_DIRS = ("saved_model", "tfjs")


class PackageError(Exception):
    """A model package that must not be used, with the reason."""


@dataclass(frozen=True)
class ModelPackage:
    name: str
    version: str
    path: Path
    metadata: dict = field(repr=False)
    metrics: dict = field(repr=False)

    @property
    def label_names(self) -> list[str]:
        return self.metadata["label_names"]

    @property
    def channels(self) -> int:
        return self.metadata["input"]["channels"]

    @property
    def positive_class(self) -> int | None:
        return self.metadata["positive_class"]

    @property
    def threshold(self) -> float | None:
        return (self.metadata.get("decision") or {}).get("threshold")

    @property
    def input_check(self) -> dict | None:
        """The input gate's settings; None for packages made before the gate (they accept every image)."""
        return self.metadata.get("input_check")

    @property
    def exam_type(self) -> str | None:
        """The exam type it reads (training/exam_types.py); None for a package that names none."""
        return self.metadata.get("exam_type")

    @property
    def exam_type_label(self) -> str | None:
        return EXAM_TYPES.get(self.exam_type) if self.exam_type else None

    @property
    def dicom_hints(self) -> dict | None:
        """The DICOM Modality / BodyPartExamined codes it reads (input_check.dicom), or None."""
        return (self.input_check or {}).get("dicom")

    @property
    def saved_model_dir(self) -> Path:
        return self.path / "saved_model"

    @property
    def files(self) -> dict[str, str]:
        return self.metadata["files"]


def version_key(version: str) -> tuple:
    """Orders "1.10.0" after "1.9.0"; versions that are not dotted numbers sort first, by text."""
    parts = version.split(".")
    if all(part.isdigit() for part in parts):
        return (1, tuple(int(part) for part in parts), version)
    return (0, (), version)


def packages_discover(root: Path | None = None) -> list[ModelPackage]:
    """Every valid package under `root` (default MODEL_PACKAGES_DIR), by name then version."""
    root = Path(root or settings.MODEL_PACKAGES_DIR)
    if not root.is_dir():
        logger.warning("model packages directory %s does not exist: no models are served", root)
        return []
    found = []
    for metadata_path in sorted(root.glob(f"*/*/{METADATA_FILE}")):
        package = _package_cached(metadata_path.parent)
        if package is not None:
            found.append(package)
    for directory in sorted(p for p in root.glob("*/*") if p.is_dir() and not (p / METADATA_FILE).exists()):
        _refuse_once(directory, (), f"{METADATA_FILE} is missing")
    return sorted(found, key=lambda p: (p.name, version_key(p.version)))


def package_get(name: str, version: str) -> ModelPackage:
    """The valid package `name`/`version`, or PackageError saying why it cannot be used."""
    root = Path(settings.MODEL_PACKAGES_DIR)
    path = root / name / version
    if not _is_plain_name(name) or not _is_plain_name(version) or not (path / METADATA_FILE).is_file():
        raise PackageError(f"model package {name}/{version} is not installed in {root}")
    package = _package_cached(path)
    if package is None:
        raise PackageError(f"model package {name}/{version} failed its checks: {_refused[path][1]}")
    return package


def package_validate(path: Path) -> ModelPackage:
    """Checks one package directory completely (metadata, files, checksums); raises PackageError."""
    try:
        metadata = json.loads((path / METADATA_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise PackageError(f"{METADATA_FILE} cannot be read as JSON ({exc})") from None
    _check_metadata(metadata, name=path.parent.name, version=path.name)
    for relative, expected in metadata["files"].items():
        _check_file(path, relative, expected)
    for directory in CHECKED_DIRS:
        for file in (path / directory).rglob("*"):
            relative = file.relative_to(path).as_posix()
            if file.is_file() and relative not in metadata["files"]:
                raise PackageError(f"{relative} is not listed in files, so it cannot be checked")
    metrics_path = path / "evaluation_metrics.json"
    try:
        metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    except ValueError as exc:
        raise PackageError(f"evaluation_metrics.json is not valid JSON ({exc})") from None
    return ModelPackage(
        name=metadata["name"], version=metadata["version"], path=path, metadata=metadata, metrics=metrics
    )


def _check_metadata(metadata, *, name: str, version: str) -> None:
    if not isinstance(metadata, dict):
        raise PackageError(f"{METADATA_FILE} must hold a JSON object")
    if metadata.get("name") != name or metadata.get("version") != version:
        raise PackageError(
            f"metadata names {metadata.get('name')!r} {metadata.get('version')!r}, "
            f"but the package sits in {name}/{version}"
        )
    labels = metadata.get("label_names")
    if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(x, str) and x for x in labels):
        raise PackageError("label_names must list at least two label names")
    if len(set(labels)) != len(labels):
        raise PackageError("label_names must be unique")
    positive = metadata.get("positive_class", "missing")
    if positive is not None and not (isinstance(positive, int) and not isinstance(positive, bool)):
        raise PackageError("positive_class must be a label index or null")
    if positive is not None:
        if not 0 <= positive < len(labels):
            raise PackageError(f"positive_class {positive} is not an index into label_names")
        threshold = (metadata.get("decision") or {}).get("threshold")
        if not _is_probability(threshold):
            raise PackageError("decision.threshold must be a number between 0 and 1 for a binary model")
    model_input = metadata.get("input")
    if not isinstance(model_input, dict) or model_input.get("channels") not in (1, 3):
        raise PackageError("input.channels must be 1 or 3")
    if model_input.get("dtype", "uint8") != "uint8":
        raise PackageError(f"input.dtype {model_input.get('dtype')!r} is not supported (uint8 only)")
    exam_type = metadata.get("exam_type")
    if "exam_type" in metadata and not (isinstance(exam_type, str) and exam_type in EXAM_TYPES):
        raise PackageError(
            f"exam_type {exam_type!r} is not an exam type this product knows "
            f"({', '.join(EXAM_TYPES)})"
        )
    if "input_check" in metadata:
        _check_input_check(metadata["input_check"])
    files = metadata.get("files")
    if not isinstance(files, dict) or not files:
        raise PackageError("files must map each file of the package to its SHA-256")
    for relative, digest in files.items():
        if not _is_safe_relative(relative):
            raise PackageError(f"files names {relative!r}, which is outside the package")
        if not (isinstance(digest, str) and len(digest) == 64):
            raise PackageError(f"files gives no SHA-256 for {relative}")
    for required in REQUIRED_FILES:
        if required not in files:
            raise PackageError(f"files does not list {required}")


def _check_input_check(check) -> None:
    # A gate that cannot say why it refused, or a DICOM rule that cannot be applied, would make
    # refused readings unexplained or let the wrong scans through: refuse the package instead.
    if not isinstance(check, dict):
        raise PackageError("input_check must be an object")
    if not isinstance(check.get("refusal"), str) or not check["refusal"].strip():
        raise PackageError("input_check.refusal must say why an image is refused")
    if not _is_probability(check.get("threshold")):
        raise PackageError("input_check.threshold must be a number between 0 and 1")
    dicom = check.get("dicom")
    if dicom is None:
        return
    if not isinstance(dicom, dict):
        raise PackageError("input_check.dicom must be an object")
    for key in ("modalities", "body_parts"):
        values = dicom.get(key)
        if values is not None and not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            raise PackageError(f"input_check.dicom.{key} must list DICOM code strings")


def _check_file(path: Path, relative: str, expected: str) -> None:
    file = path / relative
    if not file.is_file():
        raise PackageError(f"{relative} is missing")
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected.lower():
        raise PackageError(
            f"{relative} does not match its checksum (expected {expected[:12]}..., got {digest.hexdigest()[:12]}...)"
        )


def _is_probability(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1


def _is_safe_relative(relative) -> bool:
    if not isinstance(relative, str) or not relative or "\\" in relative:
        return False
    pure = PurePosixPath(relative)
    return not pure.is_absolute() and ".." not in pure.parts


def _is_plain_name(part: str) -> bool:
    return bool(part) and part not in (".", "..") and "/" not in part and "\\" not in part


# path -> (signature, package): packages that passed, until one of their files changes.
_accepted: dict[Path, tuple[tuple, ModelPackage]] = {}
# path -> (signature, reason): packages refused, logged once per change.
_refused: dict[Path, tuple[tuple, str]] = {}


def _signature(path: Path) -> tuple:
    """Size and modification time of every file: cheap to compute, changes when a file does."""
    entries = []
    for file in sorted(path.rglob("*")):
        try:
            stat = file.stat()
        except OSError:
            continue
        if file.is_file():
            entries.append((file.relative_to(path).as_posix(), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def _package_cached(path: Path) -> ModelPackage | None:
    signature = _signature(path)
    accepted = _accepted.get(path)
    if accepted is not None and accepted[0] == signature:
        return accepted[1]
    refused = _refused.get(path)
    if refused is not None and refused[0] == signature:
        return None
    try:
        package = package_validate(path)
    except PackageError as exc:
        _accepted.pop(path, None)
        _refuse_once(path, signature, str(exc))
        return None
    _refused.pop(path, None)
    _accepted[path] = (signature, package)
    logger.info("model package %s %s accepted from %s", package.name, package.version, path)
    return package


def _refuse_once(path: Path, signature: tuple, reason: str) -> None:
    if _refused.get(path) == (signature, reason):
        return
    _refused[path] = (signature, reason)
    logger.error("model package refused: %s: %s; it is not listed or served", path, reason)
