"""statistics.json as LEAN formats it (Common/Statistics/StatisticsBuilder.cs)."""

from __future__ import annotations

from datetime import datetime, timezone

from leansim.backtest_results import statistics

T = datetime(2015, 12, 24, 15, 0, tzinfo=timezone.utc)


def test_lean_formats_counts_amounts_fees_and_percentages() -> None:
    figures = statistics(2, 3, 100_000, 106_440, [(T, 100_000), (T, 95_000), (T, 106_440)], 2)
    assert figures == {"Total Orders": "2", "Start Equity": "100000", "End Equity": "106440",
                       "Net Profit": "6.440%", "Drawdown": "5.000%", "Total Fees": "$2.00"}


def test_equity_keeps_its_cents_without_padding() -> None:
    assert statistics(1, 2, 10_000, 10_658.5, [], 1.3)["End Equity"] == "10658.5"


def test_a_one_day_backtest_reports_no_net_profit() -> None:
    figures = statistics(2, 1, 100_000, 99_718, [(T, 100_000), (T, 99_718)], 2)
    assert (figures["Net Profit"], figures["Drawdown"], figures["End Equity"]) == ("0%", "0%", "99718")
