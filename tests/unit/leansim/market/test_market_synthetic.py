"""SyntheticMarket: determinism, no-arbitrage shape of the chain, 0DTE expiry, listing, speed."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from leansim.market import bench
from leansim.market.base import ContractQuote, SecurityKey
from leansim.market.synthetic import SyntheticConfig, SyntheticMarket

UTC = timezone.utc
SPY = SecurityKey("SPY")


@pytest.fixture(scope="module")
def market() -> SyntheticMarket:
    # Starts the week of Independence Day 2023: Monday July 3rd closes at 13:00.
    return SyntheticMarket("SPY", start=date(2023, 6, 26), days=12, seed=11)


def minute_marks(market: SyntheticMarket, day: date, every: int) -> list[datetime]:
    session = market.calendar.session(day)
    assert session is not None
    marks, moment = [], session[0]
    while moment <= session[1]:
        marks.append(moment)
        moment += timedelta(minutes=every)
    return marks


# --- determinism ------------------------------------------------------------------------------------


def test_same_seed_same_market_whatever_the_query_order() -> None:
    a = SyntheticMarket(start=date(2024, 1, 2), days=3, seed=5)
    b = SyntheticMarket(start=date(2024, 1, 2), days=3, seed=5)
    moment = datetime(2024, 1, 3, 17, 7, tzinfo=UTC)
    chain_b = {c.key: c for c in b.chain("SPY", moment)}  # b prices the whole chain first
    for contract in a.chain("SPY", moment)[::7]:
        assert a.quote(contract.key, moment) == chain_b[contract.key].quote
    assert a.quote(SPY, moment) == b.quote(SPY, moment)
    for day in a.days():
        assert (a.underlying_path(day) == b.underlying_path(day)).all()


def test_scalar_quotes_match_the_chain() -> None:
    fresh = SyntheticMarket(start=date(2024, 1, 2), days=2, seed=9)
    priced = SyntheticMarket(start=date(2024, 1, 2), days=2, seed=9)
    moment = datetime(2024, 1, 2, 15, 31, tzinfo=UTC)
    for contract in priced.chain("SPY", moment):
        assert fresh.quote(contract.key, moment) == contract.quote


def test_chain_quotes_are_the_chain_s_figures_for_the_keys_asked_for() -> None:
    market = SyntheticMarket(start=date(2024, 1, 2), days=2, seed=9)
    twin = SyntheticMarket(start=date(2024, 1, 2), days=2, seed=9)
    at_close = datetime(2024, 1, 2, 21, 30, tzinfo=UTC)  # after the close: today's expiry is no longer listed
    listed = twin.chain("SPY", datetime(2024, 1, 2, 15, 31, tzinfo=UTC))
    unlisted = SecurityKey("SPY", "call", 1.5, date(2024, 1, 2))
    keys = [unlisted] + [c.key for c in listed[::3]]
    for moment in (datetime(2024, 1, 2, 15, 31, tzinfo=UTC), at_close):
        market.quote(keys[4], moment)  # a contract read before the chain keeps its figures
        expected = {c.key: c for c in twin.chain("SPY", moment)}
        columns = market.chain_quotes("SPY", moment, keys)
        assert [keys[n] for n in columns.index] == [k for k in keys if k in expected]
        expiring = sum(keys[n].expiry == date(2024, 1, 2) for n in columns.index)
        assert (expiring == 0) == (moment == at_close)
        for row, n in enumerate(columns.index):
            contract = expected[keys[n]]
            assert (columns.bid[row], columns.ask[row], columns.bid_size[row], columns.ask_size[row]) == (
                contract.quote.bid, contract.quote.ask, contract.quote.bid_size, contract.quote.ask_size)
            assert (columns.delta[row], columns.implied_volatility[row], columns.open_interest[row]) == (
                contract.delta, contract.implied_volatility, contract.open_interest)
    assert market.chain_quotes("QQQ", at_close, keys).index == []


def test_other_seed_other_path() -> None:
    a = SyntheticMarket(start=date(2024, 1, 2), days=1, seed=1)
    b = SyntheticMarket(start=date(2024, 1, 2), days=1, seed=2)
    assert (a.underlying_path(date(2024, 1, 2)) != b.underlying_path(date(2024, 1, 2))).any()


# --- time and listing -------------------------------------------------------------------------------


def test_days_follow_the_calendar(market: SyntheticMarket) -> None:
    days = market.days()
    assert len(days) == 12
    assert date(2023, 7, 4) not in days
    assert all(d.weekday() < 5 for d in days)


def test_no_quote_outside_sessions(market: SyntheticMarket) -> None:
    assert market.quote(SPY, datetime(2023, 6, 26, 13, 29, tzinfo=UTC)) is None  # 09:29 New York
    assert market.quote(SPY, datetime(2023, 7, 4, 15, 0, tzinfo=UTC)) is None  # holiday
    assert market.quote(SPY, datetime(2023, 6, 26, 13, 30, tzinfo=UTC)) is not None
    assert market.chain("SPY", datetime(2023, 7, 1, 15, 0, tzinfo=UTC)) == []
    assert market.chain("QQQ", datetime(2023, 6, 26, 15, 0, tzinfo=UTC)) == []
    close = datetime(2023, 6, 26, 20, 0, tzinfo=UTC)
    evening = datetime(2023, 6, 26, 23, 0, tzinfo=UTC)
    assert market.quote(SPY, evening) == market.quote(SPY, close)  # latest quote of that day


def test_expiries_daily_weekly_monthly(market: SyntheticMarket) -> None:
    expiries = market.expiries(date(2023, 6, 26))
    assert expiries[:5] == [date(2023, 6, 26), date(2023, 6, 27), date(2023, 6, 28),
                            date(2023, 6, 29), date(2023, 6, 30)]  # fmt: skip
    assert date(2023, 7, 21) in expiries  # monthly third Friday
    assert date(2023, 7, 7) in expiries  # weekly
    assert max(expiries) <= date(2023, 6, 26) + timedelta(days=45)
    assert date(2023, 7, 3) in market.expiries(date(2023, 6, 29))  # a daily on the half day


def test_strikes_every_dollar_within_ten_percent(market: SyntheticMarket) -> None:
    day = date(2023, 6, 26)
    moment = minute_marks(market, day, 30)[0]
    spot = market.underlying_path(day)[0]
    strikes = sorted({c.key.strike or 0.0 for c in market.chain("SPY", moment)})
    assert all(b - a == 1.0 for a, b in zip(strikes, strikes[1:], strict=False))
    assert strikes[0] <= spot * 0.9 + 1 and strikes[-1] >= spot * 1.1 - 1


def test_listed_strikes_stay_listed(market: SyntheticMarket) -> None:
    expiry = date(2023, 7, 21)
    listed_before: set[SecurityKey] = set()
    for day in market.days():
        moment = minute_marks(market, day, 60)[1]
        listed = {c.key for c in market.chain("SPY", moment) if c.key.expiry == expiry}
        assert listed_before <= listed
        listed_before = listed


def test_zero_dte_decays_to_intrinsic_and_expires_at_the_close(market: SyntheticMarket) -> None:
    day = date(2023, 7, 3)  # closes 13:00 New York = 17:00 UTC
    close = datetime(2023, 7, 3, 17, 0, tzinfo=UTC)
    spot_close = market.underlying_path(day)[-1]
    atm = SecurityKey("SPY", "call", float(round(spot_close)), day)
    marks = minute_marks(market, day, 30)
    clock = [market.time_to_expiry(day, m) or 0.0 for m in marks]
    assert all(b < a for a, b in zip(clock, clock[1:], strict=False))
    time_values = []
    for moment in marks[:-1]:
        spot = market.quote(SPY, moment)
        assert spot is not None and spot.mid is not None
        strike = float(round(spot.mid))
        call = market.quote(SecurityKey("SPY", "call", strike, day), moment)
        put = market.quote(SecurityKey("SPY", "put", strike, day), moment)
        assert call is not None and put is not None and call.ask and put.ask
        straddle = (call.bid or 0.0) + call.ask + (put.bid or 0.0) + put.ask
        time_values.append(straddle / 2 - abs(spot.mid - strike))
    assert time_values[0] > 2 * time_values[-1] > 0
    assert market.time_to_expiry(day, close) == 0.0
    at_close = {c.key: c for c in market.chain("SPY", close)}
    for key, contract in at_close.items():
        if key.expiry != day or key.strike is None:
            continue
        intrinsic = max(spot_close - key.strike, 0.0) if key.right == "call" else max(key.strike - spot_close, 0.0)
        bid = contract.quote.bid or 0.0
        assert contract.quote.ask is not None and bid <= intrinsic + 1e-9 <= contract.quote.ask + 2e-9
        assert contract.delta in (0.0, 1.0, -1.0, 0.5, -0.5)
    after = close + timedelta(minutes=1)
    assert all(c.key.expiry != day for c in market.chain("SPY", after))
    assert market.quote(atm, after) is None
    assert market.quote(SecurityKey("SPY", "call", atm.strike, date(2023, 7, 5)), after) is not None


def test_half_day_session_is_shorter(market: SyntheticMarket) -> None:
    assert len(market.underlying_path(date(2023, 7, 3))) == 211  # 09:30..13:00 inclusive
    assert len(market.underlying_path(date(2023, 6, 26))) == 391


# --- shape of the chain ------------------------------------------------------------------------------


def _chains(market: SyntheticMarket) -> list[tuple[datetime, list[ContractQuote]]]:
    out = []
    for day in market.days()[:6]:
        for moment in minute_marks(market, day, 97):
            out.append((moment, market.chain("SPY", moment)))
    return out


def test_bid_below_ask_and_ticks(market: SyntheticMarket) -> None:
    missing_bids = 0
    for _, chain in _chains(market):
        for c in chain:
            bid, ask = c.quote.bid, c.quote.ask
            assert ask is not None and ask >= 0.01
            if bid is None:
                missing_bids += 1
                continue
            assert 0 < bid < ask
            for price in (bid, ask):
                cents = round(price * 100)
                assert math.isclose(price * 100, cents, abs_tol=1e-6)
                if price >= 3.0:
                    assert cents % 5 == 0
    assert missing_bids > 0  # far out-of-the-money contracts lose their bid


def test_put_call_parity_within_spreads(market: SyntheticMarket) -> None:
    rate = market.config.rate
    for moment, chain in _chains(market):
        spot = market.quote(SPY, moment)
        assert spot is not None and spot.bid is not None and spot.ask is not None
        pairs: dict[tuple[date | None, float | None], dict[str, ContractQuote]] = defaultdict(dict)
        for c in chain:
            pairs[(c.key.expiry, c.key.strike)][str(c.key.right)] = c
        for (expiry, strike), legs in pairs.items():
            assert expiry is not None and strike is not None
            t = market.time_to_expiry(expiry, moment)
            assert t is not None
            call, put = legs["call"].quote, legs["put"].quote
            assert call.ask is not None and put.ask is not None
            carry = strike * math.exp(-rate * t)
            tol = 1e-9
            assert (call.bid or 0.0) - put.ask <= spot.ask - carry + tol
            assert spot.bid - carry <= call.ask - (put.bid or 0.0) + tol


def test_delta_signs_and_monotonic_in_strike(market: SyntheticMarket) -> None:
    for _, chain in _chains(market):
        by_leg: dict[tuple[date | None, str | None], list[tuple[float, float]]] = defaultdict(list)
        for c in chain:
            assert c.delta is not None and c.key.strike is not None
            assert (0.0 <= c.delta <= 1.0) if c.key.right == "call" else (-1.0 <= c.delta <= 0.0)
            by_leg[(c.key.expiry, c.key.right)].append((c.key.strike, c.delta))
        for deltas in by_leg.values():
            ordered = [d for _, d in sorted(deltas)]
            assert all(b <= a + 1e-12 for a, b in zip(ordered, ordered[1:], strict=False))


def test_smile_puts_richer_and_zero_dte_wings_higher(market: SyntheticMarket) -> None:
    day = date(2023, 6, 26)
    moment = minute_marks(market, day, 60)[1]
    spot = market.underlying_path(day)[60]
    chain = market.chain("SPY", moment)

    def iv(right: str, strike: float, expiry: date) -> float:
        found = next(c for c in chain if c.key == SecurityKey("SPY", right, strike, expiry))  # type: ignore[arg-type]
        assert found.implied_volatility is not None
        return found.implied_volatility

    low, high = float(round(spot * 0.95)), float(round(spot * 1.05))
    far = date(2023, 7, 21)
    assert iv("put", low, far) > iv("call", float(round(spot)), far) > iv("call", high, far)
    assert iv("put", low, day) > iv("put", low, far)


def test_open_interest_plausible(market: SyntheticMarket) -> None:
    moment = minute_marks(market, date(2023, 6, 26), 60)[1]
    chain = market.chain("SPY", moment)
    assert all(c.open_interest >= 0 and c.open_interest == int(c.open_interest) for c in chain)
    assert sum(c.open_interest for c in chain) > 100_000


def test_config_changes_listing() -> None:
    narrow = SyntheticMarket(start=date(2024, 1, 2), days=1, seed=1,
                             config=SyntheticConfig(strike_range=0.02, daily_expiries=1,
                                                    weekly_window_days=7, monthly_window_days=0))  # fmt: skip
    moment = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)
    expiries = {c.key.expiry for c in narrow.chain("SPY", moment)}
    assert expiries == {date(2024, 1, 2), date(2024, 1, 5)}
    assert len(narrow.chain("SPY", moment)) < 2 * 2 * 20


# --- speed (printed, not asserted; `python -m leansim.market.bench 60` for the 60-day figure) ---


def test_speed_printed(capsys: pytest.CaptureFixture[str]) -> None:
    result = bench.synthetic(days=15)
    assert result.quotes > 0 and result.chains > 0
    with capsys.disabled():
        print(f"\nsynthetic SPY {result}")
