"""The thin shell: the executor's ports (atomic.ports) over a LEAN QCAlgorithm.

This is the only module of atomic/ that imports AlgorithmImports; atomic.compose wires its adapters. Orders are always submitted
asynchronously so the algorithm thread never blocks (in a backtest they still fill inside the call),
and cancels never carry a tag, since a tag given to a cancel replaces the order's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from AlgorithmImports import (
    Leg as LeanLeg,
    ObjectStore,
    Option,
    OptionRight,
    Order,
    OrderEvent,
    OrderRequestStatus,
    OrderResponse,
    OrderResponseErrorCode,
    OrderStatus,
    OrderTicket,
    OrderType,
    QCAlgorithm,
    SecurityIdentifier,
    SecurityType,
    SettlementType,
    Symbol,
    UpdateOrderFields,
)

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.model import ExpiryFill, ExpiryKind, OrderState, OrderUpdate
from atomic.ports import BrokerOrder, PlacedOrder
from atomic.pricing import Quote
from atomic.tags import parse_tag

_STATES = {
    OrderStatus.SUBMITTED: OrderState.SUBMITTED,
    OrderStatus.PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED,
    OrderStatus.FILLED: OrderState.FILLED,
    OrderStatus.CANCELED: OrderState.CANCELED,
    OrderStatus.INVALID: OrderState.INVALID,
}
_OPTION_TYPES = (SecurityType.OPTION, SecurityType.INDEX_OPTION, SecurityType.FUTURE_OPTION)


def _refused_before_the_market(ticket: OrderTicket) -> None:
    """LEAN's own pre-checks (warming up, no price, not tradable...) refuse an order before it
    exists: the ticket is INVALID with no order id, and no order event will ever come. Raised so
    the executor records the refusal at once (an order refused later gets its INVALID event)."""
    if ticket.status == OrderStatus.INVALID and int(ticket.order_id) <= 0:
        response = ticket.submit_request.response
        raise RuntimeError(str(response.error_message) if response is not None else "refused by LEAN's pre-checks")


def _cancel_in_progress(ticket: OrderTicket, response: OrderResponse) -> bool:
    """LEAN refuses a second cancel while an earlier one is on its way (OrderTicket.Cancel:
    RequestCanceled; BrokerageTransactionHandler.CancelOrder: InvalidRequest when the ticket
    already holds a cancel request not in error). The order is being cancelled, which is what was
    asked: not a refusal. Read from the ticket's own cancel request, not from LEAN's wording."""
    code = response.error_code
    earlier = ticket.cancel_request
    return code == OrderResponseErrorCode.REQUEST_CANCELED or (
        code == OrderResponseErrorCode.INVALID_REQUEST and earlier is not None
        and earlier.status != OrderRequestStatus.ERROR)


class ObjectStoreAdapter:
    """LEAN's ObjectStore as the executor's KeyValueStore."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    def save(self, key: str, text: str) -> bool:
        return bool(self._store.save(key, text))

    def read(self, key: str) -> str:
        return str(self._store.read(key))

    def delete(self, key: str) -> bool:
        return bool(self._store.delete(key))

    def keys(self) -> list[str]:
        return [str(key) for key in self._store.keys]

    def persist(self, key: str) -> None:
        # LEAN's LocalObjectStore writes every pending save to disk before answering a path.
        self._store.get_file_path(key)


