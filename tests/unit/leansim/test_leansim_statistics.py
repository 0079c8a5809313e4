"""statistics.json's figures, computed and printed as LEAN does (leansim.lean_statistics: Common/Statistics/
StatisticsBuilder.cs, PortfolioStatistics.cs, Statistics.cs), on inputs small enough to check by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from leansim.lean_statistics import (
    BENCHMARK_STATISTICS,
    BacktestRecord,
    DailySample,
    RiskFreeRates,
    TransactionRecord,
    daily_turnover,
    drawdown_metrics,
    summary,
)
from leansim.portfolio import ExerciseLeg

MIDNIGHT = datetime(2015, 12, 21, 5, tzinfo=timezone.utc)  # New York's midnight


def day(n: int, hours: float = 0) -> datetime:
    return MIDNIGHT + timedelta(days=n, hours=hours)


def daily(*values: float, volumes: tuple[float, ...] = ()) -> list[DailySample]:
    """One sample a day from the start date's midnight; the last one is the end-of-run sample."""
    volumes = volumes or (0.0,) * len(values)
    return [DailySample(day(n), value, volume, at_start=n == 0) for n, (value, volume) in enumerate(zip(values, volumes))]


def record(samples: list[DailySample], transactions: tuple[TransactionRecord, ...] = (), fees: float = 0.0,
           orders: int = 0, start: float = 100_000) -> BacktestRecord:
    equity = [(sample.utc_time, sample.portfolio_value) for sample in samples]
    return BacktestRecord(equity, samples, transactions, start, fees, orders)


def test_a_run_with_fewer_than_two_daily_returns_prints_zeros_but_its_equities_and_turnover() -> None:
    # Start sample, then the end of the one day: after skipping two returns, none are left.
    samples = daily(100_000, 99_718, volumes=(0, 24_000))
    figures = summary(record(samples, fees=2, orders=2))
    assert figures["Start Equity"] == "100000" and figures["End Equity"] == "99718"
    assert (figures["Net Profit"], figures["Drawdown"], figures["Sharpe Ratio"], figures["Win Rate"]) == ("0%", "0%", "0", "0%")
    assert [figures[name] for name in BENCHMARK_STATISTICS] == ["0"] * 5  # LEAN prints 0 before any benchmark maths
    assert (figures["Total Orders"], figures["Total Fees"]) == ("2", "$2.00")
    assert figures["Portfolio Turnover"] == "24.07%"  # 24000 / 99718, the start sample having none
    assert list(figures)[:3] == ["Total Orders", "Average Win", "Average Loss"]  # GetSummary's order


def test_sharpe_sortino_deviation_and_variance_of_one_losing_day() -> None:
    # Returns after the two skipped: -1%, 0, 0, 0. Sample variance 2.5e-5, x252 = 0.0063; annual
    # deviation 0.0794; (1 - 0.0025)^252 - 1 = -0.4678; Sharpe (-0.4678 - 1%) / 0.0794 = -6.020.
    samples = daily(100_000, 100_000, 100_000, 99_000, 99_000, 99_000)
    figures = summary(record(samples))
    assert (figures["Sharpe Ratio"], figures["Annual Standard Deviation"], figures["Annual Variance"]) == ("-6.02", "0.079", "0.006")
    assert figures["Sortino Ratio"] == "0"  # one negative return: no downside variance
    assert figures["Net Profit"] == "-1.000%" and figures["Drawdown"] == "1.000%"
    assert not set(BENCHMARK_STATISTICS) & set(figures)  # no benchmark series: left out, not made up


def test_average_win_and_loss_are_fractions_of_the_capital_running_at_each_transaction() -> None:
    # +1000 on 100000, -500 on 101000, +2000 on 100500: wins average (1% + 1.990%) / 2 = 1.495%,
    # the loss is -0.495%; ratio 3.0200; win rate 2/3; expectancy 2/3 x 3.0200 - 1/3 = 1.680.
    transactions = (TransactionRecord(day(1, 15), 1000, True), TransactionRecord(day(2, 15), -500, False),
                    TransactionRecord(day(3, 15), 2000, True))
    figures = summary(record(daily(100_000, 100_000, 101_000, 100_500, 102_500), transactions))
    assert (figures["Average Win"], figures["Average Loss"], figures["Profit-Loss Ratio"]) == ("1.50%", "-0.50%", "3.02")
    assert (figures["Win Rate"], figures["Loss Rate"], figures["Expectancy"]) == ("67%", "33%", "1.680")


