"""The scenario runner's chart (PNG, matplotlib's Agg backend: no display needed).

The double's own: LEAN has no counterpart (LEAN's charts are drawn by its report and the cloud).

Three panels sharing the time axis: equity of each run; cumulative naked-short exposure
(contract-hours); and each group's outcome, one row per run, a marker per status.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from leansim.runner import ScenarioResult

_COLOURS = {"atomic": "tab:blue", "naive": "tab:red"}
# status -> (marker, colour, label)
_MARKERS = {
    "FILLED": ("o", "tab:green", "filled"),
    "ROLLED_BACK": ("v", "tab:orange", "rolled back"),
    "ROLLBACK_FAILED": ("X", "darkred", "rollback failed"),
    "REJECTED": ("s", "tab:gray", "rejected"),
    "PARTIAL": ("D", "tab:red", "left partially filled"),
    "PENDING": ("P", "gold", "still open"),
    "ROLLING_BACK": ("P", "gold", "still open"),
    "CLOSING": ("P", "gold", "still open"),
    "CLOSED": ("^", "tab:blue", "closed (exit)"),
    "CLOSE_FAILED": ("X", "purple", "close failed"),
}


def write(result: ScenarioResult, path: Path) -> Path:
    """Draw the scenario's chart into `path` (a .png); returns it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, (equity, naked, outcomes) = plt.subplots(
        3, 1, figsize=(11, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.3]}
    )
    for run in result.runs:
        colour = _COLOURS.get(run.kind, "black")
        if run.equity:
            times, values = zip(*run.equity)
            equity.plot(times, values, color=colour, linewidth=1.2, label=f"{run.kind} ({run.end_equity:,.0f})")
        if run.naked_curve:
            times, values = zip(*run.naked_curve)
            naked.step(times, [v / 3600 for v in values], where="post", color=colour, linewidth=1.4,
                       label=f"{run.kind} ({run.naked_total / 3600:,.2f} contract-hours)")
    equity.set_ylabel("equity ($)")
    equity.set_title(f"{result.algorithm}: {result.market}\nfaults: {result.scenario.faults} (seed {result.scenario.seed})",
                     fontsize=10)
    equity.legend(loc="best", fontsize=8)
    equity.grid(alpha=0.3)
    naked.set_ylabel("naked shorts\n(contract-hours, cumulative)")
    naked.legend(loc="upper left", fontsize=8)
    naked.grid(alpha=0.3)

    seen: set[str] = set()
    rows = {run.kind: index for index, run in enumerate(reversed(result.runs))}
    for run in result.runs:
        for group in run.groups:
            marker, colour, label = _MARKERS.get(group.status, ("o", "black", group.status.lower()))
            shown = label not in seen
            seen.add(label)
            outcomes.scatter([group.created_at], [rows[run.kind]], marker=marker, color=colour, s=60,
                             label=label if shown else None, edgecolors="black", linewidths=0.5, zorder=3)
    outcomes.set_yticks(list(rows.values()), list(rows.keys()))
    outcomes.set_ylim(-0.7, len(rows) - 0.3)
    outcomes.set_ylabel("groups")
    outcomes.grid(alpha=0.3, axis="x")
    if seen:
        outcomes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=min(len(seen), 6), fontsize=8, frameon=False)
    outcomes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
