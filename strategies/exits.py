"""Managed exits, pure: when a held structure should be closed for profit, for loss, or for time.

A structure is marked to its natural (closing) price: what buying back each short leg at its ask
and selling each long leg at its bid costs now. Closes go as market orders (one combo market
order in combo mode) until price control lands, and LEAN fills a market order on an option at the
ask when it buys and at the bid when it sells (Common/Orders/Fills/FillModel.cs: GetPrices takes
the quote bar's ask for a buy, its bid for a sell), so the natural is what the close will actually pay: a target read off the mid would
close at a worse price than the target said. The price of that honesty: a spread that widens
without the mid moving (near the close, in a fast market) brings the stop closer.

Credit structures only have profit and stop targets: the credit received is what both are
fractions or multiples of. A debit structure (a butterfly, a debit vertical) is left alone by
them, and held until the time exit or expiry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

# A contract's top of book: (bid, ask), None for a missing side.
Quote = tuple[float | None, float | None]
# Minutes of a regular session: a time exit longer than that would fire before the open.
_SESSION_MINUTES = 390


@dataclass(frozen=True)
class ExitRules:
    """The algorithm's exit knobs; 0 turns each off.

    take_profit: close once the structure can be bought back for this fraction of the credit
        received (0.5: half the credit kept).
    stop_loss: close once buying it back costs this multiple of the credit (2.0: a loss of one
        credit).
    time_exit_minutes: close structures expiring today this many minutes before the close.
    """

    take_profit: float = 0.0
    stop_loss: float = 0.0
    time_exit_minutes: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.take_profit < 1:
            raise ValueError(f"take-profit must be at least 0 (off) and below 1 (a fraction of the credit), "
                             f"got {self.take_profit:g}")
        if self.stop_loss != 0 and self.stop_loss <= 1:
            raise ValueError(f"stop-loss must be 0 (off) or above 1 (a multiple of the credit), got {self.stop_loss:g}")
        if not 0 <= self.time_exit_minutes < _SESSION_MINUTES:
            raise ValueError(f"time-exit-minutes must be 0 (off) to {_SESSION_MINUTES - 1}, got {self.time_exit_minutes}")

    @property
    def prices_watched(self) -> bool:
        """Whether a profit or stop target is set (else quotes need not be read)."""
        return bool(self.take_profit or self.stop_loss)


@dataclass(frozen=True)
class HeldLeg:
    """One leg of a held structure: its contract key, signed quantity held, average entry price."""

    key: str
    quantity: int
    entry_price: float


def credit_received(legs: Iterable[HeldLeg]) -> float:
    """Net credit of the entry, per share of the legs' quantities (negative for a debit)."""
    return -sum(leg.quantity * leg.entry_price for leg in legs)


def _closing_side(leg: HeldLeg, quotes: Mapping[str, Quote]) -> float | None:
    """The price closing the leg trades at: a short is bought back at the ask, a long sold at the bid."""
    bid, ask = quotes.get(leg.key, (None, None))
    return ask if leg.quantity < 0 else bid


def unquoted(legs: Iterable[HeldLeg], quotes: Mapping[str, Quote]) -> list[str]:
    """Keys of the held legs with no quote on the side closing them. LEAN refuses an order on a
    security whose price is 0 (Algorithm/QCAlgorithm.Trading.cs, PreOrderChecks: SecurityPriceZero),
    so a close sent then fails on that leg: a worthless far wing late on its expiry day."""
    return [leg.key for leg in legs if leg.quantity and _closing_side(leg, quotes) is None]


def cost_to_close(legs: Sequence[HeldLeg], quotes: Mapping[str, Quote]) -> float | None:
    """What closing every leg costs at the natural price, on the same scale as `credit_received`;
    None when a side it needs is not quoted."""
    if unquoted(legs, quotes):
        return None
    return -sum(leg.quantity * (_closing_side(leg, quotes) or 0.0) for leg in legs)


def exit_reason(rules: ExitRules, legs: Sequence[HeldLeg], quotes: Mapping[str, Quote]) -> str | None:
    """Why the structure should be closed now on its prices ("take profit: ..." / "stop loss: ..."),
    or None: no target set or reached, a debit structure, or a quote missing (no decision on no data)."""
    credit = credit_received(legs)
    if not rules.prices_watched or credit <= 0:
        return None
    cost = cost_to_close(legs, quotes)
    if cost is None:
        return None
    if rules.take_profit and cost <= rules.take_profit * credit:
        return f"take profit: buy back at {cost:.2f} <= {rules.take_profit:g} x credit {credit:.2f}"
    if rules.stop_loss and cost >= rules.stop_loss * credit:
        return f"stop loss: buy back at {cost:.2f} >= {rules.stop_loss:g} x credit {credit:.2f}"
    return None


def expires_on(expiries: Iterable[date | None], day: date) -> bool:
    """Whether any leg expires on `day` (the time exit's same-day rule)."""
    return any(expiry == day for expiry in expiries)


def kind_of(reason: str) -> str:
    """The exit rule a close reason names ("take profit", "stop loss", "time exit"), for counting."""
    return reason.split(":", 1)[0]
