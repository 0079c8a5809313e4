"""Option exercise and assignment models, as LEAN's.

Mirrors Common/Orders/OptionExercise/DefaultExerciseModel.cs (the fills of an OptionExerciseOrder),
Common/Securities/Option/DefaultOptionAssignmentModel.cs and NullOptionAssignmentModel.cs (early
assignment of short contracts in backtests), with OptionAssignmentParameters/OptionAssignmentResult.
They read the option security duck-typed (holdings, underlying, fee model), so that this module
never imports the securities that hold these models.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from leansim.enums import OptionRight, OptionStyle, OrderDirection, OrderStatus, SettlementType
from leansim.fees import OrderFeeParameters
from leansim.orders import MarketOrder, OptionExerciseOrder, OrderEvent, OrderFee

# Messages of Common/Messages/Messages.Orders.OptionExercise.cs
OPTION_ASSIGNMENT = "Option Assignment"
OPTION_EXERCISE = "Option Exercise"


def intrinsic_value(right: OptionRight, strike: float, underlying_price: float) -> float:
    """OptionPayoff.GetIntrinsicValue (Common/Util/OptionPayoff.cs)."""
    payoff = underlying_price - strike if right == OptionRight.CALL else strike - underlying_price
    return max(0.0, payoff)


def exercise_quantity(right: OptionRight, order_quantity: float, unit_of_trade: float) -> float:
    """Option.GetExerciseQuantity: the signed underlying quantity an exercise order moves (a long call
    exercised, order quantity < 0, buys the underlying)."""
    sign = -1 if right == OptionRight.CALL else 1
    return sign * order_quantity * unit_of_trade


def _direction(quantity: float) -> OrderDirection:
    return OrderDirection.BUY if quantity > 0 else OrderDirection.SELL if quantity < 0 else OrderDirection.HOLD


def holdings_adjustment_tag(in_the_money: bool, is_assignment: bool, underlying_price: float) -> str:
    """Messages.DefaultExerciseModel.ContractHoldingsAdjustmentFillTag."""
    action = "Assigned" if is_assignment else "Automatic Exercise"
    return f"{action if in_the_money else 'OTM'}. Underlying: {_invariant(underlying_price)}"


def _invariant(value: float) -> str:
    """A price as C#'s decimal ToStringInvariant prints it: no exponent, no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


class DefaultExerciseModel:
    """LEAN's default option exercise model: the option leg closes at price 0 (its message says
    Automatic Exercise, Assigned or OTM); an in-the-money, physically settled contract also moves
    the underlying at the strike. Cash settlement is paid by the portfolio (OptionPortfolioModel)."""

    def option_exercise(self, option: Any, order: OptionExerciseOrder) -> list[OrderEvent]:
        underlying = option.underlying
        utc_time = option.local_time.replace(tzinfo=ZoneInfo(option.exchange.time_zone)).astimezone(timezone.utc)
        in_the_money = option.is_auto_exercised(underlying.close)
        is_assignment = in_the_money and option.holdings.is_short
        option_leg = OrderEvent(order.id, option.symbol, utc_time, OrderStatus.FILLED, _direction(order.quantity), 0.0,
                                order.quantity, OrderFee.ZERO,
                                holdings_adjustment_tag(in_the_money, is_assignment, underlying.price))
        option_leg.is_assignment = is_assignment
        option_leg.is_in_the_money = in_the_money
        events = [option_leg]
        if in_the_money and option.exercise_settlement == SettlementType.PHYSICAL_DELIVERY:
            quantity = option.get_exercise_quantity(order.quantity)
            underlying_leg = OrderEvent(order.id, underlying.symbol, utc_time, OrderStatus.FILLED, _direction(quantity),
                                        option.strike_price, quantity, OrderFee.ZERO,
                                        OPTION_ASSIGNMENT if is_assignment else OPTION_EXERCISE)
            underlying_leg.is_in_the_money = True
            events.append(underlying_leg)
        return events


