# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reading the drift report
#
# The drift watch (`backend/drift`) looks at what a model version read, week by week: the scores it
# gave and the brightness of the images against the package's validation reference
# (`drift_reference.json`), the images' sizes against earlier weeks, how many images its input gate
# refused, and how often doctors' signed reports agreed with it. `drift.report.drift_weeks` returns
# one entry per version and ISO week, with a verdict per check (`ok`, `warn`, `breach`, or none
# when the week is too small); the admin page and `manage.py drift_report` show the same entries,
# and `docs/drift.md` explains each check, its bins and its thresholds.
#
# Here it runs on a throwaway SQLite database in a temporary folder, filled with three weeks of
# readings by the shipped chest model (`chest-xray-pneumonia` 2.0.0) of real X-rays: two ordinary
# weeks, then a week whose images are darkened to half their grey levels, as a miscalibrated
# detector or a wrong export setting would. The readings are written straight into the tables,
# dated into their weeks, as the drift tests do: the model, its decision rule and the statistics
# kept per image are the product's own.

# %%
import datetime
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "training" / "train.py").is_file()), None)
if REPO is None:
    raise FileNotFoundError(f"run this notebook inside the repository: no folder above {Path.cwd()} holds training/")
sys.path[:0] = [str(REPO), str(REPO / "backend")]
DATA = Path(os.environ.get("MEDICAL_DATA_DIR", REPO.parent / "shared" / "data"))
if not (DATA / "chest_xray_kermany_train").is_dir():
    raise FileNotFoundError(f"no chest_xray_kermany_train/ in {DATA}: set MEDICAL_DATA_DIR to the data directory")

# A database of its own, whatever the environment points at: nothing here touches a real one.
WORK = Path(tempfile.mkdtemp(prefix="drift-notebook-"))
os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DATA_DIR": str(WORK),
                   "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}",
                   "MODEL_PACKAGES_DIR": str(REPO / "exported_models")})
for name in ("CELERY_BROKER_URL", "CACHE_REDIS_URL"):
    os.environ.pop(name, None)
# The kernel runs cells inside an event loop, which Django's ORM refuses unless told it is safe:
# here one cell runs at a time, so it is (Django's documentation says the same for notebooks).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import django

django.setup()
from django.core.management import call_command

call_command("migrate", verbosity=0)
print(f"throwaway database: {WORK / 'db.sqlite3'}")

# %%
import matplotlib.pyplot as plt
import numpy as np
from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from cases.models import Case, CaseStatus
from drift.reference import reference_get
from drift.report import INTENSITY_PSI_BINS, SCORE_PSI_BINS, drift_weeks
from drift.statistics import coarsen
from imaging.models import Image
from inference.decision import decide
from inference.registry import package_get
from inference.runtime import predict
from readings.models import Reading, ReadingStatus, RunsOn
from reports.models import AIAgreement, Report, ReportStatus
from training.decoding import decode_image_file
from training.intensity import intensity_statistics
from training.real_scans import CROPPED, SQUEEZED, read_manifest, split_by_patient

MODEL, VERSION = "chest-xray-pneumonia", "2.0.0"
package = package_get(MODEL, VERSION)
reference = reference_get(package)
print(f"{MODEL} {VERSION}: reference from {reference['images']} images ({reference['split']})")

# %% [markdown]
# ## Three weeks of readings
# The images are real scans the reference does not hold: scans of the model's training patients
# (256x256 centre crops) and the full-size test X-rays, 50 a week, different ones each week. The
# third week's are darkened. A doctor who knows each scan's true label signs a report that agrees
# with the reading when it is right and disagrees when it is wrong.

