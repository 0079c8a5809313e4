"""The runner on hour and daily LEAN data written in tmp_path: the days are those of the bar files,
on_data runs when LEAN's bars end (each hour's end; the close for daily bars), and prices are the
bars' ADJUSTED closes (the factor file halves them)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from bar_folder_kit import DAYS, daily_close, hour_close, write_days, write_factor_file, write_hours

from leansim.runner import Scenario, run_scenario

ALGORITHM = Path(__file__).with_name("bar_resolution_algorithm.py")


def _run(folder: Path, resolution: str) -> tuple[list[str], list[dict[str, object]], list[date]]:
    scenario = Scenario(ALGORITHM, data_folder=folder, faults="none", naive=False, parameters=(("resolution", resolution),))
    run = run_scenario(scenario).run("atomic")
    assert run is not None and run.runtime_error == "" and run.crash == ""
    return run.outputs.log_lines, run.outputs.orders, run.days


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_hours(tmp_path, days=DAYS[:2])
    write_days(tmp_path)
    write_factor_file(tmp_path, "SPY", [(date(2050, 12, 31), 0.5, 1.0)])
    return tmp_path


def test_an_algorithm_on_hourly_data(folder: Path) -> None:
    lines, [order], days = _run(folder, "hour")
    assert days == list(DAYS[:2])  # the hour file has two of the three days
    expected = [f"{d:%Y-%m-%d} {h + 1:02d}:00:00 slice {hour_close(i, h) * 0.5:.2f}" for i, d in enumerate(DAYS[:2]) for h in range(9, 16)]
    assert lines == expected
    assert (order["status"], order["quantity"]) == ("FILLED", 10)


def test_an_algorithm_on_daily_data(folder: Path) -> None:
    lines, [order], days = _run(folder, "daily")
    assert days == list(DAYS)
    slices = [line for line in lines if " slice " in line]
    assert slices == [f"{d:%Y-%m-%d} 16:00:00 slice {daily_close(i) * 0.5:.2f}" for i, d in enumerate(DAYS)]
    print(order)
    # sent from the 16:00 slice, when the exchange is closed: market on open, filled the next day
    assert (order["status"], order["type"]) == ("FILLED", "MARKET_ON_OPEN")
