"""The algorithm figure 8 runs: the project's strategies pick structures on a real chain at several
entry times a day, and one pricing policy places each of them (one structure per group).

A LEAN algorithm like main.py, with what the figure needs and main.py does not offer: a policy per
run, entries at many times a day, the quotes each structure was chosen on, and every entry fill (by
its order tag), so the figure can price each entry against the mid at submission itself.

The naive policy is the runner's naive run: the runner puts its naive loop where this module names
`EnhancedAtomicOrderExecutor` (leansim.runner), so that run is called without `pricing=` (market).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import leansim

leansim.install()  # LEAN's API (AlgorithmImports) is the double's here

import config
from AlgorithmImports import (
    FillModel, Option, OrderDirection, OrderEvent, OrderStatus, QCAlgorithm, Resolution, Slice,
)
from atomic import EnhancedAtomicOrderExecutor, Market, Walk
from atomic.compose import lean_ports
from atomic.pricing import Pricing, Quote, natural_concession, net_mid
from atomic.tags import Role, parse_tag
from config import ExecutionMode
from strategies import BullCallSpreadStrategy, IronCondorStrategy, PutSpreadStrategy
from strategies.base import StructureStrategy
from strategies.lean_chain import chain_rows, underlying_price
from strategies.params import StrategyParams

# The policies compared: how each configures the executor and prices an entry.
POLICIES = ("naive", "market-legged", "market-combo", "walk-combo", "walk-legged")
MODES = {"market-legged": ExecutionMode.LEGGED, "market-combo": ExecutionMode.COMBO, "walk-combo": ExecutionMode.COMBO,
         "walk-legged": ExecutionMode.LEGGED}
FILL_RULES = ("lean", "quote")  # LEAN's FillModel (bar high/low crosses) or QuoteCrossFillModel

# The walk, scaled to each structure's natural half-spread H at submission (a Walk is in dollars per
# structure, and H ranges from cents on a GOOG vertical to dollars on SPXW), as a trader working a
# spread would set it: H/WALK_STEPS a minute from the mid, at the natural after WALK_STEPS minutes and
# marketable (a tick through every leg's natural) the minute after; each step is priced from the
# quotes of its minute, so the walk follows a drifting market, but never pays more than its budget
# ((WALK_STEPS + WALK_REST_STEPS) steps: 3 H) past the mid at submission; it gives up after that many
# minutes. Three minutes to the natural because SPXW's 0DTE quotes drift by half-spreads within
# minutes: a slower walk leaves the drift more time (H/5 a minute filled 71 of 72, not 72; README,
# figure 8). A minute because a backtest on minute data acts on each minute's slice
# (check_timeouts runs there, and a limit can fill only against the next bar): a faster walk would
# not move any sooner. The marketable step matters in a backtest: LEAN fills a limit only when a bar
# crosses it strictly (FillModel.cs), so a limit at a still natural quote never fills.
WALK_STEPS = 3
WALK_REST_STEPS = 6
WALK_EVERY_SECONDS = 60.0
# Long enough for the whole walk plus the give-up step (the executor's timeout would cut it short).
TIMEOUT_SECONDS = (WALK_STEPS + WALK_REST_STEPS + 2) * WALK_EVERY_SECONDS


@dataclass(frozen=True)
class EntryFill:
    """One fill of an entry order: signed quantity, price, the contract's bid and ask then, and when."""

    quantity: int
    price: float
    bid: float
    ask: float
    time: datetime


@dataclass
class Entry:
    """One structure handed to the executor: the quotes it was chosen on and what became of it."""

    day: date
    strategy: str
    structure: str
    submitted_at: datetime
    legs: list[tuple[Any, int, float, float]]  # symbol, signed quantity per structure, bid, ask
    group_id: str = ""
    result: Any = None
    fills: list[EntryFill] = field(default_factory=list)

    @property
    def mid(self) -> float:
        """Net mid per structure at submission (positive pays)."""
        return net_mid(*_book((q, bid, ask) for _, q, bid, ask in self.legs))

    @property
    def half_spread(self) -> float:
        """Natural price minus mid per structure at submission: what crossing every spread concedes."""
        return natural_concession(*_book((q, bid, ask) for _, q, bid, ask in self.legs))

    @property
    def paid(self) -> float:
        """Net paid for the structure (positive pays): the entry fills, one structure per group."""
        return sum(f.quantity * f.price for f in self.fills)

    @property
    def mid_when_filled(self) -> float:
        return net_mid(*_book((f.quantity, f.bid, f.ask) for f in self.fills))

    @property
    def half_spread_when_filled(self) -> float:
        return natural_concession(*_book((f.quantity, f.bid, f.ask) for f in self.fills))

    @property
    def last_fill_at(self) -> datetime | None:
        """When the entry's last fill came (the group filled then, if it filled)."""
        return max((f.time for f in self.fills), default=None)


