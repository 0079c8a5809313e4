"""Fill models, LEAN's extension point for how orders fill (and how chaos tests break fills).

The engine calls `security.fill_model.fill(parameters)`, which dispatches on the order type to
`market_fill`, `limit_fill`, `market_on_open_fill`, `combo_market_fill`, `combo_limit_fill` or
`combo_leg_limit_fill`; a Python subclass overriding any of them is honoured, including one that
returns no fill (the order is asked again on the next time step), a partial fill, or INVALID.

Prices: buys trade at the ask, sells at the bid (the last price when a side is missing).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from leansim.enums import OrderDirection, OrderStatus, OrderType
from leansim.orders import LimitOrder, MarketOnOpenOrder, MarketOrder, Order, OrderEvent, OrderFee
from leansim.securities import Security


class FillModelParameters:
    """What a fill model gets: the security and order being scanned, and every leg's security."""

    def __init__(
        self,
        security: Security,
        order: Order,
        config_provider: Any = None,
        stale_price_time_span: timedelta = timedelta(hours=1),
        securities_for_orders: dict[Order, Security] | None = None,
        on_order_updated: Any = None,
    ) -> None:
        self._security = security
        self._order = order
        self._config_provider = config_provider
        self._stale_price_time_span = stale_price_time_span
        self._securities_for_orders = securities_for_orders if securities_for_orders is not None else {order: security}
        self._on_order_updated = on_order_updated

    @property
    def security(self) -> Security:
        return self._security

    @property
    def order(self) -> Order:
        return self._order

    @property
    def config_provider(self) -> Any:
        return self._config_provider

    @property
    def stale_price_time_span(self) -> timedelta:
        return self._stale_price_time_span

    @property
    def securities_for_orders(self) -> dict[Order, Security]:
        return self._securities_for_orders

    @property
    def on_order_updated(self) -> Any:
        return self._on_order_updated


class Fill:
    """The order events one call to `FillModel.fill` produced."""

    def __init__(self, order_events: list[OrderEvent] | OrderEvent | None) -> None:
        if order_events is None:
            self._events: list[OrderEvent] = []
        elif isinstance(order_events, OrderEvent):
            self._events = [order_events]
        else:
            self._events = [event for event in order_events if event is not None]

    def __iter__(self) -> Iterator[OrderEvent]:
        return iter(self._events)


class FillModel:
    """LEAN's default fill behaviour, priced from the current quote."""

    def __init__(self) -> None:
        self._parameters: FillModelParameters | None = None

    @property
    def parameters(self) -> FillModelParameters | None:
        return self._parameters

    def fill(self, parameters: FillModelParameters) -> Fill:
        """Dispatch on the order type, like LEAN's FillModel.Fill."""
        self._parameters = parameters
        order, security = parameters.order, parameters.security
        kind = order.type
        if kind == OrderType.MARKET:
            return Fill(self.market_fill(security, order))  # type: ignore[arg-type]
        if kind == OrderType.LIMIT:
            return Fill(self.limit_fill(security, order))  # type: ignore[arg-type]
        if kind == OrderType.MARKET_ON_OPEN:
            return Fill(self.market_on_open_fill(security, order))  # type: ignore[arg-type]
        if kind == OrderType.COMBO_MARKET:
            return Fill(self.combo_market_fill(order, parameters))
        if kind == OrderType.COMBO_LIMIT:
            return Fill(self.combo_limit_fill(order, parameters))
        if kind == OrderType.COMBO_LEG_LIMIT:
            return Fill(self.combo_leg_limit_fill(order, parameters))
        raise ValueError(f"the double does not fill {kind.name} orders")

    def market_fill(self, asset: Security, order: MarketOrder) -> OrderEvent:
        """Fill the whole order at the ask (buy) or bid (sell) while the exchange is open."""
        return self._market_fill(asset, order, order.quantity)

    def limit_fill(self, asset: Security, order: LimitOrder) -> OrderEvent:
        """Fill when the ask (buy) or bid (sell) reaches the limit, at the better of the two."""
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED or not self.is_exchange_open(asset, False):
            return event
        price = _side_price(asset, order.direction)
        if not price:
            return event
        if order.direction == OrderDirection.BUY and price <= order.limit_price:
            event.fill_price = min(price, order.limit_price)
        elif order.direction == OrderDirection.SELL and price >= order.limit_price:
            event.fill_price = max(price, order.limit_price)
        else:
            return event
        event.status = OrderStatus.FILLED
        event.fill_quantity = order.quantity
        return event

    def market_on_open_fill(self, asset: Security, order: MarketOnOpenOrder) -> OrderEvent:
        """Fill at the first price of the first session that opens after the order was placed."""
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED or not self.is_exchange_open(asset, False):
            return event
        market = asset._market
        session = market.session(market.local(market.now).date())
        if session is None or order.time >= session[0]:
            return event
        return self._market_fill(asset, order, order.quantity)

    def combo_market_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        """Every leg fills at market, or none does (empty list)."""
        fills = []
        for leg, security in sorted(parameters.securities_for_orders.items(), key=lambda kv: kv[0].id):
            fill = self._market_fill(security, leg, leg.quantity)
            if fill.status != OrderStatus.FILLED:
                return []
            fills.append(fill)
        return fills

    def combo_limit_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        """Fill every leg when the net price beats the group's limit (strictly, as LEAN does)."""
        manager = order.group_order_manager
        if manager is None:
            return []
        legs = sorted(parameters.securities_for_orders.items(), key=lambda kv: kv[0].id)
        if not all(self.is_exchange_open(security, False) for _, security in legs):
            return []
        net = 0.0
        prices = []
        for leg, security in legs:
            price = _side_price(security, leg.direction)
            if not price:
                return []
            prices.append(price)
            net += price * (leg.quantity / manager.quantity)
        if manager.quantity > 0 and not net < manager.limit_price:
            return []
        if manager.quantity < 0 and not net > manager.limit_price:
            return []
        fills = []
        for (leg, security), price in zip(legs, prices):
            event = OrderEvent(leg, _utc(security), OrderFee.ZERO)
            event.status = OrderStatus.FILLED
            event.fill_price = price
            event.fill_quantity = leg.quantity
            fills.append(event)
        return fills

    def combo_leg_limit_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        """Each leg fills at its own limit; all together or none."""
        fills = []
        for leg, security in sorted(parameters.securities_for_orders.items(), key=lambda kv: kv[0].id):
            limit = LimitOrder(leg.symbol, leg.quantity, getattr(leg, "limit_price", 0.0), leg.time, leg.tag)
            limit._id = leg.id
            limit._status = leg.status
            fill = self.limit_fill(security, limit)
            if fill.status != OrderStatus.FILLED:
                return []
            fills.append(fill)
        return fills

    def is_exchange_open(self, asset: Security, is_extended_market_hours: bool) -> bool:
        return asset.exchange.exchange_open

    def _market_fill(self, asset: Security, order: Order, quantity: float) -> OrderEvent:
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED or not self.is_exchange_open(asset, False):
            return event
        price = _side_price(asset, order.direction)
        if not price:
            return event
        event.fill_price = price
        event.status = OrderStatus.FILLED
        event.fill_quantity = quantity
        return event


class ImmediateFillModel(FillModel):
    """Fills without waiting for fresh data; the default model of every security in the double."""


def _utc(asset: Security) -> datetime:
    return asset._market.now


def _side_price(asset: Security, direction: OrderDirection) -> float:
    side = asset.ask_price if direction == OrderDirection.BUY else asset.bid_price
    return side or asset.price
