"""Max loss by structure spec (per share), the strangle's margin estimate, and how many structures a
risk budget allows."""

from __future__ import annotations

import math

import pytest

from atomic.margin import naked_short_requirement
from atomic.structures import BULL_CALL_SPREAD, CALL_BUTTERFLY, IRON_CONDOR, PUT_SPREAD, STRANGLE, LegPrice
from strategies.sizing import structures_for_risk


def _condor(put_width: float, call_width: float) -> dict[str, float]:
    return {"long_put": 95 - put_width, "short_put": 95, "short_call": 105, "long_call": 105 + call_width}


def test_iron_condor_max_loss_is_the_wider_side_less_the_credit() -> None:
    assert IRON_CONDOR.max_loss(_condor(5, 5), 0.76) == pytest.approx(4.24)
    assert IRON_CONDOR.max_loss(_condor(5, 10), 1.0) == pytest.approx(9)
    assert IRON_CONDOR.max_loss(_condor(10, 5), 1.0) == pytest.approx(9)
    butterfly = {"long_put": 95, "short_put": 100, "short_call": 100, "long_call": 105}
    assert IRON_CONDOR.max_loss(butterfly, 2.0) == pytest.approx(3)  # an iron butterfly


def test_iron_condor_max_loss_goes_non_positive_when_the_credit_covers_the_width() -> None:
    assert IRON_CONDOR.max_loss(_condor(1, 1), 1.5) <= 0


def test_put_spread_max_loss() -> None:
    assert PUT_SPREAD.max_loss({"short_put": 95, "long_put": 90}, 1.25) == pytest.approx(3.75)


def test_a_debit_structure_loses_at_worst_its_debit() -> None:
    assert CALL_BUTTERFLY.max_loss({"lower_call": 95, "middle_call": 100, "upper_call": 105}, -1.2) == pytest.approx(1.2)
    assert BULL_CALL_SPREAD.max_loss({"long_call": 100, "short_call": 105}, -2.1) == pytest.approx(2.1)
    # Bought for a credit, there is nothing to lose: the quotes are wrong.
    assert CALL_BUTTERFLY.max_loss({"lower_call": 95, "middle_call": 100, "upper_call": 105}, 0.1) <= 0


def test_undefined_risk_has_no_max_loss() -> None:
    with pytest.raises(ValueError, match="undefined risk"):
        STRANGLE.max_loss({"short_call": 105, "short_put": 95}, 1.0)


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


def _strangle_margin(call_strike: float, put_strike: float, call_premium: float, put_premium: float) -> float:
    prices = {"short_call": LegPrice(call_strike, call_premium), "short_put": LegPrice(put_strike, put_premium)}
    margin, basis = STRANGLE.risk(prices, call_premium + put_premium, 100)
    assert basis == "margin_estimate"
    return margin


def test_strangle_margin_is_the_larger_side_plus_the_other_premium() -> None:
    # Call side 0.5 + (20 - 6) = 14.5; put side 0.4 + (20 - 8) = 12.4; + put premium 0.4.
    assert _strangle_margin(106, 92, 0.5, 0.4) == pytest.approx(14.5 + 0.4)
    # Put side larger: put 94 -> 0.5 + 14 = 14.5; call 110 -> 0.2 + 10 = 10.2; + call premium 0.2.
    assert _strangle_margin(110, 94, 0.2, 0.5) == pytest.approx(14.5 + 0.2)


def test_strangle_margin_is_larger_than_either_naked_side() -> None:
    margin = _strangle_margin(106, 94, 0.5, 0.5)
    assert margin > naked_short_requirement("call", 106, 100, 0.5)
    assert margin > naked_short_requirement("put", 94, 100, 0.5)


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
