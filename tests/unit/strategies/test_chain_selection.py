"""Pure chain choices: expiry, short strike (delta or distance), wing, liquidity."""

from __future__ import annotations

import math

import pytest

from strategies.chain import (
    ChainRow,
    Picked,
    Right,
    expiries,
    liquidity_problem,
    pick_expiry,
    pick_short,
    pick_wing,
    rows_expiring,
    spread_limit,
)
from strategies.skip import Skip, SkipReason
from strategy_kit import SPOT, TODAY, days, model_chain, row

# --- ChainRow -------------------------------------------------------------------------------------


def test_row_mid_and_spread_need_a_two_sided_quote() -> None:
    quoted = row("call", 105, bid=1.0, ask=1.2)
    assert quoted.mid == pytest.approx(1.1)
    assert quoted.spread == pytest.approx(0.2)
    for bid, ask in [(None, 1.2), (1.0, None), (0.0, 1.2), (None, None)]:
        one_sided = row("call", 105, bid=bid, ask=ask)
        assert not one_sided.has_two_sided_quote
        assert one_sided.mid is None
        assert one_sided.spread is None


def test_row_otm_amount_by_right() -> None:
    assert row("call", 105).otm_amount(100) == 5
    assert row("put", 95).otm_amount(100) == 5
    assert row("call", 95).otm_amount(100) == -5
    assert not row("call", 100).is_otm(100)  # at the money is not out of the money
    assert not row("put", 100).is_otm(100)


@pytest.mark.parametrize("strike", [0.0, -5.0, math.nan, math.inf])
def test_row_rejects_a_strike_that_is_not_positive(strike: float) -> None:
    with pytest.raises(ValueError, match="strike"):
        row("call", strike)


def test_row_rejects_an_unknown_right() -> None:
    with pytest.raises(ValueError, match="right"):
        ChainRow("X", "straddle", 100.0, TODAY, 1.0, 1.1, None)  # type: ignore[arg-type]


# --- Expiry ---------------------------------------------------------------------------------------


def test_empty_chain_is_skipped() -> None:
    skip = pick_expiry([], TODAY, 7)
    assert isinstance(skip, Skip)
    assert skip.reason is SkipReason.EMPTY_CHAIN


def test_zero_dte_wins_when_an_expiry_is_today() -> None:
    rows = [row("call", 105, expiry=days(7)), row("call", 105, expiry=TODAY), row("call", 105, expiry=days(1))]
    assert pick_expiry(rows, TODAY, 7) == TODAY


def test_nearest_later_expiry_when_none_is_today() -> None:
    rows = [row("put", 95, expiry=days(5)), row("put", 95, expiry=days(3))]
    assert pick_expiry(rows, TODAY, 7) == days(3)


def test_past_expiries_are_ignored() -> None:
    rows = [row("put", 95, expiry=days(-1)), row("put", 95, expiry=days(2))]
    assert pick_expiry(rows, TODAY, 7) == days(2)
    only_past = pick_expiry([row("put", 95, expiry=days(-3))], TODAY, 7)
    assert isinstance(only_past, Skip)
    assert only_past.reason is SkipReason.NO_EXPIRY


@pytest.mark.parametrize(("nearest", "limit"), [(8, 7), (1, 0)])
def test_expiry_beyond_the_limit_is_skipped(nearest: int, limit: int) -> None:
    skip = pick_expiry([row("put", 95, expiry=days(nearest))], TODAY, limit)
    assert isinstance(skip, Skip)
    assert skip.reason is SkipReason.NO_EXPIRY
    assert f"{nearest} days out" in skip.detail


def test_expiry_exactly_at_the_limit_is_taken() -> None:
    assert pick_expiry([row("put", 95, expiry=days(7))], TODAY, 7) == days(7)


def test_rows_of_one_expiry() -> None:
    rows = [row("put", 95, expiry=TODAY), row("put", 95, expiry=days(1)), row("call", 105, expiry=TODAY)]
    assert expiries(rows) == [TODAY, days(1)]
    assert [r.strike for r in rows_expiring(rows, TODAY)] == [95, 105]


# --- Short strike ---------------------------------------------------------------------------------


def _short(rows: list[ChainRow], right: Right, *, delta: float = 0.16, pct: float = 0.01) -> Picked:
    picked = pick_short(rows, right, SPOT, delta, pct)
    assert isinstance(picked, Picked), picked
    return picked


def test_short_by_delta_when_every_candidate_has_one() -> None:
    rows = model_chain()
    call, put = _short(rows, "call"), _short(rows, "put")
    assert (call.row.strike, call.chosen_by) == (106, "delta")
    assert (put.row.strike, put.chosen_by) == (94, "delta")


def test_short_by_delta_follows_the_target() -> None:
    rows = model_chain()
    assert _short(rows, "call", delta=0.30).row.strike == 103
    assert _short(rows, "put", delta=0.05).row.strike == 90


def test_short_by_distance_when_deltas_are_absent() -> None:
    rows = model_chain(with_deltas=False)
    call, put = _short(rows, "call", pct=0.05), _short(rows, "put", pct=0.05)
    assert (call.row.strike, call.chosen_by) == (105, "distance")
    assert (put.row.strike, put.chosen_by) == (95, "distance")


def test_one_missing_delta_on_a_side_falls_back_to_distance_for_that_side_only() -> None:
    rows = [r if (r.right, r.strike) != ("call", 115) else row("call", 115, delta=None) for r in model_chain()]
    assert _short(rows, "call", pct=0.05).chosen_by == "distance"
    assert _short(rows, "put", pct=0.05).chosen_by == "delta"