def _book(rows: Iterable[tuple[int, float, float]]) -> tuple[list[int], list[Quote]]:
    """Signed quantities and quotes, as atomic.pricing's net arithmetic takes them."""
    listed = list(rows)
    return [q for q, _, _ in listed], [Quote(bid, ask, 0.0) for _, bid, ask in listed]


class QuoteCrossFillModel(FillModel):
    """A stricter fill rule than LEAN's, set through LEAN's own extension point
    (`security.set_fill_model`): a limit fills only once the quote itself crosses it, the ask at or
    below a buy limit (the bid at or above a sell) at the close of the latest bar, at that quote.

    LEAN's FillModel (Common/Orders/Fills/FillModel.cs, LimitFill and ComboLimitFill) fills a limit
    once the low (buy) or high (sell) of that side's bar crosses it, so one tick through the limit at
    any moment of the minute fills it whole: kinder than a queue. This model keeps only the fills
    LEAN's would make whose quote also crosses at the bar's close; market orders are unchanged.
    Option legs only (an equity leg's ratio is not scaled as LEAN's combo fill scales it)."""

    def limit_fill(self, asset: Any, order: Any) -> Any:
        event = super().limit_fill(asset, order)
        if event.status != OrderStatus.FILLED:
            return event
        quote = self.get_prices(asset, order.direction).close
        crossed = quote <= order.limit_price if order.direction == OrderDirection.BUY else quote >= order.limit_price
        if not crossed:
            return _unfilled(event, order)
        event.fill_price = quote
        return event

    def combo_limit_fill(self, order: Any, parameters: Any) -> list[Any]:
        events = super().combo_limit_fill(order, parameters)
        if not events:
            return events
        manager = order.group_order_manager
        quotes = {leg.id: self.get_prices(security, leg.direction).close
                  for leg, security in parameters.securities_for_orders.items()}
        net = sum(quotes[leg.id] * leg.quantity / manager.quantity for leg in parameters.securities_for_orders)
        buying = manager.direction == OrderDirection.BUY
        if not (net <= manager.limit_price if buying else net >= manager.limit_price):
            return []
        for event in events:
            event.fill_price = quotes[event.order_id]
        return events


def _unfilled(event: Any, order: Any) -> Any:
    event.status = order.status
    event.fill_price = 0.0
    event.fill_quantity = 0.0
    return event


