"""The scenario report's naked-short exposure follows atomic.margin for any structure: a bull call
debit spread holds nothing naked by design, so a short that fills while its long is delayed is
counted, not written off as the structure's own."""

from __future__ import annotations

from pathlib import Path

from leansim.runner import RunResult, Scenario, load_algorithm, run_scenario
from runner_kit import EVERY_WEEKDAY, PARALLEL, SEQUENTIAL

ALGORITHM = Path(__file__).with_name("debit_spread_algorithm.py")


def _atomic_run(parameters: tuple[tuple[str, str], ...]) -> RunResult:
    scenario = Scenario(ALGORITHM, days=10, faults="delays", seed=7, parameters=parameters, entry_days=EVERY_WEEKDAY,
                        naive=False, algorithm_name="DebitSpreadAlgorithm")
    run = run_scenario(scenario, load_algorithm(ALGORITHM, "DebitSpreadAlgorithm")).run("atomic")
    assert run is not None
    return run


def test_a_debit_spreads_short_filled_before_its_long_is_counted_naked() -> None:
    parallel = _atomic_run(PARALLEL)
    assert parallel.naked_max == 1 and parallel.naked_total > 0  # a delayed long call left its short uncovered
    sequential = _atomic_run(SEQUENTIAL)
    assert sequential.naked_total == 0 and sequential.naked_max == 0
    # A backtest fills a delayed order at the next time slice (BacktestingBrokerage.Scan runs once a
    # slice), a minute on and past the 5 s timeout: a group whose long was delayed completes in
    # parallel mode (its short went out with it) and is rolled back in sequential mode (its short
    # was never sent), then is held to its expiry. No other outcome differs.
    differ = [(s.status, p.status) for s, p in zip(sequential.groups, parallel.groups, strict=True) if s.status != p.status]
    assert differ and {before for before, _ in differ} == {"ROLLED_BACK"}
    assert {after for _, after in differ} <= {"FILLED", "EXPIRED", "ASSIGNED"}
