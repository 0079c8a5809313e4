"""The report's per-group table and groups.csv: one row per group with its structure, pricing,
entry and exit prices per structure, how it ended and P&L with fees; closed groups are counted as
CLOSED, and when every group ended flat their P&L adds up to the run's change in equity, groups
held to expiry included (what LEAN's exercise orders paid or took is theirs)."""

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


@cache
def _held_to_expiry() -> ScenarioResult:
    """Three weekly condors held to expiry on a quiet market, in both runs: the first and third
    assigned (the delivered 400 shares sold at the next open), the second expired worthless."""
    return run_scenario(Scenario(MAIN, days=16, faults="none", parameters=HOLD_TO_EXPIRY), main_algorithm())


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


def test_groups_held_to_expiry_count_what_the_expiry_paid_and_add_up_to_the_change_in_equity() -> None:
    """An assigned group's P&L has the delivery at the strike as well as the sale of those shares
    (counting the sale alone made it about +-$168,000); a worthless expiry closes at 0."""
    result = _held_to_expiry()
    atomic, naive = _atomic(result), result.run("naive")
    assert naive is not None
    assert [g.status for g in atomic.groups] == ["ASSIGNED", "EXPIRED", "ASSIGNED"]
    for run in (atomic, naive):
        assert sum(g.pnl for g in run.groups) == pytest.approx(run.end_equity - run.start_equity, abs=0.01)
        assert all(g.expired and abs(g.pnl) < 2_500 for g in run.groups)  # 5-wide wings x 400: at most ~$2,000
        assert [g.exit_reason.split(":")[0] for g in run.groups] == ["assigned", "expired", "assigned"]
        assert [g.exit_net for g in run.groups][1] == 0.0 and all(g.exit_net for g in run.groups[::2])
    # The executor's own shares of the exercise orders (GroupView.expiry_cash, its flatten a close of
    # the group's) and the runner's shares for the naive loop: the same fills, the same P&L.
    assert [g.pnl for g in naive.groups] == pytest.approx([g.pnl for g in atomic.groups], abs=0.01)
    assert all(g.fees > 0 for g in naive.groups[::2])  # the naive loop's flatten's fees are the group's


def test_the_table_shows_how_a_group_held_to_expiry_ended_in_a_short_reason(tmp_path: Path) -> None:
    result = _held_to_expiry()
    report.write(result, tmp_path)
    with (tmp_path / "groups.csv").open(newline="") as table:
        rows = list(csv.DictReader(table))
    atomic = [row for row in rows if row["run"] == "atomic"]
    assert atomic[0]["exit reason"].startswith("assigned: the underlying delivered at the strike; flatten the underlying")
    assert atomic[1]["exit reason"] == "expired: worthless" and atomic[1]["exit net"] == "0.00"
    lines = (tmp_path / "report.txt").read_text().splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("Groups (prices")) + 2:]
    assert len(table) == 6 and all(" assigned " in line or " expired " in line for line in table)
    assert not any("(held)" in line or "flatten" in line for line in table)  # each ended at its expiry
