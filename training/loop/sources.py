"""Where examples come from: `medmnist:<flag>`, `folder:<path>` and `dataset:<path>`.

Each source is resolved in the driver into a list of items, one per image, small enough to ship
to Beam workers (a file path or an index into a MedMNIST archive, with its label and split);
ExampleGen decodes them there. Everything that can be checked before any work starts is checked
here: MedMNIST MD5s, a dataset's manifest and the SHA-256 of every file it lists.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path, PurePosixPath

import numpy as np

from training.data import IMAGE_SUFFIXES, MEDMNIST, DataError, load_medmnist, stratified_split
from training.exam_types import DATASET_EXAM_TYPES, EXAM_TYPES
from training.loop.examples import SPLITS, TRAINING_SPLITS, UNKNOWN_LABEL

KINDS = ("medmnist", "folder", "dataset")
DATASET_FORMAT = "healthcare-image-dataset"
DATASET_FORMAT_VERSION = 1
MANIFEST_FIELDS = ("name", "version", "exam_type", "label_names", "channels", "examples", "files")
FOLDER_FRACTIONS = {"validation": 0.1, "test": 0.2}  # as training.data.load_image_folder splits


class SourceError(DataError):
    """A source argument or its data that cannot be used; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Item:
    """One image to read: from a file (`path`) or from a MedMNIST archive (`archive`, `index`)."""
    source: str
    split: str
    example_id: str
    label: str
    label_index: int
    channels: int
    modality: str = ""
    path: str | None = None
    archive: str | None = None
    index: int | None = None


@dataclasses.dataclass
class Source:
    argument: str
    kind: str
    label_names: tuple[str, ...]
    channels: int
    exam_type: str | None
    items: list[Item]
    provenance: dict  # what run.json records about it: files and their checksums
    model_name: str | None = None

    def counts(self) -> dict[str, int]:
        return {split: sum(item.split == split for item in self.items) for split in SPLITS}


def resolve(argument: str, *, data_dir: str | Path, channels: int | None = None, exam_type: str | None = None,
            seed: int = 0) -> Source:
    """The source named by `argument` ("kind:value"), with every item it holds."""
    kind, _, value = argument.partition(":")
    if kind not in KINDS or not value:
        raise SourceError(f"source {argument!r} is not one of {', '.join(k + ':...' for k in KINDS)} "
                          "(e.g. medmnist:pneumoniamnist, folder:/data/xrays, dataset:/exports/chest-1)")
    if kind == "medmnist":
        return medmnist_source(argument, value, data_dir)
    if kind == "folder":
        return folder_source(argument, Path(value), channels or 1, exam_type, seed)
    return dataset_source(argument, Path(value))


def medmnist_source(argument: str, flag: str, data_dir: str | Path) -> Source:
    data = load_medmnist(flag, data_dir)  # checks the official MD5
    archive = str(Path(data_dir) / f"{flag}.npz")
    items = []
    for split in SPLITS:
        labels = data.splits[TRAINING_SPLITS[split]][1]
        items.extend(Item(source=argument, split=split, example_id=f"{flag}/{split}/{index}",
                          label=data.label_names[label], label_index=int(label), channels=data.channels,
                          archive=archive, index=index)
                     for index, label in enumerate(labels.tolist()))
    return Source(argument=argument, kind="medmnist", label_names=data.label_names, channels=data.channels,
                  exam_type=DATASET_EXAM_TYPES[flag], items=items, provenance=data.source)


