"""What every strategy shares: the executor it talks to, the decision it reports, and the
select -> size -> execute path, driven by the structure's `StructureSpec` (atomic/structures.py).

The executor is a structural `Protocol` so strategies/ never imports the executor; the real
`EnhancedAtomicOrderExecutor` and a test fake both satisfy it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Protocol

from atomic.pricing import Pricing
from atomic.registry import Registry
from atomic.structures import LegPrice, StructureSpec
from strategies.chain import ChainRow, Picked, Right, liquidity_problem, pick_expiry, pick_short, rows_expiring
from strategies.entry_pricing import EntryPricing
from strategies.params import StrategyParams
from strategies.selection import ChosenContract, Selection, mid_credit, natural_credit
from strategies.shape import shape_problem
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
    """The executor verb strategies call: `execute_atomic` with the structure's spec, which
    validates the legs' shape and places them all-or-nothing. Symbols are whatever
    `ChainRow.symbol` holds (LEAN `Symbol`s in production), hence `Any`."""

    def execute_atomic(
        self, legs: Sequence[tuple[Any, int]], /, *, strategy: str, structure: StructureSpec, pricing: Pricing
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
    executor to place it all-or-nothing, priced by `pricing` (market orders by default). The
    structure's `spec` drives the shape check, the credit or debit, the risk and the executor call;
    a subclass only picks the strikes (`_pick_legs`).
    """

    spec: ClassVar[StructureSpec]

    def __init__(self, name: str | None = None, params: StrategyParams | None = None,
                 pricing: EntryPricing | None = None) -> None:
        self._name = name if name is not None else self.spec.name
        self._params = params if params is not None else StrategyParams()
        self._pricing = pricing if pricing is not None else EntryPricing()

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
        shape, a credit (or, for a structure bought for a debit, a debit) at natural prices, and its
        risk per structure."""
        found = self._expiry_rows(rows, underlying_price, today)
        if isinstance(found, Skip):
            return found
        expiry, chain = found
        picked = self._pick_legs(chain, underlying_price)
        if isinstance(picked, Skip):
            return picked
        legs = tuple(ChosenContract(role, picked[role.name].row, picked[role.name].chosen_by) for role in self.spec.legs)
        illiquid = self._illiquid(legs)
        if illiquid is not None:
            return illiquid
        shape = shape_problem(self.spec, legs)
        if shape is not None:
            return Skip(SkipReason.BAD_SHAPE, shape)
        credit = natural_credit(legs)
        if credit <= 0 and not self.spec.debit:
            return Skip(SkipReason.NO_CREDIT, f"natural credit {credit:.2f} is not positive")
        prices = {leg.role.name: LegPrice(leg.row.strike, leg.natural_price) for leg in legs}
        per_share, basis = self.spec.risk(prices, credit, underlying_price)
        if per_share <= 0:
            return Skip(SkipReason.INCONSISTENT_PRICES, f"a net credit of {credit:.2f} leaves nothing to lose at "
                                                        f"expiry ({per_share:.2f} per share): the quotes cannot be right")
        return Selection(self.name, self.spec.name, expiry, underlying_price, legs, credit, mid_credit(legs),
                         per_share * self._params.multiplier, basis)

    @abstractmethod
    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
        """The structure's contracts from one expiry's rows, by role name."""

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        """Hand the legs to the executor with the spec, which checks their shape again there, and
        the entry's pricing in dollars from the selected legs' quotes."""
        legs = self.spec.quantities([leg.row.symbol for leg in selection.legs], quantity)
        return executor.execute_atomic(legs, strategy=self.name, structure=self.spec,
                                       pricing=self._pricing.for_selection(selection))

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
