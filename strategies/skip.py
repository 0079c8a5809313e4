"""Why a strategy declined to trade, as a value rather than an exception.

A skipped entry is a normal outcome (no 0DTE expiry today, a wing too wide to quote), so selection
returns a `Skip` the caller can log, count and report, and never raises for market conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SkipReason(StrEnum):
    """The machine-readable cause of a skip; `Skip.detail` carries the specifics."""

    NO_UNDERLYING_PRICE = "no_underlying_price"
    EMPTY_CHAIN = "empty_chain"
    NO_EXPIRY = "no_expiry"
    NO_OTM_STRIKE = "no_otm_strike"
    NO_WING = "no_wing"
    NO_QUOTE = "no_quote"
    CROSSED_QUOTE = "crossed_quote"
    WIDE_SPREAD = "wide_spread"
    BAD_SHAPE = "bad_shape"
    NO_CREDIT = "no_credit"
    # A credit at or above the wing width: the quotes cannot be right, so no trade is safe.
    INCONSISTENT_PRICES = "inconsistent_prices"
    # One structure already risks more than the configured fraction of the portfolio.
    TOO_RISKY = "too_risky"


@dataclass(frozen=True)
class Skip:
    """A refusal to trade: what kind (`reason`) and a sentence for the log (`detail`)."""

    reason: SkipReason
    detail: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}"
