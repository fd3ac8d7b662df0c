"""The shipped models' accuracy: on real scans first, then on MedMNIST next to its published benchmarks.

    .venv/bin/python -m bench.accuracy

Real scans: the 20 full-size Kermany test X-rays (as uploaded) and the patient-held-out real
validation scans, next to Kermany et al. 2018 (Cell 172(5), the paper this data set comes from:
transfer learning on the same test split at full resolution, n=624). MedMNIST: Yang et al.,
"MedMNIST v2", Scientific Data 10, 41 (2023), Table 3 (test AUC and accuracy). Ours are read
from each package's evaluation_metrics.json, which the export wrote with the threshold chosen on
validation.
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


KERMANY_2018 = {"auc": 0.968, "accuracy": 0.928, "sensitivity": 0.932, "specificity": 0.901}
REAL_KEYS = ("auc", "accuracy", "sensitivity", "specificity")


def print_real_scans(metadata: dict, metrics: dict) -> None:
    full = metrics.get("full_size_test_xrays")
    if metadata["training"]["dataset"] != "kermany-chest-xray" or not full:
        print("  real scans: not measured in its package (it was trained and evaluated on 28x28 MedMNIST only)")
        return
    val = metrics["val"]
    print(f"  {'real scans':<44} " + " ".join(f"{k[:5]:>6}" for k in REAL_KEYS))
    print(f"  {'Kermany et al. 2018, full test split (n=624)':<44} "
          + " ".join(f"{KERMANY_2018[k]:6.3f}" for k in REAL_KEYS))
    for label, split in ((f"ours, 20 full-size test X-rays (n={full['n']})", full),
                         (f"ours, patient-held-out val scans (n={val['n']})", val)):
        print(f"  {label:<44} " + " ".join(f"{split[k]:6.3f}" for k in REAL_KEYS))
    low, high = full["ci95"]["accuracy"]
    print(f"  full-size accuracy 95% CI {low:.3f}-{high:.3f}: 20 scans cannot tell 0.90 from 0.95; the full "
          "test split is the independent check")


def main() -> None:
    packages = sorted(p.parent for p in EXPORTED.glob("*/*/model_metadata.json"))
    if not packages:
        raise SystemExit(f"no model packages under {EXPORTED}")
    for package in packages:
        metadata = json.loads((package / "model_metadata.json").read_text())
        metrics = json.loads((package / "evaluation_metrics.json").read_text())
        test = metrics["test"]
        dataset = "pneumoniamnist" if metadata["training"]["dataset"] == "kermany-chest-xray" else metadata["training"]["dataset"]
        ours = f"ours: {metadata['name']} {metadata['version']}"
        print(f"\n{metadata['name']} {metadata['version']}")
        print_real_scans(metadata, metrics)
        print(f"  {dataset} test (MedMNIST 28x28, n={test['n']})")
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
