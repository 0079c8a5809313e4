"""A tradable as the functional core sees it: plain values, no LEAN objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Right = Literal["call", "put"]


@dataclass(frozen=True)
class Contract:
    """One security a leg trades.

    `key` is LEAN's SecurityIdentifier string (`str(symbol.id)`): unique and stable across restarts,
    so it is what records persist and what recovery matches holdings by. `ticker` is the readable
    `symbol.value`. Equities have no right, strike or expiry.
    """

    key: str
    ticker: str
    underlying: str
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    multiplier: int = 100

    @property
    def is_option(self) -> bool:
        return self.right is not None

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "ticker": self.ticker,
            "underlying": self.underlying,
            "right": self.right,
            "strike": self.strike,
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "multiplier": self.multiplier,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Contract:
        right = data.get("right")
        if right not in ("call", "put", None):
            raise ValueError(f"unknown option right {right!r}")
        strike = data.get("strike")
        expiry = data.get("expiry")
        multiplier = data.get("multiplier", 100)
        if not isinstance(multiplier, int) or isinstance(multiplier, bool):
            raise ValueError(f"multiplier must be an integer, got {multiplier!r}")
        return cls(
            key=_text(data, "key"),
            ticker=_text(data, "ticker"),
            underlying=_text(data, "underlying"),
            right=right,
            strike=float(strike) if isinstance(strike, (int, float)) and not isinstance(strike, bool) else None,
            expiry=date.fromisoformat(expiry) if isinstance(expiry, str) else None,
            multiplier=multiplier,
        )


def _text(data: dict[str, object], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value