def test_no_strike_at_the_distance_target_takes_the_nearest() -> None:
    rows = [row("call", strike) for strike in (100, 102.5, 107.5, 110)]
    # Target 105 sits between 102.5 and 107.5: equally near, so the further out of the money wins.
    assert _short(rows, "call", pct=0.05).row.strike == 107.5
    assert _short(rows, "call", pct=0.04).row.strike == 102.5


def test_delta_tie_goes_further_out_of_the_money() -> None:
    rows = [row("put", 96, delta=-0.20), row("put", 94, delta=-0.12)]
    assert _short(rows, "put", delta=0.16).row.strike == 94


def test_in_the_money_and_at_the_money_strikes_are_never_shorts() -> None:
    rows = [row("call", strike, delta=d) for strike, d in [(95, 0.84), (100, 0.5), (101, 0.45)]]
    assert _short(rows, "call", delta=0.84).row.strike == 101


def test_nothing_out_of_the_money_is_skipped() -> None:
    rows = [row("call", strike) for strike in (90, 95, 100)] + [row("put", 105)]
    rights: tuple[Right, ...] = ("call", "put")
    for right in rights:
        skip = pick_short(rows, right, SPOT, 0.16, 0.01)
        assert isinstance(skip, Skip)
        assert skip.reason is SkipReason.NO_OTM_STRIKE


def test_a_side_missing_from_the_chain_is_skipped() -> None:
    skip = pick_short(model_chain(rights=("put",)), "call", SPOT, 0.16, 0.01)
    assert isinstance(skip, Skip)
    assert skip.reason is SkipReason.NO_OTM_STRIKE


# --- Wing -----------------------------------------------------------------------------------------


def _wing(rows: list[ChainRow], short: ChainRow, width: float) -> float:
    picked = pick_wing(rows, short, width)
    assert isinstance(picked, Picked), picked
    assert picked.chosen_by == "width"
    return picked.row.strike


def test_wing_at_the_width_on_the_protective_side() -> None:
    rows = model_chain()
    assert _wing(rows, row("call", 106), 5) == 111
    assert _wing(rows, row("put", 94), 5) == 89


def test_wing_nearest_the_width_when_not_listed() -> None:
    calls = [row("call", strike) for strike in (105, 107.5, 112.5, 120)]
    assert _wing(calls, calls[0], 5) == 107.5  # 110 is not listed: 107.5 is 2.5 off, 112.5 is 2.5 off: narrower
    assert _wing(calls, calls[0], 6) == 112.5


def test_wing_is_never_the_short_strike_or_inside_it() -> None:
    puts = [row("put", strike) for strike in (90, 95, 100)]
    assert _wing(puts, puts[1], 0.1) == 90  # width smaller than the grid: the next strike out
    skip = pick_wing(puts, puts[0], 5)  # nothing below 90
    assert isinstance(skip, Skip)
    assert skip.reason is SkipReason.NO_WING


def test_wing_ignores_other_rights_and_expiries() -> None:
    short = row("call", 105)
    rows = [short, row("put", 110), row("call", 110, expiry=days(1))]
    skip = pick_wing(rows, short, 5)
    assert isinstance(skip, Skip)
    assert skip.reason is SkipReason.NO_WING


# --- Liquidity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("bid", "ask"), [(None, 1.0), (1.0, None), (0.0, 1.0), (1.0, 0.0), (None, None)])
def test_a_missing_or_zero_quote_side_is_illiquid(bid: float | None, ask: float | None) -> None:
    skip = liquidity_problem(row("put", 95, bid=bid, ask=ask), 0.5, 0.5)
    assert skip is not None
    assert skip.reason is SkipReason.NO_QUOTE


def test_a_crossed_quote_is_refused() -> None:
    skip = liquidity_problem(row("put", 95, bid=1.2, ask=1.0), 0.5, 0.5)
    assert skip is not None
    assert skip.reason is SkipReason.CROSSED_QUOTE


def test_a_wide_spread_is_refused_with_the_numbers() -> None:
    skip = liquidity_problem(row("call", 105, bid=1.0, ask=2.0), 0.5, 0.5)
    assert skip is not None
    assert skip.reason is SkipReason.WIDE_SPREAD
    assert "call 105" in skip.detail
    assert "1.00" in skip.detail and "0.75" in skip.detail


def test_the_spread_limit_is_the_larger_of_dollars_and_fraction() -> None:
    assert spread_limit(0.10, 0.5, 0.5) == 0.5  # cheap: the dollar floor
    assert spread_limit(20.0, 0.5, 0.5) == 10.0  # expensive: the fraction
    # A 0.08 spread on a 0.05 wing is 160% of mid but 8 cents: accepted.
    assert liquidity_problem(row("call", 115, bid=0.01, ask=0.09), 0.5, 0.5) is None
    # A 2.00 spread on a 20.00 contract is over 50 cents but 10% of mid: accepted.
    assert liquidity_problem(row("call", 80, bid=19.0, ask=21.0), 0.5, 0.5) is None


def test_a_spread_exactly_at_the_limit_is_accepted() -> None:
    assert liquidity_problem(row("call", 105, bid=0.1, ask=0.3), 0.2, 0.0001) is None
    assert liquidity_problem(row("call", 105, bid=0.1, ask=0.31), 0.2, 0.0001) is not None
