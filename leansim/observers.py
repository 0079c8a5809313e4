"""What the scenario runner sees of an executor, one observer per kind, through its public surface.

The double's own: LEAN has no counterpart.

Each observer registers on the executor's listener seam (`add_listener`: a group reached its outcome)
and reads groups through the executor's public API: the atomic executor's `open_groups()` and
`get_group()`, the naive loop's `groups`. The runner's probe asks every observer the same questions
(which groups may change now, what each leg holds, how each ended), so it never branches on the kind.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from atomic.contract import Contract
from atomic.tags import Role, parse_tag
from leansim.engine.brokerage import multiplier_of
from leansim.expiry_shares import ExpiryShare, share_expiries
from leansim.naive_executor import FLATTEN_TAG, NaiveExecutor, NaiveGroup
from leansim.simulator import EventRecord
from leansim.symbols import Symbol


@dataclass(frozen=True)
class Placed:
    """A group as placed: who placed it, when, and each leg's contract and signed target quantity."""

    group_id: str
    strategy: str
    created_at: datetime
    legs: list[tuple[Contract, int]]
    # What priced the entry: GroupView's policy as the probe first met the group (a close, later,
    # replaces it there), or the naive loop's market orders with what it was asked.
    pricing: str = "Market()"


@dataclass(frozen=True)
class Outcome:
    """How a group ended (or stands, at the end of the run)."""

    status: str
    reason: str
    complete: bool
    flat: bool
    settled_at: datetime | None  # when the executor told its listeners (None: it did not)
    close_reason: str = ""  # why the group was closed ("" when it never was)
    entry_mid: float | None = None  # the entry's net mid (positive pays, as GroupView has it; None: not measured)


@dataclass(frozen=True)
class OrderOwner:
    """Which group and leg a brokerage order belongs to, and whether it reverses fills."""

    group_id: str
    leg: int | None  # None: a combo order, matched to its leg by contract
    rollback: bool
    exit: bool = False  # an order of a close


class Observer(ABC):
    """The questions the probe asks; `now` is the simulation clock, for the outcome's time."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.outcomes: dict[str, datetime] = {}  # group id -> when the executor reported its outcome

    def on_outcome(self, result: Any) -> None:
        """The executor's listener: a group reached its outcome."""
        self.outcomes[str(result.group_id)] = self._now()

    @abstractmethod
    def changing(self) -> list[str]:
        """Groups whose fills may change now."""
        ...

    @abstractmethod
    def placed(self, group_id: str) -> Placed:
        """A group's legs as placed (asked once per group, when the probe first meets it)."""
        ...

    @abstractmethod
    def filled(self, group_id: str) -> list[int] | None:
        """What each leg holds now (None when the group is unknown)."""
        ...

    @abstractmethod
    def known(self, seen: list[str]) -> list[str]:
        """Every group of the run, in order, given the ones the probe has seen."""
        ...

    @abstractmethod
    def outcome(self, group_id: str) -> Outcome | None:
        """How a group ended, or stands at the end of the run (None when it is unknown)."""
        ...

    @abstractmethod
    def owner(self, tag: str) -> OrderOwner | None:
        """The group an order's tag names (None: not one of this executor's orders)."""
        ...

    @abstractmethod
    def describe(self) -> str:
        """One line naming the executor and its mode, for the report."""
        ...

    def expiries(self, group_ids: Iterable[str], events: Iterable[EventRecord],
                 exercises: frozenset[str]) -> dict[str, ExpiryShare]:
        """What LEAN's expiry processing (its exercise orders: `exercises`, by broker id) brought each
        of `group_ids` beyond the fills of its own orders (an executor without groups: nothing)."""
        return {}


