"""LEAN's summary statistics of a backtest, computed and printed as LEAN does (pure: no I/O, no clock).

The formulas are LEAN's Common/Statistics/PortfolioStatistics.cs and Statistics.cs; the names,
rounding and printing are StatisticsBuilder.GetSummary (Common/Statistics/StatisticsBuilder.cs),
which reads the daily series trimmed as there (PreprocessPerformanceValues drops the first two
daily returns); the series are sampled as Engine/Results/BaseResultsHandler.cs samples them
(`Sample` at every midnight and once at the end, GetPortfolioPerformance, SamplePortfolioTurnover).

LEAN computes the trade figures in C# `decimal`, whose printed text keeps the scale of the
arithmetic ("9.60%", "-1"): Python's Decimal follows the same scale rules and emulates it; the
ratios LEAN computes in `double` print as .NET prints a double ("-7.473", "0", "-0").

Left out, with the reason in README's "Where leansim differs from LEAN": the benchmark-relative
statistics of a run with two or more daily returns (they need LEAN's SPY daily benchmark series;
with fewer returns LEAN prints 0 for them and so does this module), Estimated Strategy Capacity and
Lowest Capacity Asset (LEAN's capacity model), and OrderListHash (LEAN's JSON of its Order objects).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

TRADING_DAYS_PER_YEAR = 252  # AlgorithmSettings.TradingDaysPerYear's default for US equities
DEFAULT_RISK_FREE_RATE = 0.01  # InterestRateProvider.DefaultRiskFreeRate, when no rate file is found
BENCHMARK_STATISTICS = ("Alpha", "Beta", "Information Ratio", "Tracking Error", "Treynor Ratio")


@dataclass(frozen=True)
class TransactionRecord:
    """One closing fill's profit (SecurityTransactionManager.AddTransactionRecord): the closed
    quantity's profit minus twice the fill's fee (SecurityPortfolioModel.ProcessFill), and whether
    it counts as a win (Extensions.IsWin: an option exercise can lose money and still win)."""

    utc_time: datetime
    profit_loss: float
    is_win: bool


@dataclass(frozen=True)
class DailySample:
    """One BaseResultsHandler.Sample: the portfolio's value and its total sale volume (the sum of
    |quantity x price x multiplier| over every fill). `at_start` marks the sample of the start
    date's midnight, which has no turnover."""

    utc_time: datetime
    portfolio_value: float
    sale_volume: float
    at_start: bool = False


@dataclass(frozen=True)
class RiskFreeRates:
    """LEAN's default risk-free rate model (Common/Data/InterestRateProvider.cs): the primary credit
    rate published on or before a day, the first one before the file starts, 1% with no file."""

    published: tuple[tuple[date, float], ...] = ()

    @classmethod
    def from_csv(cls, text: str) -> RiskFreeRates:
        """LEAN's alternative/interest-rate/usa/interest-rate.csv: a header, then `yyyy-MM-dd,percent`."""
        rates = []
        for number, line in enumerate(text.splitlines()[1:], start=2):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split(",")
            try:
                rates.append((date.fromisoformat(cells[0].strip()), float(cells[1]) / 100))
            except (ValueError, IndexError) as error:
                raise ValueError(f"interest-rate.csv line {number}: expected yyyy-MM-dd,rate, got {line!r}") from error
        return cls(tuple(sorted(rates)))

    def rate(self, day: date) -> float:
        if not self.published:
            return DEFAULT_RISK_FREE_RATE
        index = bisect.bisect_right(self.published, (day, math.inf)) - 1
        return self.published[max(index, 0)][1]


@dataclass(frozen=True)
class BacktestRecord:
    """What LEAN's statistics read from one backtest.

    `equity` is the Strategy Equity series (every sample, the first at the start date's midnight,
    the last at the end); `daily` the daily samples in order; `transactions` the closing fills.
    """

    equity: Sequence[tuple[datetime, float]]
    daily: Sequence[DailySample]
    transactions: Sequence[TransactionRecord]
    start_equity: float
    total_fees: float
    total_orders: int
    risk_free: RiskFreeRates = field(default_factory=RiskFreeRates)
    trading_days_per_year: int = TRADING_DAYS_PER_YEAR


