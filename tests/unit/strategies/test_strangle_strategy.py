"""StrangleStrategy.select: two shorts, and the margin estimate standing in for max loss."""

from __future__ import annotations

import pytest

from strategies import Selection, Skip, SkipReason, StrangleStrategy
from strategy_kit import SPOT, TODAY, model_chain, replace_row

STRATEGY = StrangleStrategy()


def test_two_shorts_by_delta_sized_on_margin() -> None:
    selection = STRATEGY.select(model_chain(), SPOT, TODAY)
    assert isinstance(selection, Selection), selection
    call, put = selection.row("short_call"), selection.row("short_put")
    assert (put.strike, call.strike) == (94, 106)
    assert selection.net_credit == pytest.approx(0.96)
    assert selection.risk_basis == "margin_estimate"
    # Either side: 0.48 + (20 - 6) = 14.48, plus the other side's premium 0.48, per share.
    assert selection.max_loss == pytest.approx((14.48 + 0.48) * 100)
    assert selection.structure == "strangle"


def test_by_distance_the_put_is_never_above_the_call() -> None:
    selection = STRATEGY.select(model_chain(with_deltas=False), SPOT, TODAY)
    assert isinstance(selection, Selection), selection
    assert selection.row("short_put").strike <= selection.row("short_call").strike
    assert [leg.chosen_by for leg in selection.legs] == ["distance", "distance"]


def test_a_strangle_has_no_long_legs() -> None:
    selection = STRATEGY.select(model_chain(), SPOT, TODAY)
    assert isinstance(selection, Selection)
    with pytest.raises(KeyError):
        selection.row("long_call")


def test_a_missing_bid_on_a_short_is_skipped() -> None:
    skip = STRATEGY.select(replace_row(model_chain(), "put", 94, bid=None), SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.NO_QUOTE


def test_a_chain_of_puts_only_is_skipped() -> None:
    skip = STRATEGY.select(model_chain(rights=("put",)), SPOT, TODAY)
    assert isinstance(skip, Skip) and skip.reason is SkipReason.NO_OTM_STRIKE
