"""LEAN's order objects: Order and its subclasses, legs, group managers, fees and order events.

Stands for Common/Orders/Order.cs and its subclasses beside it, Common/Orders/Leg.cs,
GroupOrderManager.cs, OrderEvent.cs and Common/Orders/Fees/OrderFee.cs.

These are plain value objects; only the engine (leansim.engine) changes an order's state, through the
private fields. `transactions.get_order_by_id` hands out clones, as LEAN does.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from leansim.pascal_case import PascalCaseAttributes
from leansim.enums import CLOSED_STATUSES, OrderDirection, OrderStatus, OrderType, SecurityType
from leansim.symbols import Symbol


def direction_of(quantity: float) -> OrderDirection:
    """BUY for a positive quantity, SELL for a negative one, HOLD for zero."""
    if quantity > 0:
        return OrderDirection.BUY
    if quantity < 0:
        return OrderDirection.SELL
    return OrderDirection.HOLD


class OrderExtensions:
    """Status tests LEAN's algorithms call (Common/Orders/OrderExtensions.cs)."""

    @staticmethod
    def is_closed(status: OrderStatus) -> bool:
        return status in CLOSED_STATUSES

    @staticmethod
    def is_open(status: OrderStatus) -> bool:
        return status not in CLOSED_STATUSES

    @staticmethod
    def is_fill(status: OrderStatus) -> bool:
        return status in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED)


class CashAmount:
    """An amount in a currency (order fees)."""

    def __init__(self, amount: float, currency: str) -> None:
        self._amount = float(amount)
        self._currency = currency

    @property
    def amount(self) -> float:
        return self._amount

    @property
    def currency(self) -> str:
        return self._currency

    def __eq__(self, rhs: object) -> bool:
        return isinstance(rhs, CashAmount) and (rhs.amount, rhs.currency) == (self._amount, self._currency)

    def __hash__(self) -> int:
        return hash((self._amount, self._currency))


class OrderFee:
    """The fee of a fill. The double charges none (every fee is OrderFee.ZERO)."""

    ZERO: OrderFee

    def __init__(self, order_fee: CashAmount) -> None:
        self._value = order_fee

    @property
    def value(self) -> CashAmount:
        return self._value

    @value.setter
    def value(self, value: CashAmount) -> None:
        self._value = value

    def to_string(self) -> str:
        return f"{self._value.amount} {self._value.currency}"

    def __str__(self) -> str:
        return self.to_string()


OrderFee.ZERO = OrderFee(CashAmount(0.0, "USD"))


class GroupOrderManager:
    """Ties the legs of one combo order together: group quantity, leg count and net limit price."""

    def __init__(self, id: int, leg_count: int, quantity: float, limit_price: float = 0) -> None:
        self._id = id
        self._count = leg_count
        self._quantity = float(quantity)
        self._limit_price = float(limit_price)
        self._order_ids: set[int] = set()

    @property
    def id(self) -> int:
        return self._id

    @property
    def quantity(self) -> float:
        """Number of whole structures (signed: negative sells the structure)."""
        return self._quantity

    @property
    def absolute_quantity(self) -> float:
        return abs(self._quantity)

    @property
    def direction(self) -> OrderDirection:
        return direction_of(self._quantity)

    @property
    def count(self) -> int:
        return self._count

    @property
    def limit_price(self) -> float:
        return self._limit_price

    @limit_price.setter
    def limit_price(self, value: float) -> None:
        self._limit_price = float(value)

    @property
    def order_ids(self) -> set[int]:
        return self._order_ids


class Leg:
    """One leg of a combo: symbol and ratio (LEAN calls the ratio `quantity`), optional leg limit."""

    def __init__(self, symbol: Symbol, quantity: int, order_price: float | None = None) -> None:
        self.symbol = symbol
        self.quantity = int(quantity)
        self.order_price = order_price

    symbol: Symbol
    quantity: int
    order_price: float | None

    @staticmethod
    def create(symbol: Symbol, quantity: int, limit_price: float | None = None) -> Leg:
        """A leg with `quantity` as its ratio; the combo's quantity multiplies it."""
        return Leg(symbol, quantity, limit_price)


