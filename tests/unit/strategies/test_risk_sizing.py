"""Max loss, the strangle's margin estimate, and how many structures a risk budget allows."""

from __future__ import annotations

import math

import pytest

from atomic.margin import naked_short_requirement
from strategies.sizing import (
    iron_condor_max_loss,
    put_spread_max_loss,
    strangle_margin,
    structures_for_risk,
)


def test_iron_condor_max_loss_is_the_wider_side_less_the_credit() -> None:
    assert iron_condor_max_loss(5, 5, 0.76, 100) == pytest.approx(424)
    assert iron_condor_max_loss(5, 10, 1.0, 100) == pytest.approx(900)
    assert iron_condor_max_loss(10, 5, 1.0, 10) == pytest.approx(90)


def test_iron_condor_max_loss_goes_non_positive_when_the_credit_covers_the_width() -> None:
    assert iron_condor_max_loss(1, 1, 1.5, 100) <= 0


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan])
def test_widths_and_multiplier_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError):
        iron_condor_max_loss(bad, 5, 1.0, 100)
    with pytest.raises(ValueError):
        put_spread_max_loss(bad, 1.0, 100)
    with pytest.raises(ValueError):
        put_spread_max_loss(5, 1.0, bad)


def test_put_spread_max_loss() -> None:
    assert put_spread_max_loss(5, 1.25, 100) == pytest.approx(375)


def test_naked_short_near_the_money_uses_twenty_percent_less_otm() -> None:
    # Call 105 on 100: 20 - 5 = 15 > 10; plus premium 1.
    assert naked_short_requirement("call", 105, 100, 1.0) == pytest.approx(16)
    # Put 95 on 100: 20 - 5 = 15 > 9.5.
    assert naked_short_requirement("put", 95, 100, 1.0) == pytest.approx(16)


def test_naked_short_far_out_uses_the_ten_percent_floor() -> None:
    # Call 150 on 100: 20 - 50 < 0, floor 10% of the underlying = 10.
    assert naked_short_requirement("call", 150, 100, 0.05) == pytest.approx(10.05)
    # Put 50 on 100: 20 - 50 < 0, floor 10% of the strike = 5.
    assert naked_short_requirement("put", 50, 100, 0.05) == pytest.approx(5.05)


def test_naked_short_in_the_money_has_no_otm_reduction() -> None:
    assert naked_short_requirement("call", 95, 100, 6.0) == pytest.approx(26)


def test_strangle_margin_is_the_larger_side_plus_the_other_premium() -> None:
    # Call side 0.5 + (20 - 6) = 14.5; put side 0.4 + (20 - 8) = 12.4; + put premium 0.4.
    assert strangle_margin(106, 92, 0.5, 0.4, 100, 100) == pytest.approx((14.5 + 0.4) * 100)
    # Put side larger: put 94 -> 0.5 + 14 = 14.5; call 110 -> 0.2 + 10 = 10.2; + call premium 0.2.
    assert strangle_margin(110, 94, 0.2, 0.5, 100, 100) == pytest.approx((14.5 + 0.2) * 100)


def test_strangle_margin_is_larger_than_either_naked_side() -> None:
    margin = strangle_margin(106, 94, 0.5, 0.5, 100, 100)
    assert margin > naked_short_requirement("call", 106, 100, 0.5) * 100
    assert margin > naked_short_requirement("put", 94, 100, 0.5) * 100


@pytest.mark.parametrize(
    ("max_loss", "portfolio", "fraction", "cap", "expected"),
    [
        (424, 100_000, 0.02, 10, 4),  # 2000 / 424 = 4.7
        (400, 100_000, 0.02, 10, 5),  # exactly 5, not floored to 4 by float error
        (200, 1_000_000, 0.02, 10, 10),  # capped
        (2_001, 100_000, 0.02, 10, 0),  # even one is too much
        (2_000, 100_000, 0.02, 10, 1),  # one fits exactly
        (100, 0, 0.02, 10, 0),  # no money
        (100, -5_000, 0.02, 10, 0),  # a blown account
        (100, math.nan, 0.02, 10, 0),
        (100, 100_000, 0.02, 0, 0),  # a cap of zero
        (0.01, 100_000, 1.0, 10**9, 10_000_000),
    ],
)
def test_structures_for_risk(max_loss: float, portfolio: float, fraction: float, cap: int, expected: int) -> None:
    assert structures_for_risk(max_loss, portfolio, fraction, cap) == expected


@pytest.mark.parametrize(
    ("max_loss", "fraction", "cap"),
    [(0, 0.02, 10), (-10, 0.02, 10), (math.nan, 0.02, 10), (100, 0, 10), (100, 1.5, 10), (100, 0.02, -1)],
)
def test_structures_for_risk_refuses_nonsense(max_loss: float, fraction: float, cap: int) -> None:
    with pytest.raises(ValueError):
        structures_for_risk(max_loss, 100_000, fraction, cap)