def test_an_exercise_that_earned_money_can_still_count_as_a_loss() -> None:
    # Its profit makes it an average win; its win flag (Extensions.IsWin) makes the win rate 0%.
    # With no average loss the ratio is 0 and the expectancy 0 x 0 - 1 prints as LEAN's decimal: "-1".
    transactions = (TransactionRecord(day(1, 15), 100, False),)
    figures = summary(record(daily(100_000, 100_000, 100_100, 100_100), transactions))
    assert (figures["Average Win"], figures["Win Rate"], figures["Loss Rate"]) == ("0.10%", "0%", "100%")
    assert (figures["Profit-Loss Ratio"], figures["Expectancy"]) == ("0", "-1")


def test_compounding_annual_return_spans_the_first_to_the_last_equity_sample() -> None:
    samples = [DailySample(day(0), 100_000, 0, True), DailySample(day(1), 100_000, 0),
               DailySample(day(2), 100_000, 0), DailySample(day(182), 105_000, 0)]
    assert summary(record(samples))["Compounding Annual Return"] == "10.280%"  # 1.05 ^ (365 / 182) - 1


def test_turnover_skips_the_start_sample_and_a_resample_at_the_same_time_counts_from_the_day_before() -> None:
    start = DailySample(day(0), 100_000, 0, at_start=True)
    first = DailySample(day(1), 100_000, 20_000)
    again = DailySample(day(1), 100_000, 30_000)  # the end-of-run sample at the last midnight
    assert [float(x) for x in daily_turnover([start, first, again])] == [0.3]


def test_drawdown_is_rounded_to_a_tenth_of_a_percent_and_recovery_counts_days_from_the_peak() -> None:
    equity = [(day(0), 100.0), (day(1), 97.06), (day(3), 100.0), (day(4), 99.0)]
    assert drawdown_metrics(equity) == (pytest.approx(0.0294), 3)
    samples = [DailySample(t, v, 0, at_start=n == 0) for n, (t, v) in enumerate(equity)] + [DailySample(day(5), 99.0, 0)]
    assert summary(record(samples, start=100))["Drawdown"] == "2.900%"  # LEAN rounds the fraction: 0.029
    tiny = daily(100_000, 100_000, 100_000, 99_990, 99_990, 99_990)
    assert summary(record(tiny))["Drawdown"] == "0.000%"  # a fall that rounds away is still one


def test_risk_free_rate_is_the_last_published_one_and_lowers_the_sharpe_ratio() -> None:
    rates = RiskFreeRates.from_csv("date,rate\n2015-01-01,1.0\n2015-12-17,1.25\n")
    assert (rates.rate(date(2014, 6, 1)), rates.rate(date(2015, 12, 16)), rates.rate(date(2015, 12, 28))) == (0.01, 0.01, 0.0125)
    assert RiskFreeRates().rate(date(2015, 12, 28)) == 0.01  # LEAN's default without the file
    samples = daily(100_000, 100_000, 101_000, 101_000, 102_000, 102_000)
    base = summary(record(samples))["Sharpe Ratio"]
    higher = summary(BacktestRecord(record(samples).equity, samples, (), 100_000, 0, 0, RiskFreeRates(((date(2015, 1, 1), 0.5),))))
    assert float(higher["Sharpe Ratio"]) < float(base)


def test_a_malformed_rate_file_line_is_named() -> None:
    with pytest.raises(ValueError, match="line 3"):
        RiskFreeRates.from_csv("date,rate\n2015-01-01,1.0\n2015/12/17;1.25\n")


@pytest.mark.parametrize(("quantity", "in_the_money", "profit_loss", "win"), [
    (-1, True, -300.0, True),   # the holder exercises 500 in the money, having paid 300: a win
    (-1, True, -700.0, False),  # ... having paid 700: a loss
    (-1, False, -200.0, False),  # expired worthless
    (1, False, 200.0, True),     # the writer keeps the premium
    (1, True, 300.0, False),     # assigned 500 in the money on a 300 premium: a loss
    (1, True, 700.0, True),      # ... on a 700 premium: a win
])
def test_an_exercise_s_win_weighs_its_profit_against_the_in_the_money_amount(
        quantity: int, in_the_money: bool, profit_loss: float, win: bool) -> None:
    # Extensions.IsWin, with the option 5 points in the money on one contract (x100 = 500).
    assert ExerciseLeg(in_the_money, 500.0 if in_the_money else -200.0).is_win(quantity, profit_loss) is win