class Order:
    """Base of every order. `quantity` is signed; `broker_id` lists the brokerage's ids."""

    def __init__(
        self,
        symbol: Symbol,
        quantity: float,
        time: datetime,
        group_order_manager: GroupOrderManager | str | None = None,
        tag: str = "",
        properties: Any = None,
    ) -> None:
        if isinstance(group_order_manager, str):  # the (symbol, quantity, time, tag) overload
            tag, group_order_manager = group_order_manager, None
        self._id = 0
        self._symbol = symbol
        self._quantity = float(quantity)
        self._time = time
        self._tag = tag or ""
        self._properties = properties
        self._group_order_manager = group_order_manager
        self._status = OrderStatus.NEW
        self._broker_id: list[str] = []
        self._price = 0.0
        self._last_fill_time: datetime | None = None
        self._last_update_time: datetime | None = None
        self._canceled_time: datetime | None = None

    @property
    def type(self) -> OrderType:
        raise NotImplementedError

    @property
    def id(self) -> int:
        return self._id

    @property
    def contingent_id(self) -> int:
        return 0

    @property
    def broker_id(self) -> list[str]:
        return self._broker_id

    @property
    def symbol(self) -> Symbol:
        return self._symbol

    @property
    def security_type(self) -> SecurityType:
        return self._symbol.security_type

    @property
    def quantity(self) -> float:
        return self._quantity

    @property
    def absolute_quantity(self) -> float:
        return abs(self.quantity)

    @property
    def direction(self) -> OrderDirection:
        return direction_of(self.quantity)

    @property
    def price(self) -> float:
        """Average fill price so far (LEAN sets it from fills)."""
        return self._price

    @property
    def price_currency(self) -> str:
        return "USD"

    @property
    def time(self) -> datetime:
        """UTC time the order was created."""
        return self._time

    @property
    def created_time(self) -> datetime:
        return self._time

    @property
    def last_fill_time(self) -> datetime | None:
        return self._last_fill_time

    @property
    def last_update_time(self) -> datetime | None:
        return self._last_update_time

    @property
    def canceled_time(self) -> datetime | None:
        return self._canceled_time

    @property
    def status(self) -> OrderStatus:
        return self._status

    @status.setter
    def status(self, value: OrderStatus) -> None:
        self._status = value

    @property
    def tag(self) -> str:
        return self._tag

    @property
    def properties(self) -> Any:
        return self._properties

    @property
    def group_order_manager(self) -> GroupOrderManager | None:
        return self._group_order_manager

    @group_order_manager.setter
    def group_order_manager(self, value: GroupOrderManager | None) -> None:
        self._group_order_manager = value

    def get_default_tag(self) -> str:
        """LEAN's default tag is empty for the order types the double supports."""
        return ""

    def clone(self) -> Order:
        """A detached copy (LEAN returns clones from get_order_by_id)."""
        twin = copy.copy(self)
        twin._broker_id = list(self._broker_id)
        return twin

    def to_string(self) -> str:
        return (
            f"OrderId: {self._id} (BrokerId: {','.join(self._broker_id)}) {self._status.name} {self.type.name} "
            f"order for {self.quantity:g} unit{'s' if abs(self.quantity) != 1 else ''} of {self._symbol}"
        )

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_string()} tag={self._tag!r}>"


class MarketOrder(Order):
    """Fills at the current price while the exchange is open."""

    @property
    def type(self) -> OrderType:
        return OrderType.MARKET


class MarketOnOpenOrder(Order):
    """Fills at the next open; LEAN converts market orders placed while the exchange is closed to this."""

    @property
    def type(self) -> OrderType:
        return OrderType.MARKET_ON_OPEN


class MarketOnCloseOrder(Order):
    """Fills at the session close after it was placed, at the last bar's close (bid or ask)."""

    # How long before the close the order must be in (Common/Orders/MarketOnCloseOrder.cs).
    submission_time_buffer = timedelta(minutes=15.5)

    @property
    def type(self) -> OrderType:
        return OrderType.MARKET_ON_CLOSE


class OptionExerciseOrder(Order):
    """Exercise (quantity < 0, long) or assignment (quantity > 0, short) of an option position
    (Common/Orders/OptionExerciseOrder.cs); LEAN creates one for every contract held at expiry."""

    def __init__(self, symbol: Symbol, quantity: float, time: datetime, tag: str = "", properties: Any = None) -> None:
        super().__init__(symbol, quantity, time, None, tag, properties)

    @property
    def type(self) -> OrderType:
        return OrderType.OPTION_EXERCISE


class LimitOrder(Order):
    """Fills when the market reaches `limit_price`, never on the bar it was placed."""

    def __init__(
        self,
        symbol: Symbol,
        quantity: float,
        limit_price: float,
        time: datetime,
        tag: str = "",
        properties: Any = None,
    ) -> None:
        super().__init__(symbol, quantity, time, None, tag, properties)
        self._limit_price = float(limit_price)

    @property
    def type(self) -> OrderType:
        return OrderType.LIMIT

    @property
    def limit_price(self) -> float:
        return self._limit_price


class ComboOrder(Order):
    """A combo leg. It stores its ratio; `quantity` is ratio x the group quantity, as in LEAN."""

    def __init__(
        self,
        symbol: Symbol,
        quantity: float,
        time: datetime,
        group_order_manager: GroupOrderManager,
        tag: str = "",
        properties: Any = None,
    ) -> None:
        super().__init__(symbol, quantity, time, group_order_manager, tag, properties)

    @property
    def quantity(self) -> float:
        manager = self._group_order_manager
        if isinstance(manager, GroupOrderManager):
            return self._quantity * manager.quantity
        return self._quantity


