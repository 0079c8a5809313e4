"""Order requests, responses and tickets: how an algorithm follows and cancels its orders.

Stands for Common/Orders/OrderTicket.cs, OrderRequest.cs, SubmitOrderRequest.cs, UpdateOrderRequest.cs,
CancelOrderRequest.cs, OrderResponse.cs and Common/Securities/IOrderProcessor.cs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from leansim.pascal_case import PascalCaseAttributes
from leansim.enums import (
    OrderField,
    OrderRequestStatus,
    OrderRequestType,
    OrderResponseErrorCode,
    OrderStatus,
    OrderType,
    SecurityType,
)
from leansim.orders import GroupOrderManager, Order, OrderEvent
from leansim.symbols import Symbol


class OrderProcessor(Protocol):
    """What tickets, `algorithm.transactions` and the algorithm ask of the transaction handler: LEAN's
    IOrderProcessor and IOrderProvider (Common/Securities/IOrderProcessor.cs, IOrderProvider.cs), which
    the engine's handler (Engine/TransactionHandlers/BrokerageTransactionHandler.cs, here
    leansim.engine.transaction_handler) implements and the engine hands to the algorithm
    (SecurityTransactionManager.SetOrderProcessor): orders and tickets never import the engine."""

    orders: dict[int, Order]
    tickets: dict[int, OrderTicket]

    @property
    def utc_time(self) -> datetime: ...

    @property
    def last_order_id(self) -> int: ...

    def new_group_manager(self, leg_count: int, quantity: float, limit_price: float = 0.0) -> GroupOrderManager: ...

    def submit(self, requests: list[SubmitOrderRequest]) -> list[OrderTicket]: ...

    def process_cancel(self, request: CancelOrderRequest) -> OrderTicket: ...

    def process_update(self, request: UpdateOrderRequest) -> OrderResponse: ...


class OrderResponse:
    """The outcome of one request: success, or an error code and message."""

    UNPROCESSED: OrderResponse

    def __init__(
        self,
        order_id: int,
        error_code: OrderResponseErrorCode = OrderResponseErrorCode.NONE,
        error_message: str = "",
        is_processed: bool = True,
    ) -> None:
        self._order_id = order_id
        self._error_code = error_code
        self._error_message = error_message
        self._is_processed = is_processed

    @property
    def order_id(self) -> int:
        return self._order_id

    @property
    def error_code(self) -> OrderResponseErrorCode:
        return self._error_code

    @property
    def error_message(self) -> str:
        return self._error_message

    @property
    def is_success(self) -> bool:
        return self._is_processed and self._error_code == OrderResponseErrorCode.NONE

    @property
    def is_error(self) -> bool:
        return self._is_processed and self._error_code != OrderResponseErrorCode.NONE

    @property
    def is_processed(self) -> bool:
        return self._is_processed

    @staticmethod
    def success(request: OrderRequest) -> OrderResponse:
        return OrderResponse(request.order_id)

    @staticmethod
    def error(request: OrderRequest, error_code: OrderResponseErrorCode, error_message: str) -> OrderResponse:
        return OrderResponse(request.order_id, error_code, error_message)

    @staticmethod
    def invalid_status(request: OrderRequest, order: Order) -> OrderResponse:
        return OrderResponse.error(
            request,
            OrderResponseErrorCode.INVALID_ORDER_STATUS,
            f"Unable to update order with id {request.order_id} because it already has {order.status.name} status.",
        )

    @staticmethod
    def invalid_new_status(request: OrderRequest, order: Order) -> OrderResponse:
        return OrderResponse.error(
            request,
            OrderResponseErrorCode.INVALID_NEW_ORDER_STATUS,
            f"Unable to update or cancel order with id {request.order_id} and status {order.status.name} "
            "because the submit confirmation has not been received yet.",
        )

    @staticmethod
    def unable_to_find_order(request: OrderRequest) -> OrderResponse:
        return OrderResponse.error(
            request, OrderResponseErrorCode.UNABLE_TO_FIND_ORDER, f"Unable to locate order with id {request.order_id}."
        )

    @staticmethod
    def zero_quantity(request: OrderRequest) -> OrderResponse:
        return OrderResponse.error(
            request,
            OrderResponseErrorCode.ORDER_QUANTITY_ZERO,
            f"Unable to {request.order_request_type.name.lower()} order with id {request.order_id} that has zero quantity.",
        )

    @staticmethod
    def warming_up(request: OrderRequest) -> OrderResponse:
        return OrderResponse.error(
            request,
            OrderResponseErrorCode.ALGORITHM_WARMING_UP,
            "This operation is not allowed in initialize or during warm up: "
            f"OrderRequest.{request.order_request_type.name.capitalize()}. "
            "Please move this code to the on_warmup_finished() method.",
        )

    def to_string(self) -> str:
        if self.is_success:
            return f"OrderResponse: OrderId: {self._order_id} Success"
        return f"OrderResponse: OrderId: {self._order_id} {self._error_code.name}: {self._error_message}"

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"<{self.to_string()}>"


OrderResponse.UNPROCESSED = OrderResponse(0, is_processed=False)


class OrderRequest:
    """Common part of submit/update/cancel requests."""

    def __init__(self, time: datetime, order_id: int, tag: str | None) -> None:
        self._time = time
        self._order_id = order_id
        self._tag = tag
        self._response = OrderResponse.UNPROCESSED
        self._status = OrderRequestStatus.UNPROCESSED

    @property
    def order_request_type(self) -> OrderRequestType:
        raise NotImplementedError

    @property
    def time(self) -> datetime:
        return self._time

    @property
    def order_id(self) -> int:
        return self._order_id

    @property
    def tag(self) -> str | None:
        return self._tag

    @property
    def response(self) -> OrderResponse:
        return self._response

    @property
    def status(self) -> OrderRequestStatus:
        return self._status

    def set_response(self, response: OrderResponse, status: OrderRequestStatus = OrderRequestStatus.PROCESSED) -> None:
        self._response = response
        self._status = OrderRequestStatus.ERROR if response.is_error else status


class SubmitOrderRequest(OrderRequest):
    """A request to place one order (one per combo leg)."""

    def __init__(
        self,
        order_type: OrderType,
        security_type: SecurityType,
        symbol: Symbol,
        quantity: float,
        stop_price: float,
        limit_price: float,
        time: datetime,
        tag: str,
        properties: Any = None,
        group_order_manager: GroupOrderManager | None = None,
        asynchronous: bool = False,
    ) -> None:
        super().__init__(time, 0, tag)
        self._order_type = order_type
        self._security_type = security_type
        self._symbol = symbol
        self._quantity = float(quantity)
        self._stop_price = float(stop_price)
        self._limit_price = float(limit_price)
        self._properties = properties
        self._group_order_manager = group_order_manager
        self._asynchronous = asynchronous

    @property
    def order_request_type(self) -> OrderRequestType:
        return OrderRequestType.SUBMIT

    @property
    def order_type(self) -> OrderType:
        return self._order_type

    @property
    def security_type(self) -> SecurityType:
        return self._security_type

    @property
    def symbol(self) -> Symbol:
        return self._symbol

    @property
    def quantity(self) -> float:
        return self._quantity

    @property
    def limit_price(self) -> float:
        return self._limit_price

    @property
    def stop_price(self) -> float:
        return self._stop_price

    @property
    def order_properties(self) -> Any:
        return self._properties

    @property
    def group_order_manager(self) -> GroupOrderManager | None:
        return self._group_order_manager

    @property
    def asynchronous(self) -> bool:
        return self._asynchronous


class CancelOrderRequest(OrderRequest):
    """A request to cancel; a non-None tag replaces the order's tag (LEAN does this even on refusal)."""

    @property
    def order_request_type(self) -> OrderRequestType:
        return OrderRequestType.CANCEL


