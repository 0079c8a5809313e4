"""LeanDataFolder on a tiny LEAN-format folder written in tmp_path (no shared data needed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leansim.market import black_scholes as bs
from leansim.market import lean_format as lf
from leansim.market.base import SecurityKey
from leansim.market.lean_folder import LeanDataFolder

UTC = timezone.utc
DAY = date(2024, 1, 5)  # a Friday, EST: 09:30 New York = 14:30 UTC
WEEKLY = date(2024, 1, 12)
SPY = SecurityKey("SPY")
CALL_470 = SecurityKey("SPY", "call", 470.0, DAY)
PUT_470 = SecurityKey("SPY", "put", 470.0, DAY)
CALL_480 = SecurityKey("SPY", "call", 480.0, DAY)
PUT_465_W = SecurityKey("SPY", "put", 465.5, WEEKLY)
IV = 0.15


def ms(hour: int, minute: int) -> int:
    return (hour * 60 + minute) * 60_000


def ny(hour: int, minute: int, second: int = 0, day: date = DAY) -> datetime:
    """New York wall time on `day` (EST in January) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC) + timedelta(hours=5)


def quote_row(at: int, bid: float | None, ask: float | None, size: int = 10) -> list[float | None]:
    return [at, bid, bid, bid, bid, size if bid else 0, ask, ask, ask, ask, size if ask else 0]


def model_quote(key: SecurityKey, spot: float, at: datetime, day: date = DAY) -> tuple[float, float]:
    """A cent-wide quote around the Black-Scholes value (calendar years to the 16:00 close)."""
    assert key.strike is not None and key.expiry is not None
    close = ny(16, 0, day=key.expiry)
    t = (close - at).total_seconds() / (365 * 86400)
    value = bs.price(spot, key.strike, t, IV, key.right == "call")
    return round(value - 0.01, 2), round(value + 0.01, 2)


def write_option(root: Path, kind: lf.Kind, rows: dict[SecurityKey, Sequence[Sequence[float | None]]]) -> None:
    prices = lf.QUOTE_PRICE_COLUMNS if kind == "quote" else lf.TRADE_PRICE_COLUMNS if kind == "trade" else ()
    members = [
        (
            lf.option_member_name("SPY", DAY, kind, key.right or "call", key.strike or 0, key.expiry or DAY),
            lf.format_rows(contract_rows, prices),
        )
        for key, contract_rows in rows.items()
    ]
    lf.write_zip(lf.option_zip(root, "SPY", DAY, kind), members)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """SPY on 2024-01-05: the underlying at 470 with pre/post-market rows, a 0DTE pair at 470,
    a 480 call never bid, a weekly put with a one-sided minute."""
    spot_rows = [quote_row(ms(9, 0), 468.0, 468.5),  # pre-market: ignored
                 quote_row(ms(9, 30), 469.99, 470.01), quote_row(ms(9, 31), 469.99, 470.01),
                 quote_row(ms(10, 0), 469.99, 470.01), quote_row(ms(10, 1), 470.49, None),
                 quote_row(ms(16, 5), 480.0, 481.0)]  # fmt: skip
    lf.write_zip(lf.equity_zip(tmp_path, "SPY", DAY, "quote"),
                 [("20240105_spy_minute_quote.csv", lf.format_rows(spot_rows, lf.QUOTE_PRICE_COLUMNS))])  # fmt: skip
    trade_rows = [[ms(9, 30), 470.0, 470.1, 469.9, 470.05, 1000], [ms(10, 0), 470.0, 470.0, 470.0, 470.0, 5]]
    lf.write_zip(lf.equity_zip(tmp_path, "SPY", DAY, "trade"),
                 [("20240105_spy_minute_trade.csv", lf.format_rows(trade_rows, lf.TRADE_PRICE_COLUMNS))])  # fmt: skip

    at_ten = ny(10, 0) + timedelta(minutes=1)  # the 10:00 bar is read at 10:01
    call_bid, call_ask = model_quote(CALL_470, 470.0, at_ten)
    put_bid, put_ask = model_quote(PUT_470, 470.0, at_ten)
    weekly_bid, weekly_ask = model_quote(PUT_465_W, 470.0, at_ten)
    write_option(tmp_path, "quote", {
        CALL_470: [quote_row(ms(9, 30), 1.0, 1.2), quote_row(ms(10, 0), call_bid, call_ask)],
        PUT_470: [quote_row(ms(10, 0), put_bid, put_ask), quote_row(ms(15, 59), 0.01, 0.02)],
        CALL_480: [quote_row(ms(10, 0), None, 0.01)],
        PUT_465_W: [quote_row(ms(9, 45), weekly_bid, weekly_ask), quote_row(ms(10, 0), None, weekly_ask + 0.05),
                    quote_row(ms(16, 10), 9.0, 9.5)],  # after the close: ignored
    })  # fmt: skip
    write_option(tmp_path, "trade", {CALL_470: [[ms(9, 40), 1.1, 1.1, 1.1, 1.1, 3]]})
    write_option(tmp_path, "openinterest", {CALL_470: [[ms(6, 30), 1234]], PUT_470: [[ms(6, 30), 55]]})
    return tmp_path


def test_days_and_underlyings(folder: Path) -> None:
    data = LeanDataFolder(folder)
    assert data.days() == [DAY]
    assert data.underlyings() == ["SPY"]