def folder_source(argument: str, root: Path, channels: int, exam_type: str | None, seed: int) -> Source:
    """root/<label>/<images>: split by class, 70/10/20, seeded, as training.data splits a folder."""
    if not root.is_dir():
        raise SourceError(f"{argument}: {root} is not a directory")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(class_dirs) < 2:
        raise SourceError(f"{argument}: needs one sub-folder per label (at least two); found {len(class_dirs)}")
    files, labels = [], []
    for label, class_dir in enumerate(class_dirs):
        found = sorted(p for p in class_dir.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise SourceError(f"{argument}: {class_dir} has no PNG, JPEG or DICOM files")
        files += found
        labels += [label] * len(found)
    labels = np.asarray(labels)
    chosen = stratified_split(np.arange(len(files)), labels, seed, FOLDER_FRACTIONS["validation"],
                              FOLDER_FRACTIONS["test"])
    names = tuple(p.name for p in class_dirs)
    items = [Item(source=argument, split=split, example_id=str(files[i].relative_to(root)),
                  label=names[labels[i]], label_index=int(labels[i]), channels=channels, path=str(files[i]))
             for split in SPLITS for i in chosen[TRAINING_SPLITS[split]][0].tolist()]
    return Source(argument=argument, kind="folder", label_names=names, channels=channels, exam_type=exam_type,
                  items=items, provenance={"kind": "folder", "path": str(root), "files": len(files)})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dataset_source(argument: str, root: Path) -> Source:
    """A dataset exported from reviewed cases: its manifest is checked and every file's SHA-256 verified."""
    manifest = read_manifest(argument, root)
    files = manifest["files"]
    for relative, expected in sorted(files.items()):
        path = _inside(argument, root, relative)
        if not path.is_file():
            raise SourceError(f"{argument}: {relative} is listed in manifest.json but missing")
        found = file_sha256(path)
        if found != expected:
            raise SourceError(f"{argument}: {relative} has SHA-256 {found}, but manifest.json says {expected}: "
                              "the file changed after the dataset was exported; export the dataset again")
    label_names = tuple(manifest["label_names"])
    items = []
    for number, example in enumerate(manifest["examples"]):
        where = f"{argument}: examples[{number}]"
        if example.get("file") not in files:
            raise SourceError(f"{where} names {example.get('file')!r}, which manifest.json's files does not list")
        if example.get("split") not in SPLITS:
            raise SourceError(f"{where} has split {example.get('split')!r}; expected one of {', '.join(SPLITS)}")
        label = str(example.get("label"))
        items.append(Item(source=argument, split=example["split"],
                          example_id=str(example.get("image") or example["file"]), label=label,
                          label_index=label_names.index(label) if label in label_names else UNKNOWN_LABEL,
                          channels=manifest["channels"], modality=str(example.get("modality") or ""),
                          path=str(root / example["file"])))
    return Source(argument=argument, kind="dataset", label_names=label_names, channels=manifest["channels"],
                  exam_type=manifest["exam_type"], items=items, model_name=manifest.get("model_name"),
                  provenance={"kind": "dataset", "path": str(root), "name": manifest["name"],
                              "version": manifest["version"], "manifest_sha256": file_sha256(root / "manifest.json"),
                              "excluded": manifest.get("excluded", {})})


def read_manifest(argument: str, root: Path) -> dict:
    path = root / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except OSError as error:
        raise SourceError(f"{argument}: cannot read {path} ({error.strerror}); a dataset folder holds "
                          "manifest.json and images/") from None
    except ValueError as error:
        raise SourceError(f"{argument}: {path} is not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != DATASET_FORMAT:
        raise SourceError(f"{argument}: manifest.json is not a {DATASET_FORMAT!r} manifest")
    if manifest.get("format_version") != DATASET_FORMAT_VERSION:
        raise SourceError(f"{argument}: manifest format_version {manifest.get('format_version')!r} is not "
                          f"supported (only {DATASET_FORMAT_VERSION})")
    missing = [field for field in MANIFEST_FIELDS if field not in manifest]
    if missing:
        raise SourceError(f"{argument}: manifest.json lacks {', '.join(missing)}")
    if manifest["channels"] not in (1, 3):
        raise SourceError(f"{argument}: channels must be 1 or 3, not {manifest['channels']!r}")
    if manifest["exam_type"] not in EXAM_TYPES:
        raise SourceError(f"{argument}: exam_type {manifest['exam_type']!r} is not one of {', '.join(EXAM_TYPES)}")
    return manifest


def _inside(argument: str, root: Path, relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise SourceError(f"{argument}: manifest.json names {relative!r}, which is outside the dataset")
    return root / relative


def sample(source: Source, per_split: int | None, seed: int) -> Source:
    """At most `per_split` items of each split, chosen at random (seeded), in their original order."""
    if per_split is None:
        return source
    rng = np.random.default_rng(seed)
    kept = []
    for split in SPLITS:
        items = [item for item in source.items if item.split == split]
        if len(items) > per_split:
            items = [items[i] for i in sorted(rng.choice(len(items), per_split, replace=False))]
        kept += items
    return dataclasses.replace(source, items=kept)


def combine(sources: list[Source], exam_type: str | None = None) -> tuple[list[Source], dict]:
    """The sources, and what they must agree on: label names, channels and exam type.

    Label names that differ only in case (a folder "NORMAL" beside MedMNIST's "normal") are the
    same label: such a source's items take the first source's spelling.
    """
    first = sources[0]
    sources = [first] + [_spelled_as(first.label_names, other) for other in sources[1:]]
    for other in sources[1:]:
        if other.label_names != first.label_names:
            raise SourceError(f"sources disagree on label names: {first.argument} has "
                              f"{', '.join(first.label_names)}; {other.argument} has {', '.join(other.label_names)}")
        if other.channels != first.channels:
            raise SourceError(f"sources disagree on channels: {first.argument} has {first.channels}, "
                              f"{other.argument} has {other.channels}")
    exam_types = {s.exam_type for s in sources if s.exam_type} | ({exam_type} if exam_type else set())
    if len(exam_types) > 1:
        raise SourceError(f"sources are of different exam types ({', '.join(sorted(exam_types))})")
    if not exam_types:
        raise SourceError(f"say which exam type the images are with --exam-type ({', '.join(EXAM_TYPES)})")
    return sources, {"label_names": first.label_names, "channels": first.channels, "exam_type": exam_types.pop(),
                     "positive_class": positive_class(first.label_names)}


def _spelled_as(label_names: tuple[str, ...], source: Source) -> Source:
    if source.label_names == label_names or [n.lower() for n in source.label_names] != [n.lower() for n in label_names]:
        return source
    spelling = dict(zip(source.label_names, label_names))
    items = [dataclasses.replace(item, label=spelling.get(item.label, item.label)) for item in source.items]
    return dataclasses.replace(source, label_names=label_names, items=items)


def positive_class(label_names: tuple[str, ...]) -> int | None:
    """The finding a binary model screens for: MedMNIST's when the labels are a MedMNIST set's, else the second."""
    for info in MEDMNIST.values():
        if info.label_names == tuple(label_names):
            return info.positive_class
    return 1 if len(label_names) == 2 else None
