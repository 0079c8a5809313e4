"""A short synthetic run of main.py under the `mixed` faults, atomic and naive side by side: the
atomic executor leaves nothing unbalanced and, with protective legs first, never holds a naked
short; the naive loop does."""

from __future__ import annotations


from runner_kit import PARALLEL, run

from leansim import report

ATOMIC_FINAL = ("FILLED", "ROLLED_BACK", "ROLLBACK_FAILED", "REJECTED", "EXPIRED", "ASSIGNED")
HELD_TO_EXPIRY = ("EXPIRED", "ASSIGNED")  # filled, then held until LEAN expired the contracts


def test_atomic_run_ends_with_no_unbalanced_group_and_outcomes_add_up() -> None:
    atomic = run().run("atomic")
    assert atomic is not None
    assert atomic.attempted >= 5
    assert atomic.unbalanced == []
    assert atomic.self_check == ""
    counted = sum(atomic.count(status) for status in ATOMIC_FINAL)
    assert counted == atomic.attempted  # filled (or held to expiry) + rolled back + failed + rejected
    assert atomic.count("ROLLED_BACK") >= 1  # the faults did hit entry legs
    assert all(g.flat for g in atomic.groups if g.status == "ROLLED_BACK")
    assert all(g.complete for g in atomic.groups if g.status == "FILLED")


def test_sequential_atomic_run_never_holds_a_naked_short_while_the_naive_loop_does() -> None:
    result = run()
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    assert atomic.naked_total == 0 and atomic.naked_max == 0
    assert naive.naked_total > 0 and naive.naked_max > 0
    assert naive.unbalanced  # partial structures left behind
    assert "unbalanced" in naive.self_check  # main.py's own end-of-run check catches them


def test_parallel_legs_bound_the_atomic_exposure_far_below_the_naive_loop() -> None:
    result = run(parameters=PARALLEL)
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    assert atomic.unbalanced == []
    # Shorts may fill before a faulted long; the executor unwinds at its next check (one minute
    # at most in a backtest), the naive loop never does.
    assert 0 < atomic.naked_total < naive.naked_total / 10
    for group in atomic.groups:
        assert group.naked_seconds <= 120 * max(group.naked_max, 1)


def test_report_fields_are_present_and_consistent() -> None:
    result = run()
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    text = report.render(result)
    for label in ("groups attempted", "filled (every leg)", "rolled back", "rollback failed", "rejected",
                  "fills: entry / rollback", "rollback cost", "naked-short exposure, contract-seconds",
                  "worst group", "unbalanced groups at the end", "ObjectStore: writes / bytes / flushes",
                  "end equity", "outcomes add up to attempted"):
        assert label in text, label
    assert "NO" not in text.split("outcomes add up to attempted")[1].splitlines()[0]
    assert atomic.entry_fills > 0 and atomic.rollback_fills > 0
    assert naive.rollback_fills == 0 and naive.rollback_cost == 0
    assert atomic.store_saves > 0 and atomic.store_bytes > 0
    assert naive.store_saves == 0  # the naive loop persists nothing
    assert atomic.start_equity == naive.start_equity == 100_000
    assert atomic.equity and atomic.equity[-1][1] == atomic.end_equity
    assert sum(atomic.reasons("ROLLED_BACK", "ROLLBACK_FAILED").values()) == atomic.count("ROLLED_BACK", "ROLLBACK_FAILED")


def test_without_faults_both_runs_trade_alike() -> None:
    result = run(days=5, faults="none")
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    assert atomic.attempted == naive.attempted == atomic.count("FILLED", *HELD_TO_EXPIRY) == naive.count("FILLED") > 0
    assert atomic.end_equity == naive.end_equity
    assert atomic.naked_total == naive.naked_total == 0


def test_the_naive_loop_tells_its_listeners_when_each_group_ends() -> None:
    """The runner observes both executors through the same listener seam: every naive group whose
    orders closed was reported, at or after its creation."""
    naive = run().run("naive")
    assert naive is not None
    ended = [g for g in naive.groups if g.status != "PENDING"]
    assert ended and all(g.settled_at is not None and g.settled_at >= g.created_at for g in ended)


def test_skipped_entries_are_counted_by_reason() -> None:
    """A naked strangle's margin estimate is over the default risk budget: skipped each entry day."""
    result = run(days=3, faults="none", parameters=(*PARALLEL, ("second-strategy", "strangle")), naive=False)
    atomic = result.run("atomic")
    assert atomic is not None
    assert atomic.entries_sent == 3 and sum(atomic.skips.values()) == 3 and len(atomic.skips) == 1, atomic.skips
