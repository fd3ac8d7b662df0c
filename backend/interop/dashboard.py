"""One PNG of a metadata export, from the example queries: cases sent per week by exam type,
turnaround per week (median and 90th percentile), and agreement with the AI per model version
with its 95% interval."""

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.dates import DateFormatter  # noqa: E402

from interop.analytics import example_sql, query_run  # noqa: E402


@dataclass(frozen=True)
class Dashboard:
    """What the picture shows, as numbers: the three example queries' rows."""

    volumes: list[dict]
    turnaround: list[dict]
    agreement: list[dict]


def dashboard_data(export_dir: Path) -> Dashboard:
    def rows(name: str) -> list[dict]:
        return query_run(export_dir=export_dir, sql=example_sql(name)).as_dicts()

    return Dashboard(
        volumes=rows("volumes_per_week"), turnaround=rows("turnaround_per_week"), agreement=rows("agreement_by_model")
    )


def _volumes(ax, volumes: list[dict]) -> None:
    weeks = sorted({row["week"] for row in volumes})
    bottom = [0] * len(weeks)
    for exam_type in sorted({row["exam_type"] for row in volumes}):
        counts = {row["week"]: row["cases_sent"] for row in volumes if row["exam_type"] == exam_type}
        heights = [counts.get(week, 0) for week in weeks]
        ax.bar(weeks, heights, width=5, bottom=bottom, label=exam_type.replace("_", " "))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set(title="Cases sent per week", ylabel="cases")
    if weeks:
        ax.legend(fontsize="small")


def _turnaround(ax, turnaround: list[dict]) -> None:
    weeks = [row["week"] for row in turnaround]
    ax.plot(weeks, [row["median_hours"] for row in turnaround], "o-", label="median")
    ax.plot(weeks, [row["p90_hours"] for row in turnaround], "s--", label="90th percentile")
    ax.set(title="Sent to first signed report", ylabel="hours", ylim=(0, None))
    if weeks:
        ax.legend(fontsize="small")


def _agreement(ax, agreement: list[dict]) -> None:
    names = [f"{row['model_name']}\n{row['model_version']}" for row in agreement]
    rates = [row["agreement"] for row in agreement]
    below = [row["agreement"] - row["agreement_low"] for row in agreement]
    above = [row["agreement_high"] - row["agreement"] for row in agreement]
    ax.bar(names, rates, yerr=[below, above], capsize=4, color="tab:green")
    for index, row in enumerate(agreement):
        ax.text(index, 0.02, f"{row['agrees']}/{row['reports']}", ha="center", va="bottom", fontsize="small")
    ax.set(title="Doctors agreeing with the AI (95% interval)", ylabel="share of reports in force", ylim=(0, 1.05))


def metadata_plot(*, export_dir: Path, out: Path) -> Dashboard:
    """Draw the export's dashboard into `out` (PNG); returns the numbers drawn."""
    data = dashboard_data(export_dir)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    _volumes(axes[0], data.volumes)
    _turnaround(axes[1], data.turnaround)
    _agreement(axes[2], data.agreement)
    for ax in axes[:2]:
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        ax.tick_params(axis="x", labelrotation=45, labelsize="small")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return data