# %%
train_rows, _ = split_by_patient(read_manifest(DATA / CROPPED), read_manifest(DATA / SQUEEZED), 0.2, seed=0)
crops = [row for row in train_rows if row["folder"] == CROPPED]
chosen = [crops[i] for i in np.random.default_rng(0).choice(len(crops), 130, replace=False)]
full_size = sorted((DATA / "chest_xray_kermany").glob("*/*.jpeg"))
scans = [(decode_image_file(row["path"], channels=1), row["label"]) for row in chosen]
scans += [(decode_image_file(path, channels=1), int(path.parent.name == "PNEUMONIA")) for path in full_size]
order = np.random.default_rng(1).permutation(len(scans))
weeks_of_scans = [[scans[i] for i in order[week * 50:(week + 1) * 50]] for week in range(3)]


def darkened(pixels: np.ndarray) -> np.ndarray:
    return (pixels.astype(np.float32) * 0.5).astype(np.uint8)


weeks_of_scans[2] = [(darkened(pixels), label) for pixels, label in weeks_of_scans[2]]

patient = User.objects.create(username="patient", email="patient@example.invalid", role=Role.PATIENT)
doctor = User.objects.create(username="doctor", email="doctor@example.invalid", role=Role.DOCTOR)
FIRST_MONDAY = datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)


def store_week(week: int, week_scans: list) -> None:
    """One case, image, server reading and signed report per scan, dated `week` weeks after FIRST_MONDAY."""
    when = FIRST_MONDAY + datetime.timedelta(weeks=week)
    predictions = predict(package, [pixels for pixels, _ in week_scans])
    for (pixels, truth), prediction in zip(week_scans, predictions, strict=True):
        decision = decide(package, prediction)
        case = Case.objects.create(patient=patient, created_by=patient, title="Cough", status=CaseStatus.REPORTED)
        height, width = pixels.shape[:2]
        mean, std = intensity_statistics(pixels)
        image = Image.objects.create(case=case, uploaded_by=patient, kind="png", content_type="image/png",
                                     size_bytes=pixels.size, sha256=f"{case.pk:064d}", width=width, height=height,
                                     intensity_mean=mean, intensity_std=std, original=f"originals/{case.pk}",
                                     preview=f"previews/{case.pk}.png")
        reading = Reading.objects.create(
            case=case, image=image, model_name=MODEL, model_version=VERSION, runs_on=RunsOn.SERVER,
            status=ReadingStatus.REFUSED if decision.refused else ReadingStatus.SUCCEEDED,
            probabilities=decision.probabilities, label=decision.label, score=decision.score,
            threshold=decision.threshold, refusal=decision.refusal, input_score=decision.input_score)
        Reading.objects.filter(pk=reading.pk).update(created_at=when, completed_at=when)
        if not decision.refused:
            right = decision.label == package.label_names[truth]
            Report.objects.create(case=case, author=doctor, findings="Reviewed.", impression="See the AI reading.",
                                  ai_agreement=AIAgreement.AGREES if right else AIAgreement.DISAGREES,
                                  reading=reading, status=ReportStatus.SIGNED, signed_at=timezone.now())
    print(f"week {week + 1}: {len(week_scans)} images read", flush=True)


for week, week_scans in enumerate(weeks_of_scans):
    store_week(week, week_scans)

# %% [markdown]
# ## The report
# One entry per week. Each check says in one sentence what it found; `breaches` lists the checks
# past their breach threshold (settings `DRIFT_*`, described in `backend/drift/checks.py`). A PSI
# breach needs both PSI >= 0.2 and a significant two-sample test, since with 50 readings a week
# PSI alone wanders by 0.1-0.2.

# %%
weeks = drift_weeks(MODEL, VERSION)
for week in weeks:
    print(f"{week.week} (from {week.starts}): {week.readings} readings, {week.refused} refused, "
          f"mean grey level {week.intensity_mean:.1f}, doctors agreed {week.agreement:.0%}; "
          f"breaches: {', '.join(week.breaches) or 'none'}")
    for check in week.checks:
        print(f"    {check.name:9} {check.level:7} {check.says}")