class UpdateOrderFields:
    """What an update changes; a field left None is kept (Common/Orders/UpdateOrderFields.cs)."""

    def __init__(self) -> None:
        self.quantity: float | None = None
        self.limit_price: float | None = None
        self.stop_price: float | None = None
        self.tag: str | None = None


class UpdateOrderRequest(OrderRequest):
    """A request to change an order's quantity, limit price or tag (stop orders are not simulated)."""

    def __init__(self, time: datetime, order_id: int, fields: UpdateOrderFields | str | None) -> None:
        if not isinstance(fields, UpdateOrderFields):  # the tag-only form update_tag sends
            tag, fields = fields, UpdateOrderFields()
            fields.tag = tag
        super().__init__(time, order_id, fields.tag)
        self._quantity = None if fields.quantity is None else float(fields.quantity)
        self._limit_price = None if fields.limit_price is None else float(fields.limit_price)

    @property
    def order_request_type(self) -> OrderRequestType:
        return OrderRequestType.UPDATE

    @property
    def quantity(self) -> float | None:
        return self._quantity

    @property
    def limit_price(self) -> float | None:
        return self._limit_price

    def is_allowed_for_closed_order(self) -> bool:
        """Only a tag may change once the order is closed (UpdateOrderRequest.IsAllowedForClosedOrder)."""
        return self._quantity is None and self._limit_price is None