class AtomicObserver(Observer):
    """The EnhancedAtomicOrderExecutor: open groups each step, settled ones read back by id."""

    def __init__(self, executor: Any, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        self._executor = executor
        self._open: dict[str, Any] = {}  # the open groups' views at the last `changing()`
        executor.add_listener(self.on_outcome)

    def changing(self) -> list[str]:
        self._open = {view.group_id: view for view in self._executor.open_groups()}
        return list(self._open)

    def placed(self, group_id: str) -> Placed:
        view = self._open.get(group_id) or self._executor.get_group(group_id)
        legs = [(_contract_from_ticker(leg.symbol, leg.contract_key), int(leg.quantity)) for leg in view.legs]
        return Placed(view.group_id, view.strategy, view.created_at, legs, view.pricing)

    def filled(self, group_id: str) -> list[int] | None:
        view = self._open.get(group_id) or self._executor.get_group(group_id)  # settled: its final view
        return None if view is None else [leg.filled for leg in view.legs]

    def known(self, seen: list[str]) -> list[str]:
        return list(dict.fromkeys([*self.outcomes, *seen]))

    def outcome(self, group_id: str) -> Outcome | None:
        view = self._executor.get_group(group_id)
        if view is None:
            return None
        return Outcome(view.status.value, view.reason, view.complete, view.flat, self.outcomes.get(group_id),
                       view.close_reason, view.entry_mid)

    def owner(self, tag: str) -> OrderOwner | None:
        parsed = parse_tag(tag)
        return None if parsed is None else OrderOwner(parsed.group_id, parsed.leg, parsed.role is Role.ROLLBACK,
                                                      parsed.role is Role.EXIT)

    def expiries(self, group_ids: Iterable[str], events: Iterable[EventRecord],
                 exercises: frozenset[str]) -> dict[str, ExpiryShare]:
        """The executor's own record of each group's expiry (GroupView.expiry_cash); the flatten of a
        delivery is a close of the group's, counted with its own orders."""
        found = {}
        for view in filter(None, map(self._executor.get_group, group_ids)):
            expired = any(leg.expired for leg in view.legs)
            if expired or view.expiry_cash:
                delivered = any(shares for _, shares, _ in view.underlying)
                found[view.group_id] = ExpiryShare(cash=view.expiry_cash, delivered=delivered, expired=expired,
                                                   settled=bool(view.expiry_cash) and not delivered)
        return found

    def describe(self) -> str:
        executor = self._executor
        config = getattr(executor, "config", None)
        if config is None:
            return type(executor).__name__
        order = "sequential (longs fill before shorts are sent)" if config.sequential_protective_legs else "parallel legs"
        return (f"{type(executor).__name__}: {config.execution_mode}, {order}, timeout {config.atomic_order_timeout:g}s, "
                f"partial fills: {config.partial_fill_policy}")


class NaiveObserver(Observer):
    """The naive loop: every group it placed may still change (it never closes anything)."""

    def __init__(self, executor: NaiveExecutor, now: Callable[[], datetime]) -> None:
        super().__init__(now)
        self._executor = executor
        self._groups: dict[str, NaiveGroup] = {}
        executor.add_listener(self.on_outcome)

    def changing(self) -> list[str]:
        return [group.group_id for group in self._executor.groups]

    def placed(self, group_id: str) -> Placed:
        group = self._group(group_id)
        legs = [(_contract_of(leg.symbol), int(leg.quantity)) for leg in group.legs]
        return Placed(group.group_id, group.strategy, group.created_at, legs, group.pricing)

    def filled(self, group_id: str) -> list[int] | None:
        return [leg.filled for leg in self._group(group_id).legs]

    def known(self, seen: list[str]) -> list[str]:
        return [group.group_id for group in self._executor.groups]

    def outcome(self, group_id: str) -> Outcome | None:
        group = self._group(group_id)
        return Outcome(group.status.value, "", group.complete, group.flat, self.outcomes.get(group_id))

    def owner(self, tag: str) -> OrderOwner | None:
        parts = tag.split("/")
        if len(parts) != 3 or parts[0] != "naive":
            return None
        return OrderOwner(parts[1], int(parts[2]), False)

    def describe(self) -> str:
        return "naive loop: one market order per leg, sells first; no price control, no persistence, no rollback"

    def expiries(self, group_ids: Iterable[str], events: Iterable[EventRecord],
                 exercises: frozenset[str]) -> dict[str, ExpiryShare]:
        """Shared out from the run's exercise orders and the loop's flattens (leansim.expiry_shares):
        the loop records none of it. Every leg is held from its fill to expiry: it never closes."""
        held: dict[str, dict[str, int]] = {}
        for group in self._executor.groups:
            for leg in group.legs:
                nets = held.setdefault(str(leg.symbol.id), {})
                nets[group.group_id] = nets.get(group.group_id, 0) + leg.filled
        return share_expiries(held, events, exercises, FLATTEN_TAG)

    def _group(self, group_id: str) -> NaiveGroup:
        if len(self._groups) != len(self._executor.groups):
            self._groups = {group.group_id: group for group in self._executor.groups}
        return self._groups[group_id]


class NoExecutorObserver(Observer):
    """An algorithm that never created an executor: no group to watch, the run is measured as a whole."""

    DESCRIPTION = "no atomic executor"

    def changing(self) -> list[str]:
        return []

    def placed(self, group_id: str) -> Placed:
        raise KeyError(group_id)

    def filled(self, group_id: str) -> list[int] | None:
        return None

    def known(self, seen: list[str]) -> list[str]:
        return []

    def outcome(self, group_id: str) -> Outcome | None:
        return None

    def owner(self, tag: str) -> OrderOwner | None:
        return None

    def describe(self) -> str:
        return self.DESCRIPTION


def _contract_of(symbol: Symbol) -> Contract:
    sid = symbol.id
    if symbol.underlying is None:
        return Contract(str(sid), symbol.value, symbol.value, multiplier=1)
    right: Literal["call", "put"] = "call" if sid.option_right.name == "CALL" else "put"
    return Contract(str(sid), symbol.value, symbol.underlying.value, right, sid.strike_price, sid.date.date(),
                    int(multiplier_of(symbol)))


_OSI = re.compile(r"^(?P<root>.{1,6}?)\s*(?P<ymd>\d{6})(?P<right>[CP])(?P<strike>\d{8})$")


def _contract_from_ticker(ticker: str, key: str) -> Contract:
    """A leg's Contract from its OSI ticker (`SPY   240105C00431000`), as LEAN prints option symbols."""
    match = _OSI.match(ticker)
    if match is None:
        return Contract(key, ticker, ticker, multiplier=1)
    ymd = match["ymd"]
    expiry = date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    right: Literal["call", "put"] = "call" if match["right"] == "C" else "put"
    return Contract(key, ticker, match["root"].strip(), right, int(match["strike"]) / 1000, expiry)