# %% [markdown]
# ## Plotted
# Top: each week's images against the reference, on the bins PSI is taken over (ten for scores,
# sixteen of 16 grey levels for brightness). Bottom: each check's number and verdict against its
# thresholds (dotted: warn, dashed: breach). The ordinary weeks sit near the PSI breach line yet stay
# `ok`, because the two-sample test finds nothing; the darkened week's brightness is far outside the
# reference, its scores move with it, and doctors agree with the model less often.

# %%
stored = list(Reading.objects.filter(model_name=MODEL, model_version=VERSION)
              .values("created_at", "score", "image__intensity_mean"))
by_week = {week.week: [row for row in stored if row["created_at"].strftime("%G-W%V") == week.week] for week in weeks}
names = [week.week for week in weeks]
x = np.arange(len(weeks))

fig, axes = plt.subplots(2, 2, figsize=(12, 8))
for ax, key, histogram, groups, label in (
        (axes[0, 0], "image__intensity_mean", reference["intensity_mean"], INTENSITY_PSI_BINS,
         "mean grey level of the image"),
        (axes[0, 1], "score", reference["score"], SCORE_PSI_BINS, f"P({reference['score']['label']})")):
    edges = np.asarray(histogram["edges"], dtype=float)[::len(histogram["counts"]) // groups]
    counts = np.asarray(coarsen(histogram["counts"], groups), dtype=float)
    ax.stairs(counts / counts.sum(), edges, fill=True, color="lightgray",
              label=f"validation reference ({reference['images']} images)")
    for week in weeks:
        values = np.clip([row[key] for row in by_week[week.week] if row[key] is not None], edges[0], edges[-1])
        share = np.histogram(values, bins=edges)[0] / len(values)
        ax.stairs(share, edges, lw=1.8, label=week.week + (" (breach)" if week.breaches else ""))
    ax.set(xlabel=label, ylabel="share of the images")
    ax.legend(fontsize=8)
axes[0, 0].set_title("Brightness of the images read")
axes[0, 1].set_title("Scores given")

ax = axes[1, 0]
for offset, check_name in zip((-0.27, 0, 0.27), ("score", "intensity", "size")):
    checks = [week.check(check_name) for week in weeks]
    values = [np.nan if check.value is None else max(check.value, 0.01) for check in checks]
    bars = ax.bar(x + offset, values, width=0.27, label=check_name)
    for bar, check in zip(bars, checks):
        ax.annotate(check.level if check.value is not None else "none", (bar.get_x() + bar.get_width() / 2, 0.011),
                    rotation=90, ha="center", va="bottom", fontsize=8, color="white" if check.value else "black")
ax.axhline(settings.DRIFT_PSI_WARN, color="black", ls=":", lw=1)
ax.axhline(settings.DRIFT_PSI_BREACH, color="black", ls="--", lw=1)
ax.set_yscale("log")
ax.set(xticks=x, xticklabels=names, ylim=(0.01, 20), ylabel="PSI (log scale)",
       title="Population stability index, with each check's verdict")
ax.legend(fontsize=8, loc="upper left")

ax = axes[1, 1]
for check_name, color in (("agreement", "tab:green"), ("refusals", "tab:red")):
    checks = [week.check(check_name) for week in weeks]
    ax.plot(x, [check.value for check in checks], "o-", color=color, label=check_name)
    ax.axhline(checks[0].warn_at, color=color, ls=":", lw=1)
    ax.axhline(checks[0].breach_at, color=color, ls="--", lw=1)
ax.set(xticks=x, xticklabels=names, ylim=(0, 1.05), ylabel="share",
       title="Agreement (breach below) and refusals (breach above)")
ax.legend(fontsize=8, loc="center left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Summary

# %%
summary = {week.week: {"readings": week.readings, "refused": week.refused, "breaches": week.breaches,
                       "levels": {check.name: check.level for check in week.checks},
                       "intensity_mean": round(week.intensity_mean, 1),
                       "psi": {check.name: None if check.value is None else round(check.value, 3)
                               for check in week.checks if check.name in ("score", "intensity", "size")}}
           for week in weeks}
print("SUMMARY " + json.dumps(summary))
