# region imports
from AlgorithmImports import *
# endregion
"""Friday 0DTE iron condors on SPY (or SPXW with `underlying` SPX), placed all-or-nothing by the atomic executor,
and closed all-or-nothing by it at a profit target, a stop, or shortly before the close (strategies/exits.py).

Runs unchanged under `lean backtest`, `lean live deploy` and QuantConnect cloud, and on the local
LEAN double (`make demo`). Every knob is a parameter (parameters.py, listed in config.json) read
as raw text and parsed strictly, so `lean backtest --parameter name value`, `lean optimize` and a
live deployment's config.json can change it, and a value that does not parse stops `initialize`.
"""

import dataclasses
from collections import Counter
from datetime import date, timedelta

import config
from atomic import EnhancedAtomicOrderExecutor, GroupResult, GroupStatus, GroupView
from atomic.brokerages import brokerage_named, combo_price_updates_for, execution_mode_for
from atomic.compose import lean_ports
from atomic.errors import InvalidGroupError
from chaos import ChaosBrokerageModel, ChaosFillModel, ChaosPlan, ChaosSecurityInitializer
from parameters import AlgorithmParameters, check_names
from strategies import STRATEGIES
from strategies.base import StructureStrategy
from strategies.entry_pricing import EntryPricing
from strategies.exits import HeldLeg, Quote, exit_reason, expires_on, kind_of, unquoted
from strategies.iron_condor import IronCondorStrategy
from strategies.lean_chain import chain_rows, quotes_by_key, underlying_price
from strategies.params import StrategyParams

_SECOND_STRATEGIES = {name: strategy for name, strategy in STRATEGIES.items() if strategy is not IronCondorStrategy}
_WEEKDAYS = {day.name.lower(): day for day in (DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY,
                                               DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)}


