"""How a strategy prices its entries: market orders, or a walk from the net mid sized by the
structure's own spread.

A walk's step and give-up point (atomic.pricing.Walk) are dollars per structure. A fixed dollar
figure means nothing across structures and days (a 5-wide SPY condor's legs may be a cent wide at
10:30, an SPXW strangle's a dollar), so the knobs are fractions of the structure's natural
half-spread: what market orders concede from the net mid, per share, summed over the legs times
their ratios (the selection's mid credit less its natural credit). They become dollars when a
structure is selected, from its legs' quotes at that moment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import config
from atomic.pricing import Market, Pricing, Walk
from config import ConfigError
from strategies.selection import Selection

POLICIES = ("market", "walk")
# A walk's smallest step, per structure: a cent, the finest tick any option trades on (a structure
# quoted locked has no half-spread to take a fraction of).
MIN_STEP = 0.01


@dataclass(frozen=True)
class EntryPricing:
    """`policy` "market" or "walk"; a walk starts at the net mid, concedes `step` of the natural
    half-spread every `every_seconds` of algorithm time and gives up (the entry rolls back) once it
    would concede more than `max_concession` of it. Past the natural price the walk goes marketable,
    one tick through every leg's natural (atomic.pricing.walk_pays), and rests there: a
    `max_concession` above 1 waits there for the rest of the walk."""

    policy: str = config.ENTRY_PRICING
    step: float = config.WALK_STEP
    every_seconds: float = config.WALK_EVERY_SECONDS
    max_concession: float = config.WALK_MAX_CONCESSION

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ConfigError(f"entry_pricing must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        for name in ("step", "every_seconds"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"walk_{name} must be positive, got {value!r}")
        if not (math.isfinite(self.max_concession) and self.max_concession >= 0):
            raise ConfigError(f"walk_max_concession must not be negative, got {self.max_concession!r}")

    def for_selection(self, selection: Selection) -> Pricing:
        """The executor's policy for `selection`, in dollars per structure from its legs' quotes."""
        if self.policy == "market":
            return Market()
        half_spread = max(selection.mid_credit - selection.net_credit, 0.0)
        return Walk(step=max(round(self.step * half_spread, 4), MIN_STEP), every_seconds=self.every_seconds,
                    max_concession=round(self.max_concession * half_spread, 4))

    @property
    def walk_seconds(self) -> float:
        """The longest a walked entry lasts: the time of its give-up step (0 at market). In dollars
        a walk has at most as many steps as here (its step is rounded, and floored at MIN_STEP)."""
        if self.policy == "market":
            return 0.0
        return (math.floor(self.max_concession / self.step + 1e-9) + 1) * self.every_seconds

    def describe(self) -> str:
        if self.policy == "market":
            return "market orders"
        return (f"walk from the net mid: {self.step:g} of the natural half-spread every {self.every_seconds:g}s, "
                f"up to {self.max_concession:g} of it")
