"""LEAN's transaction handler for one algorithm process: orders, tickets and order events.

Stands for Engine/TransactionHandlers/BrokerageTransactionHandler.cs and
BacktestingTransactionHandler.cs.

It assigns LEAN order ids (from 1 each run), runs LEAN's submission checks (warm-up, zero quantity,
buying power, brokerage model), hands accepted orders to the simulated brokerage and turns the
brokerage's reports into OrderEvents for `on_order_event`, updating orders, tickets and portfolio
first, as LEAN does. As in LEAN, the algorithm hears of an event only after the handler's lock is
released (see `_handling`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from leansim.engine.brokerage import BrokerEvent, ExerciseFill, VenueOrder
from leansim.engine.fault_state import FaultState, OrderCandidate
from leansim.engine.market_view import SimulatorClock
from leansim.fees import OrderFeeParameters
from leansim.enums import (
    CLOSED_STATUSES,
    COMBO_TYPES,
    OPTION_TYPES,
    OptionRight,
    OrderDirection,
    OrderRequestStatus,
    OrderResponseErrorCode,
    OrderStatus,
    OrderType,
    SecurityType,
    SettlementType,
)
from leansim.orders import (
    ComboLegLimitOrder,
    ComboLimitOrder,
    ComboMarketOrder,
    GroupOrderManager,
    LimitOrder,
    MarketOnCloseOrder,
    MarketOnOpenOrder,
    MarketOrder,
    OptionExerciseOrder,
    Order,
    OrderEvent,
    OrderFee,
)
from leansim.portfolio import ExerciseLeg
from leansim.symbols import Symbol
from leansim.tickets import CancelOrderRequest, OrderResponse, OrderTicket, SubmitOrderRequest, UpdateOrderRequest

if TYPE_CHECKING:
    from leansim.algorithm import QCAlgorithm
    from leansim.brokerage_models import DefaultBrokerageModel
    from leansim.engine.brokerage import SimBrokerage
    from leansim.portfolio import SecurityPortfolioManager
    from leansim.securities import Security, SecurityManager


class Venue(SimulatorClock, Protocol):
    """The simulator as the handler uses it: clock, market, brokerage, crash points and the record of
    events (LEAN's IBrokerage and IResultHandler)."""

    @property
    def brokerage(self) -> SimBrokerage: ...

    @property
    def faults(self) -> FaultState: ...

    def role_of(self, symbol: Symbol, quantity: float) -> Literal["opening", "closing"]: ...

    def after_request(self) -> None: ...

    def pass_point(self, point: str) -> None: ...

    def _record_event(self, run_index: int, order: Order, event: OrderEvent, settled_cash: float = 0.0) -> None: ...


class AlgorithmProcess(Protocol):
    """The handler's algorithm process (leansim.simulator.Run): LEAN's handler is given the algorithm,
    the brokerage and the result handler (ITransactionHandler.Initialize(IAlgorithm, IBrokerage,
    IResultHandler), Engine/TransactionHandlers/ITransactionHandler.cs), never the engine that made it."""

    @property
    def sim(self) -> Venue: ...

    @property
    def index(self) -> int: ...

    @property
    def algorithm(self) -> QCAlgorithm: ...

    @property
    def securities(self) -> SecurityManager: ...

    @property
    def portfolio(self) -> SecurityPortfolioManager: ...

    @property
    def brokerage_model(self) -> DefaultBrokerageModel: ...

    @property
    def warming_up(self) -> bool: ...

    def ensure_security(self, symbol: Symbol) -> Security: ...

    def set_runtime_error(self, error: Exception, context: str) -> None: ...

    def log(self, level: str, message: str) -> None: ...


class TransactionHandler:
    """Orders and tickets of one run; the only code that changes a LEAN order's state."""

    def __init__(self, run: AlgorithmProcess) -> None:
        self._run = run
        self._sim = run.sim
        self.orders: dict[int, Order] = {}
        self.tickets: dict[int, OrderTicket] = {}
        self._by_broker_id: dict[str, int] = {}
        self._next_order_id = 1
        self._next_group_id = 1
        self._event_ids: dict[int, int] = {}
        self._applied: dict[int, OrderEvent] = {}
        self._cancels: deque[CancelOrderRequest] = deque()  # answered, not yet sent (live)
        self._cancel_pending: dict[int, OrderStatus] = {}  # order id -> its status before the cancel
        self.lock = threading.RLock()
        self._local = threading.local()  # per thread: lock depth, events applied but not yet told

    @property
    def utc_time(self) -> datetime:
        return self._sim.now

    @property
    def last_order_id(self) -> int:
        return self._next_order_id - 1

    def new_group_manager(self, leg_count: int, quantity: float, limit_price: float = 0.0) -> GroupOrderManager:
        manager = GroupOrderManager(self._next_group_id, leg_count, quantity, limit_price)
        self._next_group_id += 1
        return manager

    # --- submission ---------------------------------------------------------------------------------

    def submit(self, requests: list[SubmitOrderRequest]) -> list[OrderTicket]:
        """Place one order, or every leg of a combo at once (LEAN places legs when the last arrives)."""
        with self._handling():
            for request in requests:
                error = self._pre_check(request)
                if error is not None:
                    request.set_response(error)
                    self._run.log("ERROR", error.error_message)
                    ticket = OrderTicket(self, request)
                    ticket._status_override = OrderStatus.INVALID
                    return [ticket]
            orders = [self._add(request) for request in requests]
            tickets = [self.tickets[order.id] for order in orders]
            if not self._checks_pass(orders, requests[0]):
                return tickets
        # Outside the lock, as LEAN's HandleSubmitOrderRequest: each event the brokerage reports
        # meanwhile (at once in a backtest) takes the lock for itself and is told when it is released.
        self._send(orders)
        return tickets

    def _pre_check(self, request: SubmitOrderRequest) -> OrderResponse | None:
        """LEAN's PreOrderChecks: refused requests get an INVALID ticket and no order id."""
        if self._run.warming_up:
            return OrderResponse.warming_up(request)
        if request.quantity == 0:
            return OrderResponse.zero_quantity(request)
        security = self._run.securities.get(request.symbol)
        if security is None or not security.is_tradable:
            return OrderResponse.error(
                request,
                OrderResponseErrorCode.MISSING_SECURITY,
                f"You haven't requested {request.symbol} data. Add this with add_security() in the initialize() method.",
            )
        if not security.has_data:
            return OrderResponse.error(
                request,
                OrderResponseErrorCode.SECURITY_HAS_NO_DATA,
                "There is no data for this symbol yet, please check the security.HasData flag to ensure there is at least one data point.",
            )
        if security.price == 0:
            return OrderResponse.error(
                request,
                OrderResponseErrorCode.SECURITY_PRICE_ZERO,
                f"{request.symbol}: asset price is $0. If using custom data make sure you've set the 'value' property.",
            )
        return _session_order_check(request, security)

    def _add(self, request: SubmitOrderRequest) -> Order:
        order_id = self._next_order_id
        self._next_order_id += 1
        request._order_id = order_id
        order = _make_order(request, self.utc_time)
        order._id = order_id
        if not order.tag:
            order._tag = order.get_default_tag()
        order._status = OrderStatus.NEW
        manager = request.group_order_manager
        if manager is not None:
            manager.order_ids.add(order_id)
        request.set_response(OrderResponse.success(request))
        ticket = OrderTicket(self, request)
        ticket._order = order
        self.orders[order_id] = order
        self.tickets[order_id] = ticket
        return order

    def _checks_pass(self, orders: list[Order], request: SubmitOrderRequest) -> bool:
        """Buying power over the whole group, then the brokerage model per leg; refusal invalidates all."""
        market = self._sim.market
        changes: dict[Symbol, float] = {}
        prices: dict[Symbol, float] = {}
        for order in orders:
            changes[order.symbol] = changes.get(order.symbol, 0.0) + order.quantity
            prices[order.symbol] = market.fill_price(order.symbol, order.quantity)
        ok, required, free = self._run.portfolio._would_have_margin(changes, prices)
        ids = ",".join(str(order.id) for order in orders)
        if not ok:
            message = (
                f"Order Error: ids: [{ids}], Insufficient buying power to complete orders (Value:[{required:.2f}]), "
                f"Reason: Initial Margin: {required:.2f}, Free Margin: {free:.2f}."
            )
            self._invalidate(orders, message, OrderResponseErrorCode.INSUFFICIENT_BUYING_POWER)
            return False
        model = self._run.brokerage_model
        for order in orders:
            security = self._run.securities[order.symbol]
            accepted, why = _ask_model(model.can_submit_order, security, order.clone())
            if not accepted:
                text = str(why) if why is not None else "Warning - Code: InvalidOrder - "
                message = f"BrokerageModel declared unable to submit order: [{ids}] {text}"
                self._invalidate(orders, message, OrderResponseErrorCode.BROKERAGE_MODEL_REFUSED_TO_SUBMIT_ORDER)
                return False
        return True

    def _invalidate(self, orders: list[Order], message: str, code: OrderResponseErrorCode) -> None:
        self._run.log("ERROR", message)
        for order in orders:
            self.tickets[order.id].submit_request.set_response(
                OrderResponse.error(self.tickets[order.id].submit_request, code, message)
            )
        for order in orders:
            order._status = OrderStatus.INVALID
            self._fire(order, OrderStatus.INVALID, message=message)

    def _send(self, orders: list[Order]) -> None:
        """Hand accepted orders to the brokerage, with the crash points and faults around it."""
        sim = self._sim
        candidates = []
        for order in orders:
            sim.pass_point("before_order")
            nth = sim.faults.counters["before_order"]
            candidates.append(OrderCandidate(order.symbol, order.tag, nth, sim.role_of(order.symbol, order.quantity), sim.now))
        behaviour = sim.faults.behaviour_for(candidates)
        group_id = sim.brokerage.new_group_id() if orders[0].type in COMBO_TYPES else None
        broker_orders = []
        for order in orders:
            broker_id = sim.brokerage.next_broker_id()
            order._broker_id = [broker_id]
            self._by_broker_id[broker_id] = order.id
            broker_orders.append(_broker_order(order, broker_id, group_id, behaviour, self.utc_time))
        if behaviour.reject is not None:
            sim.brokerage.reject(broker_orders, self.utc_time, behaviour.reject)
        else:
            sim.brokerage.place(broker_orders)
        for _ in orders:
            sim.pass_point("after_order")
        sim.after_request()

    # --- cancel / update ---------------------------------------------------------------------------

    def process_cancel(self, request: CancelOrderRequest) -> OrderTicket:
        """LEAN's CancelOrder: tag first, then status checks, CANCEL_PENDING and a success answer;
        the brokerage gets the request afterwards (see send_cancels)."""
        with self._handling():
            ticket = self.tickets.get(request.order_id)
            order = self.orders.get(request.order_id)
            if ticket is None or order is None:
                request.set_response(OrderResponse.unable_to_find_order(request))
                return _orphan_ticket(self, request)
            if ticket._cancel_request is not None and ticket._cancel_request.status.name != "ERROR":
                request.set_response(
                    OrderResponse.error(request, OrderResponseErrorCode.INVALID_REQUEST, "Cancellation is already in progress.")
                )
                return ticket
            ticket._cancel_request = request
            if request.tag is not None:
                order._tag = request.tag
            if order.status == OrderStatus.NEW:
                request.set_response(OrderResponse.invalid_new_status(request, order))
                return ticket
            if order.status in CLOSED_STATUSES:
                request.set_response(OrderResponse.invalid_status(request, order))
                return ticket
            if self._run.warming_up:
                request.set_response(OrderResponse.warming_up(request))
                return ticket
            self._cancel_pending[order.id] = order.status
            order._status = OrderStatus.CANCEL_PENDING
            self._fire(order, OrderStatus.CANCEL_PENDING)
            # Answered before the brokerage hears of it: live, LEAN dispatches the request to the
            # transaction thread (BrokerageTransactionHandler.CancelOrder: HandleOrderEvent(CancelPending),
            # SetResponse(Success, Processing), then _threadPool.Dispatch). A crash before that thread
            # sends it loses the cancel. The double sends a backtest's at once.
            request.set_response(OrderResponse.success(request), OrderRequestStatus.PROCESSING)
        with self._handling():  # CANCEL_PENDING is told, outside the lock, before the brokerage hears of it
            if self._sim.live:
                self._cancels.append(request)
            else:
                self._send_cancel(request)
            self._sim.after_request()
            return ticket

    @property
    def pending_cancels(self) -> int:
        return len(self._cancels)

    def send_cancels(self) -> None:
        """The transaction thread: hand every answered cancel to the brokerage, in arrival order."""
        with self._handling():
            while self._cancels:
                self._send_cancel(self._cancels.popleft())

    def _send_cancel(self, request: CancelOrderRequest) -> None:
        """LEAN's HandleCancelOrderRequest: a refusal restores the status the order had before
        (CancelPendingOrders.RemoveAndFallback) and turns the request's response into an error."""
        self._sim.pass_point("before_cancel")
        order = self.orders[request.order_id]
        previous = self._cancel_pending.pop(order.id, order.status)
        if order.status in CLOSED_STATUSES:
            request.set_response(OrderResponse.invalid_status(request, order))
            return
        if self._sim.brokerage.cancel(order.broker_id[0], self.utc_time, self._sim.market.fill_price):
            request.set_response(OrderResponse.success(request))
            return
        if order.status == OrderStatus.CANCEL_PENDING:
            order._status = previous
        message = f"Brokerage failed to cancel order with id {order.id}"
        self._run.log("ERROR", message)
        request.set_response(OrderResponse.error(request, OrderResponseErrorCode.BROKERAGE_FAILED_TO_CANCEL_ORDER, message))

    def process_update(self, request: UpdateOrderRequest) -> OrderResponse:
        """LEAN's HandleUpdateOrderRequest (Engine/TransactionHandlers/BrokerageTransactionHandler.cs):
        refused while NEW, and on a closed order unless only the tag changes; in a backtest, refused
        when the brokerage model's CanUpdateOrder says no (an error response, and an event of the
        order as it stands); otherwise the order takes the new values (Order.ApplyUpdateOrderRequest:
        a combo limit's price is its group's) and the brokerage reports UPDATE_SUBMITTED. Buying
        power is not re-checked on an update."""
        with self._handling():
            order = self.orders.get(request.order_id)
            if order is None:
                response = OrderResponse.unable_to_find_order(request)
            elif order.status == OrderStatus.NEW:
                response = OrderResponse.invalid_new_status(request, order)
            elif order.status in CLOSED_STATUSES and not request.is_allowed_for_closed_order():
                response = OrderResponse.invalid_status(request, order)
            elif (refusal := self._model_refuses_update(order, request)) is not None:
                response = refusal
            else:
                _apply_update(order, request)
                order._last_update_time = self.utc_time
                response = OrderResponse.success(request)
            request.set_response(response)
        if response.is_success and order is not None and order.status not in CLOSED_STATUSES:
            limit = order.group_order_manager.limit_price if order.type == OrderType.COMBO_LIMIT and order.group_order_manager else getattr(order, "limit_price", None)
            with self._handling():
                self._sim.brokerage.update(order.broker_id[0], order.quantity, limit, self.utc_time)
            self._sim.after_request()
        return response

    def _model_refuses_update(self, order: Order, request: UpdateOrderRequest) -> OrderResponse | None:
        """In a backtest, the brokerage model's CanUpdateOrder refusal (None when it accepts, and
        always live: LEAN asks the model only when !LiveMode). As LEAN does, the refusal is an
        error response (BrokerageModelRefusedToUpdateOrder), an algorithm error, and an order event
        with the order's unchanged status."""
        if self._sim.live:
            return None
        security = self._run.securities[order.symbol]
        accepted, why = _ask_model(self._run.brokerage_model.can_update_order, security, order.clone(), request)
        if accepted:
            return None
        text = str(why) if why is not None else f"Warning - Code: InvalidRequest - BrokerageModel declared unable to update order: {order.id}"
        message = f"OrderID: {order.id} {text}"
        self._run.log("ERROR", message)
        self._fire(order, order.status, message="BrokerageModel declared unable to update order")
        return OrderResponse.error(request, OrderResponseErrorCode.BROKERAGE_MODEL_REFUSED_TO_UPDATE_ORDER, message)

    # --- events -------------------------------------------------------------------------------------

    def on_broker_event(self, event: BrokerEvent) -> None:
        """Apply a brokerage report, then tell the algorithm; a repeated report is only re-told.
        A report the brokerage sends again under a new sequence number (DoubleReport) is a new
        event, applied again, as LEAN gives every event a fresh id."""
        with self._handling():
            if event.seq in self._applied:
                if not self._lost(event):
                    self._deliver(self._applied[event.seq].clone())
                return
            order_id = self._by_broker_id.get(event.broker_id)
            if order_id is None:
                return
            order = self.orders[order_id]
            ticket = self.tickets[order_id]
            order._status = event.status
            symbol = event.symbol or order.symbol  # an exercise also fills its underlying
            # The fee model sees the holdings before this fill, as in BacktestingBrokerage.Scan; LEAN's
            # transaction handler charges no fee on the fills of an automatic exercise.
            charged = event.fill_quantity and event.status == OrderStatus.FILLED and order.type != OrderType.OPTION_EXERCISE
            fee = self._fee(order) if charged else OrderFee.ZERO
            if event.fill_quantity:
                if symbol == order.symbol:
                    ticket._quantity_filled += event.fill_quantity
                    ticket._fill_value += event.fill_quantity * event.fill_price
                    order._price = ticket.average_fill_price
                order._last_fill_time = event.utc_time
                security = self._run.ensure_security(symbol)
                exercise = (_exercise_leg(security, event) if order.type == OrderType.OPTION_EXERCISE
                            and symbol.security_type in OPTION_TYPES else None)
                self._run.portfolio._apply_fill(symbol, event.fill_quantity, event.fill_price, event.utc_time,
                                                fee.value.amount, exercise)
                self._run.portfolio._set_cash(self._run.portfolio.cash + event.settled_cash)
            if event.status == OrderStatus.CANCELED:
                order._canceled_time = event.utc_time
            order_event = self._fire(
                order, event.status, event.fill_quantity, event.fill_price, event.message, event.utc_time, deliver=False,
                fee=fee, symbol=symbol, is_assignment=event.is_assignment, settled_cash=event.settled_cash,
            )
            if event.fill_quantity:  # after the portfolio, as HandleOrderEvents feeds the TradeBuilder
                multiplier = self._run.securities[symbol].symbol_properties.contract_multiplier
                self._run.trade_builder.process_fill(order.id, symbol, event.utc_time, event.fill_quantity,
                                                     event.fill_price, fee.value.amount, multiplier)
            self._applied[event.seq] = order_event
            if not self._lost(event):
                self._deliver(order_event)

    def option_notification(self, option: Any, tag: str = "") -> None:
        """The brokerage says an option position is now 0: at expiry (tag empty) or on an early
        assignment (LEAN's BrokerageTransactionHandler.HandleOptionNotification). LEAN makes an
        OptionExerciseOrder for the whole position (GenerateOptionExerciseOrder), asks the option's
        exercise model for its fills and applies them (EmitOptionNotificationEvents); no SUBMITTED event."""
        quantity = -option.holdings.quantity
        if not quantity:
            return
        sim = self._sim
        with self._handling():
            request = SubmitOrderRequest(OrderType.OPTION_EXERCISE, option.type, option.symbol, quantity, 0.0, 0.0,
                                         self.utc_time, tag)
            order = self._add(request)
            order._status = OrderStatus.SUBMITTED
            broker_id = sim.brokerage.next_broker_id()
            order._broker_id = [broker_id]
            self._by_broker_id[broker_id] = order.id
            assert isinstance(order, OptionExerciseOrder)
            fills = exercise_fills(option, order)
        venue = VenueOrder(broker_id, option.symbol, OrderType.OPTION_EXERCISE, quantity, self.utc_time, order.tag)
        sim.brokerage.exercise(venue, fills, self.utc_time)

    def _fee(self, order: Order) -> OrderFee:
        """The fee of a completed order, for its whole quantity, charged to the portfolio and the
        brokerage's cash (BacktestingBrokerage.Scan invokes the fee model on the Filled event)."""
        security = self._run.ensure_security(order.symbol)
        fee = security.fee_model.get_order_fee(OrderFeeParameters(security, order))
        self._run.portfolio._charge_fee(fee.value.amount)
        self._sim.brokerage.cash -= fee.value.amount
        return fee

    def _fire(
        self,
        order: Order,
        status: OrderStatus,
        fill_quantity: float = 0.0,
        fill_price: float = 0.0,
        message: str = "",
        utc_time: datetime | None = None,
        deliver: bool = True,
        fee: OrderFee = OrderFee.ZERO,
        symbol: Symbol | None = None,
        is_assignment: bool = False,
        settled_cash: float = 0.0,
    ) -> OrderEvent:
        event = OrderEvent(order, utc_time or self.utc_time, fee, message)
        if symbol is not None and symbol != order.symbol:
            event.symbol = symbol
            event.direction = OrderDirection.BUY if fill_quantity > 0 else OrderDirection.SELL
        event.is_assignment = is_assignment
        event.status = status
        event.fill_quantity = fill_quantity
        event.fill_price = fill_price
        self._event_ids[order.id] = self._event_ids.get(order.id, 0) + 1
        event.id = self._event_ids[order.id]
        ticket = self.tickets[order.id]
        event.ticket = ticket
        ticket._events.append(event)
        self._sim._record_event(self._run.index, order, event, settled_cash)
        if deliver:
            self._deliver(event)
        return event

    def _lost(self, event: BrokerEvent) -> bool:
        """LostEvents: a fill LEAN applied (order, ticket, portfolio) whose on_order_event call is lost."""
        order = self._sim.brokerage.orders.get(event.broker_id)
        return bool(event.fill_quantity) and order is not None and order.behaviour.lose_fills

    def _deliver(self, event: OrderEvent) -> None:
        self._local.outbox.append(event)

    @contextmanager
    def _handling(self) -> Iterator[None]:
        """Hold the lock to change orders, tickets and portfolio; call `on_order_event` for the events
        applied only once this thread has released it. LEAN's HandleOrderEvents releases
        `_lockHandleOrderEvent` before `OnOrderEvent` (Engine/TransactionHandlers/
        BrokerageTransactionHandler.cs), so an algorithm that holds a lock of its own while it calls
        into LEAN never waits for a brokerage thread that waits for that lock. Events applied before
        a crash inside the block die with the process, untold."""
        local = self._local
        outermost = not getattr(local, "depth", 0)
        if outermost:
            local.depth, local.outbox = 0, []
        local.depth += 1
        try:
            with self.lock:
                yield
        finally:
            local.depth -= 1
        if outermost:
            told, local.outbox = local.outbox, []
            for event in told:
                try:
                    self._run.algorithm.on_order_event(event)
                    if event.is_assignment:
                        self._run.algorithm.on_assignment_order_event(_assignment_event(event))
                except Exception as error:  # BrokerageTransactionHandler.HandleOrderEvent: "close down shop"
                    self._run.set_runtime_error(error, "Order Event Handler")

    # --- restart --------------------------------------------------------------------------------------

    def load_open_order(self, broker_order: VenueOrder, managers: dict[str, GroupOrderManager]) -> Order:
        """An order found open at the brokerage on start-up: new LEAN id, no tag, broker id kept."""
        manager = None
        if broker_order.group_id is not None:
            if broker_order.group_id not in managers:
                count = len([o for o in self._sim.brokerage.group_of(broker_order)])
                managers[broker_order.group_id] = self.new_group_manager(count, broker_order.group_quantity)
            manager = managers[broker_order.group_id]
        request = SubmitOrderRequest(
            broker_order.order_type,
            broker_order.symbol.security_type,
            broker_order.symbol,
            broker_order.ratio * broker_order.group_quantity if manager is not None else broker_order.quantity,
            0.0,
            broker_order.limit_price or 0.0,
            broker_order.submitted_utc,
            "",
            group_order_manager=manager,
        )
        order = self._add(request)
        order._time = broker_order.submitted_utc
        order._status = broker_order.status
        order._broker_id = [broker_order.broker_id]
        self._by_broker_id[broker_order.broker_id] = order.id
        return order

    # --- queries --------------------------------------------------------------------------------------

    def order_of_broker(self, broker_id: str) -> Order | None:
        order_id = self._by_broker_id.get(broker_id)
        return self.orders.get(order_id) if order_id is not None else None


def _session_order_check(request: SubmitOrderRequest, security: Security) -> OrderResponse | None:
    """QCAlgorithm.PreOrderChecksImpl (Algorithm/QCAlgorithm.Trading.cs): a market-on-open order is
    refused while the regular session is open; a market-on-close order is refused inside the
    submission buffer before the close (MarketOnCloseOrder.SubmissionTimeBuffer, 15.5 minutes)."""
    exchange = security.exchange
    if request.order_type == OrderType.MARKET_ON_OPEN and exchange.hours.is_open(exchange.local_time, False):
        return OrderResponse.error(
            request,
            OrderResponseErrorCode.MARKET_ON_OPEN_NOT_ALLOWED_DURING_REGULAR_HOURS,
            "Cannot submit a MarketOnOpen order while the market is open.",
        )
    if request.order_type == OrderType.MARKET_ON_CLOSE:
        close = exchange.hours.get_next_market_close(exchange.local_time, False)
        if exchange.local_time > close - MarketOnCloseOrder.submission_time_buffer:
            return OrderResponse.error(
                request,
                OrderResponseErrorCode.MARKET_ON_CLOSE_ORDER_TOO_LATE,
                "MarketOnClose orders must be placed within 00:15:30 before market close. Override this TimeSpan "
                "buffer by setting Orders.MarketOnCloseOrder.SubmissionTimeBuffer in QCAlgorithm.Initialize().",
            )
    return None


def _ask_model(
    can: Callable[..., Any], security: Any, order: Order, *request: Any
) -> tuple[bool, Any]:
    """Call can_submit_order (or can_update_order, with its request) and accept LEAN's Python
    shapes: bool, or (bool, message)."""
    result = can(security, order, *request, None)
    if isinstance(result, tuple):
        return bool(result[0]), result[1] if len(result) > 1 else None
    return bool(result), None


def exercise_fills(option: Any, order: OptionExerciseOrder) -> list[ExerciseFill]:
    """Ask the option's exercise model for the fills of an exercise order. A cash-settled option
    pays -intrinsic x unit of trade x order quantity with its own leg (OptionPortfolioModel.
    ProcessCloseTradeProfit, Common/Securities/Option/OptionPortfolioModel.cs)."""
    fills = []
    for event in option.option_exercise_model.option_exercise(option, order):
        if event.status != OrderStatus.FILLED or not event.fill_quantity:
            continue
        cash = 0.0
        if event.symbol == option.symbol and option.exercise_settlement == SettlementType.CASH:
            intrinsic = option.get_intrinsic_value(option.underlying.close)
            cash = -intrinsic * option.contract_unit_of_trade * order.quantity
        fills.append(ExerciseFill(event.symbol, float(event.fill_quantity), float(event.fill_price), event.message or "",
                                  bool(event.is_assignment), cash, bool(event.is_in_the_money)))
    return fills


def _exercise_leg(option: Any, event: BrokerEvent) -> ExerciseLeg:
    """The option leg of an exercise, for its transaction record: the in-the-money amount is the
    filled contracts' pay-off at the underlying's price (Extensions.InTheMoneyAmount, Option.GetPayOff)."""
    spot, strike = option.underlying.price, option.strike_price
    pay_off = spot - strike if option.right == OptionRight.CALL else strike - spot
    amount = abs(event.fill_quantity) * pay_off * option.symbol_properties.contract_multiplier
    return ExerciseLeg(event.is_in_the_money, amount, event.settled_cash)


def _assignment_event(event: OrderEvent) -> OrderEvent:
    """What on_assignment_order_event receives: the same event, its message followed by the exercise
    order's tag (BrokerageTransactionHandler.EmitOptionNotificationEvents)."""
    told = event.clone()
    tag = event.ticket.tag if event.ticket is not None else ""
    if tag:
        told.message = f"{told.message}. {tag}" if told.message else tag
    return told


def _make_order(request: SubmitOrderRequest, now: datetime) -> Order:
    kind = request.order_type
    tag = request.tag or ""
    manager = request.group_order_manager
    if kind == OrderType.OPTION_EXERCISE:
        return OptionExerciseOrder(request.symbol, request.quantity, now, tag, request.order_properties)
    if kind == OrderType.MARKET:
        return MarketOrder(request.symbol, request.quantity, now, tag, request.order_properties)
    if kind == OrderType.MARKET_ON_OPEN:
        return MarketOnOpenOrder(request.symbol, request.quantity, now, tag, request.order_properties)
    if kind == OrderType.MARKET_ON_CLOSE:
        return MarketOnCloseOrder(request.symbol, request.quantity, now, tag, request.order_properties)
    if kind == OrderType.LIMIT:
        return LimitOrder(request.symbol, request.quantity, request.limit_price, now, tag, request.order_properties)
    assert manager is not None, "combo orders need a GroupOrderManager"
    ratio = request.quantity / manager.quantity if manager.quantity else request.quantity
    if kind == OrderType.COMBO_MARKET:
        return ComboMarketOrder(request.symbol, ratio, now, manager, tag, request.order_properties)
    if kind == OrderType.COMBO_LIMIT:
        return ComboLimitOrder(request.symbol, ratio, manager.limit_price, now, manager, tag, request.order_properties)
    if kind == OrderType.COMBO_LEG_LIMIT:
        return ComboLegLimitOrder(request.symbol, ratio, request.limit_price, now, manager, tag, request.order_properties)
    raise ValueError(f"the double does not support {kind.name} orders")


def _broker_order(
    order: Order, broker_id: str, group_id: str | None, behaviour: Any, now: datetime
) -> VenueOrder:
    manager = order.group_order_manager
    limit = getattr(order, "limit_price", None)
    if order.type == OrderType.COMBO_LIMIT and manager is not None:
        limit = manager.limit_price
    return VenueOrder(
        broker_id=broker_id,
        symbol=order.symbol,
        order_type=order.type,
        quantity=order.quantity,
        submitted_utc=now,
        tag=order.tag,
        group_id=group_id,
        ratio=order._quantity if manager is not None else 1.0,
        group_quantity=manager.quantity if manager is not None else order.quantity,
        limit_price=limit,
        behaviour=behaviour,
    )


def _apply_update(order: Order, request: UpdateOrderRequest) -> None:
    """Order.ApplyUpdateOrderRequest and its limit-order overrides (Common/Orders/LimitOrder.cs,
    ComboLimitOrder.cs, ComboLegLimitOrder.cs)."""
    if request.quantity is not None:
        order._quantity = request.quantity
    if request.tag is not None:
        order._tag = request.tag
    if request.limit_price is not None:
        manager = order.group_order_manager
        if order.type == OrderType.COMBO_LIMIT and manager is not None:
            manager.limit_price = request.limit_price
        elif isinstance(order, (LimitOrder, ComboLegLimitOrder)):
            order._limit_price = request.limit_price


def _orphan_ticket(handler: TransactionHandler, request: CancelOrderRequest) -> OrderTicket:
    """LEAN's OrderTicket.InvalidCancelOrderId: a ticket for an id nobody knows."""
    placeholder = Symbol.create("", SecurityType.EQUITY, "usa")
    submit = SubmitOrderRequest(OrderType.MARKET, SecurityType.EQUITY, placeholder, 0, 0, 0, request.time, "")
    submit._order_id = request.order_id
    ticket = OrderTicket(handler, submit)
    ticket._cancel_request = request
    ticket._status_override = OrderStatus.INVALID
    return ticket
