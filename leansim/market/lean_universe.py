"""LEAN's daily option universe files: `option/usa/universes/<ticker>/<yyyymmdd>.csv`.

Stands for Common/Data/UniverseSelection/OptionUniverse.cs and BaseChainUniverseData.cs. A file
holds one day's end-of-day view of a chain: a header (`#expiry,strike,right,open,...`), the
underlying's row (expiry, strike and right empty), then one row per contract with its daily OHLC,
volume, open interest, implied volatility and greeks. Prices are in dollars, not scaled. A file of
date D has Time D and EndTime D + 1 day, so it is first known at midnight after D
(BaseChainUniverseData.EndTime); `QCAlgorithm.OptionChain` asks history for the latest one known
now, looking back at most three trading days (QCAlgorithm.cs, GetChainsData).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from leansim.market.base import Right
from leansim.market.lean_format import parse_ymd, ymd

LOOKBACK_FILES = 3  # GetChainsData tries 1, 2 then 3 periods of history


@dataclass(frozen=True)
class UniverseBar:
    """One row's daily bar (OptionUniverse.Open/High/Low/Close/Volume)."""

    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True)
class UniverseContract:
    """One contract row of a universe file; a missing number reads as 0, as LEAN's CSV getters do."""

    right: Right
    strike: float
    expiry: date
    bar: UniverseBar
    open_interest: float
    implied_volatility: float
    delta: float
    gamma: float
    vega: float
    theta_per_day: float  # the file's theta is per day; Greeks.Theta is per year (OptionUniverse.PreCalculatedGreeks)
    rho: float

    @property
    def theta(self) -> float:
        """Per year, as LEAN's Greeks.Theta (Greeks.GetSafeTheta: the file's value times 365)."""
        return self.theta_per_day * 365


@dataclass(frozen=True)
class UniverseDay:
    """A universe file: the underlying's bar and the contracts, in file order."""

    day: date
    underlying: UniverseBar
    contracts: list[UniverseContract]


def universe_folder(root: Path, ticker: str) -> Path:
    return root / "option" / "usa" / "universes" / ticker.lower()


def universe_days(root: Path, ticker: str) -> list[date]:
    """The dates of `ticker`'s universe files, in order (empty when it has none)."""
    folder = universe_folder(root, ticker)
    if not folder.is_dir():
        return []
    return sorted(parse_ymd(f.stem) for f in folder.glob("*.csv") if f.stem.isdigit() and len(f.stem) == 8)


def read_universe(root: Path, ticker: str, day: date) -> UniverseDay | None:
    """The universe file of `ticker` on `day`, None when there is none."""
    path = universe_folder(root, ticker) / f"{ymd(day)}.csv"
    if not path.is_file():
        return None
    underlying = UniverseBar(0.0, 0.0, 0.0, 0.0, 0.0)
    contracts = []
    with path.open(newline="") as handle:
        for row in csv.reader(handle):
            if not row or row[0].startswith("#"):
                continue
            numbers = [_number(cell) for cell in row[3:]] + [0.0] * 12
            bar = UniverseBar(*numbers[:5])
            if not row[0]:
                underlying = bar
                continue
            right: Right = "call" if row[2].upper() == "C" else "put"
            contracts.append(UniverseContract(right, float(row[1]), parse_ymd(row[0]), bar, *numbers[5:12]))
    return UniverseDay(day, underlying, contracts)


def _number(cell: str) -> float:
    return float(cell) if cell.strip() else 0.0