class LeanSymbols:
    """The LEAN Symbols behind the contract keys the core uses, shared by the adapters below.

    A key is `str(symbol.id)`, so any stored key resolves to its Symbol without the algorithm having
    subscribed the contract (`SecurityIdentifier.parse`, then LEAN's public `Symbol(sid, value)`, which
    rebuilds the underlying and the option's value from the identifier). After a live restart a leg
    that never reached the brokerage is no security yet: universe selection has not run when
    recovery does (LEAN's BrokerageSetupHandler only adds the brokerage's holdings and open orders)."""

    def __init__(self, algorithm: QCAlgorithm) -> None:
        self._algorithm = algorithm
        self._symbols: dict[str, Symbol] = {}

    def describe(self, symbol: object) -> Contract:
        if not isinstance(symbol, Symbol):
            raise InvalidGroupError(f"expected a LEAN Symbol, got {type(symbol).__name__} {symbol!r}")
        key = str(symbol.id)
        self._symbols[key] = symbol
        if symbol.security_type in _OPTION_TYPES:
            sid = symbol.id
            return Contract(
                key=key,
                ticker=str(symbol.value),
                underlying=str(symbol.underlying.value),
                right="call" if sid.option_right == OptionRight.CALL else "put",
                strike=float(sid.strike_price),
                expiry=sid.date.date(),
                multiplier=self._multiplier(symbol, 100),
            )
        return Contract(key=key, ticker=str(symbol.value), underlying=str(symbol.value), multiplier=self._multiplier(symbol, 1))

    def remember(self, symbol: Symbol) -> str:
        """The key of a Symbol LEAN reported (an open order's), kept for later lookups."""
        key = str(symbol.id)
        self._symbols.setdefault(key, symbol)
        return key

    def find(self, key: str) -> Symbol | None:
        """The Symbol of `key`: the algorithm's own when it has one, else parsed from the key; None
        only when the key is not a security identifier."""
        symbol = self._symbols.get(key)
        if symbol is None:
            for candidate in list(self._algorithm.securities.keys()) + list(self._algorithm.portfolio.keys()):
                self._symbols.setdefault(str(candidate.id), candidate)
            symbol = self._symbols.get(key)
        if symbol is None:
            parsed, sid = SecurityIdentifier.try_parse(key, None)
            if parsed and sid is not None:
                symbol = self._symbols.setdefault(key, Symbol(sid, sid.symbol))
        return symbol

    def require(self, key: str) -> Symbol:
        symbol = self.find(key)
        if symbol is None:
            raise InvalidGroupError(f"contract key {key!r} is not a LEAN security identifier")
        return symbol

    def tradable(self, key: str) -> Symbol:
        """The Symbol of `key`, subscribed first if the algorithm has not (an order needs a security).
        The same calls LEAN makes for a holding or open order it finds at start-up
        (Common/Extensions.cs, GetOrAddUnrequestedSecurity: AddOptionContract for options)."""
        symbol = self.require(key)
        if not self._algorithm.securities.contains_key(symbol):
            if symbol.security_type == SecurityType.INDEX_OPTION:
                self._algorithm.add_index_option_contract(symbol)
            elif symbol.security_type in _OPTION_TYPES:
                self._algorithm.add_option_contract(symbol)
            else:
                self._algorithm.add_security(symbol)
        return symbol

    def _multiplier(self, symbol: Symbol, default: int) -> int:
        if self._algorithm.securities.contains_key(symbol):
            return int(self._algorithm.securities[symbol].symbol_properties.contract_multiplier)
        return default


