"""How many structures a risk budget allows. What one structure risks is its spec's (its worst
loss at expiry, or its margin rule: atomic/structures.py), in dollars per structure.
"""

from __future__ import annotations

import math

# Slack so that a budget of exactly n structures is not floored to n - 1 by float error.
_COUNT_TOLERANCE = 1e-9


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
    if not (math.isfinite(max_loss_per_structure) and max_loss_per_structure > 0):
        raise ValueError(f"max_loss_per_structure must be a positive number, got {max_loss_per_structure!r}")
    if not (math.isfinite(risk_fraction) and 0 < risk_fraction <= 1):
        raise ValueError(f"risk_fraction must be in (0, 1], got {risk_fraction!r}")
    if max_structures < 0:
        raise ValueError(f"max_structures must not be negative, got {max_structures!r}")
    if not math.isfinite(portfolio_value) or portfolio_value <= 0:
        return 0
    budget = portfolio_value * risk_fraction
    count = math.floor(budget / max_loss_per_structure + _COUNT_TOLERANCE)
    return max(0, min(count, max_structures))
