"""Option price models: `option.set_price_model(model)` and `contract.theoretical_price`
(Common/Securities/Option/OptionPriceModelResult.cs, OptionPriceModelParameters.cs, QLOptionPriceModel.cs).

A chain's contract asks its option's price model for its theoretical price when it is first read,
with the contract, the option security and the slice (OptionContract.TheoreticalPrice). Any object
with `evaluate(parameters)` returning an OptionPriceModelResult is a model. Without one set, the
double's contracts have a theoretical price of 0.

`QLOptionPriceModel` stands for LEAN's QuantLib models, but prices Black-Scholes at the contract's
implied volatility (from its quote), not at a volatility model's estimate as QuantLib's do.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from leansim.data import Greeks
from leansim.enums import OptionRight
from leansim.market import black_scholes as bs

_YEAR_SECONDS = 365.0 * 86_400.0


class OptionPriceModelResult:
    """A model's theoretical price, implied volatility and greeks."""

    NONE: OptionPriceModelResult

    def __init__(self, theoretical_price: float, implied_volatility: float = 0.0, greeks: Greeks | None = None) -> None:
        self.theoretical_price = theoretical_price
        self.implied_volatility = implied_volatility
        self.greeks = greeks or Greeks()


OptionPriceModelResult.NONE = OptionPriceModelResult(0.0)


class OptionPriceModelParameters:
    """What a model evaluates: the option security, the slice and the chain's contract."""

    def __init__(self, security: Any = None, slice: Any = None, contract: Any = None) -> None:  # noqa: A002 - LEAN's name
        self.security, self.slice, self.contract = security, slice, contract


class QLOptionPriceModel:
    """Black-Scholes at the contract's implied volatility, its delta among the greeks."""

    def evaluate(self, parameters: OptionPriceModelParameters) -> OptionPriceModelResult:
        contract = parameters.contract
        spot, strike = contract.underlying_last_price, contract.strike
        expiry = datetime.combine(contract.expiry.date(), time(16))
        years = max((expiry - contract.time).total_seconds(), 0.0) / _YEAR_SECONDS
        is_call = contract.right == OptionRight.CALL
        mid = (contract.bid_price + contract.ask_price) / 2 if contract.bid_price and contract.ask_price else contract.last_price
        vol = bs.implied_vol(mid, spot, strike, years, is_call) if mid and spot else None
        if vol is None:
            return OptionPriceModelResult.NONE
        return OptionPriceModelResult(bs.price(spot, strike, years, vol, is_call), vol,
                                      Greeks(bs.delta(spot, strike, years, vol, is_call)))


class QLOptionPriceModelProvider:
    """`QLOptionPriceModelProvider.INSTANCE.get_option_price_model(symbol)`."""

    INSTANCE: QLOptionPriceModelProvider

    def get_option_price_model(self, symbol: Any) -> QLOptionPriceModel:
        return QLOptionPriceModel()


QLOptionPriceModelProvider.INSTANCE = QLOptionPriceModelProvider()
