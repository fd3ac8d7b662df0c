"""A training pipeline in the shape of TFX, on Apache Beam (see training/loop/pipeline.py and docs/pipeline.md).

    from training.loop import run
    result = run(["--source", "medmnist:pneumoniamnist", "--version", "1.1.0", "--work-dir", "runs/loop"])
    result.blessed, result.package_dir
"""
from training.loop.pipeline import LoopError, LoopResult, run

__all__ = ["LoopError", "LoopResult", "run"]
