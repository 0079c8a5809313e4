"""Checks on LEAN's real sample data (GOOG 2015-12-23..28 with a half day and a 0DTE chain on 12-24; SPY 2023-08-03).

Skipped when the sample folder is absent (it is not part of the project). Point LEAN_SAMPLE_DATA at
another copy to run them elsewhere.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leansim.market import nyse
from leansim.market.base import ContractQuote, SecurityKey
from leansim.market.hours import ExchangeCalendar
from leansim.market.lean_folder import LeanDataFolder

SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", Path(__file__).resolve().parents[4].parent / "shared" / "data" / "lean-sample"))
HOURS = SAMPLE / "market-hours" / "market-hours-database.json"
pytestmark = pytest.mark.skipif(not HOURS.exists(), reason=f"LEAN sample data not found at {SAMPLE}")

UTC = timezone.utc
CHRISTMAS_EVE = date(2015, 12, 24)
GOOG = SecurityKey("GOOG")


@pytest.fixture(scope="module")
def data() -> LeanDataFolder:
    return LeanDataFolder(SAMPLE)


def et(hour: int, minute: int) -> datetime:
    """New York time on 2015-12-24 (EST) as UTC."""
    return datetime(2015, 12, 24, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def test_half_day_closes_at_13(data: LeanDataFolder) -> None:
    assert data.calendar.session(CHRISTMAS_EVE) == (et(9, 30), et(13, 0))
    assert data.calendar.session(date(2015, 12, 25)) is None
    assert data.days_of("GOOG") == [date(2015, 12, 23), CHRISTMAS_EVE, date(2015, 12, 28)]
    assert data.days_of("SPY") == [date(2023, 8, 3)] and set(data.days_of("GOOG")) < set(data.days())


def test_nyse_rules_match_lean_hours_file() -> None:
    lean = ExchangeCalendar.from_market_hours_database(HOURS, security_type="Equity")
    rules = ExchangeCalendar()
    day = date(2000, 1, 1)
    while day <= date(2028, 12, 31):
        assert lean.session(day) == rules.session(day), day
        day += timedelta(days=1)
    assert nyse.early_closes(2015)[CHRISTMAS_EVE].hour == 13


def test_goog_zero_dte_chain(data: LeanDataFolder) -> None:
    chain = data.chain("GOOG", et(11, 0))
    zero_dte = [c for c in chain if c.key.expiry == CHRISTMAS_EVE]
    assert len(chain) > 2000
    assert 100 <= len(zero_dte) <= 300  # 176 in the file: 88 strikes, calls and puts
    two_sided = [c for c in zero_dte if c.quote.bid and c.quote.ask]
    assert len(two_sided) > 30
    assert all(c.quote.bid <= c.quote.ask for c in two_sided if c.quote.bid and c.quote.ask)
    assert sum(1 for c in zero_dte if c.implied_volatility is not None) > 20


def test_zero_dte_expires_with_the_half_day(data: LeanDataFolder) -> None:
    contract = SecurityKey("GOOG", "call", 750.0, CHRISTMAS_EVE)
    assert data.quote(contract, et(13, 0)) is not None  # the 12:59 bar
    assert data.quote(contract, et(13, 1)) is None
    after = data.chain("GOOG", et(13, 1))
    assert after and all(c.key.expiry != CHRISTMAS_EVE for c in after)
    at_close = data.quote(GOOG, et(13, 0))
    assert at_close is not None and at_close == data.quote(GOOG, et(15, 0))  # post-close rows dropped


def _otm_deltas(chain: list[ContractQuote], spot: float) -> dict[tuple[date, str], list[tuple[float, float]]]:
    legs: dict[tuple[date, str], list[tuple[float, float]]] = defaultdict(list)
    for c in chain:
        strike, expiry = c.key.strike, c.key.expiry
        assert strike is not None and expiry is not None
        if c.delta is None:
            continue
        otm = strike >= spot if c.key.right == "call" else strike <= spot
        if otm and abs(c.delta) >= 0.05:
            legs[(expiry, str(c.key.right))].append((strike, c.delta))
    return legs


def test_deltas_signed_and_monotonic_where_solvable(data: LeanDataFolder) -> None:
    """Out-of-the-money deltas fall with the strike; in-the-money mids are too wide (and carry the
    early-exercise premium) for their implied volatility to mean much, so they are only sign-checked."""
    pairs = violations = 0
    for minutes in range(1, 211, 15):
        moment = et(9, 30) + timedelta(minutes=minutes)
        chain = data.chain("GOOG", moment)
        for c in chain:
            if c.delta is not None:
                assert (0 < c.delta <= 1) if c.key.right == "call" else (-1 <= c.delta < 0)
        spot = data.quote(GOOG, moment)
        assert spot is not None and spot.mid is not None
        for (expiry, _), deltas in _otm_deltas(chain, spot.mid).items():
            ordered = [d for _, d in sorted(deltas)]
            falls = [b <= a for a, b in zip(ordered, ordered[1:], strict=False)]
            if expiry == CHRISTMAS_EVE:
                assert all(falls), moment
            pairs += len(falls)
            violations += falls.count(False)
    assert pairs > 1000 and violations / pairs < 0.005


def test_spy_sample(data: LeanDataFolder) -> None:
    moment = datetime(2023, 8, 3, 18, 0, tzinfo=UTC)
    spot = data.quote(SecurityKey("SPY"), moment)
    assert spot is not None and spot.mid is not None and 440 < spot.mid < 460
    chain = data.chain("SPY", moment)
    assert {(c.key.right, c.key.strike) for c in chain} == {
        ("call", 430.0), ("call", 470.0), ("put", 430.0), ("put", 470.0)
    }
    out_of_money = [c for c in chain if (c.key.right == "call") == (c.key.strike == 470.0)]
    assert all(c.implied_volatility and 0.05 < c.implied_volatility < 0.5 for c in out_of_money)


def test_before_a_day_s_first_bar_the_last_book_of_the_day_before_stands(data: LeanDataFolder) -> None:
    # LEAN's security cache keeps its last data overnight: at 12-24's midnight and at 09:30 (the
    # first bar ends at 09:31) a contract and GOOG show 12-23's closing book, not nothing.
    put = SecurityKey("GOOG", "put", 800.0, CHRISTMAS_EVE)
    for key in (put, GOOG):
        closing = data.quote(key, datetime(2015, 12, 23, 21, 0, tzinfo=UTC))  # 16:00 New York
        assert closing is not None
        for moment in (et(0, 0), et(9, 30)):
            assert data.quote(key, moment) == closing
        assert data.quote(key, et(9, 45)) != closing  # the day's own bars take over