class OrderTicket(PascalCaseAttributes):
    """The algorithm's handle on one order: live status, fills, events, and cancel/update_tag."""

    def __init__(self, transaction_manager: OrderProcessor | None, submit_request: SubmitOrderRequest) -> None:
        self._handler = transaction_manager
        self._submit_request = submit_request
        self._order: Order | None = None
        self._events: list[OrderEvent] = []
        self._cancel_request: CancelOrderRequest | None = None
        self._update_requests: list[UpdateOrderRequest] = []
        self._status_override: OrderStatus | None = None
        self._quantity_filled = 0.0
        self._fill_value = 0.0

    @property
    def order_id(self) -> int:
        return self._submit_request.order_id

    @property
    def symbol(self) -> Symbol:
        return self._submit_request.symbol

    @property
    def security_type(self) -> SecurityType:
        return self._submit_request.security_type

    @property
    def status(self) -> OrderStatus:
        if self._status_override is not None:
            return self._status_override
        return self._order.status if self._order is not None else OrderStatus.NEW

    @property
    def quantity(self) -> float:
        return self._order.quantity if self._order is not None else self._submit_request.quantity

    @property
    def quantity_filled(self) -> float:
        return self._quantity_filled

    @property
    def quantity_remaining(self) -> float:
        return self.quantity - self._quantity_filled

    @property
    def average_fill_price(self) -> float:
        return self._fill_value / self._quantity_filled if self._quantity_filled else 0.0

    @property
    def time(self) -> datetime:
        return self._submit_request.time

    @property
    def order_type(self) -> OrderType:
        return self._order.type if self._order is not None else self._submit_request.order_type

    @property
    def tag(self) -> str:
        return self._order.tag if self._order is not None else (self._submit_request.tag or "")

    @property
    def submit_request(self) -> SubmitOrderRequest:
        return self._submit_request

    @property
    def cancel_request(self) -> CancelOrderRequest | None:
        return self._cancel_request

    @property
    def update_requests(self) -> list[UpdateOrderRequest]:
        return list(self._update_requests)

    @property
    def order_events(self) -> list[OrderEvent]:
        return list(self._events)

    @property
    def has_order(self) -> bool:
        return self._order is not None

    def cancel(self, tag: str | None = None) -> OrderResponse:
        """Request cancellation; a tag replaces the order's tag. A second cancel is an error."""
        request = CancelOrderRequest(self._now(), self.order_id, tag)
        if self._cancel_request is not None and self._cancel_request.status != OrderRequestStatus.ERROR:
            return OrderResponse.error(
                request,
                OrderResponseErrorCode.REQUEST_CANCELED,
                f"Order {self.order_id} has already received a cancellation request.",
            )
        if self._handler is None:
            return OrderResponse.unable_to_find_order(request)
        self._handler.process_cancel(request)
        return request.response

    def update(self, fields: UpdateOrderFields) -> OrderResponse:
        """Change the order's quantity, limit price or tag (a closed order's tag only); refused while NEW."""
        request = UpdateOrderRequest(self._now(), self.order_id, fields)
        if self._handler is None:
            return OrderResponse.unable_to_find_order(request)
        self._update_requests.append(request)
        return self._handler.process_update(request)

    def update_tag(self, tag: str) -> OrderResponse:
        """Replace the order's tag (allowed on closed orders, refused while NEW)."""
        fields = UpdateOrderFields()
        fields.tag = tag
        return self.update(fields)

    def update_limit_price(self, limit_price: float, tag: str | None = None) -> OrderResponse:
        fields = UpdateOrderFields()
        fields.limit_price, fields.tag = limit_price, tag
        return self.update(fields)

    def update_quantity(self, quantity: float, tag: str | None = None) -> OrderResponse:
        fields = UpdateOrderFields()
        fields.quantity, fields.tag = quantity, tag
        return self.update(fields)

    def get(self, field: OrderField) -> float:
        """The order's limit price (a combo limit leg's is its group's); other fields are not simulated
        (OrderTicket.Get)."""
        if field != OrderField.LIMIT_PRICE:
            raise ValueError(f"{field!r} is not simulated: the double has no stop or trailing orders")
        order = self._order
        if order is None:
            return self._submit_request.limit_price
        manager = order.group_order_manager
        if order.type == OrderType.COMBO_LIMIT and manager is not None:
            return manager.limit_price
        return float(getattr(order, "limit_price", 0.0))

    def get_most_recent_order_response(self) -> OrderResponse:
        if self._cancel_request is not None:
            return self._cancel_request.response
        if self._update_requests:
            return self._update_requests[-1].response
        return self._submit_request.response

    def to_string(self) -> str:
        return f"{self.order_id}: {self.order_type.name} {self.quantity:g} {self.symbol} {self.status.name} tag={self.tag!r}"

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"<OrderTicket {self.to_string()}>"

    def _now(self) -> datetime:
        return self._handler.utc_time if self._handler is not None else self._submit_request.time
