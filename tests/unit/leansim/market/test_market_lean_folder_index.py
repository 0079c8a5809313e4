"""LeanDataFolder on an SPX / SPXW folder written in tmp_path (no shared data needed): the index's
Chicago stamps and dollar prices, the weeklies under their own ticker priced against SPX, and the
index's last price carried over a day without its file (LEAN's fill-forward)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from index_folder_kit import FRIDAY, SPOT, write_index, write_spx_folder, write_spxw

from leansim.market import lean_format as lf
from leansim.market.base import SecurityKey
from leansim.market.lean_folder import LeanDataFolder

SPX = SecurityKey("SPX")
THURSDAY = date(2021, 1, 7)


def ny(hour: int, minute: int, day: date = FRIDAY) -> datetime:
    """New York wall time (EST in January) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc) + timedelta(hours=5)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_spx_folder(tmp_path)


def test_index_bars_are_chicago_time_in_dollars(tmp_path: Path) -> None:
    # 08:30 in Chicago is 09:30 in New York: the first bar is known at 09:31 New York.
    write_index(tmp_path, FRIDAY, [3801.25, 3802.5])
    data = LeanDataFolder(tmp_path)
    assert data.quote(SPX, ny(9, 30)) is None
    first = data.quote(SPX, ny(9, 31))
    assert first is not None and (first.bid, first.ask, first.last) == (None, None, 3801.25)
    later = data.quote(SPX, ny(9, 32))
    assert later is not None and later.last == 3802.5


def test_the_weeklies_are_their_own_chain_on_the_index(folder: Path) -> None:
    data = LeanDataFolder(folder)
    assert data.underlyings() == ["SPX", "SPXW"]
    assert data.days_of("SPX") == [FRIDAY]  # the index's days include its options'
    chain = data.chain("SPXW", ny(10, 30))
    assert chain and {c.key.underlying for c in chain} == {"SPXW"} and {c.key.expiry for c in chain} == {FRIDAY}
    assert data.chain("SPX", ny(10, 30)) == []  # no SPX monthlies in this folder
    # Deltas come from the SPX price: the at-the-money call is near 0.5, out-of-the-money ones below.
    calls = {c.key.strike: c.delta for c in chain if c.key.right == "call"}
    atm = calls[SPOT]
    assert atm is not None and 0.4 < atm < 0.6
    assert all(d is not None and d < atm for strike, d in calls.items() if strike > SPOT + 10)


def test_a_day_without_the_index_file_keeps_its_last_price(folder: Path) -> None:
    # The bar stamped 14:59 Chicago is the session's last; 15:00-15:15 Chicago is after 16:00 New York.
    write_index(folder, THURSDAY, [3750.0] * 389 + [3799.0] + [3900.0] * 15)
    write_spxw(folder, THURSDAY, FRIDAY)
    only_options = date(2021, 1, 11)
    write_spxw(folder, only_options, date(2021, 1, 13))
    data = LeanDataFolder(folder)
    assert data.days_of("SPX") == [THURSDAY, FRIDAY, only_options]
    thursday_close = data.quote(SPX, ny(16, 0, THURSDAY))
    assert thursday_close is not None and thursday_close.last == 3799.0
    carried = data.quote(SPX, ny(10, 0, only_options))
    assert carried == data.quote(SPX, ny(16, 0))  # Friday's file is the latest earlier one: its last bar
    assert carried is not None and carried.last == SPOT
    assert data.chain("SPXW", ny(10, 0, only_options))  # its options still price against the carried spot
    assert all(c.delta is not None for c in data.chain("SPXW", ny(10, 0, only_options)) if c.key.strike == SPOT)


def test_files_lean_cannot_name_are_not_read(folder: Path) -> None:
    """LEAN's own sample holds `20210104_trade_european.zip.zip`: LEAN looks for `.zip`, and so does the double."""
    path = lf.index_option_zip(folder, "SPXW", FRIDAY, "openinterest")
    member = lf.option_member_name("spxw", FRIDAY, "openinterest", "call", SPOT, FRIDAY, "european")
    lf.write_zip(path.with_name(path.name + ".zip"), [(member, b"23400000,777\n")])
    data = LeanDataFolder(folder)
    assert all(c.open_interest == 0 for c in data.chain("SPXW", ny(10, 0)))
