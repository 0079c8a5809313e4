"""IronCondorStrategy.select on synthetic chains: legs, shape, credit, risk, and every skip."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from strategies import IronCondorStrategy, Selection, Skip, SkipReason, StrategyParams
from strategy_kit import SPOT, TODAY, days, model_chain, replace_row, row

STRATEGY = IronCondorStrategy()


def _selected(selection: Selection | Skip) -> Selection:
    assert isinstance(selection, Selection), selection
    return selection


def _skipped(selection: Selection | Skip, reason: SkipReason) -> Skip:
    assert isinstance(selection, Skip), selection
    assert selection.reason is reason, selection
    return selection


def _strikes(selection: Selection) -> tuple[float, ...]:
    """Strikes from low to high: long put, short put, short call, long call."""
    order = ("long_put", "short_put", "short_call", "long_call")
    return tuple(selection.row(role).strike for role in order)


def test_by_delta_with_wings_at_the_width() -> None:
    selection = _selected(STRATEGY.select(model_chain(), SPOT, TODAY))
    assert _strikes(selection) == (89, 94, 106, 111)
    assert [leg.chosen_by for leg in selection.legs] == ["delta", "width", "delta", "width"]
    assert selection.structure == "iron_condor"
    assert selection.strategy == "iron_condor"
    assert selection.expiry == TODAY
    assert selection.underlying_price == SPOT


def test_credit_at_natural_prices_and_max_loss() -> None:
    selection = _selected(STRATEGY.select(model_chain(), SPOT, TODAY))
    # Shorts at the bid (0.48 + 0.48), wings at the ask (0.10 + 0.10).
    assert selection.net_credit == pytest.approx(0.76)
    assert selection.mid_credit == pytest.approx(0.84)
    assert selection.max_loss == pytest.approx((5 - 0.76) * 100)
    assert selection.risk_basis == "max_loss"


def test_by_distance_when_the_chain_has_no_greeks() -> None:
    selection = _selected(STRATEGY.select(model_chain(with_deltas=False), SPOT, TODAY))
    assert _strikes(selection) == (94, 99, 101, 106)
    assert selection.legs[0].chosen_by == "distance"


def test_parameters_change_the_legs() -> None:
    wide = IronCondorStrategy(params=StrategyParams(target_short_delta=0.30, wing_width=3))
    assert _strikes(_selected(wide.select(model_chain(), SPOT, TODAY))) == (94, 97, 103, 106)


def test_uneven_wings_size_on_the_wider_side() -> None:
    rows = [r for r in model_chain() if not (r.right == "call" and r.strike in (110, 111, 112))]
    selection = _selected(STRATEGY.select(rows, SPOT, TODAY))
    assert _strikes(selection) == (89, 94, 106, 109)  # 111 missing: 109 and 113 tie, the narrower wins
    assert selection.max_loss == pytest.approx((5 - selection.net_credit) * 100)


def test_zero_dte_is_preferred_over_a_later_expiry() -> None:
    rows = model_chain(expiry=days(7)) + model_chain(expiry=TODAY)
    selection = _selected(STRATEGY.select(rows, SPOT, TODAY))
    assert selection.expiry == TODAY
    assert {leg.row.expiry for leg in selection.legs} == {TODAY}


def test_nearest_expiry_when_none_is_today() -> None:
    rows = model_chain(expiry=days(7)) + model_chain(expiry=days(3))
    assert _selected(STRATEGY.select(rows, SPOT, TODAY)).expiry == days(3)


def test_no_expiry_within_the_limit_is_skipped() -> None:
    _skipped(STRATEGY.select(model_chain(expiry=days(30)), SPOT, TODAY), SkipReason.NO_EXPIRY)


def test_empty_chain_is_skipped() -> None:
    _skipped(STRATEGY.select([], SPOT, TODAY), SkipReason.EMPTY_CHAIN)


@pytest.mark.parametrize("price", [0.0, -1.0, math.nan, math.inf])
def test_unusable_underlying_price_is_skipped(price: float) -> None:
    _skipped(STRATEGY.select(model_chain(), price, TODAY), SkipReason.NO_UNDERLYING_PRICE)


def test_a_chain_without_calls_is_skipped() -> None:
    _skipped(STRATEGY.select(model_chain(rights=("put",)), SPOT, TODAY), SkipReason.NO_OTM_STRIKE)


def test_no_wing_beyond_the_short_is_skipped() -> None:
    skip = _skipped(STRATEGY.select(model_chain(range(90, 107)), SPOT, TODAY), SkipReason.NO_WING)
    assert "106" in skip.detail


def test_a_missing_quote_on_a_leg_is_skipped() -> None:
    rows = replace_row(model_chain(), "call", 106, bid=None)
    _skipped(STRATEGY.select(rows, SPOT, TODAY), SkipReason.NO_QUOTE)


def test_a_wide_wing_spread_is_skipped_and_named() -> None:
    rows = replace_row(model_chain(), "put", 89, bid=0.05, ask=0.90)
    skip = _skipped(STRATEGY.select(rows, SPOT, TODAY), SkipReason.WIDE_SPREAD)
    assert "put 89" in skip.detail


def test_every_illiquid_leg_is_named() -> None:
    rows = replace_row(replace_row(model_chain(), "put", 89, bid=0.05, ask=0.90), "call", 111, ask=None)
    skip = _skipped(STRATEGY.select(rows, SPOT, TODAY), SkipReason.NO_QUOTE)
    assert "call 111" in skip.detail and "put 89" in skip.detail


def test_no_credit_is_skipped() -> None:
    rows = [row("call", 106, bid=0.10, ask=0.12), row("call", 111, bid=0.10, ask=0.12),
            row("put", 94, bid=0.10, ask=0.12), row("put", 89, bid=0.10, ask=0.12)]
    _skipped(STRATEGY.select(rows, SPOT, TODAY), SkipReason.NO_CREDIT)


def test_a_credit_above_the_width_is_inconsistent() -> None:
    rows = [row("call", 101, bid=1.0, ask=1.1), row("call", 102, bid=0.05, ask=0.1),
            row("put", 99, bid=1.0, ask=1.1), row("put", 98, bid=0.05, ask=0.1)]
    _skipped(STRATEGY.select(rows, SPOT, TODAY), SkipReason.INCONSISTENT_PRICES)


def test_selection_is_frozen_and_describes_itself() -> None:
    selection = _selected(STRATEGY.select(model_chain(), SPOT, TODAY))
    with pytest.raises(AttributeError):
        selection.max_loss = 0  # type: ignore[misc]
    line = selection.describe()
    assert "iron_condor" in line and "short_call 106 (delta)" in line and "long_put 89 (width)" in line


def test_leg_lookup_of_a_missing_role_raises() -> None:
    selection = _selected(STRATEGY.select(model_chain(), SPOT, TODAY))
    narrowed = replace(selection, legs=selection.legs[:1])
    with pytest.raises(KeyError):
        narrowed.row("long_put")
