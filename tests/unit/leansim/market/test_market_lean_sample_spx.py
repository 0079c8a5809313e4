"""LEAN's real SPX / SPXW sample (2021-01-04..08 weeklies, 01-04 and 01-14 monthlies, SPX bars on
01-04 and 01-14 only). Skipped when the sample's index-option folder is absent (it is not part of the
project); point LEAN_SAMPLE_DATA at another copy to run them elsewhere."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leansim.market.base import SecurityKey
from leansim.market.lean_folder import LeanDataFolder

SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", Path(__file__).resolve().parents[4].parent / "shared" / "data" / "lean-sample"))
INDEX_OPTIONS = SAMPLE / "indexoption" / "usa" / "minute"
pytestmark = pytest.mark.skipif(not INDEX_OPTIONS.is_dir(), reason=f"LEAN's index option sample not found at {INDEX_OPTIONS}")

SPX = SecurityKey("SPX")
WEEK = [date(2021, 1, 4), date(2021, 1, 5), date(2021, 1, 6), date(2021, 1, 7), date(2021, 1, 8)]


def ny(day: date, hour: int, minute: int) -> datetime:
    """New York wall time (EST in January) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc) + timedelta(hours=5)


@pytest.fixture(scope="module")
def data() -> LeanDataFolder:
    return LeanDataFolder(SAMPLE)


def test_spx_and_its_weeklies_are_listed(data: LeanDataFolder) -> None:
    assert {"SPX", "SPXW"} <= set(data.underlyings())
    assert data.days_of("SPX") == [*WEEK, date(2021, 1, 14)]


def test_the_index_prices_from_chicago_stamped_bars(data: LeanDataFolder) -> None:
    # The 08:30 Chicago bar (3764.61 open, 3766.63 close) is the 09:30 New York bar, known at 09:31.
    assert data.quote(SPX, ny(WEEK[0], 9, 30)) is None
    first = data.quote(SPX, ny(WEEK[0], 9, 31))
    assert first is not None and first.last == 3766.63
    later = data.quote(SPX, ny(date(2021, 1, 14), 12, 0))
    assert later is not None and later.last is not None and 3780 < later.last < 3830


def test_missing_index_days_carry_the_last_price(data: LeanDataFolder) -> None:
    close = data.quote(SPX, ny(WEEK[0], 16, 0))
    assert close is not None and close.last is not None and 3690 < close.last < 3710
    assert all(data.quote(SPX, ny(day, 10, 30)) == close for day in WEEK[1:])


def test_the_weekly_chain_of_friday(data: LeanDataFolder) -> None:
    chain = data.chain("SPXW", ny(WEEK[4], 10, 30))
    assert {c.key.expiry for c in chain} == {WEEK[4], date(2021, 1, 11), date(2021, 1, 13), date(2021, 1, 15)}
    assert {c.key.strike for c in chain} == {3700.0, 3800.0} and len(chain) == 16
    zero_dte = [c for c in chain if c.key.expiry == WEEK[4]]
    assert all(c.quote.bid and c.quote.ask and c.quote.bid <= c.quote.ask for c in zero_dte)
    # The 0DTE 3700 put is out of the money against the carried 3701.38: a solvable, small delta.
    put = next(c for c in zero_dte if c.key.right == "put" and c.key.strike == 3700.0)
    assert put.delta is not None and -0.5 < put.delta < 0


def test_the_monthlies_are_the_spx_chain(data: LeanDataFolder) -> None:
    chain = data.chain("SPX", ny(date(2021, 1, 14), 10, 30))
    assert chain and {c.key.expiry for c in chain} == {date(2021, 1, 15)} and {c.key.underlying for c in chain} == {"SPX"}
    assert data.chain("SPXW", ny(date(2021, 1, 14), 10, 30)) == []  # no weekly file that day
