"""How much a structure can lose, and how many structures a risk budget allows.

Pure arithmetic. Prices and credits are per share (as quoted); results are dollars per structure
(one contract per leg), hence the contract `multiplier`.
"""

from __future__ import annotations

import math

from atomic.margin import naked_short_requirement

# Slack so that a budget of exactly n structures is not floored to n - 1 by float error.
_COUNT_TOLERANCE = 1e-9


def _require_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def iron_condor_max_loss(call_width: float, put_width: float, net_credit: float, multiplier: float) -> float:
    """Dollars one iron condor loses at worst: only one side can finish in the money, so the wider
    side's width, less the credit received.

    Returns a non-positive number when the credit is at least the wider width (inconsistent quotes);
    the caller must refuse that trade.
    """
    _require_positive("call_width", call_width)
    _require_positive("put_width", put_width)
    _require_positive("multiplier", multiplier)
    return (max(call_width, put_width) - net_credit) * multiplier


def put_spread_max_loss(width: float, net_credit: float, multiplier: float) -> float:
    """Dollars one short put spread loses at worst: the strike width less the credit received."""
    _require_positive("width", width)
    _require_positive("multiplier", multiplier)
    return (width - net_credit) * multiplier


def strangle_margin(
    call_strike: float,
    put_strike: float,
    call_premium: float,
    put_premium: float,
    underlying_price: float,
    multiplier: float,
) -> float:
    """Estimated dollars of margin one short strangle ties up; its loss is unbounded, so this stands
    in for max loss when sizing.

    The larger side's naked requirement plus the other side's premium (only one side can be in the
    money at expiry), as LEAN's `OptionStrategyPositionGroupBuyingPowerModel` margins a short
    strangle. It is an estimate: brokers add house rules, and LEAN's per-option model may set the
    10% floor differently; the executor's buying-power check has the last word.
    """
    _require_positive("multiplier", multiplier)
    for name, value in (("call_strike", call_strike), ("put_strike", put_strike), ("underlying_price", underlying_price)):
        _require_positive(name, value)
    call_requirement = naked_short_requirement("call", call_strike, underlying_price, call_premium)
    put_requirement = naked_short_requirement("put", put_strike, underlying_price, put_premium)
    if call_requirement >= put_requirement:
        return (call_requirement + put_premium) * multiplier
    return (put_requirement + call_premium) * multiplier


def structures_for_risk(
    max_loss_per_structure: float,
    portfolio_value: float,
    risk_fraction: float,
    max_structures: int,
) -> int:
    """How many structures fit in `risk_fraction` of the portfolio, capped at `max_structures`.

    0 when even one structure risks more than the budget, or the portfolio has no value.

    Raises:
        ValueError: a non-positive max loss (no structure is riskless; the quotes are wrong), a risk
            fraction outside (0, 1], or a negative cap.
    """
    _require_positive("max_loss_per_structure", max_loss_per_structure)
    if not (math.isfinite(risk_fraction) and 0 < risk_fraction <= 1):
        raise ValueError(f"risk_fraction must be in (0, 1], got {risk_fraction!r}")
    if max_structures < 0:
        raise ValueError(f"max_structures must not be negative, got {max_structures!r}")
    if not math.isfinite(portfolio_value) or portfolio_value <= 0:
        return 0
    budget = portfolio_value * risk_fraction
    count = math.floor(budget / max_loss_per_structure + _COUNT_TOLERANCE)
    return max(0, min(count, max_structures))