class LeanOrders:
    """OrderGateway over a QCAlgorithm's order methods and its transaction manager."""

    def __init__(self, algorithm: QCAlgorithm, symbols: LeanSymbols) -> None:
        self._algorithm = algorithm
        self._symbols = symbols

    def describe(self, symbol: object) -> Contract:
        return self._symbols.describe(symbol)

    def knows(self, contract_key: str) -> bool:
        return self._symbols.find(contract_key) is not None

    def place_market(self, contract_key: str, quantity: int, tag: str) -> PlacedOrder:
        ticket = self._algorithm.market_order(self._symbols.tradable(contract_key), quantity, asynchronous=True, tag=tag)
        _refused_before_the_market(ticket)
        return PlacedOrder(int(ticket.order_id), contract_key, self._broker_ids(int(ticket.order_id)))

    def place_limit(self, contract_key: str, quantity: int, limit_price: float, tag: str) -> PlacedOrder:
        ticket = self._algorithm.limit_order(self._symbols.require(contract_key), quantity, limit_price,
                                             asynchronous=True, tag=tag)
        _refused_before_the_market(ticket)
        return PlacedOrder(int(ticket.order_id), contract_key, self._broker_ids(int(ticket.order_id)))

    def update_limit(self, order_id: int, limit_price: float) -> str | None:
        # A combo limit leg's update sets its GroupOrderManager's price (Common/Orders/ComboLimitOrder.cs,
        # ApplyUpdateOrderRequest): moving one leg's ticket moves the combo. No tag: ours stays.
        ticket = self._algorithm.transactions.get_order_ticket(order_id)
        if ticket is None:
            return f"no ticket for order {order_id}"
        fields = UpdateOrderFields()
        fields.limit_price = limit_price
        response = ticket.update(fields)
        return None if response.is_success else str(response.error_message or response.error_code)

    def place_combo(self, legs: Sequence[tuple[str, int]], structures: int, limit_price: float | None, tag: str) -> list[PlacedOrder]:
        lean_legs = [LeanLeg.create(self._symbols.tradable(key), ratio) for key, ratio in legs]
        if limit_price is None:
            tickets = self._algorithm.combo_market_order(lean_legs, structures, asynchronous=True, tag=tag)
        else:
            tickets = self._algorithm.combo_limit_order(lean_legs, structures, limit_price, asynchronous=True, tag=tag)
        for ticket in tickets:
            _refused_before_the_market(ticket)
        return [PlacedOrder(int(t.order_id), str(t.symbol.id), self._broker_ids(int(t.order_id))) for t in tickets]

    def cancel(self, order_id: int) -> str | None:
        ticket = self._algorithm.transactions.get_order_ticket(order_id)
        if ticket is None:
            return f"no ticket for order {order_id}"
        response = ticket.cancel()
        if response.is_success or _cancel_in_progress(ticket, response):
            return None
        return str(response.error_message or response.error_code)

    def translate(self, order_event: object) -> OrderUpdate | ExpiryFill:
        if not isinstance(order_event, OrderEvent):
            raise TypeError(f"expected a LEAN OrderEvent, got {type(order_event).__name__}")
        order: Order | None = None
        ticket = order_event.ticket
        if ticket is not None:
            tag = ticket.tag
        else:
            order = self._algorithm.transactions.get_order_by_id(order_event.order_id)
            tag = order.tag if order is not None else ""
        if parse_tag(tag) is None and order_event.fill_quantity:
            order = order or self._algorithm.transactions.get_order_by_id(order_event.order_id)
            if order is not None and order.type == OrderType.OPTION_EXERCISE:
                return self._expiry_fill(order_event)
        broker_ids: tuple[str, ...] = ()
        if order_event.status == OrderStatus.SUBMITTED:
            order = order or self._algorithm.transactions.get_order_by_id(order_event.order_id)
            broker_ids = tuple(str(b) for b in order.broker_id) if order is not None else ()
        utc = order_event.utc_time
        return OrderUpdate(
            order_id=int(order_event.order_id),
            event_id=int(order_event.id),
            state=_STATES.get(order_event.status),
            fill_quantity=int(round(float(order_event.fill_quantity))),
            fill_price=float(order_event.fill_price),
            time=utc if utc.tzinfo else utc.replace(tzinfo=timezone.utc),
            message=str(order_event.message or ""),
            tag=parse_tag(tag),
            contract_key=str(order_event.symbol.id),
            broker_ids=broker_ids,
        )

    def _expiry_fill(self, order_event: OrderEvent) -> ExpiryFill:
        """A fill of LEAN's own exercise order (BrokerageTransactionHandler.HandleOptionNotification,
        Common/Orders/OptionExercise/DefaultExerciseModel.cs): the option leg at 0, whose message
        starts "OTM", "Automatic Exercise" or "Assigned" (`is_assignment`), then for a physically
        settled contract in the money the underlying at the strike, under the same order id. A
        cash-settled one's cash is on no event: its settlement is the intrinsic value at the underlying's
        close, as Common/Securities/Option/OptionPortfolioModel.cs pays it."""
        symbol = order_event.symbol
        message = str(order_event.message or "")
        underlying: Contract | None = None
        settlement = 0.0
        if symbol.security_type not in _OPTION_TYPES:
            kind = ExpiryKind.DELIVERY
        elif message.startswith("OTM"):
            kind = ExpiryKind.OTM
        else:
            kind = ExpiryKind.ASSIGNED if order_event.is_assignment or message.startswith("Assigned") else ExpiryKind.EXERCISED
            security = self._algorithm.securities[symbol] if self._algorithm.securities.contains_key(symbol) else None
            if isinstance(security, Option) and security.exercise_settlement == SettlementType.CASH:
                # The cash OptionPortfolioModel.ProcessCloseTradeProfit paid with this fill, per unit.
                settlement = float(security.get_intrinsic_value(security.underlying.close))
            else:
                underlying = self._symbols.describe(symbol.underlying)
        utc = order_event.utc_time
        return ExpiryFill(
            order_id=int(order_event.order_id),
            event_id=int(order_event.id),
            kind=kind,
            contract=self._symbols.describe(symbol),
            quantity=int(round(float(order_event.fill_quantity))),
            price=float(order_event.fill_price),
            time=utc if utc.tzinfo else utc.replace(tzinfo=timezone.utc),
            message=message,
            underlying=underlying,
            settlement=settlement,
        )

    def recorded_events(self, order_id: int) -> list[OrderUpdate] | None:
        # BrokerageTransactionHandler.HandleOrderEvents adds each event to the ticket (with the
        # order and portfolio, under its lock) before calling on_order_event outside that lock;
        # OrderTicket.OrderEvents returns a copy taken under the ticket's own lock.
        ticket = self._algorithm.transactions.get_order_ticket(order_id)
        if ticket is None:
            return None
        return [update for update in map(self.translate, ticket.order_events) if isinstance(update, OrderUpdate)]

    def cancel_refused(self, order_id: int) -> str | None:
        # BrokerageTransactionHandler.HandleCancelOrderRequest: on a brokerage refusal the request's
        # response becomes an error (BrokerageFailedToCancelOrder) and
        # CancelPendingOrders.RemoveAndFallback restores the order's previous status.
        ticket = self._algorithm.transactions.get_order_ticket(order_id)
        request = ticket.cancel_request if ticket is not None else None
        response = request.response if request is not None else None
        if response is None or not response.is_error:
            return None
        return str(response.error_message or response.error_code)

    def _broker_ids(self, order_id: int) -> tuple[str, ...]:
        order = self._algorithm.transactions.get_order_by_id(order_id)
        return tuple(str(b) for b in order.broker_id) if order is not None else ()


