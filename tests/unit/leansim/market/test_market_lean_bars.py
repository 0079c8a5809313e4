"""Hour and daily LEAN data in LeanDataFolder: paths, parsing, and when each bar becomes known
(an hour bar at its end, a daily bar at the session close), on folders written in tmp_path."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from bar_folder_kit import DAYS, daily_close, hour_close, write_days, write_hours

from leansim.market import lean_bars as lb
from leansim.market import lean_format as lf
from leansim.market.base import SecurityKey
from leansim.market.lean_folder import LeanDataFolder

SPY = SecurityKey("SPY")
UTC = timezone.utc


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    """New York wall time (EST in January) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def last(data: LeanDataFolder, at: datetime) -> float | None:
    quote = data.quote(SPY, at)
    return None if quote is None else quote.last


def test_the_paths_lean_gives_hour_and_daily_files(tmp_path: Path) -> None:
    assert lb.bar_zip(tmp_path, "equity", "SPY", "daily") == tmp_path / "equity/usa/daily/spy.zip"
    assert lb.option_bar_zip(tmp_path, "option", "GOOG", 2015, "hour", "quote") == \
        tmp_path / "option/usa/hour/goog_2015_quote_american.zip"
    assert lb.option_bar_zip(tmp_path, "indexoption", "SPXW", 2021, "daily", "trade") == \
        tmp_path / "indexoption/usa/daily/spxw_2021_trade_european.zip"


def test_rows_parse_into_date_time_and_scaled_values(tmp_path: Path) -> None:
    rows = lb.parse_bar_rows(b"20240102 09:00,1000000,1010000,990000,1005000,300\n20240103 00:00,1,2,3,4,5\n", 6)
    assert rows.tolist() == [[20240102, 9 * 3_600_000, 1000000, 1010000, 990000, 1005000, 300],
                             [20240103, 0, 1, 2, 3, 4, 5]]


def test_a_row_without_a_bar_time_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'1704205800000' is not a `yyyyMMdd HH:mm` bar time"):
        lb.parse_bar_rows(b"1704205800000,1,2,3,4,5\n", 6)


def test_an_hour_bar_is_known_at_its_end(tmp_path: Path) -> None:
    write_hours(tmp_path)
    data = LeanDataFolder(tmp_path)
    data.subscribe("SPY", "hour")
    first = DAYS[0]
    assert last(data, ny(first, 9, 59)) is None  # the 09:00 bar holds 09:30-10:00
    assert last(data, ny(first, 10)) == hour_close(0, 9)
    assert last(data, ny(first, 10, 59)) == hour_close(0, 9)
    assert last(data, ny(first, 11)) == hour_close(0, 10)
    assert last(data, ny(first, 16)) == hour_close(0, 15)
    quote = data.quote(SPY, ny(first, 12))
    assert quote is not None and quote.trade_bar is not None
    close = hour_close(0, 11)  # the 11:00 bar ended at 12:00
    assert (quote.trade_bar.open, quote.trade_bar.high, quote.trade_bar.low) == (close - 0.5, close + 1, close - 1)
    assert quote.bid is None and quote.ask is None  # LEAN has no hour or daily equity quotes


def test_before_the_first_bar_of_a_day_the_last_bar_of_the_day_before_stands(tmp_path: Path) -> None:
    write_hours(tmp_path)
    data = LeanDataFolder(tmp_path)
    data.subscribe("SPY", "hour")
    assert last(data, ny(DAYS[1], 9, 45)) == hour_close(0, 15)
    assert last(data, ny(DAYS[1], 10)) == hour_close(1, 9)


def test_a_daily_bar_is_known_at_the_close(tmp_path: Path) -> None:
    write_days(tmp_path)
    data = LeanDataFolder(tmp_path)
    data.subscribe("SPY", "daily")
    assert last(data, ny(DAYS[0], 15, 59)) is None
    assert last(data, ny(DAYS[0], 16)) == daily_close(0)
    assert last(data, ny(DAYS[1], 10)) == daily_close(0)
    assert last(data, ny(DAYS[1], 16)) == daily_close(1)


def test_a_daily_bar_of_an_early_close_is_known_at_13(tmp_path: Path) -> None:
    eve = date(2024, 7, 3)  # NYSE closes at 13:00 (EDT: UTC-4)
    write_days(tmp_path, days=[eve])
    data = LeanDataFolder(tmp_path)
    data.subscribe("SPY", "daily")
    assert last(data, datetime(2024, 7, 3, 16, 59, tzinfo=UTC)) is None
    assert last(data, datetime(2024, 7, 3, 17, 0, tzinfo=UTC)) == daily_close(0)


def test_bars_read_at_their_start(tmp_path: Path) -> None:
    write_hours(tmp_path)
    write_days(tmp_path, "QQQ")
    data = LeanDataFolder(tmp_path, bars_available_at="start")
    data.subscribe("SPY", "hour")
    data.subscribe("QQQ", "daily")
    assert last(data, ny(DAYS[0], 9, 30)) == hour_close(0, 9)  # the 09:00 bar starts at the open
    assert last(data, ny(DAYS[0], 10)) == hour_close(0, 10)
    quote = data.quote(SecurityKey("QQQ"), ny(DAYS[0], 9, 30))
    assert quote is not None and quote.last == daily_close(0)


def test_the_days_are_those_of_the_subscribed_resolution(tmp_path: Path) -> None:
    write_hours(tmp_path, days=DAYS[:2])
    write_days(tmp_path, days=DAYS)
    data = LeanDataFolder(tmp_path)
    assert data.underlyings() == ["SPY"]
    assert data.days_of("SPY") == []  # minute, and there are no minute files
    data.subscribe("SPY", "hour")
    assert data.days_of("SPY") == list(DAYS[:2])
    data.subscribe("SPY", "daily")
    assert data.days_of("SPY") == list(DAYS)
    assert last(data, ny(DAYS[2], 16)) == daily_close(2)


def test_an_unknown_resolution_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown resolution 'second'"):
        LeanDataFolder(tmp_path).subscribe("SPY", "second")  # type: ignore[arg-type]


def test_a_daily_option_chain_is_quoted_at_the_close(tmp_path: Path) -> None:
    expiry = date(2024, 1, 19)
    quote_rows = [(datetime(d.year, d.month, d.day), [4.0 + i, 4.0 + i, 4.0 + i, 4.0 + i, 7, 4.2 + i, 4.2 + i, 4.2 + i, 4.2 + i, 9])
                  for i, d in enumerate(DAYS)]
    name = lb.option_bar_member_name("SPY", "quote", "call", 470.0, expiry)
    assert name == "spy_quote_american_call_4700000_20240119.csv"
    lf.write_zip(lb.option_bar_zip(tmp_path, "option", "SPY", 2024, "daily", "quote"),
                 [(name, lb.format_bar_rows(quote_rows, lf.QUOTE_PRICE_COLUMNS))])
    data = LeanDataFolder(tmp_path)
    data.subscribe_options("SPY", "daily")
    assert data.days_of("SPY") == list(DAYS)
    [before] = data.chain("SPY", ny(DAYS[1], 15, 59))
    assert before.quote.bid is None  # nothing of the day is known before its close
    [contract] = data.chain("SPY", ny(DAYS[1], 16))
    assert contract.key == SecurityKey("SPY", "call", 470.0, expiry)
    assert (contract.quote.bid, contract.quote.ask, contract.quote.bid_size, contract.quote.ask_size) == (5.0, 5.2, 7, 9)
