"""The pipeline: ExampleGen -> StatisticsGen -> SchemaGen -> ExampleValidator -> Trainer -> Evaluator -> Pusher.

    python -m training.loop --source medmnist:pneumoniamnist --source dataset:exports/chest-x-1 \
        --baseline exported_models/chest-xray-pneumonia/2.0.0 --version 2.1.0 --work-dir runs/loop

Beam runs the data components (DirectRunner by default); any Beam pipeline option (--runner,
--flink_master, --project, ...) is passed on to it. Every artefact goes to --work-dir, one folder
per component, with run.json recording inputs, outputs and their SHA-256. A package is written to
<export-dir>/<name>/<version>/ only when the Evaluator blesses the candidate.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

from training.data import DataError
from training.exam_types import EXAM_TYPES
from training.loop import (example_gen, example_validator, evaluator, pusher, schema_gen, sources,
                           statistics_gen, trainer)
from training.loop.examples import SPLITS, read_split
from training.loop.metadata_store import RunRecord
from training.models import ARCHITECTURES
from training.pipeline import MODEL_NAMES
from training.train import TrainConfig

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
COMPONENT_DIRS = ("example_gen", "statistics_gen", "schema_gen", "example_validator", "trainer", "evaluator", "pusher")


class LoopError(ValueError):
    """Arguments or data the pipeline cannot use; the message says why."""


@dataclasses.dataclass
class LoopResult:
    blessed: bool
    reason: str
    package_dir: Path | None  # where the package went; None when not blessed
    work_dir: Path
    evaluation: dict


def progress(component: str, message: str) -> None:
    print(f"[{component}] {message}", flush=True)


def build_parser() -> argparse.ArgumentParser:
    defaults = TrainConfig()
    parser = argparse.ArgumentParser(prog="python -m training.loop", description=__doc__.split("\n")[0],
                                     epilog="Other --options are Beam pipeline options, e.g. --runner FlinkRunner.")
    data = parser.add_argument_group("data")
    data.add_argument("--source", action="append", required=True, metavar="KIND:VALUE",
                      help="medmnist:<flag>, folder:<path> (one sub-folder per label) or dataset:<path> (exported "
                           "from reviewed cases); repeat to combine")
    data.add_argument("--data-dir", default=os.environ.get("MEDMNIST_DIR", str(SHARED_DATA / "medmnist")),
                      help="where the MedMNIST .npz files are")
    data.add_argument("--exam-type", choices=sorted(EXAM_TYPES), help="the exam type of folder: sources")
    data.add_argument("--channels", type=int, choices=(1, 3), help="channels of folder: sources (default 1)")
    data.add_argument("--max-per-split", type=int, help="at most this many examples per split and source "
                                                        "(chosen at random, seeded)")
    data.add_argument("--schema", help="validate against this schema.json (from an earlier run) instead of "
                                       "inferring one from this run's train split")
    training = parser.add_argument_group("training (see python -m training.train)")
    training.add_argument("--architecture", choices=ARCHITECTURES, default=defaults.architecture)
    training.add_argument("--image-size", type=int, default=defaults.image_size)
    training.add_argument("--width", type=int, default=defaults.width)
    training.add_argument("--ensemble", type=int, default=defaults.ensemble)
    training.add_argument("--epochs", type=int, default=defaults.epochs)
    training.add_argument("--batch-size", type=int, default=defaults.batch_size)
    training.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    training.add_argument("--patience", type=int, default=defaults.patience)
    training.add_argument("--target-sensitivity", type=float)
    training.add_argument("--no-augment", dest="augment", action="store_false")
    training.add_argument("--seed", type=int, default=defaults.seed)
    training.add_argument("--no-gate", dest="gate", action="store_false", help="export without the input gate")
    training.add_argument("--gate-epochs", type=int, default=8)
    training.add_argument("--shared-data", default=str(SHARED_DATA),
                          help="the shared real images the gate is measured on")
    evaluation = parser.add_argument_group("evaluation and export")
    evaluation.add_argument("--baseline", help="the active version's package directory to compare with")
    evaluation.add_argument("--resamples", type=int, default=1000, help="paired bootstrap resamples")
    evaluation.add_argument("--export-dir", default="exported_models")
    evaluation.add_argument("--name", help="model name (default: the MedMNIST set's model, or the dataset's)")
    evaluation.add_argument("--version", required=True, help="the new package's version; never replaces one")
    parser.add_argument("--work-dir", required=True, help="every artefact of the run goes here")
    return parser


def beam_options(arguments: list[str]):
    """Beam's options from the arguments this pipeline does not take itself.

    Without --runner, Beam's in-process FnApiRunner runs the pipeline: it is the engine the
    DirectRunner uses for batch pipelines, minus the DirectRunner's first attempt to download and
    start the Prism runner from GitHub. --runner DirectRunner still gives Beam's own choice.
    """
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    options = PipelineOptions(arguments)
    if options.view_as(StandardOptions).runner is None:
        options.view_as(StandardOptions).runner = "FnApiRunner"
    unknown = set(options.get_all_options(retain_unknown_options=True)) - set(options.get_all_options())
    if unknown:
        raise LoopError(f"unknown option(s): {', '.join('--' + u for u in sorted(unknown))} (neither this "
                        "pipeline's nor Beam's; see python -m training.loop --help)")
    return options


def run(argv: list[str]) -> LoopResult:
    """Runs the whole pipeline; raises LoopError (or a subclass of ValueError) with a readable reason."""
    parser = build_parser()
    args, beam_arguments = parser.parse_known_args(argv)
    options = beam_options(beam_arguments)
    for name in ("max_per_split", "epochs", "resamples", "gate_epochs"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise LoopError(f"--{name.replace('_', '-')} must be at least 1")
    command = "python -m training.loop " + shlex.join(argv)
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    baseline = Path(args.baseline) if args.baseline else None
    if baseline is not None and not (baseline / "saved_model").is_dir():
        raise LoopError(f"--baseline {baseline} is not a model package (no saved_model/ in it)")
    given_schema = schema_gen.load(args.schema) if args.schema else None

    earlier = [work_dir / name for name in COMPONENT_DIRS if (work_dir / name).exists()]
    if earlier:  # an earlier run's shards or models must not mix with this run's
        progress("pipeline", f"replacing the artefacts of an earlier run in {work_dir}")
        for folder in earlier:
            shutil.rmtree(folder)
    record = RunRecord(work_dir, command, {"beam": options.get_all_options(drop_default=True)})
    try:
        result = _run_components(args, options, command, work_dir, baseline, given_schema, record)
    except Exception as error:
        record.finish("failed", {"error": f"{type(error).__name__}: {error}"})
        raise
    record.finish("blessed" if result.blessed else "not blessed",
                  {"blessed": result.blessed, "reason": result.reason,
                   "package_dir": str(result.package_dir) if result.package_dir else None})
    return result


def _run_components(args, options, command, work_dir, baseline, given_schema, record) -> LoopResult:
    started = time.time()
    progress("ExampleGen", f"resolving {len(args.source)} source(s)")
    resolved = [sources.sample(sources.resolve(argument, data_dir=args.data_dir, channels=args.channels,
                                               exam_type=args.exam_type, seed=args.seed),
                               args.max_per_split, args.seed)
                for argument in args.source]
    resolved, facts = sources.combine(resolved, args.exam_type)
    medmnist = [s.argument.partition(":")[2] for s in resolved if s.kind == "medmnist"]
    dataset_name = medmnist[0] if medmnist else trainer.DATASET_FOR_EXAM_TYPE[facts["exam_type"]]
    model_name = (args.name or (MODEL_NAMES[medmnist[0]] if medmnist else None)
                  or next((s.model_name for s in resolved if s.model_name), None) or MODEL_NAMES.get(dataset_name))
    pusher.destination(Path(args.export_dir), model_name, args.version)  # fail before any work, not after it
    items = [item for source in resolved for item in source.items]
    for source in resolved:
        progress("ExampleGen", f"{source.argument}: {source.counts()}")
    examples_dir = work_dir / "example_gen"
    generated = example_gen.run(options, items, examples_dir)
    for entry in generated["skipped"]:
        progress("ExampleGen", f"skipped {entry['path']}: {entry['reason']}")
    record.component("ExampleGen", status="done", seconds=time.time() - started,
                     inputs={s.argument: json.dumps(s.provenance, sort_keys=True) for s in resolved},
                     outputs={"examples": examples_dir}, details=generated["examples"])

    started = time.time()
    statistics_dir = work_dir / "statistics_gen"
    statistics = statistics_gen.run(options, examples_dir, statistics_dir)
    for split, stats in statistics.items():
        progress("StatisticsGen", f"{split}: {stats['count']} examples, labels {stats['labels']}, "
                                  f"mean grey level {stats['intensity']['mean'] or 0:.1f}")
    record.component("StatisticsGen", status="done", seconds=time.time() - started,
                     inputs={"examples": examples_dir}, outputs={"statistics": statistics_dir})

    if not given_schema and statistics["train"]["count"] == 0:
        raise LoopError("the train split has no examples, so there is nothing to infer a schema from or to train on")
    started = time.time()
    schema = given_schema or schema_gen.infer(statistics["train"], label_names=facts["label_names"],
                                              exam_type=facts["exam_type"])
    schema_path = work_dir / "schema_gen" / "schema.json"
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(json.dumps(schema, indent=2))
    progress("SchemaGen", f"{'given: ' + args.schema if given_schema else 'inferred from the train split'} "
                          f"-> {schema_path}")
    record.component("SchemaGen", status="done", seconds=time.time() - started,
                     inputs={"statistics": statistics_dir, **({"schema": Path(args.schema)} if given_schema else {})},
                     outputs={"schema": schema_path})

    started = time.time()
    validator_dir = work_dir / "example_validator"
    try:
        anomalies = example_validator.run(statistics, schema, validator_dir)
    except example_validator.ValidationFailed:
        record.component("ExampleValidator", status="failed", seconds=time.time() - started,
                         inputs={"statistics": statistics_dir, "schema": schema_path},
                         outputs={"validation": validator_dir})
        raise
    finally:
        statistics_gen.plot(statistics, validator_dir / "statistics_vs_schema.png", schema)
    progress("ExampleValidator", example_validator.report(anomalies).replace("\n", "; "))
    record.component("ExampleValidator", status="done", seconds=time.time() - started,
                     inputs={"statistics": statistics_dir, "schema": schema_path}, outputs={"validation": validator_dir})

    started = time.time()
    examples = {split: read_split(examples_dir, split) for split in SPLITS}
    data = trainer.training_dataset(examples, name=dataset_name, label_names=facts["label_names"],
                                    channels=facts["channels"], positive_class=facts["positive_class"],
                                    size=args.image_size,
                                    source={"kind": "training.loop", "examples": str(examples_dir),
                                            "sources": {s.argument: s.provenance for s in resolved}})
    run_dir = work_dir / "trainer" / "run"
    config = TrainConfig(dataset=dataset_name, data_dir=args.data_dir, channels=facts["channels"],
                         architecture=args.architecture, image_size=args.image_size, width=args.width,
                         ensemble=args.ensemble, epochs=args.epochs, batch_size=args.batch_size,
                         learning_rate=args.learning_rate, patience=args.patience,
                         target_sensitivity=args.target_sensitivity, augment=args.augment, seed=args.seed,
                         output_dir=str(run_dir))
    progress("Trainer", f"{data.name} at {args.image_size}x{args.image_size}, {data.sizes()} images")
    summary = trainer.run(config, data, command, args.gate_epochs if args.gate else None)
    record.component("Trainer", status="done", seconds=time.time() - started,
                     inputs={"examples": examples_dir, "schema": schema_path}, outputs={"model": run_dir / "members"})

    started = time.time()
    progress("Evaluator", f"candidate against {baseline or 'no baseline'} on {len(examples['test'])} test examples, "
                          f"{args.resamples} paired bootstrap resamples")
    model, metrics, evaluation = evaluator.run(run_dir=run_dir, data=data, test_examples=examples["test"],
                                               baseline=baseline, output_dir=work_dir / "evaluator",
                                               resamples=args.resamples, seed=args.seed)
    progress("Evaluator", ("BLESSED: " if evaluation["blessed"] else "NOT BLESSED: ") + evaluation["reason"])
    record.component("Evaluator", status="done", seconds=time.time() - started,
                     inputs={"model": run_dir / "members", "examples": examples_dir,
                             **({"baseline": baseline / "model_metadata.json"} if baseline else {})},
                     outputs={"evaluation": work_dir / "evaluator"},
                     details={"blessed": evaluation["blessed"], "reason": evaluation["reason"]})

    if not evaluation["blessed"]:
        progress("Pusher", "nothing pushed: the candidate is not blessed")
        return LoopResult(False, evaluation["reason"], None, work_dir, evaluation)
    started = time.time()
    package_dir, _ = pusher.run(model, summary=summary, metrics=metrics, run_dir=run_dir,
                                staging_dir=work_dir / "pusher", export_dir=Path(args.export_dir), name=model_name,
                                version=args.version, test_split=data.splits["test"], val_split=data.splits["val"],
                                rebuild_command=command,
                                shared_data=Path(args.shared_data) if args.gate else None)
    progress("Pusher", f"pushed {model_name} {args.version} -> {package_dir}")
    record.component("Pusher", status="done", seconds=time.time() - started,
                     inputs={"model": run_dir / "members", "evaluation": work_dir / "evaluator" / "evaluation.json"},
                     outputs={"package": package_dir})
    return LoopResult(True, evaluation["reason"], package_dir, work_dir, evaluation)


def main(argv: list[str] | None = None) -> int:
    """The command line: exit status 0 when a package was pushed, 1 when not blessed, 2 for bad input."""
    try:
        result = run(sys.argv[1:] if argv is None else argv)
    except (DataError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not result.blessed:
        print(f"not pushed: {result.reason}", file=sys.stderr)
        return 1
    return 0
