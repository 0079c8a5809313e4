"""What a LEAN backtest leaves in its output folder, for one run of the double.

As the lean CLI's backtest folder: the algorithm's debug/log/error lines in log.txt (each stamped
with the algorithm's time, Engine/Results/BacktestingResultHandler.cs), statistics.json keyed by
LEAN's statistic names (leansim.lean_statistics computes and prints them as
Common/Statistics/StatisticsBuilder.cs does), the runtime statistics, the orders with their events,
and a PNG chart per `plot` chart.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from leansim.lean_statistics import BacktestRecord, summary
from leansim.orders import Order
from leansim.simulator import EventRecord, LogRecord, PlotPoint

NEW_YORK = ZoneInfo("America/New_York")


@dataclass
class BacktestResults:
    """One run's LEAN outputs."""

    log_lines: list[str]
    statistics: dict[str, str]
    runtime_statistics: dict[str, str]
    orders: list[dict[str, Any]]
    plots: list[PlotPoint]


def collect(logs: Sequence[LogRecord], plots: Sequence[PlotPoint], runtime: dict[str, str], orders: Sequence[Order],
            events: Sequence[EventRecord], record: BacktestRecord) -> BacktestResults:
    """The outputs of the run whose records these are (`logs`, `events`: that run's only)."""
    return BacktestResults(
        log_lines=[log_line(entry) for entry in logs],
        statistics=summary(record),
        runtime_statistics=dict(runtime),
        orders=[_order(order, [e for e in events if e.order_id == order.id]) for order in orders],
        plots=list(plots),
    )


def log_line(record: LogRecord) -> str:
    """`yyyy-MM-dd HH:mm:ss message` in the algorithm's (New York) time, as LEAN's log.txt; errors
    carry LEAN's `ERROR::` prefix."""
    stamp = record.utc_time.astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} {'ERROR:: ' if record.level == 'ERROR' else ''}{record.message}"


def write(results: BacktestResults, folder: Path) -> list[Path]:
    """Write the outputs into `folder`; returns the chart files."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "log.txt").write_text("".join(f"{line}\n" for line in results.log_lines))
    (folder / "statistics.json").write_text(json.dumps(results.statistics, indent=2) + "\n")
    (folder / "runtime-statistics.json").write_text(json.dumps(results.runtime_statistics, indent=2) + "\n")
    (folder / "orders.json").write_text(json.dumps(results.orders, indent=2) + "\n")
    return _charts(results.plots, folder / "charts")


def _order(order: Order, events: Sequence[EventRecord]) -> dict[str, Any]:
    return {
        "id": order.id,
        "symbol": order.symbol.value,
        "type": order.type.name,
        "quantity": order.quantity,
        "status": order.status.name,
        "price": order.price,
        "time": order.time.isoformat(),
        "tag": order.tag,
        "broker_id": list(order.broker_id),
        "events": [
            {"time": e.utc_time.isoformat(), "symbol": e.symbol.value, "status": e.status.name, "fill_quantity": e.fill_quantity,
             "fill_price": e.fill_price, "fee": e.fee, "message": e.message}
            for e in events
        ],
    }


def _charts(plots: Sequence[PlotPoint], folder: Path) -> list[Path]:
    """One PNG per chart, one line per series (matplotlib's Agg backend)."""
    by_chart: dict[str, dict[str, list[tuple[datetime, float]]]] = defaultdict(lambda: defaultdict(list))
    for point in plots:
        by_chart[point.chart][point.series].append((point.utc_time, point.value))
    if not by_chart:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chart, series in by_chart.items():
        figure, axes = plt.subplots(figsize=(10, 4))
        for name, points in series.items():
            axes.plot([t for t, _ in points], [v for _, v in points], label=name, marker=".")
        axes.set_title(chart)
        axes.legend(loc="best")
        figure.autofmt_xdate()
        path = folder / f"{_file_name(chart)}.png"
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)
    return written


def _file_name(chart: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in chart).strip("-") or "chart"