class AtomicOptionsAlgorithm(QCAlgorithm):
    """One iron condor each Friday at 10:30 exchange time (0DTE), optionally with a second strategy."""

    def initialize(self) -> None:
        for name in check_names(self.get_parameters().keys()):
            self.log(f"parameter {name!r} ignored: the algorithm reads no parameter of that name")
        # The raw text (no typed default): LEAN's typed overloads drop a value that does not parse.
        self._parameters = parameters = AlgorithmParameters(self.get_parameter)
        self.set_start_date(parameters.day("start-date"))
        self.set_end_date(parameters.day("end-date"))
        self.set_cash(parameters.number("cash"))
        # LEAN does not infer the brokerage model from the deployment: the algorithm sets it.
        brokerage = brokerage_named(parameters.text("brokerage"))
        self.set_brokerage_model(getattr(BrokerageName, brokerage.brokerage_name), AccountType.MARGIN)
        mode = execution_mode_for(self.brokerage_model, parameters.text("execution-mode"))
        pricing = parameters.entry_pricing()
        if parameters.flag("chaos"):
            self._install_chaos()  # before any security is added: initializers apply to later ones

        option = self._add_chain(parameters.text("underlying"))
        option.set_filter(lambda universe: universe.include_weeklys().strikes(-40, 40).expiration(0, config.MAX_DAYS_TO_EXPIRY))
        self._option = option.symbol
        atomic_config = dataclasses.replace(
            config.AtomicConfig(),
            execution_mode=mode,
            # The executor's timeout bounds an entry's whole life: a walked one gets its walk first.
            atomic_order_timeout=config.ATOMIC_ORDER_TIMEOUT + pricing.walk_seconds,
            combo_price_updates=combo_price_updates_for(self.brokerage_model),
            sequential_protective_legs=parameters.flag("sequential-protective-legs"),
            partial_fill_policy=parameters.choice("partial-fill-policy", config.PartialFillPolicy),
            alert_email=parameters.text("alert-email"),
            flatten_assigned=parameters.flag("flatten-assigned"),
        )
        self._executor = EnhancedAtomicOrderExecutor(self, atomic_config, lean_ports(self, atomic_config.alert_email))
        self._executor.add_listener(self._record_outcome)
        self._strategies = self._build_strategies(pricing)
        self._outcomes = {status: 0 for status in GroupStatus}
        self._entry_due: date | None = None
        self._exit_rules = parameters.exit_rules()
        self._managed: dict[str, GroupView] = {}  # FILLED groups the exit rules watch
        self._chain: OptionChain | None = None  # the latest slice's chain, for the time exit's quotes
        self._exits: Counter[str] = Counter()  # closes sent, by rule

        self.schedule.on(self.date_rules.every(self._entry_days()),
                         self.time_rules.at(config.ENTRY_HOUR, config.ENTRY_MINUTE), self._arm_entry)
        if self._exit_rules.time_exit_minutes:  # the exchange's own close, early closes included
            self.schedule.on(self.date_rules.every_day(self._underlying),
                             self.time_rules.before_market_close(self._underlying, self._exit_rules.time_exit_minutes),
                             self._time_exit)
        if self.live_mode:
            interval = timedelta(seconds=atomic_config.fill_check_interval)  # at least LEAN's 1 s (config.py)
            self.schedule.on(self.date_rules.every_day(self._underlying), self.time_rules.every(interval),
                             self._executor.check_timeouts)
        self.log(f"atomic executor: {mode} mode, strategies {[s.name for s in self._strategies]}, "
                 f"entries priced by {pricing.describe()}")

    def on_warmup_finished(self) -> None:
        # LEAN has loaded the brokerage's holdings and open orders by now (live start-up order).
        report = self._executor.check_and_recover_incomplete_orders()
        self.log(str(report))
        # Structures a previous run left open (live restart): watched again, from the store's marks.
        self._managed.update((view.group_id, view) for view in self._executor.held_groups())

    def on_order_event(self, order_event: OrderEvent) -> None:
        self._executor.on_order_event(order_event)

    def on_data(self, slice: Slice) -> None:
        if not self.live_mode:
            self._executor.check_timeouts()
        # A chain is built only when an exit rule will read it (building one each minute is not free).
        rules = self._exit_rules
        if self._managed and (rules.prices_watched or rules.time_exit_minutes):
            chain = slice.option_chains.get(self._option)
            if chain is not None:
                self._chain = chain
                if rules.prices_watched:
                    self._check_price_exits(quotes_by_key(chain))
        if self._entry_due is None:
            return
        if self._entry_due != self.time.date():  # armed on a holiday: no session that day to trade
            self._entry_due = None
            return
        chain = slice.option_chains.get(self._option)
        if chain is None:
            return
        self._entry_due = None
        price = underlying_price(chain)
        if price is None:
            self.log("entry skipped: no underlying price in the chain")
            return
        rows = chain_rows(chain)
        for strategy in self._strategies:
            decision = strategy.trade(self._executor, rows, price, self.time.date(), float(self.portfolio.total_portfolio_value))
            self.log(decision.describe())

    def on_end_of_algorithm(self) -> None:
        for status, count in self._outcomes.items():
            self.set_runtime_statistic(f"Groups {status.value.lower()}", count)
        for rule, count in sorted(self._exits.items()):
            self.set_runtime_statistic(f"Exits {rule}", count)
        # A failed rollback or close is already alerted and halting: it is left for the operator. An
        # ASSIGNED group open at the end holds its delivered underlying until the next open's flatten.
        left = (GroupStatus.ROLLBACK_FAILED, GroupStatus.CLOSE_FAILED, GroupStatus.ASSIGNED)
        unbalanced = [g for g in self._executor.open_groups() if g.status not in left and not (g.complete or g.flat)]
        if unbalanced:
            raise AssertionError(f"groups left unbalanced at the end: {[g.group_id for g in unbalanced]}")

    # --- managed exits ---------------------------------------------------------------------------

    def _check_price_exits(self, quotes: dict[str, Quote]) -> None:
        """Take profit and stop loss, on this slice's chain quotes (marked to the natural price:
        strategies/exits.py says why)."""
        for group_id, view in list(self._managed.items()):
            reason = exit_reason(self._exit_rules, _held_legs(view), quotes)
            if reason is not None:
                self._close(group_id, reason)

    def _time_exit(self) -> None:
        """Scheduled N minutes before the close: structures expiring today are closed rather than
        left to expiry's exercise and assignment. One with a leg nobody quotes on its closing side
        (a worthless wing) is held to expiry: a LEAN backtest would sell that wing at its ask
        (Common/Orders/Fills/FillModel.cs: `Bid?.Close ?? Close`), a price no market pays, and a
        live brokerage may refuse or never fill the sale."""
        today = self.time.date()
        quotes = quotes_by_key(self._chain) if self._chain is not None else {}
        for group_id, view in list(self._managed.items()):
            if not expires_on((leg.expiry for leg in view.legs), today):
                continue
            missing = unquoted(_held_legs(view), quotes)
            if missing:
                self.log(f"time exit: group {group_id} held to expiry, no quote to close {sorted(missing)}")
                continue
            self._close(group_id, f"time exit: {self._exit_rules.time_exit_minutes} min before the close")

    def _close(self, group_id: str, reason: str) -> None:
        """Close one watched group, all-or-nothing, and stop watching it (its outcome is reported
        by the executor's listeners; a CLOSE_FAILED one is alerted and halts new groups). Live, the
        time exit runs on LEAN's scheduler thread and the listener on a brokerage thread: each
        takes a group out of `_managed` with one pop, so a group is closed once."""
        if self._managed.pop(group_id, None) is None:  # live: the listener may have dropped it meanwhile
            return
        self.log(f"closing group {group_id}: {reason}")
        try:
            self._executor.close_group(group_id, reason=reason)
        except InvalidGroupError as error:  # held for the operator, or no longer FILLED: theirs to decide
            self.log(f"group {group_id} not closed: {error}")
            return
        self._exits[kind_of(reason)] += 1

    # --- helpers ---------------------------------------------------------------------------------

    def _add_chain(self, ticker: str) -> Option:
        """The underlying and its option chain: an equity's options, or for an index (SPX) its
        cash-settled index options (SPXW), which are European and never assigned early."""
        option_ticker = config.INDEX_OPTIONS.get(ticker.upper())
        if option_ticker is None:
            self._underlying = self.add_equity(ticker, Resolution.MINUTE).symbol
            return self.add_option(ticker, Resolution.MINUTE)
        self._underlying = self.add_index(ticker, Resolution.MINUTE).symbol
        return self.add_index_option(self._underlying, option_ticker, Resolution.MINUTE)

    def _arm_entry(self) -> None:
        """Scheduled at 10:30 on entry days: trade on the next slice of that day that carries the
        chain. LEAN fires date rules on holidays too, so the entry is only good for its own date."""
        self._entry_due = self.time.date()

    def _entry_days(self) -> list[DayOfWeek]:
        """Weekdays to trade on ("friday" by default: the seed's Friday 0DTE; e.g. "monday,friday")."""
        names = [n.strip().lower() for n in self._parameters.text("entry-days").split(",") if n.strip()]
        unknown = [n for n in names if n not in _WEEKDAYS]
        if unknown or not names:
            raise ValueError(f"entry-days must name weekdays from {sorted(_WEEKDAYS)}, got {unknown or names}")
        return [_WEEKDAYS[n] for n in names]

    def _build_strategies(self, pricing: EntryPricing) -> list[StructureStrategy]:
        parameters = self._parameters
        params = StrategyParams(
            target_short_delta=parameters.number("target-short-delta"),
            short_strike_distance_pct=parameters.number("short-strike-distance-pct"),
            wing_width=parameters.number("wing-width"),
            risk_fraction=parameters.number("risk-fraction"),
            max_structures=parameters.integer("max-structures"),
        )
        strategies: list[StructureStrategy] = [IronCondorStrategy(parameters.text("strategy"), params, pricing)]
        second = parameters.text("second-strategy")
        if second:
            if second not in _SECOND_STRATEGIES:
                raise ValueError(f"second-strategy must be one of {sorted(_SECOND_STRATEGIES)}, got {second!r}")
            strategies.append(_SECOND_STRATEGIES[second](second, params, pricing))
        return strategies

    def _record_outcome(self, result: GroupResult) -> None:
        status = result.status
        if status is GroupStatus.FILLED:  # whole structures held (trimmed too): the exit rules watch it
            self._managed[result.group_id] = result.view
        else:
            self._managed.pop(result.group_id, None)
        self._outcomes[status] = self._outcomes.get(status, 0) + 1  # the runner's naive loop has PARTIAL too
        self.plot("Atomic groups", status.value.title().replace("_", " "), self._outcomes[status])

    def _install_chaos(self) -> None:
        parameters = self._parameters
        plan = ChaosPlan(
            seed=parameters.integer("chaos-seed"),
            reject_probability=parameters.number("chaos-reject"),
            partial_probability=parameters.number("chaos-partial"),
            delay_probability=parameters.number("chaos-delay"),
        )
        self.set_brokerage_model(ChaosBrokerageModel(plan, self.brokerage_model))
        self.set_security_initializer(ChaosSecurityInitializer(self.brokerage_model, ChaosFillModel(plan)))


def _held_legs(view: GroupView) -> list[HeldLeg]:
    return [HeldLeg(leg.contract_key, leg.filled, leg.entry_price) for leg in view.legs]
