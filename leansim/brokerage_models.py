"""Brokerage models: which orders a brokerage accepts (LEAN's `can_submit_order`).

Stands for Common/Brokerages/IBrokerageModel.cs, DefaultBrokerageModel.cs and the named brokerages'
models beside it.

The engine asks `algorithm.brokerage_model.can_submit_order(security, order, message)` for every leg
before an order reaches the brokerage; False marks every leg of the group INVALID. A Python subclass
may return a bool or, as pythonnet does with LEAN's out parameter, a (bool, BrokerageMessageEvent)
tuple. Which combo order types each model accepts, and which model a BrokerageName installs, come
from the library's one table of brokerage facts (atomic/brokerages.py).
"""

from __future__ import annotations

from typing import Any

from atomic.brokerages import BROKERAGES, facts_for
from leansim.enums import AccountType, BrokerageMessageType, BrokerageName, OrderType, SecurityType
from leansim.fees import (
    CharlesSchwabFeeModel,
    ConstantFeeModel,
    FeeModel,
    InteractiveBrokersFeeModel,
    TastytradeFeeModel,
    TradeStationFeeModel,
    fee_model_for,
)
from leansim.orders import Order
from leansim.securities import Security

_ALL_ORDER_TYPES = frozenset(OrderType)
# What the option brokerages modelled here accept: IB, Schwab, TradeStation, Tastytrade and Tradier all
# take equities, equity options and index options (IB and others more, which the double does not trade).
_OPTION_BROKER_TYPES = frozenset({SecurityType.EQUITY, SecurityType.OPTION, SecurityType.INDEX_OPTION})


class BrokerageMessageEvent:
    """A message from (or about) the brokerage: type, code and text."""

    def __init__(self, type: BrokerageMessageType, code: str | int, message: str) -> None:
        self._type = type
        self._code = str(code)
        self._message = message

    @property
    def type(self) -> BrokerageMessageType:
        return self._type

    @property
    def code(self) -> str:
        return self._code

    @property
    def message(self) -> str:
        return self._message

    @staticmethod
    def disconnected(message: str) -> BrokerageMessageEvent:
        return BrokerageMessageEvent(BrokerageMessageType.DISCONNECT, "", message)

    @staticmethod
    def reconnected(message: str) -> BrokerageMessageEvent:
        return BrokerageMessageEvent(BrokerageMessageType.RECONNECT, "", message)

    def to_string(self) -> str:
        return f"{self._type.name} - Code: {self._code} - {self._message}"

    def __str__(self) -> str:
        return self.to_string()


class DefaultBrokerageModel:
    """Accepts every order type the double supports."""

    def __init__(self, account_type: AccountType = AccountType.MARGIN) -> None:
        self._account_type = account_type

    @property
    def account_type(self) -> AccountType:
        return self._account_type

    @property
    def required_free_buying_power_percent(self) -> float:
        return 0.0

    def can_submit_order(
        self, security: Security, order: Order, message: BrokerageMessageEvent | None = None
    ) -> tuple[bool, BrokerageMessageEvent | None]:
        """(True, None) when the brokerage would accept `order`, else (False, why)."""
        return True, None

    def can_update_order(
        self, security: Security, order: Order, request: Any, message: BrokerageMessageEvent | None = None
    ) -> tuple[bool, BrokerageMessageEvent | None]:
        return True, None

    def can_execute_order(self, security: Security, order: Order) -> bool:
        return True

    def get_fee_model(self, security: Security) -> FeeModel:
        """LEAN's DefaultBrokerageModel.GetFeeModel (leansim.fees.fee_model_for)."""
        return fee_model_for(security)


class _OrderTypeLimitedModel(DefaultBrokerageModel):
    """A model that supports a fixed set of order types: its own `_plain` ones, and the combo types
    the table of brokerage facts lists for it (or for the model it derives from); and a fixed set of
    security types (each model's CanSubmitOrder, Common/Brokerages/<Name>BrokerageModel.cs)."""

    _plain: frozenset[OrderType] = frozenset()
    _supported: frozenset[OrderType] = _ALL_ORDER_TYPES
    _security_types: frozenset[SecurityType] = _OPTION_BROKER_TYPES

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        facts = facts_for(cls)
        combos = facts.combo_order_types if facts is not None else frozenset()
        cls._supported = cls._plain | {OrderType[name] for name in combos}

    def can_submit_order(
        self, security: Security, order: Order, message: BrokerageMessageEvent | None = None
    ) -> tuple[bool, BrokerageMessageEvent | None]:
        if security.type not in self._security_types:
            return False, BrokerageMessageEvent(
                BrokerageMessageType.WARNING,
                "NotSupported",
                f"The {type(self).__name__} does not support {security.type.name} security type.",
            )
        if order.type not in self._supported:
            names = ",".join(kind.name for kind in sorted(self._supported))
            return False, BrokerageMessageEvent(
                BrokerageMessageType.WARNING,
                "NotSupported",
                f"The {type(self).__name__} does not support {order.type.name} order type. Only supports [{names}]",
            )
        return True, None


