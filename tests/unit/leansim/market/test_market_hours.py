"""ExchangeCalendar: NYSE rules, LEAN's hours file (a tiny one written here), UTC and DST."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leansim.market import nyse
from leansim.market.hours import ExchangeCalendar, to_utc

UTC = timezone.utc
CAL = ExchangeCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- sessions by rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "close_utc"),
    [
        (date(2015, 12, 24), utc(2015, 12, 24, 18, 0)),  # Christmas Eve, EST
        (date(2023, 7, 3), utc(2023, 7, 3, 17, 0)),  # eve of Independence Day, EDT
        (date(2023, 11, 24), utc(2023, 11, 24, 18, 0)),  # day after Thanksgiving
        (date(2024, 12, 24), utc(2024, 12, 24, 18, 0)),
    ],
)
def test_early_closes_at_13_new_york(day: date, close_utc: datetime) -> None:
    session = CAL.session(day)
    assert session is not None
    assert session[1] == close_utc
    assert CAL.early_close(day) == close_utc
    assert CAL.to_exchange_time(session[1]).hour == 13


@pytest.mark.parametrize(
    "day",
    [
        date(2023, 4, 7),  # Good Friday
        date(2024, 3, 29),  # Good Friday
        date(2015, 12, 25),
        date(2023, 6, 19),  # Juneteenth
        date(2022, 6, 20),  # Juneteenth observed on Monday
        date(2021, 12, 24),  # Christmas on Saturday, observed Friday
        date(2023, 1, 2),  # New Year on Sunday, observed Monday
        date(2023, 11, 23),  # Thanksgiving
        date(2023, 7, 4),
        date(2023, 1, 16),  # MLK
        date(2023, 2, 20),  # Presidents
        date(2023, 5, 29),  # Memorial
        date(2023, 9, 4),  # Labor
        date(2025, 1, 9),  # national day of mourning, President Carter
    ],
)
def test_holidays_are_closed(day: date) -> None:
    assert CAL.session(day) is None
    assert not CAL.is_trading_day(day)


def test_juneteenth_only_from_2022() -> None:
    assert CAL.is_trading_day(date(2021, 6, 18))  # Saturday the 19th, not yet a holiday
    assert not CAL.is_trading_day(date(2022, 6, 20))


def test_new_year_on_saturday_is_not_observed_on_friday() -> None:
    assert CAL.is_trading_day(date(2021, 12, 31))


def test_weekends_closed() -> None:
    assert CAL.session(date(2023, 11, 4)) is None
    assert CAL.session(date(2023, 11, 5)) is None
    assert not CAL.is_open(utc(2023, 11, 4, 15, 0))


def test_easter_dates() -> None:
    assert nyse.easter(2024) == date(2024, 3, 31)
    assert nyse.easter(2025) == date(2025, 4, 20)
    assert nyse.easter(2019) == date(2019, 4, 21)


@pytest.mark.parametrize(
    ("day", "open_hour_utc"),
    [
        (date(2023, 3, 10), 14),  # EST
        (date(2023, 3, 13), 13),  # EDT from March 12th
        (date(2023, 11, 3), 13),  # EDT
        (date(2023, 11, 6), 14),  # EST from November 5th
    ],
)
def test_dst_shifts_utc_session(day: date, open_hour_utc: int) -> None:
    session = CAL.session(day)
    assert session is not None
    assert session[0] == utc(day.year, day.month, day.day, open_hour_utc, 30)
    assert session[1] - session[0] == timedelta(hours=6, minutes=30)


# --- the protocol's verbs ---------------------------------------------------------------------------


def test_is_open_includes_open_excludes_close() -> None:
    assert CAL.is_open(utc(2023, 8, 3, 13, 30))
    assert CAL.is_open(utc(2023, 8, 3, 19, 59, 59))
    assert not CAL.is_open(utc(2023, 8, 3, 20, 0))
    assert not CAL.is_open(utc(2023, 8, 3, 13, 29, 59))


def test_next_close_and_open_skip_weekend_and_holiday() -> None:
    friday_after_close = utc(2015, 12, 24, 18, 30)  # half day closed at 18:00 UTC, then Christmas
    assert CAL.next_close(friday_after_close) == utc(2015, 12, 28, 21, 0)
    assert CAL.next_open(friday_after_close) == utc(2015, 12, 28, 14, 30)
    during = utc(2015, 12, 24, 16, 0)
    assert CAL.next_close(during) == utc(2015, 12, 24, 18, 0)
    assert CAL.next_open(during) == utc(2015, 12, 28, 14, 30)
    before = utc(2015, 12, 24, 12, 0)
    assert CAL.next_open(before) == utc(2015, 12, 24, 14, 30)


def test_naive_times_are_utc_and_results_are_aware() -> None:
    naive = datetime(2023, 8, 3, 14, 0)
    assert CAL.is_open(naive)
    assert CAL.next_close(naive).tzinfo is not None
    assert to_utc(naive) == utc(2023, 8, 3, 14, 0)
    assert CAL.to_exchange_time(naive) == datetime(2023, 8, 3, 10, 0)


def test_is_closing_soon() -> None:
    assert CAL.is_closing_soon(utc(2015, 12, 24, 17, 50), 15)
    assert not CAL.is_closing_soon(utc(2015, 12, 24, 17, 40), 15)
    assert CAL.is_closing_soon(utc(2015, 12, 24, 18, 0), 15)  # closed counts as closing
    assert CAL.is_closing_soon(utc(2015, 12, 25, 15, 0), 15)


def test_trading_days() -> None:
    assert CAL.trading_days(date(2023, 12, 22), 4) == [
        date(2023, 12, 22),
        date(2023, 12, 26),
        date(2023, 12, 27),
        date(2023, 12, 28),
    ]
    assert CAL.trading_days(date(2023, 12, 23), 1) == [date(2023, 12, 26)]
    assert CAL.trading_days_between(date(2024, 3, 28), date(2024, 4, 1)) == [
        date(2024, 3, 28),
        date(2024, 4, 1),
    ]


# --- from LEAN's market-hours database --------------------------------------------------------------


def _segment(start: str, end: str, state: str) -> dict[str, str]:
    return {"start": start, "end": end, "state": state}


def _write_hours(path: Path) -> Path:
    week = [_segment("04:00:00", "09:30:00", "premarket"), _segment("09:30:00", "16:00:00", "market"),
            _segment("16:00:00", "20:00:00", "postmarket")]  # fmt: skip
    equity = {
        "dataTimeZone": "America/New_York",
        "exchangeTimeZone": "America/New_York",
        **{d: week for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "saturday": [],
        "sunday": [],
        "holidays": ["12/25/2015", "4/7/2023"],
        "earlyCloses": {"12/24/2015": "13:00:00"},
        "lateOpens": {"12/28/2015": "10:30:00"},
    }
    option_week = [_segment("09:30:00", "16:00:00", "market")]
    option = {
        "dataTimeZone": "America/New_York",
        "exchangeTimeZone": "America/New_York",
        **{d: option_week for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "saturday": [],
        "sunday": [],
        "holidays": [],
    }
    entries = {"Equity-usa-[*]": equity, "Option-usa-[*]": option}
    path.write_text(json.dumps({"entries": entries}))
    return path


def test_option_entry_inherits_equity_holidays_and_early_closes(tmp_path: Path) -> None:
    cal = ExchangeCalendar.from_market_hours_database(_write_hours(tmp_path / "mhdb.json"))
    assert cal.session(date(2015, 12, 25)) is None
    assert cal.session(date(2023, 4, 7)) is None
    assert cal.session(date(2015, 12, 24)) == (utc(2015, 12, 24, 14, 30), utc(2015, 12, 24, 18, 0))
    assert cal.session(date(2015, 12, 28)) == (utc(2015, 12, 28, 15, 30), utc(2015, 12, 28, 21, 0))
    # Not a holiday in this file, although the NYSE closed: the file wins.
    assert cal.is_trading_day(date(2023, 7, 4))


def test_equity_entry_uses_the_market_segment_only(tmp_path: Path) -> None:
    path = _write_hours(tmp_path / "mhdb.json")
    cal = ExchangeCalendar.from_market_hours_database(path, security_type="Equity", ticker="SPY")
    assert cal.session(date(2023, 8, 3)) == (utc(2023, 8, 3, 13, 30), utc(2023, 8, 3, 20, 0))
    assert not cal.is_open(utc(2023, 8, 3, 12, 0))  # pre-market is not the regular session


def test_missing_entry_raises(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        ExchangeCalendar.from_market_hours_database(_write_hours(tmp_path / "m.json"), "india")
