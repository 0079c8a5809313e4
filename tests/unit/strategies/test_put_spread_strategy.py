"""PutSpreadStrategy.select: the short put, its lower wing, credit and max loss."""

from __future__ import annotations

import pytest

from strategies import PutSpreadStrategy, Selection, Skip, SkipReason, StrategyParams
from strategy_kit import SPOT, TODAY, model_chain, replace_row, row

STRATEGY = PutSpreadStrategy()


def test_short_put_by_delta_long_put_below() -> None:
    selection = STRATEGY.select(model_chain(), SPOT, TODAY)
    assert isinstance(selection, Selection), selection
    assert (selection.row("short_put").strike, selection.row("long_put").strike) == (94, 89)
    assert [leg.role.name for leg in selection.legs] == ["short_put", "long_put"]
    assert selection.net_credit == pytest.approx(0.48 - 0.10)
    assert selection.max_loss == pytest.approx((5 - 0.38) * 100)
    assert selection.structure == "put_spread"


def test_short_put_by_distance_without_greeks() -> None:
    strategy = PutSpreadStrategy(params=StrategyParams(short_strike_distance_pct=0.03, wing_width=2))
    selection = strategy.select(model_chain(with_deltas=False), SPOT, TODAY)
    assert isinstance(selection, Selection), selection
    assert (selection.row("short_put").strike, selection.row("long_put").strike) == (97, 95)


def test_calls_are_not_needed() -> None:
    assert isinstance(STRATEGY.select(model_chain(rights=("put",)), SPOT, TODAY), Selection)


def test_a_chain_of_calls_only_is_skipped() -> None:
    skip = STRATEGY.select(model_chain(rights=("call",)), SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.NO_OTM_STRIKE


def test_the_lowest_listed_put_has_no_wing() -> None:
    skip = STRATEGY.select([row("put", 94, delta=-0.16), row("put", 96, delta=-0.25)], SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.NO_WING


def test_wide_short_spread_is_skipped() -> None:
    skip = STRATEGY.select(replace_row(model_chain(), "put", 94, bid=0.2, ask=0.9), SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.WIDE_SPREAD


def test_credit_at_the_width_is_inconsistent() -> None:
    rows = [row("put", 99, bid=1.5, ask=1.6), row("put", 98, bid=0.4, ask=0.5)]
    skip = STRATEGY.select(rows, SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.INCONSISTENT_PRICES
