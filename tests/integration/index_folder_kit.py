"""A tiny LEAN data folder of SPX and its SPXW options, written where a test asks, laid out as LEAN
lays out its own (Common/Util/LeanData.cs): the index under index/usa/minute/spx in dollars and
Chicago time, the weeklies under indexoption/usa/minute/spxw in New York time, prices x 10,000.

The index is flat at `spot`; every contract quotes 0.10 wide around its Black-Scholes value (bid at
least 0.05), so a strategy finds two-sided quotes and solvable deltas on every strike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from leansim.market import black_scholes as bs
from leansim.market import lean_format as lf

FRIDAY = date(2021, 1, 8)
SPOT = 3800.0
IV = 0.2
STRIKES = tuple(float(s) for s in range(3700, 3901, 5))
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def _ms(hour: int, minute: int) -> int:
    return (hour * 60 + minute) * 60_000


def write_index(root: Path, day: date, closes: Sequence[float], first_ms: int = _ms(8, 30)) -> Path:
    """SPX minute trade bars from 08:30 Chicago time, one close a minute (written in dollars)."""
    rows = "".join(f"{first_ms + i * 60_000},{p},{p},{p},{p},0\n" for i, p in enumerate(closes))
    return lf.write_zip(lf.index_zip(root, "SPX", day), [(f"{lf.ymd(day)}_spx_minute_trade.csv", rows.encode())])


def _quote(strike: float, is_call: bool, spot: float, years: float) -> tuple[float, float]:
    value = bs.price(spot, strike, max(years, 0.0), IV, is_call)
    bid = max(0.05, round(value - 0.05, 2))
    return bid, round(bid + 0.10, 2)


def write_spxw(root: Path, day: date, expiry: date, spot: float = SPOT, strikes: Sequence[float] = STRIKES) -> Path:
    """SPXW quote bars of `expiry` from 09:30 to 16:15 New York time, priced against a flat `spot`."""
    close = datetime.combine(expiry, datetime.min.time()).replace(hour=16, tzinfo=NEW_YORK)
    members = []
    for right in ("call", "put"):
        for strike in strikes:
            rows = []
            for minute in range(405):
                at = _ms(9, 30) + minute * 60_000
                moment = datetime.combine(day, datetime.min.time()).replace(tzinfo=NEW_YORK) + timedelta(milliseconds=at)
                bid, ask = _quote(strike, right == "call", spot, (close - moment).total_seconds() / (365 * 86400))
                rows.append([at, bid, bid, bid, bid, 10, ask, ask, ask, ask, 10])
            name = lf.option_member_name("spxw", day, "quote", right, strike, expiry, "european")  # type: ignore[arg-type]
            members.append((name, lf.format_rows(rows, lf.QUOTE_PRICE_COLUMNS)))
    return lf.write_zip(lf.index_option_zip(root, "SPXW", day, "quote"), members)


def write_spx_folder(root: Path, day: date = FRIDAY, spot: float = SPOT) -> Path:
    """One session of SPX (flat at `spot`) and its 0DTE SPXW chain on `day`."""
    write_index(root, day, [spot] * 405)
    write_spxw(root, day, day, spot)
    return root