def summary(record: BacktestRecord) -> dict[str, str]:
    """statistics.json's figures, in GetSummary's order, without those left out (module docstring)."""
    equity = _series(record.equity)
    returns = daily_returns(record.daily)[2:]  # PreprocessPerformanceValues: skip day 0 and day 1
    turnover = daily_turnover(record.daily)
    end = equity[-1][1] if equity else 0.0
    figures: dict[str, str] = {"Total Orders": str(record.total_orders)}
    if not record.start_equity or len(returns) < 2:  # PortfolioStatistics: too few samples for a variance
        figures.update(_no_performance(record.start_equity, end))
        figures.update(dict.fromkeys(BENCHMARK_STATISTICS, "0"))
        figures.update(_tail(record.total_fees, turnover, 0))
        return _ordered(figures)
    trades = trade_statistics(record.transactions, record.start_equity)
    years = float(_decimal((equity[-1][0] - equity[0][0]).total_seconds() / 86_400) / 365)  # TotalDays in decimal
    risk_free = sum(record.risk_free.rate(t.date()) for t, _ in equity) / len(equity)
    days = record.trading_days_per_year
    annual_variance = _to_decimal_float(annual_variance_of(returns, days))
    annual_deviation = math.sqrt(annual_variance)
    annual_return = _to_decimal_float(annual_performance(returns, days))
    downside = _to_decimal_float(math.sqrt(annual_variance_of([r for r in returns if r < 0], days)))
    drawdown, recovery = drawdown_metrics(equity)
    figures.update({
        "Average Win": _decimal_percent(trades.average_win, 2),
        "Average Loss": _decimal_percent(trades.average_loss, 2),
        "Compounding Annual Return": _decimal_percent(_decimal(compounding_annual_return(record.start_equity, end, years)), 3),
        "Drawdown": _drawdown_percent(drawdown),
        "Expectancy": _decimal_text(_round(trades.expectancy, 3)),
        "Start Equity": _amount(record.start_equity),
        "End Equity": _amount(end),
        "Net Profit": _fixed_percent(end / record.start_equity - 1),
        "Sharpe Ratio": _double(_sharpe(annual_return, annual_deviation, risk_free)),
        "Sortino Ratio": _double(_sharpe(annual_return, downside, risk_free)),
        "Probabilistic Sharpe Ratio": _decimal_percent(_decimal(probabilistic_sharpe_ratio(
            returns, 1 / math.sqrt(days), risk_free / days)), 3),
        "Loss Rate": _decimal_percent(trades.loss_rate, 0),
        "Win Rate": _decimal_percent(trades.win_rate, 0),
        "Profit-Loss Ratio": _decimal_text(_round(trades.profit_loss_ratio, 2)),
        "Annual Standard Deviation": _double(_to_decimal_float(annual_deviation)),
        "Annual Variance": _double(annual_variance),
    })
    figures.update(_tail(record.total_fees, turnover, recovery))
    return _ordered(figures)


# --- the series -------------------------------------------------------------------------------------------


def daily_returns(daily: Sequence[DailySample]) -> list[float]:
    """Each sample's return on the previous one, as fractions (GetPortfolioPerformance rounds the
    percent to ten places); a sample at a time already sampled replaces it (ChartPointToDictionary)."""
    by_time: dict[datetime, float] = {}
    previous = daily[0].portfolio_value if daily else 0.0
    for sample in daily:
        percent = 0.0 if previous == 0 else round((sample.portfolio_value - previous) * 100 / previous, 10)
        by_time[sample.utc_time] = percent / 100
        previous = sample.portfolio_value
    return [by_time[t] for t in sorted(by_time)]


def daily_turnover(daily: Sequence[DailySample]) -> list[Decimal]:
    """SamplePortfolioTurnover: the day's sale volume over the portfolio's value, none for the start
    sample; a second sample at the same time replaces the first and counts from the volume before it."""
    volumes = [Decimal(0)]  # LEAN's RollingWindow(2) of sale volumes, newest first
    by_time: dict[datetime, Decimal] = {}
    last: datetime | None = None
    for sample in daily:
        if sample.portfolio_value == 0 or sample.at_start:
            continue
        volume = _decimal(sample.sale_volume)
        before = volumes[1] if last == sample.utc_time and len(volumes) > 1 else volumes[0]
        by_time[sample.utc_time] = (volume - before) / _decimal(sample.portfolio_value)
        volumes = [volume, volumes[0]]
        last = sample.utc_time
    return [by_time[t] for t in sorted(by_time)]