class LeanAccount:
    """Account over a QCAlgorithm's portfolio and open orders."""

    def __init__(self, algorithm: QCAlgorithm, symbols: LeanSymbols) -> None:
        self._algorithm = algorithm
        self._symbols = symbols

    def holdings(self, contract_key: str) -> int:
        symbol = self._symbols.find(contract_key)
        if symbol is None or not self._algorithm.portfolio.contains_key(symbol):
            return 0
        return int(self._algorithm.portfolio[symbol].quantity)

    def option_holdings(self) -> list[tuple[Contract, int]]:
        held = []
        for symbol in list(self._algorithm.portfolio.keys()):
            quantity = int(self._algorithm.portfolio[symbol].quantity)
            if quantity and symbol.security_type in _OPTION_TYPES:
                held.append((self._symbols.describe(symbol), quantity))
        return held

    def underlying_of(self, contract_key: str) -> tuple[Contract, int] | None:
        symbol = self._symbols.find(contract_key)
        if symbol is None or not symbol.has_underlying:
            return None
        underlying = symbol.underlying
        held = self._algorithm.portfolio[underlying].quantity if self._algorithm.portfolio.contains_key(underlying) else 0
        return self._symbols.describe(underlying), int(held)

    def margin_remaining(self) -> float:
        return float(self._algorithm.portfolio.margin_remaining)

    def open_orders(self) -> list[BrokerOrder]:
        return [BrokerOrder(int(order.id), self._symbols.remember(order.symbol), int(order.quantity),
                            tuple(str(b) for b in order.broker_id), parse_tag(order.tag),
                            order.symbol.security_type in _OPTION_TYPES)
                for order in self._algorithm.transactions.get_open_orders()]


class LeanMarketClock:
    """MarketClock over a QCAlgorithm's clock and securities."""

    def __init__(self, algorithm: QCAlgorithm, symbols: LeanSymbols) -> None:
        self._algorithm = algorithm
        self._symbols = symbols

    def now(self) -> datetime:
        now = self._algorithm.utc_time
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)

    def market_refusal(self, contract_keys: Sequence[str], minutes: int) -> str | None:
        for key in contract_keys:
            symbol = self._symbols.require(key)
            if not self._algorithm.securities.contains_key(symbol):
                return f"{symbol.value} is not subscribed"
            exchange = self._algorithm.securities[symbol].exchange
            if not exchange.exchange_open:
                return f"exchange closed for {symbol.value}: a market order would wait for the open"
            if minutes and exchange.is_closing_soon(minutes):
                return f"exchange closes within {minutes} minutes for {symbol.value}"
        return None

    def underlying_price(self, contract: Contract) -> float | None:
        symbol = self._symbols.find(contract.key)
        if symbol is None:
            return None
        underlying = symbol.underlying if symbol.has_underlying else symbol
        if not self._algorithm.securities.contains_key(underlying):
            return None
        price = float(self._algorithm.securities[underlying].price)
        return price if price > 0 else None

    def quote(self, contract_key: str) -> Quote | None:
        symbol = self._symbols.find(contract_key)
        if symbol is None or not self._algorithm.securities.contains_key(symbol):
            return None
        security = self._algorithm.securities[symbol]
        bid, ask = float(security.bid_price), float(security.ask_price)
        # No mid without a bid and an ask apart: a walk starting at a leg's mid would otherwise start
        # from a guess. LEAN's Security.BidPrice falls back to Price when no bid was seen, and Price
        # of a contract quoted on one side is that side (Common/Securities/Security.cs, BidPrice;
        # Common/Data/Market/QuoteBar.cs, Close): a wing nobody bids for reads bid == ask == its
        # ask, so a locked quote is taken as one-sided, not as a mid at the ask. Nor is a missing bid
        # read as 0 (a mid of ask / 2): a trader's guess, not a market.
        if bid <= 0 or ask <= bid:
            return None
        return Quote(bid, ask, float(security.symbol_properties.minimum_price_variation))


class LeanAlerts:
    """Alerts through the algorithm's error log, and e-mail through `notify` in live mode."""

    def __init__(self, algorithm: QCAlgorithm, alert_email: str = "") -> None:
        self._algorithm = algorithm
        self._alert_email = alert_email

    def alert(self, subject: str, message: str) -> None:
        self._algorithm.error(f"{subject}: {message}")
        if self._algorithm.live_mode and self._alert_email:
            if not self._algorithm.notify.email(self._alert_email, subject, message):
                self._algorithm.error(f"alert e-mail to {self._alert_email} was not sent")

    def log(self, message: str) -> None:
        self._algorithm.log(message)