class ComboMarketOrder(ComboOrder):
    """Market combo: all legs fill together or not at all (in the default fill model)."""

    @property
    def type(self) -> OrderType:
        return OrderType.COMBO_MARKET


class ComboLimitOrder(ComboOrder):
    """Limit combo: the group's net `limit_price` lives on the GroupOrderManager."""

    def __init__(
        self,
        symbol: Symbol,
        quantity: float,
        limit_price: float,
        time: datetime,
        group_order_manager: GroupOrderManager,
        tag: str = "",
        properties: Any = None,
    ) -> None:
        super().__init__(symbol, quantity, time, group_order_manager, tag, properties)
        group_order_manager.limit_price = limit_price

    @property
    def type(self) -> OrderType:
        return OrderType.COMBO_LIMIT


class ComboLegLimitOrder(ComboOrder):
    """Combo with a limit per leg (IB sends it non-guaranteed, so it can leg)."""

    def __init__(
        self,
        symbol: Symbol,
        quantity: float,
        limit_price: float,
        time: datetime,
        group_order_manager: GroupOrderManager,
        tag: str = "",
        properties: Any = None,
    ) -> None:
        super().__init__(symbol, quantity, time, group_order_manager, tag, properties)
        self._limit_price = float(limit_price)

    @property
    def type(self) -> OrderType:
        return OrderType.COMBO_LEG_LIMIT

    @property
    def limit_price(self) -> float:
        return self._limit_price


class OrderEvent(PascalCaseAttributes):
    """One change of an order: submission, a fill (signed `fill_quantity`), cancel or rejection.

    Constructors, as in the stubs: `OrderEvent()`, `OrderEvent(order, utc_time, order_fee, message="")`
    (what fill models use), and `OrderEvent(order_id, symbol, utc_time, status, direction, fill_price,
    fill_quantity, order_fee, message="")`.
    """

    order_id: int
    id: int
    symbol: Symbol | None
    utc_time: datetime | None
    status: OrderStatus
    order_fee: OrderFee
    fill_price: float
    fill_price_currency: str
    fill_quantity: float
    direction: OrderDirection
    message: str
    is_assignment: bool
    limit_price: float | None
    stop_price: float | None
    trigger_price: float | None
    quantity: float
    is_in_the_money: bool
    ticket: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.order_id = 0
        self.id = 0
        self.symbol = None
        self.utc_time = None
        self.status = OrderStatus.NONE
        self.order_fee = OrderFee.ZERO
        self.fill_price = 0.0
        self.fill_price_currency = "USD"
        self.fill_quantity = 0.0
        self.direction = OrderDirection.HOLD
        self.message = ""
        self.is_assignment = False
        self.limit_price = None
        self.stop_price = None
        self.trigger_price = None
        self.quantity = 0.0
        self.is_in_the_money = False
        self.ticket = None
        if args and isinstance(args[0], Order) or isinstance(kwargs.get("order"), Order):
            self._from_order(*args, **kwargs)
        elif args or kwargs:
            self._from_fields(*args, **kwargs)

    def _from_order(
        self, order: Order, utc_time: datetime, order_fee: OrderFee, message: str = ""
    ) -> None:
        self.order_id = order.id
        self.symbol = order.symbol
        self.utc_time = utc_time
        self.status = order.status
        self.direction = order.direction
        self.quantity = order.quantity
        self.order_fee = order_fee
        self.message = message
        limit = getattr(order, "limit_price", None)
        if isinstance(limit, (int, float)):
            self.limit_price = float(limit)

    def _from_fields(
        self,
        order_id: int,
        symbol: Symbol,
        utc_time: datetime,
        status: OrderStatus,
        direction: OrderDirection,
        fill_price: float,
        fill_quantity: float,
        order_fee: OrderFee,
        message: str = "",
    ) -> None:
        self.order_id = order_id
        self.symbol = symbol
        self.utc_time = utc_time
        self.status = status
        self.direction = direction
        self.fill_price = float(fill_price)
        self.fill_quantity = float(fill_quantity)
        self.order_fee = order_fee
        self.message = message

    @property
    def absolute_fill_quantity(self) -> float:
        return abs(self.fill_quantity)

    def clone(self) -> OrderEvent:
        return copy.copy(self)

    def to_string(self) -> str:
        text = f"Time: {self.utc_time} OrderID: {self.order_id} EventID: {self.id} Symbol: {self.symbol} Status: {self.status.name} Quantity: {self.quantity:g}"
        if self.fill_quantity:
            text += f" FillQuantity: {self.fill_quantity:g} FillPrice: {self.fill_price:g}"
        if self.message:
            text += f" Message: {self.message}"
        return text

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"<OrderEvent {self.to_string()}>"