class QualityAlgorithm(QCAlgorithm):
    """Structures chosen by the project's strategies at each entry time, placed with one policy.

    Parameters (besides the runner's start-date, end-date, cash, underlying): `policy` (POLICIES),
    `fill-rule` (FILL_RULES), `entry-times` ("09:45,10:15": exchange time). `sink`, set on a
    subclass by the figure, receives every Entry."""

    sink: Callable[[Entry], None] = staticmethod(lambda entry: None)

    def initialize(self) -> None:
        self.set_start_date(date.fromisoformat(self.get_parameter("start-date")))
        self.set_end_date(date.fromisoformat(self.get_parameter("end-date")))
        self.set_cash(float(self.get_parameter("cash")))
        self._policy = self.get_parameter("policy") or "market-legged"
        self._strict = (self.get_parameter("fill-rule") or "lean") == "quote"
        if self._policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {self._policy!r}")
        option = self._add_chain(self.get_parameter("underlying"))
        option.set_filter(lambda universe: universe.include_weeklys().strikes(-40, 40).expiration(0, config.MAX_DAYS_TO_EXPIRY))
        self._option = option.symbol
        settings = dataclasses.replace(config.AtomicConfig(), execution_mode=MODES.get(self._policy, ExecutionMode.LEGGED),
                                       sequential_protective_legs=True, atomic_order_timeout=TIMEOUT_SECONDS,
                                       max_pending_groups=len(_STRATEGIES))
        self._executor = EnhancedAtomicOrderExecutor(self, settings, lean_ports(self, ""))
        self._strategies: list[StructureStrategy] = [cls(cls.spec.name, StrategyParams()) for cls in _STRATEGIES]
        self._fills: dict[str, list[EntryFill]] = {}  # entry fills by group id
        self._due = False
        for text in (self.get_parameter("entry-times") or "10:00").split(","):
            hour, minute = (int(part) for part in text.strip().split(":"))
            self.schedule.on(self.date_rules.every_day(self._option.underlying), self.time_rules.at(hour, minute), self._arm)

    def on_warmup_finished(self) -> None:
        self._executor.check_and_recover_incomplete_orders()  # the executor refuses groups until it has run

    def on_order_event(self, order_event: OrderEvent) -> None:
        self._executor.on_order_event(order_event)
        if order_event.fill_quantity:
            group = _entry_group(self.transactions.get_order_by_id(order_event.order_id).tag)
            if group:  # a backtest fills market orders inside execute_atomic, before its group id is known
                security = self.securities[order_event.symbol]
                self._fills.setdefault(group, []).append(EntryFill(int(order_event.fill_quantity), float(order_event.fill_price),
                                                                   float(security.bid_price), float(security.ask_price),
                                                                   self.utc_time))

    def on_data(self, slice: Slice) -> None:
        self._executor.check_timeouts()
        chain = slice.option_chains.get(self._option) if self._due else None
        if chain is None:
            return
        self._due = False
        price = underlying_price(chain)
        if price is None:
            return
        rows = chain_rows(chain)
        for strategy in self._strategies:
            chosen = strategy.select(rows, price, self.time.date())
            if hasattr(chosen, "legs"):
                self._enter(strategy, chosen)

    def _enter(self, strategy: StructureStrategy, chosen: Any) -> None:
        legs = strategy.spec.quantities([leg.row for leg in chosen.legs], 1)
        entry = Entry(self.time.date(), strategy.name, strategy.spec.name, self.utc_time,
                      [(row.symbol, q, float(row.bid), float(row.ask)) for row, q in legs])
        if self._strict:
            for symbol, *_ in entry.legs:
                self.securities[symbol].set_fill_model(QuoteCrossFillModel())
        orders = [(symbol, q) for symbol, q, _, _ in entry.legs]
        if self._policy in ("naive", "market-legged"):  # the naive loop takes no pricing=
            entry.result = self._executor.execute_atomic(orders, strategy=strategy.name, structure=strategy.spec)
        else:
            pricing: Pricing = Market()
            if self._policy.startswith("walk") and entry.half_spread > 0:
                step = entry.half_spread / WALK_STEPS
                pricing = Walk(step, WALK_EVERY_SECONDS, step * (WALK_STEPS + WALK_REST_STEPS))
            entry.result = self._executor.execute_atomic(orders, strategy=strategy.name, structure=strategy.spec,
                                                         pricing=pricing)
        entry.group_id = entry.result.group_id
        entry.fills = self._fills.setdefault(entry.group_id, [])
        self.sink(entry)

    def _arm(self) -> None:
        self._due = True

    def _add_chain(self, ticker: str) -> Option:
        """As main.py: an equity's options, or an index's (SPX: SPXW)."""
        option_ticker = config.INDEX_OPTIONS.get(ticker.upper())
        if option_ticker is None:
            self.add_equity(ticker, Resolution.MINUTE)
            return self.add_option(ticker, Resolution.MINUTE)
        index = self.add_index(ticker, Resolution.MINUTE).symbol
        return self.add_index_option(index, option_ticker, Resolution.MINUTE)


_STRATEGIES = (IronCondorStrategy, PutSpreadStrategy, BullCallSpreadStrategy)


def _entry_group(tag: str | None) -> str:
    """The group an entry order belongs to, from its tag: the executor's ("atomic/<id>/entry/...")
    or the naive loop's ("naive/<id>/<leg>"); "" for any other order (a rollback, a close)."""
    parsed = parse_tag(tag)
    if parsed is not None:
        return parsed.group_id if parsed.role is Role.ENTRY else ""
    parts = (tag or "").split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "naive" else ""
