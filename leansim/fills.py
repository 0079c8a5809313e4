"""Fill models, LEAN's extension point for how orders fill (and how chaos tests break fills).

Stands for Common/Orders/Fills/FillModel.cs. The engine calls `security.fill_model.fill(parameters)`,
which dispatches on the order type to `market_fill`, `limit_fill`, `market_on_open_fill`,
`market_on_close_fill`, `combo_market_fill`, `combo_limit_fill` or `combo_leg_limit_fill`; a Python
subclass overriding any of them is honoured, including one that returns no fill (the order is asked
again on the next scan), a partial fill, or INVALID.

Prices (`get_prices`, FillModel.GetPrices): a buy reads the ask bar, a sell the bid bar, falling back
to the trade bar, then to the security's price. Every leansim subscription is minute data with
fill-forward, so a bar ends at each minute of the session (MarketView.data_end_time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from leansim.engine.market_view import BAR
from leansim.enums import OrderDirection, OrderStatus, OrderType, SecurityType
from leansim.market.base import Bar
from leansim.orders import LimitOrder, MarketOnCloseOrder, MarketOnOpenOrder, MarketOrder, Order, OrderEvent, OrderFee
from leansim.securities import Security

# Algorithm.Settings.StalePriceTimeSpan's default (Common/AlgorithmSettings.cs).
STALE_PRICE_TIME_SPAN = timedelta(hours=1)


class FillModelParameters:
    """What a fill model gets: the security and order being scanned, and every leg's security."""

    def __init__(
        self,
        security: Security,
        order: Order,
        config_provider: Any = None,
        stale_price_time_span: timedelta = STALE_PRICE_TIME_SPAN,
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


class Prices:
    """One bar of the side a fill reads (Common/Orders/Fills/Prices.cs); its times are UTC here
    (LEAN's are exchange time)."""

    def __init__(self, time: datetime, end_time: datetime, bar: Bar) -> None:
        self.time = time
        self.end_time = end_time
        self.current = bar.close
        self.open = bar.open
        self.high = bar.high
        self.low = bar.low
        self.close = bar.close


class FillModel:
    """LEAN's default fill behaviour (Common/Orders/Fills/FillModel.cs), priced from the latest bars."""

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
        if kind == OrderType.MARKET_ON_CLOSE:
            return Fill(self.market_on_close_fill(security, order))  # type: ignore[arg-type]
        if kind == OrderType.COMBO_MARKET:
            return Fill(self.combo_market_fill(order, parameters))
        if kind == OrderType.COMBO_LIMIT:
            return Fill(self.combo_limit_fill(order, parameters))
        if kind == OrderType.COMBO_LEG_LIMIT:
            return Fill(self.combo_leg_limit_fill(order, parameters))
        raise ValueError(f"the double does not fill {kind.name} orders")

    def market_fill(self, asset: Security, order: MarketOrder) -> OrderEvent:
        """Fill the whole order at the ask (buy) or bid (sell) close of the latest bar."""
        return self._market_fill(asset, order, order.quantity)

    def limit_fill(self, asset: Security, order: LimitOrder) -> OrderEvent:
        """LEAN's InternalLimitFill: never on data that ended at or before the order time (so never
        on the placement bar); a buy fills when the ask bar's low is below the limit, at
        min(high, limit); a sell when the bid bar's high is above it, at max(low, limit)."""
        return self._limit_fill(asset, order, order.limit_price, order.quantity)

    def market_on_open_fill(self, asset: Security, order: MarketOnOpenOrder) -> OrderEvent:
        """LEAN's MarketOnOpenFill: wait for a bar that ends after the order time, and, for an order
        placed during that day's session, for the day to turn over; then fill at the bar's open."""
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED:
            return event
        market = asset._market
        end = market.data_end_time()
        if end is None or order.time >= end:
            return event
        placed = market.local(order.time)
        if market.calendar.is_open(order.time) and placed.date() == market.local(market.now).date():
            return event
        if not self.is_exchange_open(asset, False):
            return event
        prices = self.get_prices(asset, order.direction)
        if prices is None:
            return event
        return _filled(event, prices.open, order.quantity)

    def market_on_close_fill(self, asset: Security, order: MarketOnCloseOrder) -> OrderEvent:
        """LEAN's MarketOnCloseFill: once the time reaches the first session close after the order,
        fill at the close of the last bar (the ask to buy, the bid to sell)."""
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED:
            return event
        market = asset._market
        if market.now < market.next_session_close(order.time):
            return event
        prices = self.get_prices(asset, order.direction)
        if prices is None:
            return event
        return _filled(event, prices.close, order.quantity)

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
        """LEAN's ComboLimitFill: no fill while any leg's data ended before the order time; the net
        price sums each leg's bar low (buy group) or high (sell group) times its ratio (an equity
        leg's ratio over 100); a buy fills when the net is below the limit, a sell when above, every
        leg at that same low or high."""
        manager = order.group_order_manager
        if manager is None:
            return []
        buying = manager.direction == OrderDirection.BUY
        legs: list[tuple[Order, Security, Prices]] = []
        net = 0.0
        for leg, security in sorted(parameters.securities_for_orders.items(), key=lambda kv: kv[0].id):
            prices = self.get_prices(security, leg.direction)
            if prices is None or prices.end_time < leg.time:
                return []
            ratio = leg.quantity / manager.quantity
            if security.type == SecurityType.EQUITY:
                ratio /= 100
            net += (prices.low if buying else prices.high) * ratio
            legs.append((leg, security, prices))
        if (buying and not net < manager.limit_price) or (not buying and not net > manager.limit_price):
            return []
        return [
            _filled(OrderEvent(leg, _utc(security), OrderFee.ZERO), prices.low if buying else prices.high, leg.quantity)
            for leg, security, prices in legs
        ]

    def combo_leg_limit_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        """Each leg fills as a limit order at its own limit (LEAN's ComboLegLimitFill); all or none."""
        fills = []
        for leg, security in sorted(parameters.securities_for_orders.items(), key=lambda kv: kv[0].id):
            fill = self._limit_fill(security, leg, getattr(leg, "limit_price", 0.0), leg.quantity)
            if fill.status != OrderStatus.FILLED:
                return []
            fills.append(fill)
        return fills

    def is_exchange_open(self, asset: Security, is_extended_market_hours: bool) -> bool:
        """Open now, or at the end of a session bar (the close itself), as FillModel.IsExchangeOpen."""
        return asset.exchange.exchange_open or asset._market.is_open_during_last_bar(asset.symbol)

    def get_prices(self, asset: Security, direction: OrderDirection) -> Prices | None:
        """The latest bar of the side an order of `direction` trades against (FillModel.GetPrices):
        the ask bar to buy, the bid bar to sell, else the trade bar, else the security's price.
        None when the security has no data at all."""
        end = asset._market.data_end_time()
        quote = asset._market.quote(asset.symbol)
        if end is None or quote is None:
            return None
        side, side_bar = (quote.ask, quote.ask_bar) if direction == OrderDirection.BUY else (quote.bid, quote.bid_bar)
        bar = side_bar or _point(side) or quote.trade_bar or _point(quote.last) or _point(asset.price)
        if bar is None:
            return None
        return Prices(end - BAR, end, bar)

    def should_wait_for_fresh_data_on_stale(self, asset: Security, data_end_time_utc: datetime,
                                            order_time_utc: datetime) -> bool:
        """LEAN's ShouldWaitForFreshDataOnStale for minute data: wait while the data is more than
        one bar older than the order (the first bar of a session, or a gap in the data)."""
        return order_time_utc - data_end_time_utc > BAR

    def _market_fill(self, asset: Security, order: Order, quantity: float) -> OrderEvent:
        """LEAN's InternalMarketFill: with data older than `stale_price_time_span` before the order,
        wait for fresh data or fill with the stale-price warning; else fill at the side's close."""
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED or not self.is_exchange_open(asset, False):
            return event
        prices = self.get_prices(asset, order.direction)
        if prices is None:
            return event
        stale_span = self._parameters.stale_price_time_span if self._parameters is not None else STALE_PRICE_TIME_SPAN
        if prices.end_time + stale_span < order.time:
            if self.should_wait_for_fresh_data_on_stale(asset, prices.end_time, order.time):
                return event
            local_end = asset._market.local(prices.end_time)
            event.message = f"Warning: fill at stale price ({local_end.strftime('%m/%d/%Y %H:%M:%S')} America/New_York)"
        return _filled(event, prices.current, quantity)

    def _limit_fill(self, asset: Security, order: Order, limit_price: float, quantity: float) -> OrderEvent:
        event = OrderEvent(order, _utc(asset), OrderFee.ZERO)
        if order.status == OrderStatus.CANCELED or not self.is_exchange_open(asset, False):
            return event
        prices = self.get_prices(asset, order.direction)
        if prices is None or prices.end_time <= order.time:
            return event
        if order.direction == OrderDirection.BUY and prices.low < limit_price:
            return _filled(event, min(prices.high, limit_price), quantity)
        if order.direction == OrderDirection.SELL and prices.high > limit_price:
            return _filled(event, max(prices.low, limit_price), quantity)
        return event


class ImmediateFillModel(FillModel):
    """Fills without waiting for fresh data; the default model of every security in the double."""


def _utc(asset: Security) -> datetime:
    return asset._market.now


def _point(price: float | None) -> Bar | None:
    """A quote without bars is a bar whose every field is that price."""
    return Bar(price, price, price, price) if price else None


def _filled(event: OrderEvent, price: float, quantity: float) -> OrderEvent:
    event.status = OrderStatus.FILLED
    event.fill_price = price
    event.fill_quantity = quantity
    return event
