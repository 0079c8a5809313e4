"""The knobs a strategy selects and sizes with, as one frozen object with config.py's defaults.

One object instead of loose arguments so main.py can build it once from `get_parameter` values and
`dataclasses.replace` a field for a second strategy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import config
from config import ConfigError


@dataclass(frozen=True)
class StrategyParams:
    """Selection and sizing settings. A structure ignores what it has no use for (the strangle has
    no wings, so `wing_width` is unused there).
    """

    # Short strikes at this |delta| when every candidate has a delta...
    target_short_delta: float = config.TARGET_SHORT_DELTA
    # ...else at this fraction of the underlying price out of the money.
    short_strike_distance_pct: float = config.SHORT_STRIKE_DISTANCE_PCT
    # Strike points between a short and its protective wing.
    wing_width: float = config.WING_WIDTH
    # A leg's spread may be up to the larger of these two (see chain.spread_limit).
    max_spread_fraction: float = config.MAX_SPREAD_FRACTION
    max_spread_dollars: float = config.MAX_SPREAD_DOLLARS
    # Fraction of portfolio value one trade's max loss (or margin estimate) may take.
    risk_fraction: float = config.RISK_FRACTION
    max_structures: int = config.MAX_STRUCTURES
    # Farthest expiry, in calendar days, when none is today.
    max_days_to_expiry: int = config.MAX_DAYS_TO_EXPIRY
    multiplier: float = config.OPTION_MULTIPLIER

    def __post_init__(self) -> None:
        if not 0 < self.target_short_delta < 0.5:
            raise ConfigError(f"target_short_delta must be in (0, 0.5) (out of the money), got {self.target_short_delta!r}")
        if not 0 <= self.short_strike_distance_pct < 1:
            raise ConfigError(f"short_strike_distance_pct must be in [0, 1), got {self.short_strike_distance_pct!r}")
        positive = {
            "wing_width": self.wing_width,
            "max_spread_fraction": self.max_spread_fraction,
            "multiplier": self.multiplier,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name} must be positive, got {value!r}")
        if not (math.isfinite(self.max_spread_dollars) and self.max_spread_dollars >= 0):
            raise ConfigError(f"max_spread_dollars must not be negative, got {self.max_spread_dollars!r}")
        if not 0 < self.risk_fraction <= 1:
            raise ConfigError(f"risk_fraction must be in (0, 1], got {self.risk_fraction!r}")
        if self.max_structures < 1:
            raise ConfigError(f"max_structures must be at least 1, got {self.max_structures!r}")
        if self.max_days_to_expiry < 0:
            raise ConfigError(f"max_days_to_expiry must not be negative, got {self.max_days_to_expiry!r}")
