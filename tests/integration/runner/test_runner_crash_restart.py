"""Crash and restart from the command line: two `python -m leansim run --live` processes over one
--output folder, as a LEAN user would watch recovery across two commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from runner_kit import MAIN, ROOT

# One synthetic Tuesday, one iron condor sent as a combo at 10:30, a world without faults: the only
# thing that goes wrong is the crash the command asks for.
DAY = ("--days", "1", "--entry-days", "tuesday", "--faults", "none")
CRASH = "simulated crash at after_order #1"


def leansim_run(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "leansim", "run", str(MAIN), "--live", *DAY, "--output", str(out), *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def state(out: Path) -> dict:
    return json.loads((out / "brokerage.json").read_text())


def test_a_combo_that_filled_while_the_process_was_down_is_recovered_as_filled(tmp_path: Path) -> None:
    first = leansim_run(tmp_path, "--crash-at", "after_order:1")
    assert first.returncode == 3, first.stderr
    assert f"the process died: {CRASH}; the same command restarts it" in first.stderr
    died = state(tmp_path)
    assert died["process"] == "crashed" and died["crash"] == CRASH and died["positions"] == []
    legs = died["open_orders"]
    assert len(legs) == 4 and all(leg["tag"].startswith("atomic/") for leg in legs)
    assert any((tmp_path / "storage").rglob("*")), "the group's record was not persisted before its order"

    # The same command again: --crash-at after_order:1 has already happened (counted over both processes).
    second = leansim_run(tmp_path, "--crash-at", "after_order:1", "--downtime", "60")
    assert second.returncode == 0, second.stderr
    log = (tmp_path / "log.txt").read_text()
    group = legs[0]["tag"].split("/")[1]
    assert f"group {group} FILLED" in log
    assert "recovery: 1 incomplete groups, 0 quarantined, 0 orphan orders, 0 set aside" in log
    assert f'restart after "{CRASH}"' in second.stdout and "60 s down" in second.stdout
    assert json.loads((tmp_path / "orders.json").read_text()) == []  # nothing was left open to reload
    # The four legs filled while the process was down, and are held at the end: LEAN delists them at
    # the midnight after their expiry, after this one-day run.
    ended = state(tmp_path)
    assert ended["process"] == "ended" and ended["open_orders"] == []
    assert sorted((json.dumps(p["symbol"], sort_keys=True), float(p["quantity"])) for p in ended["positions"]) == sorted(
        (json.dumps(leg["symbol"], sort_keys=True), float(leg["quantity"])) for leg in legs)


def test_a_restart_at_once_reloads_the_open_combo_with_new_ids_and_no_tags_and_cancels_it(tmp_path: Path) -> None:
    assert leansim_run(tmp_path, "--crash-at", "after_order:1").returncode == 3
    broker_ids = sorted(leg["broker_id"] for leg in state(tmp_path)["open_orders"])

    second = leansim_run(tmp_path, "--downtime", "0")
    assert second.returncode == 0, second.stderr
    log = (tmp_path / "log.txt").read_text()
    assert "rolling back: recovery: nothing filled, cancelling" in log
    assert "recovery: 1 incomplete groups, 0 quarantined, 0 orphan orders, 0 set aside" in log
    reloaded = json.loads((tmp_path / "orders.json").read_text())
    assert [order["id"] for order in reloaded] == [1, 2, 3, 4]  # LEAN numbers them afresh
    assert {order["tag"] for order in reloaded} == {""}  # and drops the tags
    assert sorted(order["broker_id"][0] for order in reloaded) == broker_ids
    assert {order["status"] for order in reloaded} == {"CANCELED"}
    ended = state(tmp_path)
    assert ended["positions"] == [] and ended["open_orders"] == []
    assert ended["cash"] == state_cash_at_start(tmp_path)


def state_cash_at_start(out: Path) -> float:
    """The starting cash (nothing filled, so nothing paid): the statistics' start equity."""
    return float(json.loads((out / "statistics.json").read_text())["Start Equity"])


def test_a_bad_crash_point_is_refused_with_the_points_listed(tmp_path: Path) -> None:
    refused = leansim_run(tmp_path, "--crash-at", "after_lunch")
    assert refused.returncode == 2
    assert "unknown crash point 'after_lunch'; expected one of before_save" in refused.stderr


@pytest.mark.parametrize("sequential", ["false", "true"], ids=["legged", "sequential"])
def test_a_legged_group_whose_other_legs_were_never_subscribed_is_recovered_not_quarantined(
        tmp_path: Path, sequential: str) -> None:
    """Legs sent one by one: the process dies once the first reached the brokerage. At the restart
    universe selection has not run, so the other legs' contracts are no securities (LEAN adds only
    the brokerage's holdings and open orders): recovery still takes charge of the record, and
    flattens the leg that filled while the process was down."""
    legged = ("--parameter", "execution-mode", "legged", "--parameter", "sequential-protective-legs", sequential)
    assert leansim_run(tmp_path, *legged, "--crash-at", "after_order:1").returncode == 3
    [sent] = state(tmp_path)["open_orders"]
    group = sent["tag"].split("/")[1]

    second = leansim_run(tmp_path, *legged, "--downtime", "60")
    assert second.returncode == 0, second.stderr
    log = (tmp_path / "log.txt").read_text()
    assert "recovery: 1 incomplete groups, 0 quarantined, 0 orphan orders, 0 set aside" in log, log
    assert f"group {group} rolling back: recovery: partial fill, flattening" in log
    assert f"group {group} ROLLED_BACK" in log
    assert "record quarantined" not in log and "halted" not in log, log
    ended = state(tmp_path)
    assert ended["process"] == "ended" and ended["positions"] == [] and ended["open_orders"] == []
