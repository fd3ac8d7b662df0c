"""Test-split metrics of the shipped models next to the published MedMNIST v2 benchmarks.

    .venv/bin/python -m bench.accuracy

Published numbers: Yang et al., "MedMNIST v2", Scientific Data 10, 41 (2023), Table 3 (test AUC
and accuracy). Ours are read from each package's evaluation_metrics.json, which the export wrote
from the official test split with the threshold chosen on validation.
"""
import json
from pathlib import Path

EXPORTED = Path(__file__).resolve().parents[1] / "exported_models"

PUBLISHED = {  # (AUC, ACC)
    "pneumoniamnist": {"ResNet-18 (28)": (0.944, 0.854), "ResNet-18 (224)": (0.956, 0.864),
                       "ResNet-50 (28)": (0.948, 0.854), "ResNet-50 (224)": (0.962, 0.884),
                       "auto-sklearn": (0.942, 0.855), "AutoKeras": (0.947, 0.878),
                       "Google AutoML Vision": (0.991, 0.946)},
    "breastmnist": {"ResNet-18 (28)": (0.901, 0.863), "ResNet-18 (224)": (0.891, 0.833),
                    "ResNet-50 (28)": (0.857, 0.812), "ResNet-50 (224)": (0.866, 0.842),
                    "auto-sklearn": (0.836, 0.803), "AutoKeras": (0.871, 0.831),
                    "Google AutoML Vision": (0.919, 0.861)},
    "retinamnist": {"ResNet-18 (28)": (0.717, 0.524), "ResNet-18 (224)": (0.710, 0.493),
                    "ResNet-50 (28)": (0.726, 0.528), "ResNet-50 (224)": (0.716, 0.511),
                    "auto-sklearn": (0.690, 0.515), "AutoKeras": (0.719, 0.503),
                    "Google AutoML Vision": (0.750, 0.531)},
}


def main() -> None:
    packages = sorted(p.parent for p in EXPORTED.glob("*/*/model_metadata.json"))
    if not packages:
        raise SystemExit(f"no model packages under {EXPORTED}")
    for package in packages:
        metadata = json.loads((package / "model_metadata.json").read_text())
        test = json.loads((package / "evaluation_metrics.json").read_text())["test"]
        dataset = metadata["training"]["dataset"]
        ours = f"ours: {metadata['name']} {metadata['version']}"
        print(f"\n{dataset} (test n={test['n']})")
        print(f"  {'method':<44} {'AUC':>6} {'ACC':>6}")
        rows = sorted(PUBLISHED.get(dataset, {}).items(), key=lambda kv: kv[1])
        rows.append((ours, (test["auc"], test["accuracy"])))
        for method, (auc, acc) in sorted(rows, key=lambda kv: kv[1]):
            marker = "  <--" if method == ours else ""
            print(f"  {method:<44} {auc:6.3f} {acc:6.3f}{marker}")
        low_auc, high_auc = test["ci95"]["auc"]
        low_acc, high_acc = test["ci95"]["accuracy"]
        print(f"  ours, 95% bootstrap CI: AUC {low_auc:.3f}-{high_auc:.3f}, ACC {low_acc:.3f}-{high_acc:.3f}")


if __name__ == "__main__":
    main()