def test_a_bar_is_known_at_its_end(folder: Path) -> None:
    data = LeanDataFolder(folder)
    assert data.quote(SPY, ny(9, 30)) is None  # the 09:30 bar closes at 09:31; pre-market dropped
    assert data.quote(SPY, ny(9, 30, 59)) is None
    first = data.quote(SPY, ny(9, 31))
    assert first is not None and (first.bid, first.ask, first.last) == (469.99, 470.01, 470.05)
    assert first.bid_size == 10
    assert data.quote(CALL_470, ny(9, 31)) is not None
    assert data.quote(PUT_470, ny(9, 31)) is None


def test_bars_read_at_their_stamp_on_request(folder: Path) -> None:
    data = LeanDataFolder(folder, bars_available_at="start")
    first = data.quote(SPY, ny(9, 30))
    assert first is not None and first.bid == 469.99


def test_each_side_keeps_its_last_value(folder: Path) -> None:
    data = LeanDataFolder(folder)
    later = data.quote(SPY, ny(10, 5))
    assert later is not None
    assert later.bid == 470.49 and later.ask == 470.01  # the 10:01 bar had no ask: 10:00's stays
    never_bid = data.quote(CALL_480, ny(11, 0))
    assert never_bid is not None and never_bid.bid is None and never_bid.ask == 0.01


def test_rows_outside_the_session_are_dropped(folder: Path) -> None:
    data = LeanDataFolder(folder)
    evening = data.quote(SPY, ny(19, 0))
    assert evening is not None and evening.bid == 470.49  # the 16:05 row is post-market
    weekly = data.quote(PUT_465_W, ny(16, 30))
    assert weekly is not None and weekly.bid is not None and weekly.bid < 9.0


def test_unknown_contract_day_or_expired(folder: Path) -> None:
    data = LeanDataFolder(folder)
    assert data.quote(SecurityKey("SPY", "call", 471.0, DAY), ny(11, 0)) is None
    assert data.quote(SPY, ny(11, 0, day=date(2024, 1, 4))) is None
    assert data.quote(SecurityKey("QQQ"), ny(11, 0)) is None
    assert data.quote(PUT_470, ny(16, 0)) is not None
    assert data.quote(PUT_470, ny(16, 1)) is None  # expired at the close


def test_chain_quotes_greeks_and_open_interest(folder: Path) -> None:
    data = LeanDataFolder(folder)
    assert data.chain("SPY", ny(9, 0)) == []
    chain = data.chain("SPY", ny(10, 1))
    by_key = {c.key: c for c in chain}
    assert [c.key for c in chain] == [CALL_470, CALL_480, PUT_470, PUT_465_W]
    call, put = by_key[CALL_470], by_key[PUT_470]
    assert call.implied_volatility == pytest.approx(IV, abs=0.01)
    assert put.implied_volatility == pytest.approx(IV, abs=0.01)
    assert call.delta is not None and put.delta is not None
    assert 0.4 < call.delta < 0.6 and -0.6 < put.delta < -0.4
    assert call.delta - put.delta == pytest.approx(1.0)
    assert call.open_interest == 1234 and put.open_interest == 55
    assert by_key[CALL_480].implied_volatility is None and by_key[CALL_480].delta is None
    # The weekly's bid went missing in the 10:00 bar; its 09:45 bid stays, as in LEAN.
    weekly = by_key[PUT_465_W]
    assert weekly.quote.bid is not None and weekly.delta is not None and weekly.delta < 0


def test_chain_leaves_out_expired_and_lists_unquoted(folder: Path) -> None:
    data = LeanDataFolder(folder)
    early = {c.key: c for c in data.chain("SPY", ny(9, 35))}
    assert early[PUT_470].quote.bid is None and early[PUT_470].quote.ask is None
    after_close = data.chain("SPY", ny(16, 1))
    assert [c.key for c in after_close] == [PUT_465_W]


def test_calendar_from_the_folder_hours_file(folder: Path) -> None:
    hours = {"entries": {"Option-usa-[*]": {
        "exchangeTimeZone": "America/New_York", "dataTimeZone": "America/New_York",
        **{d: [{"start": "09:30:00", "end": "16:00:00", "state": "market"}]
           for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "saturday": [], "sunday": [], "holidays": [], "earlyCloses": {"1/5/2024": "13:00:00"}}}}  # fmt: skip
    (folder / "market-hours").mkdir()
    (folder / "market-hours" / "market-hours-database.json").write_text(json.dumps(hours))
    data = LeanDataFolder(folder)
    session = data.calendar.session(DAY)
    assert session is not None and session[1] == ny(13, 0)
    assert data.quote(PUT_470, ny(14, 0)) is None  # expired at 13:00
    put = data.quote(PUT_470, ny(12, 59))
    assert put is not None and put.bid is not None and put.bid > 0.01  # the 15:59 row is dropped


def test_member_names_round_trip() -> None:
    name = lf.option_member_name("GOOG", date(2015, 12, 24), "quote", "put", 752.5, date(2016, 1, 15))
    assert name == "20151224_goog_minute_quote_american_put_7525000_20160115.csv"
    member = lf.parse_option_member(name)
    assert member is not None and member.strike == 752.5 and member.right == "put"
    assert lf.parse_option_member("20151224_goog_minute_quote.csv") is None
