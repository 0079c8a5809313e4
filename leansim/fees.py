"""LEAN's fee models (Common/Orders/Fees/): what a filled order costs, charged to the portfolio's cash.

The brokerage model picks a security's fee model (`get_fee_model`, Common/Brokerages/
DefaultBrokerageModel.cs): Interactive Brokers' rule for equities and equity options, nothing for the
rest (index options included: LEAN's SPXW regression backtests total $0.00 of fees); the Interactive
Brokers model charges its rule on every security, index options at the equity options' rates. BacktestingBrokerage charges the fee once, on the event that completes an order, for the whole
order (Brokerages/Backtesting/BacktestingBrokerage.cs, Scan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from leansim.enums import OrderDirection, OrderType, SecurityType
from leansim.orders import CashAmount, OrderFee

if TYPE_CHECKING:
    from leansim.orders import Order


class _Holding(Protocol):
    @property
    def quantity(self) -> float: ...


class PricedSecurity(Protocol):
    """What a fee model reads of the security (leansim.securities.Security). LEAN's fee models take the
    Security itself; named by its shape here because a Security holds its fee model, so securities
    imports this module and this module never imports securities."""

    @property
    def type(self) -> SecurityType: ...

    @property
    def price(self) -> float: ...

    @property
    def bid_price(self) -> float: ...

    @property
    def ask_price(self) -> float: ...

    @property
    def holdings(self) -> _Holding: ...


class OrderFeeParameters:
    """The security and the order a fee is computed for (Common/Orders/Fees/OrderFeeParameters.cs)."""

    def __init__(self, security: PricedSecurity, order: Order) -> None:
        self.security = security
        self.order = order


class FeeModel:
    """LEAN's FeeModel base: no fee."""

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        return OrderFee.ZERO


class ConstantFeeModel(FeeModel):
    """The same fee for every order (Common/Orders/Fees/ConstantFeeModel.cs)."""

    def __init__(self, fee: float, currency: str = "USD") -> None:
        self._fee = CashAmount(abs(float(fee)), currency)

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        return OrderFee(self._fee)


class InteractiveBrokersFeeModel(FeeModel):
    """Interactive Brokers' US rates at the lowest volume tier (Common/Orders/Fees/InteractiveBrokersFeeModel.cs):
    options $0.65 a contract ($0.50 under a $0.10 premium, $0.25 under $0.05), at least $1.00 an order;
    equities $0.005 a share, at least $1.00 and at most 0.5% of the order's value."""

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        security, order = parameters.security, parameters.order
        if order.type == OrderType.OPTION_EXERCISE and security.type == SecurityType.OPTION:
            return OrderFee.ZERO  # exercising an equity option is free of charge
        quantity = abs(order.quantity)
        price = _potential_price(security, order)
        if security.type in (SecurityType.OPTION, SecurityType.INDEX_OPTION):
            rate = 0.65 if price >= 0.1 else 0.5 if price >= 0.05 else 0.25
            return OrderFee(CashAmount(max(quantity * rate, 1.0), "USD"))
        if security.type == SecurityType.EQUITY:
            fee = quantity * 0.005
            fee = 1.0 if fee < 1.0 else min(fee, 0.005 * quantity * price)
            return OrderFee(CashAmount(fee, "USD"))
        return OrderFee.ZERO


class CharlesSchwabFeeModel(FeeModel):
    """Options $0.65 a contract, index options $1.00, no minimum; equities free
    (Common/Orders/Fees/CharlesSchwabFeeModel.cs)."""

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        return _per_contract(parameters, 0.65, 1.0)


class TradeStationFeeModel(FeeModel):
    """Options $0.60 a contract, index options $1.00; no per-trade commission for a US resident,
    LEAN's default (Common/Orders/Fees/TradeStationFeeModel.cs)."""

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        return _per_contract(parameters, 0.6, 1.0)


class TastytradeFeeModel(FeeModel):
    """Options and index options $1 a contract to open, nothing to close
    (Common/Orders/Fees/TastytradeFeeModel.cs)."""

    def get_order_fee(self, parameters: OrderFeeParameters) -> OrderFee:
        held = parameters.security.holdings.quantity
        buying = parameters.order.direction == OrderDirection.BUY
        opening = held >= 0 if buying else held <= 0  # BrokerageExtensions.GetOrderPosition
        rate = 1.0 if opening else 0.0
        return _per_contract(parameters, rate, rate)


def fee_model_for(security: PricedSecurity) -> FeeModel:
    """DefaultBrokerageModel.GetFeeModel: Interactive Brokers' rule for equities and equity options,
    none for the rest (Index and IndexOption fall to its `ConstantFeeModel(0m)`)."""
    if security.type in (SecurityType.EQUITY, SecurityType.OPTION):
        return InteractiveBrokersFeeModel()
    return ConstantFeeModel(0.0)


def _per_contract(parameters: OrderFeeParameters, option_rate: float, index_option_rate: float) -> OrderFee:
    """A rate per contract for equity options and one for index options; nothing on the rest."""
    rates = {SecurityType.OPTION: option_rate, SecurityType.INDEX_OPTION: index_option_rate}
    rate = rates.get(parameters.security.type)
    if rate is None:
        return OrderFee.ZERO
    return OrderFee(CashAmount(abs(parameters.order.quantity) * rate, "USD"))


def _potential_price(security: PricedSecurity, order: Order) -> float:
    """The limit price of a limit order, else the side of the quote the order takes (GetPotentialOrderPrice)."""
    limit = getattr(order, "limit_price", 0.0)
    if limit:
        return float(limit)
    side = security.ask_price if order.direction == OrderDirection.BUY else security.bid_price
    return side or security.price