def _series(points: Sequence[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    by_time = dict(points)  # the last value at a time wins, as in a SortedDictionary
    return sorted(by_time.items())


# --- the formulas (Statistics.cs, PortfolioStatistics.cs) ---------------------------------------------------


@dataclass(frozen=True)
class TradeFigures:
    """PortfolioStatistics' transaction figures, as C# decimals."""

    average_win: Decimal
    average_loss: Decimal
    profit_loss_ratio: Decimal
    win_rate: Decimal
    loss_rate: Decimal
    expectancy: Decimal


def trade_statistics(transactions: Sequence[TransactionRecord], start_equity: float) -> TradeFigures:
    """Average win and loss as fractions of the capital running at each transaction; win and loss
    rates from the transactions' own win flags (PortfolioStatistics' constructor)."""
    running = _decimal(start_equity)
    profit = loss = Decimal(0)
    wins = losses = 0
    for record in sorted(transactions, key=lambda r: r.utc_time):
        amount = _decimal(record.profit_loss)
        if amount > 0:
            profit += amount / running
            wins += 1
        else:
            loss += amount / running
            losses += 1
        running += amount
    average_win = profit / wins if wins else Decimal(0)
    average_loss = loss / losses if losses else Decimal(0)
    ratio = average_win / abs(average_loss) if average_loss else Decimal(0)
    won = sum(record.is_win for record in transactions)
    total = len(transactions)
    win_rate = Decimal(won) / total if total else Decimal(0)
    loss_rate = Decimal(total - won) / total if total else Decimal(0)
    return TradeFigures(average_win, average_loss, ratio, win_rate, loss_rate, _product(win_rate, ratio) - loss_rate)


def compounding_annual_return(start: float, end: float, years: float) -> float:
    """Statistics.CompoundingAnnualPerformance: 0 for no time or no capital, or a non-finite result."""
    if years == 0 or start == 0:
        return 0.0
    try:
        result = math.pow(end / start, 1 / years) - 1
    except (OverflowError, ValueError):
        return 0.0
    return result if math.isfinite(result) else 0.0


def annual_performance(returns: Sequence[float], days: int) -> float:
    """Statistics.AnnualPerformance: the mean daily return compounded over a year."""
    return math.pow(sum(returns) / len(returns) + 1, days) - 1


def annual_variance_of(returns: Sequence[float], days: int) -> float:
    """Statistics.AnnualVariance: the sample variance times the days of a year; 0 when undefined."""
    variance = _variance(returns)
    return 0.0 if math.isnan(variance) or variance == 0 else variance * days


def probabilistic_sharpe_ratio(returns: Sequence[float], benchmark_sharpe: float, risk_free: float) -> float:
    """Statistics.ProbabilisticSharpeRatio: the chance that the true Sharpe ratio exceeds the
    benchmark's, from the observed (daily) one, the skewness and the (excess) kurtosis; 0 when the
    estimate is undefined (fewer than four returns)."""
    deviation = math.sqrt(_variance(returns)) if len(returns) > 1 else math.nan
    mean = sum(returns) / len(returns)
    observed = 0.0 if math.isnan(deviation) or deviation == 0 else (mean - risk_free) / deviation
    skewness, kurtosis = _skewness(returns), _kurtosis(returns)
    spread = (1 - skewness * observed + (kurtosis - 1) / 4 * observed ** 2) / (len(returns) - 1)
    if math.isnan(spread) or spread < 0:  # Math.Pow(negative, 0.5) is NaN in C#
        return 0.0
    estimate = math.sqrt(spread)
    value = 0.0 if estimate == 0 else (observed - benchmark_sharpe) / estimate
    return 0.5 * math.erfc(-value / math.sqrt(2))


def drawdown_metrics(equity: Sequence[tuple[datetime, float]]) -> tuple[float, int]:
    """Statistics.CalculateDrawdownMetrics: the deepest fall from a peak (a fraction; LEAN rounds it
    to three places, see `_drawdown_percent`) and the longest recovery in whole days, from the day of
    the peak to the day it is met again."""
    if len(equity) < 2:
        return 0.0, 0
    peak_time, peak = equity[0]
    worst, longest = 0.0, 0.0
    fell_from: datetime | None = None
    for time, value in equity:
        if value >= peak:
            if fell_from is not None:
                longest = max(longest, (time - fell_from).total_seconds() / 86_400)
                fell_from = None
            peak, peak_time = value, time
        fall = value / peak - 1 if peak else 0.0
        if fall < 0:
            worst = min(worst, fall)
            fell_from = fell_from or peak_time
    return abs(worst), int(longest)


def _sharpe(annual_return: float, deviation: float, risk_free: float) -> float:
    return 0.0 if deviation == 0 else _to_decimal_float((annual_return - risk_free) / deviation)


def _variance(values: Sequence[float]) -> float:
    """MathNet's sample variance (n - 1), NaN below two values."""
    n = len(values)
    if n < 2:
        return math.nan
    mean = sum(values) / n
    return sum((v - mean) ** 2 for v in values) / (n - 1)


def _moments(values: Sequence[float]) -> tuple[int, float, float, float]:
    n = len(values)
    mean = sum(values) / n
    return (n, sum((v - mean) ** 2 for v in values), sum((v - mean) ** 3 for v in values),
            sum((v - mean) ** 4 for v in values))


def _skewness(values: Sequence[float]) -> float:
    """MathNet's RunningStatistics.Skewness (the unbiased estimate), NaN below three values."""
    n, m2, m3, _ = _moments(values)
    if n < 3 or m2 == 0:
        return math.nan
    return (n * m3 * math.sqrt(m2 / (n - 1)) / (m2 * m2 * (n - 2))) * (n - 1)


def _kurtosis(values: Sequence[float]) -> float:
    """MathNet's RunningStatistics.Kurtosis (the unbiased excess kurtosis), NaN below four values."""
    n, m2, _, m4 = _moments(values)
    if n < 4 or m2 == 0:
        return math.nan
    return (n * n - 1) / ((n - 2) * (n - 3)) * (n * m4 / (m2 * m2) - 3 + 6 / (n + 1))


# --- C# numbers and their text ------------------------------------------------------------------------------


def _decimal(value: float) -> Decimal:
    """C#'s (decimal)double: fifteen significant digits, no trailing zeros."""
    return Decimal(format(value, ".15g"))


def _to_decimal_float(value: float) -> float:
    """A double stored in a decimal field and read back (SafeDecimalCast, then (double))."""
    return float(_decimal(value))


def _product(a: Decimal, b: Decimal) -> Decimal:
    """C#'s decimal product, which is a plain 0 (no scale) when either factor is 0."""
    return Decimal(0) if not a or not b else a * b


def _round(value: Decimal, places: int) -> Decimal:
    """Math.Round(decimal, places): half to even, a shorter scale left as it is."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return value


def _decimal_text(value: Decimal) -> str:
    return format(abs(value) if value == 0 else value, "f")


def _decimal_percent(fraction: Decimal, places: int) -> str:
    """Math.Round(fraction.SafeMultiply100(), places) + "%"."""
    return _decimal_text(_round(_product(fraction, Decimal(100)), places)) + "%"


def _double(value: float) -> str:
    """Math.Round((double)value, 3).ToStringInvariant(): .NET's shortest round-trip text of a double."""
    rounded = round(value, 3)
    if rounded == int(rounded) and abs(rounded) < 1e15:
        return ("-" if math.copysign(1, rounded) < 0 else "") + str(abs(int(rounded)))
    if abs(rounded) >= 1e15:
        return f"{Decimal(repr(rounded)).normalize():E}"
    return repr(rounded)


def _fixed_percent(fraction: float) -> str:
    """Net Profit and Drawdown: three decimals of a percent, "0%" for zero. A float cannot carry the
    scale a C# decimal would, so an exact result LEAN prints as "5.00%" is printed "5.000%"."""
    value = round(fraction * 100, 3)
    return "0%" if value == 0 else f"{value:.3f}%"


def _drawdown_percent(fraction: float) -> str:
    """The drawdown rounded to three places of its fraction, as a percent: "2.900%"; a fall that
    rounds away prints "0.000%" (the decimal keeps its scale), no fall at all "0%"."""
    return "0%" if fraction == 0 else f"{round(fraction, 3) * 100:.3f}%"


def _amount(value: float) -> str:
    """Start and End Equity: cents without trailing zeros (C#'s decimal keeps them: "99149.50")."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _no_performance(start: float, end: float) -> dict[str, str]:
    """The figures of a run with fewer than two daily returns: PortfolioStatistics returns before
    computing them, leaving every one at 0 but the equities."""
    zero_percent = ("Average Win", "Average Loss", "Compounding Annual Return", "Drawdown", "Net Profit",
                    "Probabilistic Sharpe Ratio", "Loss Rate", "Win Rate")
    zero = ("Expectancy", "Sharpe Ratio", "Sortino Ratio", "Profit-Loss Ratio", "Annual Standard Deviation",
            "Annual Variance")
    return {**dict.fromkeys(zero_percent, "0%"), **dict.fromkeys(zero, "0"),
            "Start Equity": _amount(start), "End Equity": _amount(end)}


def _tail(fees: float, turnover: Sequence[Decimal], recovery: int) -> dict[str, str]:
    mean = sum(turnover, Decimal(0)) / len(turnover) if turnover else Decimal(0)
    return {"Total Fees": f"${fees:.2f}", "Portfolio Turnover": _decimal_percent(mean, 2), "Drawdown Recovery": str(recovery)}


_ORDER = ("Total Orders", "Average Win", "Average Loss", "Compounding Annual Return", "Drawdown", "Expectancy",
          "Start Equity", "End Equity", "Net Profit", "Sharpe Ratio", "Sortino Ratio", "Probabilistic Sharpe Ratio",
          "Loss Rate", "Win Rate", "Profit-Loss Ratio", *BENCHMARK_STATISTICS[:2], "Annual Standard Deviation",
          "Annual Variance", *BENCHMARK_STATISTICS[2:], "Total Fees", "Portfolio Turnover", "Drawdown Recovery")


def _ordered(figures: dict[str, str]) -> dict[str, str]:
    return {name: figures[name] for name in _ORDER if name in figures}
