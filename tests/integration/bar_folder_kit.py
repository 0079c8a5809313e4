"""A tiny LEAN data folder of hour and daily bars, written where a test asks, laid out as LEAN lays
out its own (Common/Util/LeanData.cs): equity/usa/{hour,daily}/<ticker>.zip holding one CSV of all
days, rows `yyyyMMdd HH:mm,open,high,low,close,volume` with prices x 10,000; map and factor files
under equity/usa/{map_files,factor_files}.

Each bar's close encodes when it was made, so a test reads the timing off the price: the hour bar
stamped H on day index i closes at `hour_close(i, H)`, the daily bar of day i at `daily_close(i)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from leansim.market import lean_bars as lb
from leansim.market import lean_format as lf

DAYS = (date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4))  # Tuesday .. Thursday
HOURS = tuple(range(9, 16))  # stamps 09:00 .. 15:00: LEAN's hour bars of a 09:30-16:00 session


def hour_close(day_index: int, hour: int) -> float:
    return 100.0 + day_index + hour / 100


def daily_close(day_index: int) -> float:
    return 200.0 + day_index


def _trade_rows(stamped: Sequence[tuple[datetime, float]]) -> bytes:
    rows = [(at, [close - 0.5, close + 1.0, close - 1.0, close, 1000]) for at, close in stamped]
    return lb.format_bar_rows(rows, lf.TRADE_PRICE_COLUMNS)


def write_hours(root: Path, ticker: str = "SPY", days: Sequence[date] = DAYS) -> Path:
    stamped = [(datetime(d.year, d.month, d.day, h), hour_close(i, h)) for i, d in enumerate(days) for h in HOURS]
    return lf.write_zip(lb.bar_zip(root, "equity", ticker, "hour"), [(f"{ticker.lower()}.csv", _trade_rows(stamped))])


def write_days(root: Path, ticker: str = "SPY", days: Sequence[date] = DAYS) -> Path:
    stamped = [(datetime(d.year, d.month, d.day), daily_close(i)) for i, d in enumerate(days)]
    return lf.write_zip(lb.bar_zip(root, "equity", ticker, "daily"), [(f"{ticker.lower()}.csv", _trade_rows(stamped))])


def write_factor_file(root: Path, ticker: str, rows: Sequence[tuple[date, float, float]]) -> Path:
    """Rows (date, price factor, split factor), with LEAN's reference price column."""
    path = root / "equity" / "usa" / "factor_files" / f"{ticker.lower()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{lf.ymd(d)},{p},{s},1\n" for d, p, s in rows))
    return path


def write_map_file(root: Path, ticker: str, rows: Sequence[tuple[date, str]]) -> Path:
    path = root / "equity" / "usa" / "map_files" / f"{ticker.lower()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{lf.ymd(d)},{name},Q\n" for d, name in rows))
    return path
