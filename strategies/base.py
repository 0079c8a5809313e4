"""What every strategy shares: the executor it talks to, the decision it reports, and the
select -> size -> execute path.

The executor is a structural `Protocol` so strategies/ never imports atomic/ internals; the real
`EnhancedAtomicOrderExecutor` and a test fake both satisfy it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol

from atomic.registry import Registry
from strategies.chain import ChainRow, Picked, Right, liquidity_problem, pick_expiry, pick_short, rows_expiring
from strategies.params import StrategyParams
from strategies.selection import ChosenContract, RiskBasis, Selection, Structure, mid_credit, natural_credit
from strategies.sizing import structures_for_risk
from strategies.skip import Skip, SkipReason


class GroupResultLike(Protocol):
    """What the executor returns for a group: its id, a live status, and `bool(result)`, True once
    every leg has filled.
    """

    @property
    def group_id(self) -> object: ...

    @property
    def status(self) -> object: ...


class AtomicExecutor(Protocol):
    """The executor verbs strategies call. Symbols are whatever `ChainRow.symbol` holds (LEAN
    `Symbol`s in production), hence `Any`; arguments are positional so parameter names may differ.
    """

    def execute_iron_condor_atomic(
        self, short_call: Any, long_call: Any, short_put: Any, long_put: Any, quantity: int, /, *, strategy: str
    ) -> GroupResultLike: ...

    def execute_put_spread_atomic(
        self, short_put: Any, long_put: Any, quantity: int, /, *, strategy: str
    ) -> GroupResultLike: ...

    def execute_strangle_atomic(
        self, short_call: Any, short_put: Any, quantity: int, /, *, strategy: str
    ) -> GroupResultLike: ...


@dataclass(frozen=True)
class TradeDecision:
    """What one `trade()` call did: skipped (with why), or sent `quantity` structures to the
    executor and got `result` back, whose status says what became of them (REJECTED up front,
    PENDING until the fills arrive, FILLED...).
    """

    strategy: str
    skip: Skip | None = None
    selection: Selection | None = None
    quantity: int = 0
    result: GroupResultLike | None = None

    @property
    def sent(self) -> bool:
        """Handed to the executor (which may still have refused it: see the result's status)."""
        return self.result is not None

    @property
    def filled(self) -> bool:
        """Every leg filled by the time `trade()` returned (`bool(result)`): market orders in a
        backtest fill inside the call; live, or with limit orders, the group is usually still pending.
        """
        return self.result is not None and bool(self.result)

    def describe(self) -> str:
        """One line for the algorithm's log."""
        if self.skip is not None:
            return f"{self.strategy} skipped: {self.skip}"
        if self.result is None or self.selection is None:
            return f"{self.strategy}: nothing done"
        status = self.result.status
        line = (
            f"{self.strategy} sent {self.quantity} x {self.selection.describe()} "
            f"-> group {self.result.group_id} {getattr(status, 'value', status)}"
        )
        # The executor's result says why it refused a group; read it when it is there.
        reason = getattr(self.result, "reason", "")
        return f"{line} ({reason})" if reason else line


decisions: Registry[TradeDecision] = Registry()  # every decision of every strategy (the local runner counts them)


class StructureStrategy(ABC):
    """A leg builder: picks one structure's contracts from a chain, sizes it by risk, and asks the
    executor to place it all-or-nothing. Subclasses supply `select` and `_submit`.
    """

    structure: ClassVar[Structure]

    def __init__(self, name: str | None = None, params: StrategyParams | None = None) -> None:
        self._name = name if name is not None else self.structure
        self._params = params if params is not None else StrategyParams()

    @property
    def name(self) -> str:
        """Tags the executor's groups and the log lines of this strategy."""
        return self._name

    @property
    def params(self) -> StrategyParams:
        return self._params

    def select(self, rows: Sequence[ChainRow], underlying_price: float, today: date) -> Selection | Skip:
        """Choose the legs from `rows` (one chain snapshot), or say why not (see `Skip`).

        The steps every structure shares: one expiry, the legs the structure picks, liquidity,
        shape, a positive credit at natural prices, and its risk per structure."""
        found = self._expiry_rows(rows, underlying_price, today)
        if isinstance(found, Skip):
            return found
        expiry, chain = found
        legs = self._pick_legs(chain, underlying_price)
        if isinstance(legs, Skip):
            return legs
        illiquid = self._illiquid(legs)
        if illiquid is not None:
            return illiquid
        shape = self._shape_problem(legs)
        if shape is not None:
            return Skip(SkipReason.BAD_SHAPE, shape)
        credit = natural_credit(legs)
        if credit <= 0:
            return Skip(SkipReason.NO_CREDIT, f"natural credit {credit:.2f} is not positive")
        risk = self._risk(legs, credit, underlying_price)
        if isinstance(risk, Skip):
            return risk
        max_loss, basis = risk
        return Selection(self.name, self.structure, expiry, underlying_price, legs, credit, mid_credit(legs), max_loss, basis)

    @abstractmethod
    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> tuple[ChosenContract, ...] | Skip:
        """The structure's contracts from one expiry's rows."""

    @abstractmethod
    def _shape_problem(self, legs: tuple[ChosenContract, ...]) -> str | None:
        """Why the picked strikes do not make this structure (None when they do)."""

    @abstractmethod
    def _risk(self, legs: tuple[ChosenContract, ...], credit: float, underlying_price: float) -> tuple[float, RiskBasis] | Skip:
        """Dollars at risk per structure and what that figure is."""

    @abstractmethod
    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        """Call the executor verb of this structure."""

    def size(self, selection: Selection, portfolio_value: float) -> int:
        """Structures whose combined max loss (or margin estimate) fits the risk budget; 0 if none."""
        return structures_for_risk(
            selection.max_loss, portfolio_value, self._params.risk_fraction, self._params.max_structures
        )

    def trade(
        self,
        executor: AtomicExecutor,
        rows: Sequence[ChainRow],
        underlying_price: float,
        today: date,
        portfolio_value: float,
    ) -> TradeDecision:
        """Select, size, and hand the structure to the executor; a skip at any step is returned,
        not raised, and every decision is announced on `decisions`. Exceptions from the executor
        propagate: they are bugs, not market conditions.
        """
        decision = self._decide(executor, rows, underlying_price, today, portfolio_value)
        decisions.announce(decision)
        return decision

    def _decide(
        self,
        executor: AtomicExecutor,
        rows: Sequence[ChainRow],
        underlying_price: float,
        today: date,
        portfolio_value: float,
    ) -> TradeDecision:
        chosen = self.select(rows, underlying_price, today)
        if isinstance(chosen, Skip):
            return TradeDecision(self._name, skip=chosen)
        quantity = self.size(chosen, portfolio_value)
        if quantity == 0:
            skip = Skip(
                SkipReason.TOO_RISKY,
                f"one structure risks {chosen.max_loss:.2f} ({chosen.risk_basis}), more than "
                f"{self._params.risk_fraction:.2%} of portfolio value {portfolio_value:.2f}",
            )
            return TradeDecision(self._name, skip=skip, selection=chosen)
        result = self._submit(executor, chosen, quantity)
        return TradeDecision(self._name, selection=chosen, quantity=quantity, result=result)

    # --- Steps shared by the structures ---------------------------------------------------------

    def _expiry_rows(
        self, rows: Sequence[ChainRow], underlying_price: float, today: date
    ) -> tuple[date, list[ChainRow]] | Skip:
        """The target expiry and its rows, after checking there is a usable underlying price."""
        if not (math.isfinite(underlying_price) and underlying_price > 0):
            return Skip(SkipReason.NO_UNDERLYING_PRICE, f"underlying price {underlying_price!r} is not usable")
        expiry = pick_expiry(rows, today, self._params.max_days_to_expiry)
        if isinstance(expiry, Skip):
            return expiry
        return expiry, rows_expiring(rows, expiry)

    def _short(self, chain: Sequence[ChainRow], right: Right, underlying_price: float) -> Picked | Skip:
        """The short strike on `right`'s side, by this strategy's delta or distance."""
        p = self._params
        return pick_short(chain, right, underlying_price, p.target_short_delta, p.short_strike_distance_pct)

    def _illiquid(self, legs: Sequence[ChosenContract]) -> Skip | None:
        """The first illiquid leg's skip, naming every other illiquid leg too, or None."""
        problems = [
            problem
            for leg in legs
            if (problem := liquidity_problem(leg.row, self._params.max_spread_dollars, self._params.max_spread_fraction))
        ]
        if not problems:
            return None
        return Skip(problems[0].reason, "; ".join(problem.detail for problem in problems))
