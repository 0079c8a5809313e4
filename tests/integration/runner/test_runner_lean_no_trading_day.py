"""A backtest whose dates hold no trading day, as LEAN runs it on its GOOG sample.

Mirrors LEAN's OptionUniverseHistoryRegressionAlgorithm (start = end = 2015-12-25, Christmas): LEAN
runs `initialize` on the start date, its option universe history included, finds no time slice and
ends (Engine/AlgorithmManager.cs): no on_data, on_end_of_algorithm, statistics of an untouched
portfolio. The algorithm here is the project's own. Skipped where the sample folder is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from runner_kit import LEAN_SAMPLE, MAIN

from leansim.algorithm import QCAlgorithm
from leansim.runner import Scenario, run_scenario

SAMPLE = Path(os.environ.get("LEANSIM_LEAN_SAMPLE", LEAN_SAMPLE))
pytestmark = pytest.mark.skipif(not (SAMPLE / "option" / "usa").is_dir(), reason=f"LEAN sample data not found at {SAMPLE}")


class ChristmasUniverseHistory(QCAlgorithm):
    """Asks, in initialize, for the last three days of GOOG's option universe; records what each
    event handler saw."""

    seen: dict[str, Any] = {}

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 25)
        self.set_end_date(2015, 12, 25)
        self.set_cash(100_000)
        canonical = self.add_option("GOOG").symbol
        frame = self.history(canonical, 3, flatten=True)
        type(self).seen = {"history days": frame.index.levshape[0], "clock": self.time, "slices": 0}

    def on_data(self, slice: Any) -> None:
        type(self).seen["slices"] += 1

    def on_end_of_algorithm(self) -> None:
        type(self).seen["ended"] = True


def test_a_holiday_backtest_runs_initialize_and_ends_without_a_trading_day() -> None:
    scenario = Scenario(MAIN, data_folder=SAMPLE, faults="none", naive=False)
    result = run_scenario(scenario, ChristmasUniverseHistory).run("atomic")
    assert result is not None and result.days == [] and not result.errors
    seen = ChristmasUniverseHistory.seen
    assert seen["history days"] == 3  # three chains, as LEAN's regression checks
    assert (seen["clock"].date().isoformat(), seen["slices"], seen["ended"]) == ("2015-12-25", 0, True)
    # OptionUniverseHistoryRegressionAlgorithm.cs ExpectedStatistics (every one leansim writes).
    expected = {"Total Orders": "0", "Average Win": "0%", "Average Loss": "0%", "Compounding Annual Return": "0%",
                "Drawdown": "0%", "Expectancy": "0", "Start Equity": "100000", "End Equity": "100000",
                "Net Profit": "0%", "Sharpe Ratio": "0", "Sortino Ratio": "0", "Probabilistic Sharpe Ratio": "0%",
                "Loss Rate": "0%", "Win Rate": "0%", "Profit-Loss Ratio": "0", "Alpha": "0", "Beta": "0",
                "Annual Standard Deviation": "0", "Annual Variance": "0", "Information Ratio": "0",
                "Tracking Error": "0", "Treynor Ratio": "0", "Total Fees": "$0.00", "Portfolio Turnover": "0%",
                "Drawdown Recovery": "0"}
    assert result.outputs.statistics == expected
