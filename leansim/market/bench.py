"""How fast the market data answers a backtest's questions: `python -m leansim.market.bench [days]`.

The double's own: LEAN has no counterpart.

The load it measures is the double's typical one: every minute of every session, the underlying
and five option legs (an iron condor's four plus a weekly), and a full chain every 100 minutes.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from leansim.market.base import MarketData, SecurityKey
from leansim.market.synthetic import SyntheticMarket

CHAIN_EVERY_MINUTES = 100


@dataclass(frozen=True)
class BenchResult:
    """What one run did and how long it took."""

    days: int
    quotes: int
    chains: int
    build_seconds: float
    run_seconds: float

    def __str__(self) -> str:
        return (
            f"{self.days} days: built in {self.build_seconds:.2f}s, {self.quotes} quotes + "
            f"{self.chains} full chains in {self.run_seconds:.2f}s "
            f"({1e6 * self.run_seconds / max(self.quotes, 1):.1f} us per quote, chains included)"
        )


def run(market: MarketData, underlying: str, build_seconds: float = 0.0) -> BenchResult:
    """Query `market` minute by minute over all its days (see the module docstring)."""
    quotes = chains = 0
    started = time.perf_counter()
    spot_key = SecurityKey(underlying)
    for day in market.days():
        session = market.calendar.session(day)
        if session is None:
            continue
        opening = market.quote(spot_key, session[0] + timedelta(minutes=1))
        strike = float(round(opening.mid or 0.0)) if opening else 0.0
        weekly = day + timedelta(days=(4 - day.weekday()) % 7 or 7)
        legs = [
            SecurityKey(underlying, "put", strike - 5, day),
            SecurityKey(underlying, "put", strike - 10, day),
            SecurityKey(underlying, "call", strike + 5, day),
            SecurityKey(underlying, "call", strike + 10, day),
            SecurityKey(underlying, "call", strike, weekly),
        ]
        moment, minute = session[0], 0
        while moment <= session[1]:
            for key in (spot_key, *legs):
                market.quote(key, moment)
                quotes += 1
            if minute % CHAIN_EVERY_MINUTES == 0:
                market.chain(underlying, moment)
                chains += 1
            moment += timedelta(minutes=1)
            minute += 1
    elapsed = time.perf_counter() - started
    return BenchResult(len(market.days()), quotes, chains, build_seconds, elapsed)


def synthetic(days: int = 60, seed: int = 7) -> BenchResult:
    started = time.perf_counter()
    market = SyntheticMarket("SPY", start=date(2024, 1, 2), days=days, seed=seed)
    return run(market, "SPY", time.perf_counter() - started)


def main(argv: list[str]) -> None:
    days = int(argv[0]) if argv else 60
    print("synthetic SPY", synthetic(days))
    if len(argv) > 1:
        from leansim.market.lean_folder import LeanDataFolder

        started = time.perf_counter()
        folder = LeanDataFolder(Path(argv[1]))
        build = time.perf_counter() - started
        for ticker in folder.underlyings():
            print(f"LEAN folder {ticker}", run(folder, ticker, build))


if __name__ == "__main__":
    main(sys.argv[1:])
