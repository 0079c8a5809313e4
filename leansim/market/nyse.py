"""NYSE holidays and 13:00 early closes computed by rule, for synthetic data without a hours file.

The double's own: LEAN has no counterpart; it reproduces Data/market-hours/market-hours-database.json.

The rules reproduce LEAN's market-hours database for US equities from 2000 on (checked by a test
against the real file when it is present), including the few one-off closures (national days of
mourning, 9/11, hurricane Sandy) that no rule can derive.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import lru_cache

EARLY_CLOSE = time(13, 0)

# Closures no calendar rule produces: national days of mourning and emergencies.
SPECIAL_CLOSURES: frozenset[date] = frozenset(
    {
        date(2001, 9, 11), date(2001, 9, 12), date(2001, 9, 13), date(2001, 9, 14),
        date(2004, 6, 11),  # President Reagan
        date(2007, 1, 2),  # President Ford
        date(2012, 10, 29), date(2012, 10, 30),  # Hurricane Sandy
        date(2018, 12, 5),  # President G. H. W. Bush
        date(2025, 1, 9),  # President Carter
    }
)  # fmt: skip

# Early closes outside the three rules (a Friday after July 4th, a Friday after Christmas).
SPECIAL_EARLY_CLOSES: frozenset[date] = frozenset({date(2002, 7, 5), date(2003, 12, 26)})
# Rule-made early closes that did not happen (2002 closed early on July 5th instead).
SPECIAL_FULL_DAYS: frozenset[date] = frozenset({date(2002, 7, 3)})


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm); Good Friday is two days before."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """Saturday holidays move to Friday, Sunday ones to Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=256)
def holidays(year: int) -> frozenset[date]:
    """Full-day NYSE closures of `year` (weekends excluded)."""
    days = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        easter(year) - timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),
    }
    # New Year's Day on a Saturday is not observed on the Friday before (NYSE rule 7.2).
    new_year = date(year, 1, 1)
    if new_year.weekday() != 5:
        days.add(_observed(new_year))
    if year >= 2022:
        days.add(_observed(date(year, 6, 19)))  # Juneteenth
    days |= {d for d in SPECIAL_CLOSURES if d.year == year}
    return frozenset(d for d in days if d.weekday() < 5)


@lru_cache(maxsize=256)
def early_closes(year: int) -> dict[date, time]:
    """13:00 closes of `year`: the eves of July 4th and Christmas, the day after Thanksgiving."""
    closed = holidays(year)
    candidates = {
        date(year, 7, 3),
        _nth_weekday(year, 11, 3, 4) + timedelta(days=1),
        date(year, 12, 24),
    }
    candidates |= {d for d in SPECIAL_EARLY_CLOSES if d.year == year}
    excluded = closed | SPECIAL_FULL_DAYS
    return {d: EARLY_CLOSE for d in sorted(candidates) if d.weekday() < 5 and d not in excluded}
