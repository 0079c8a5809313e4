"""The report's per-group table and groups.csv: one row per group with its structure, pricing,
entry and exit prices per structure, exit rule and P&L with fees; closed groups are counted as
CLOSED, and when every group ended flat their P&L adds up to the run's change in equity."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest
from runner_kit import EVERY_WEEKDAY, HOLD_TO_EXPIRY, MAIN, main_algorithm

from leansim import report
from leansim.runner import RunResult, Scenario, ScenarioResult, run_scenario

STOPS = HOLD_TO_EXPIRY + (("stop-loss", "2.0"), ("wing-width", "1"))


@cache
def _stopped() -> ScenarioResult:
    scenario = Scenario(MAIN, days=3, faults="none", parameters=STOPS, entry_days=EVERY_WEEKDAY, naive=False)
    return run_scenario(scenario, main_algorithm())


def _atomic(result: ScenarioResult) -> RunResult:
    run = result.run("atomic")
    assert run is not None
    return run


def test_closed_groups_are_counted_and_add_up(tmp_path: Path) -> None:
    result = _stopped()
    run = _atomic(result)
    assert run.count("CLOSED") == run.attempted == 3
    text = report.render(result)
    assert "  closed (an exit, all-or-nothing)" in text and "outcomes add up to attempted" in text
    assert [line for line in text.splitlines() if line.startswith("  still open at the end")][0].split()[-1] == "0"
    assert run.exit_fills > 0


def test_groups_csv_has_one_row_per_group_with_the_exit(tmp_path: Path) -> None:
    result = _stopped()
    report.write(result, tmp_path)
    with (tmp_path / "groups.csv").open(newline="") as table:
        rows = list(csv.DictReader(table))
    run = _atomic(result)
    assert len(rows) == len(run.groups) == 3
    for row, group in zip(rows, run.groups):
        assert (row["run"], row["strategy"], row["outcome"], row["pricing"]) == ("atomic", "Friday_0DTE", "CLOSED", "Market()")
        assert row["day"] == group.created_at.date().isoformat()
        legs, count = row["structure"].rsplit(" ", 1)  # "+1 C453 +1 P441 -1 C452 -1 P442 x10"
        assert sorted(legs.split(" ")[::2]) == ["+1", "+1", "-1", "-1"] and count == "x10"
        assert row["exit reason"].startswith("stop loss: buy back at")
        entry, paid = float(row["entry net"]), float(row["exit net"])
        assert entry > 0 and paid >= 2 * entry - 0.01  # a credit, bought back at twice it or more
        mid = float(row["entry mid"])
        assert mid > 0  # a credit structure, in the table's convention: credit > 0
        assert float(row["vs mid"]) == pytest.approx(entry - mid, abs=0.011)  # market orders concede: < 0
        assert float(row["vs mid"]) < 0
    assert "Groups (prices per share of one structure" in (tmp_path / "report.txt").read_text()


def test_the_groups_p_and_l_with_fees_is_the_change_in_equity() -> None:
    run = _atomic(_stopped())
    assert all(group.flat for group in run.groups) and run.groups
    assert sum(group.pnl for group in run.groups) == pytest.approx(run.end_equity - run.start_equity, abs=0.01)
    assert all(group.fees > 0 for group in run.groups)


def test_walked_entries_show_their_policy_and_net_against_the_mid_the_naive_loop_its_market_orders(tmp_path: Path) -> None:
    """entry-pricing walk (as `make demo`): the atomic run's groups are walked from the mid, each
    with its net against that mid; the naive loop, which has no price control, is shown at market
    with what it was asked."""
    scenario = Scenario(MAIN, days=5, faults="none", parameters=HOLD_TO_EXPIRY + (("entry-pricing", "walk"),))
    result = run_scenario(scenario, main_algorithm())
    report.write(result, tmp_path)
    with (tmp_path / "groups.csv").open(newline="") as table:
        rows = list(csv.DictReader(table))
    atomic = [row for row in rows if row["run"] == "atomic"]
    naive = [row for row in rows if row["run"] == "naive"]
    assert atomic and len(naive) == len(atomic)
    for row in atomic:
        assert row["pricing"].startswith("Walk(") and float(row["entry mid"]) > 0
        if row["outcome"] in ("ROLLED_BACK", "ROLLBACK_FAILED"):
            assert row["vs mid"] == ""  # no whole structure entered: nothing to hold against the mid
        elif row["entry net"]:
            assert float(row["vs mid"]) == pytest.approx(float(row["entry net"]) - float(row["entry mid"]), abs=0.011)
    assert all(row["pricing"].startswith("Market (asked Walk(") and row["entry mid"] == "" for row in naive)
    text = (tmp_path / "report.txt").read_text()
    assert "vs mid" in text and "no price control" in text
