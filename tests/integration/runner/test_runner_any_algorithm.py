"""`python -m leansim run ALGO.py` runs an algorithm with no hook for the runner, over its own dates,
and leaves what the lean CLI leaves: log lines on the console and in log.txt, statistics.json with
LEAN's names and formats, runtime statistics, orders with their events, a PNG per plotted chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leansim.__main__ import main

ALGORITHM = Path(__file__).with_name("plain_algorithm.py")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _run(*arguments: str) -> int:
    return main(["run", str(ALGORITHM), "--no-progress", *arguments])


def test_an_algorithm_without_hooks_runs_over_its_own_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--output", str(tmp_path)) == 0
    printed = capsys.readouterr().out
    [line] = [line for line in printed.splitlines() if line.endswith(" bought 10 SPY")]  # its debug line
    assert line.startswith("2024-01-08 09:3")  # stamped with the algorithm's time, New York
    assert (tmp_path / "log.txt").read_text().splitlines() == [line]
    assert "60 trading days" not in printed and "3 trading days 2024-01-08 .. 2024-01-10" in printed
    statistics = json.loads((tmp_path / "statistics.json").read_text())
    assert statistics["Total Orders"] == "1" and statistics["Total Fees"] == "$1.00"
    assert statistics["Start Equity"] == "100000"
    assert set(statistics) >= {"End Equity", "Net Profit", "Drawdown"}
    assert json.loads((tmp_path / "runtime-statistics.json").read_text()) == {"Runs": "1"}
    [order] = json.loads((tmp_path / "orders.json").read_text())
    assert (order["symbol"], order["quantity"], order["status"]) == ("SPY", 10, "FILLED")
    assert [(event["status"], event["fee"]) for event in order["events"]] == [("SUBMITTED", 0), ("FILLED", 1.0)]
    assert (tmp_path / "charts" / "Trades.png").read_bytes().startswith(PNG_SIGNATURE)


def test_parameters_as_the_lean_cli_takes_them(tmp_path: Path) -> None:
    assert _run("--output", str(tmp_path / "a"), "--parameter", "quantity", "3") == 0
    assert _run("--output", str(tmp_path / "b"), "--param", "quantity=4") == 0
    quantities = [json.loads((tmp_path / run / "orders.json").read_text())[0]["quantity"] for run in "ab"]
    assert quantities == [3, 4]


def test_start_and_end_override_the_algorithm_dates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--output", str(tmp_path), "--start", "2024-01-09", "--end", "2024-01-09") == 0
    assert "1 trading days 2024-01-09 .. 2024-01-09" in capsys.readouterr().out
    assert json.loads((tmp_path / "statistics.json").read_text())["Net Profit"] == "0%"  # one day: LEAN's 0%


def test_without_output_each_run_gets_a_new_folder_under_backtests(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run() == 0
    [folder] = (tmp_path / "backtests").iterdir()
    assert (folder / "statistics.json").is_file() and (folder / "log.txt").is_file()


def test_the_object_store_lives_in_the_output_folder_across_runs(tmp_path: Path) -> None:
    assert _run("--output", str(tmp_path)) == 0
    assert (tmp_path / "storage" / "plain" / "runs").read_text() == "1"
    assert _run("--output", str(tmp_path)) == 0
    assert json.loads((tmp_path / "runtime-statistics.json").read_text()) == {"Runs": "2"}