class OptionAssignmentParameters:
    """What an assignment model is asked about: one option security."""

    def __init__(self, option: Any) -> None:
        self.option = option


class OptionAssignmentResult:
    """How many contracts to assign (0: none), and the tag of the exercise order."""

    NULL: OptionAssignmentResult

    def __init__(self, quantity: float, tag: str) -> None:
        self.quantity = quantity
        self.tag = tag


OptionAssignmentResult.NULL = OptionAssignmentResult(0, "")


class NullOptionAssignmentModel:
    """Never assigns early (Common/Securities/Option/NullOptionAssignmentModel.cs)."""

    def get_assignment(self, parameters: OptionAssignmentParameters) -> OptionAssignmentResult:
        return OptionAssignmentResult.NULL


class DefaultOptionAssignmentModel:
    """Assigns a short contract that is deep in the money (by `required_in_the_money_percent` of the
    underlying) close to expiry (American: within `prior_expiration`; European: on the expiry date)
    when the counterparty gains more by exercising than by selling the contract at the bid.
    The brokerage asks it about every short option once an hour (BacktestingBrokerage.ProcessAssignmentOrders)."""

    def __init__(self, required_in_the_money_percent: float = 0.05, prior_expiration: timedelta | None = None) -> None:
        self._required_in_the_money_percent = float(required_in_the_money_percent)
        self._prior_expiration = prior_expiration if prior_expiration is not None else timedelta(days=4)

    def get_assignment(self, parameters: OptionAssignmentParameters) -> OptionAssignmentResult:
        option = parameters.option
        identifier = option.symbol.id
        local = option.local_time.replace(tzinfo=None)
        expiry = identifier.date.replace(tzinfo=None)
        soon = (identifier.option_style == OptionStyle.AMERICAN and expiry - local <= self._prior_expiration
                or identifier.option_style == OptionStyle.EUROPEAN and expiry.date() == local.date())
        if soon and self._deep_in_the_money(option) and _arbitrage_pnl(option) > 0:
            return OptionAssignmentResult(option.holdings.absolute_quantity, "Simulated option assignment before expiration")
        return OptionAssignmentResult.NULL

    def _deep_in_the_money(self, option: Any) -> bool:
        price = option.underlying.close
        if not price:
            return False
        if option.right == OptionRight.CALL:
            return bool((price - option.strike_price) / price > self._required_in_the_money_percent)
        return bool((option.strike_price - price) / price > self._required_in_the_money_percent)


def _arbitrage_pnl(option: Any) -> float:
    """EstimateArbitragePnL: the counterparty's gain from exercising and closing the underlying at
    its bid/ask, over selling the contract at the option's bid, fees included."""
    holding = option.holdings
    underlying = option.underlying
    underlying_price = underlying.bid_price if option.right == OptionRight.CALL else underlying.ask_price
    underlying_quantity = option.get_exercise_quantity(holding.quantity)
    now = option.local_time
    sell = MarketOrder(option.symbol, -holding.quantity, now)
    base = ((option.bid_price - holding.average_price) * -holding.quantity * option.symbol_properties.contract_multiplier
            - option.fee_model.get_order_fee(OrderFeeParameters(option, sell)).value.amount)
    exercise = OptionExerciseOrder(option.symbol, holding.absolute_quantity, now)
    exercise_fee = option.fee_model.get_order_fee(OrderFeeParameters(option, exercise)).value.amount
    underlying_fee = 0.0
    if option.exercise_settlement == SettlementType.PHYSICAL_DELIVERY:
        close = MarketOrder(underlying.symbol, -underlying_quantity, now)
        underlying_fee = underlying.fee_model.get_order_fee(OrderFeeParameters(underlying, close)).value.amount
    alternative = ((underlying_price - option.strike_price) * underlying_quantity * option.contract_unit_of_trade
                   - underlying_fee
                   - holding.average_price * holding.absolute_quantity * option.symbol_properties.contract_multiplier
                   - exercise_fee)
    return float(alternative - base)