class InteractiveBrokersBrokerageModel(_OrderTypeLimitedModel):
    """IB: its combos except ComboLegLimit with four or more legs."""

    _plain = frozenset(
        {
            OrderType.MARKET,
            OrderType.MARKET_ON_OPEN,
            OrderType.MARKET_ON_CLOSE,
            OrderType.LIMIT,
            OrderType.STOP_MARKET,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP,
            OrderType.LIMIT_IF_TOUCHED,
            OrderType.OPTION_EXERCISE,
        }
    )

    def can_submit_order(
        self, security: Security, order: Order, message: BrokerageMessageEvent | None = None
    ) -> tuple[bool, BrokerageMessageEvent | None]:
        manager = order.group_order_manager
        if order.type == OrderType.COMBO_LEG_LIMIT and manager is not None and manager.count >= 4:
            return False, BrokerageMessageEvent(
                BrokerageMessageType.WARNING,
                "NotSupported",
                f"The {type(self).__name__} does not support ComboLegLimit orders with 4 or more legs.",
            )
        return super().can_submit_order(security, order, message)

    def get_fee_model(self, security: Security) -> FeeModel:
        """Interactive Brokers' rule on every security (InteractiveBrokersBrokerageModel.GetFeeModel),
        where the default model charges index options nothing."""
        return InteractiveBrokersFeeModel()


class CharlesSchwabBrokerageModel(_OrderTypeLimitedModel):
    """Schwab."""

    _plain = frozenset(
        {
            OrderType.MARKET,
            OrderType.LIMIT,
            OrderType.STOP_MARKET,
            OrderType.STOP_LIMIT,
            OrderType.MARKET_ON_CLOSE,
            OrderType.MARKET_ON_OPEN,
        }
    )

    def get_fee_model(self, security: Security) -> FeeModel:
        return CharlesSchwabFeeModel()


class TradeStationBrokerageModel(_OrderTypeLimitedModel):
    """TradeStation."""

    _plain = frozenset(
        {
            OrderType.MARKET,
            OrderType.LIMIT,
            OrderType.STOP_MARKET,
            OrderType.STOP_LIMIT,
            OrderType.MARKET_ON_OPEN,
            OrderType.MARKET_ON_CLOSE,
            OrderType.TRAILING_STOP,
        }
    )

    def get_fee_model(self, security: Security) -> FeeModel:
        return TradeStationFeeModel()


class TastytradeBrokerageModel(_OrderTypeLimitedModel):
    """Tastytrade: no market-on-open."""

    _plain = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP_MARKET, OrderType.STOP_LIMIT})

    def get_fee_model(self, security: Security) -> FeeModel:
        return TastytradeFeeModel()


class TradierBrokerageModel(_OrderTypeLimitedModel):
    """Tradier: no market-on-open; an order's quantity cannot be updated (its price can)."""

    _plain = frozenset({OrderType.LIMIT, OrderType.MARKET, OrderType.STOP_MARKET, OrderType.STOP_LIMIT})

    def can_update_order(
        self, security: Security, order: Order, request: Any, message: BrokerageMessageEvent | None = None
    ) -> tuple[bool, BrokerageMessageEvent | None]:
        """Common/Brokerages/TradierBrokerageModel.cs, CanUpdateOrder."""
        if request.quantity is not None and request.quantity != order.quantity:
            return False, BrokerageMessageEvent(BrokerageMessageType.WARNING, "UpdateRejected",
                                                "Tradier does not support updating order quantities.")
        return True, None

    def get_fee_model(self, security: Security) -> FeeModel:
        return ConstantFeeModel(0.0)  # "Trading stocks at Tradier Brokerage is free"


class AlpacaBrokerageModel(_OrderTypeLimitedModel):
    """Alpaca: margin accounts only; equities and equity options, no index options."""

    _security_types = frozenset({SecurityType.EQUITY, SecurityType.OPTION})

    _plain = frozenset(
        {
            OrderType.MARKET,
            OrderType.LIMIT,
            OrderType.STOP_MARKET,
            OrderType.STOP_LIMIT,
            OrderType.TRAILING_STOP,
            OrderType.MARKET_ON_OPEN,
            OrderType.MARKET_ON_CLOSE,
        }
    )

    def __init__(self) -> None:
        super().__init__(AccountType.MARGIN)

    def get_fee_model(self, security: Security) -> FeeModel:
        return ConstantFeeModel(0.0)  # AlpacaFeeModel charges crypto only


_MODELS: dict[str, type[DefaultBrokerageModel]] = {
    model.__name__: model
    for model in (InteractiveBrokersBrokerageModel, CharlesSchwabBrokerageModel, TradeStationBrokerageModel,
                  TastytradeBrokerageModel, TradierBrokerageModel, AlpacaBrokerageModel)
}


def brokerage_model_for(name: int, account_type: AccountType) -> DefaultBrokerageModel:
    """The model LEAN's set_brokerage_model(BrokerageName, AccountType) installs: the table's model
    for that name, or the default model for one the double does not model."""
    facts = next((f for f in BROKERAGES if BrokerageName[f.brokerage_name] == name), None)
    model = _MODELS.get(facts.model, DefaultBrokerageModel) if facts is not None else DefaultBrokerageModel
    if model is AlpacaBrokerageModel:
        return AlpacaBrokerageModel()
    return model(account_type)
