"""`OptionStrategies.*`: LEAN's factory of multi-leg option strategies, traded with buy/sell/order.

Stands for Common/Securities/Option/OptionStrategies.cs (the factories, their argument checks and
`InvertStrategy`), Common/Securities/Option/OptionStrategy.cs (`SetSymbols`) and the names of
Common/Securities/Option/StrategyMatcher/OptionStrategyDefinitions.cs. A strategy is a value: legs
with a right, strike, expiry and ratio; QCAlgorithm.order(strategy, n) sends them as one combo
market order tagged "<Name> (<n>)" (Algorithm/QCAlgorithm.Trading.cs, GenerateOptionStrategyOrders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from leansim.enums import OptionRight, OptionStyle
from leansim.orders import Leg
from leansim.symbols import Symbol

CONTRACT_MULTIPLIER = 100  # equity options (symbol-properties database), the underlying leg of a covered call


@dataclass
class OptionLegData:
    """One option leg: right, strike, expiry and ratio; its Symbol is set by `set_symbols`."""

    right: OptionRight
    strike: float
    quantity: int
    expiration: datetime
    symbol: Symbol | None = None


@dataclass
class UnderlyingLegData:
    """The underlying's leg (covered and protective strategies): shares per strategy unit."""

    quantity: int
    symbol: Symbol


@dataclass
class OptionStrategy:
    """A named set of legs on one canonical option."""

    name: str
    canonical_option: Symbol
    option_legs: list[OptionLegData]
    underlying_legs: list[UnderlyingLegData] = field(default_factory=list)

    @property
    def underlying(self) -> Symbol:
        assert self.canonical_option.underlying is not None
        return self.canonical_option.underlying

    def set_symbols(self) -> None:
        """Each option leg's contract Symbol, from the canonical option (OptionStrategy.SetSymbols)."""
        for leg in self.option_legs:
            if leg.symbol is None:
                leg.symbol = Symbol.create_option(self.underlying, self.canonical_option.id.market,
                                                  self.canonical_option.id.option_style or OptionStyle.AMERICAN,
                                                  leg.right, leg.strike, leg.expiration)

    def _legs(self) -> list[Leg]:
        """The combo's legs: underlying legs first, then option legs, as LEAN concatenates them."""
        self.set_symbols()
        legs = [Leg.create(leg.symbol, leg.quantity) for leg in self.underlying_legs]
        return legs + [Leg.create(leg.symbol, leg.quantity) for leg in self.option_legs if leg.symbol is not None]


class OptionStrategies:
    """LEAN's strategy factories (snake_case, as Python calls them); each checks its arguments as LEAN does."""

    @staticmethod
    def covered_call(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "CoveredCall", expiration)
        return OptionStrategy("Covered Call", canonical_option, [_leg(OptionRight.CALL, strike, -1, expiration)],
                              [UnderlyingLegData(CONTRACT_MULTIPLIER, _underlying(canonical_option))])

    @staticmethod
    def protective_call(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.covered_call(canonical_option, strike, expiration), "Protective Call")

    @staticmethod
    def covered_put(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "CoveredPut", expiration)
        return OptionStrategy("Covered Put", canonical_option, [_leg(OptionRight.PUT, strike, -1, expiration)],
                              [UnderlyingLegData(-CONTRACT_MULTIPLIER, _underlying(canonical_option))])

    @staticmethod
    def protective_put(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.covered_put(canonical_option, strike, expiration), "Protective Put")

    @staticmethod
    def naked_call(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "NakedCall", expiration)
        return OptionStrategy("Naked Call", canonical_option, [_leg(OptionRight.CALL, strike, -1, expiration)])

    @staticmethod
    def naked_put(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "NakedPut", expiration)
        return OptionStrategy("Naked Put", canonical_option, [_leg(OptionRight.PUT, strike, -1, expiration)])

    @staticmethod
    def bear_call_spread(canonical_option: Symbol, leg1_strike: float, leg2_strike: float,
                         expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "BearCallSpread", expiration)
        _require(leg1_strike < leg2_strike, "BearCallSpread: leg1Strike must be less than leg2Strike")
        return OptionStrategy("Bear Call Spread", canonical_option, [
            _leg(OptionRight.CALL, leg1_strike, -1, expiration), _leg(OptionRight.CALL, leg2_strike, 1, expiration)])

    @staticmethod
    def bear_put_spread(canonical_option: Symbol, leg1_strike: float, leg2_strike: float,
                        expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "BearPutSpread", expiration)
        _require(leg1_strike > leg2_strike, "BearPutSpread: leg1Strike must be greater than leg2Strike")
        return OptionStrategy("Bear Put Spread", canonical_option, [
            _leg(OptionRight.PUT, leg1_strike, 1, expiration), _leg(OptionRight.PUT, leg2_strike, -1, expiration)])

    @staticmethod
    def bull_call_spread(canonical_option: Symbol, leg1_strike: float, leg2_strike: float,
                         expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "BullCallSpread", expiration)
        _require(leg1_strike < leg2_strike, "BullCallSpread: leg1Strike must be less than leg2Strike")
        return OptionStrategy("Bull Call Spread", canonical_option, [
            _leg(OptionRight.CALL, leg1_strike, 1, expiration), _leg(OptionRight.CALL, leg2_strike, -1, expiration)])

    @staticmethod
    def bull_put_spread(canonical_option: Symbol, leg1_strike: float, leg2_strike: float,
                        expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "BullPutSpread", expiration)
        _require(leg1_strike > leg2_strike, "BullPutSpread: leg1Strike must be greater than leg2Strike")
        return OptionStrategy("Bull Put Spread", canonical_option, [
            _leg(OptionRight.PUT, leg1_strike, -1, expiration), _leg(OptionRight.PUT, leg2_strike, 1, expiration)])

    @staticmethod
    def straddle(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "Straddle", expiration)
        return OptionStrategy("Straddle", canonical_option, [
            _leg(OptionRight.CALL, strike, 1, expiration), _leg(OptionRight.PUT, strike, 1, expiration)])

    @staticmethod
    def short_straddle(canonical_option: Symbol, strike: float, expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.straddle(canonical_option, strike, expiration), "Short Straddle")

    @staticmethod
    def strangle(canonical_option: Symbol, call_leg_strike: float, put_leg_strike: float,
                 expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "Strangle", expiration)
        _require(call_leg_strike > put_leg_strike, "Strangle: callLegStrike must be greater than putLegStrike")
        return OptionStrategy("Strangle", canonical_option, [
            _leg(OptionRight.CALL, call_leg_strike, 1, expiration), _leg(OptionRight.PUT, put_leg_strike, 1, expiration)])

    @staticmethod
    def short_strangle(canonical_option: Symbol, call_leg_strike: float, put_leg_strike: float,
                       expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.strangle(canonical_option, call_leg_strike, put_leg_strike, expiration),
                       "Short Strangle")

    @staticmethod
    def butterfly_call(canonical_option: Symbol, higher_strike: float, middle_strike: float, lower_strike: float,
                       expiration: datetime | date) -> OptionStrategy:
        return _butterfly("Butterfly Call", "CallButterfly", OptionRight.CALL, canonical_option, higher_strike,
                          middle_strike, lower_strike, expiration)

    call_butterfly = butterfly_call

    @staticmethod
    def short_butterfly_call(canonical_option: Symbol, higher_strike: float, middle_strike: float,
                             lower_strike: float, expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.butterfly_call(canonical_option, higher_strike, middle_strike, lower_strike,
                                                       expiration), "Short Butterfly Call")

    @staticmethod
    def butterfly_put(canonical_option: Symbol, higher_strike: float, middle_strike: float, lower_strike: float,
                      expiration: datetime | date) -> OptionStrategy:
        return _butterfly("Butterfly Put", "PutButterfly", OptionRight.PUT, canonical_option, higher_strike,
                          middle_strike, lower_strike, expiration)

    put_butterfly = butterfly_put

    @staticmethod
    def short_butterfly_put(canonical_option: Symbol, higher_strike: float, middle_strike: float,
                            lower_strike: float, expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.butterfly_put(canonical_option, higher_strike, middle_strike, lower_strike,
                                                      expiration), "Short Butterfly Put")

    @staticmethod
    def call_calendar_spread(canonical_option: Symbol, strike: float, near_expiration: datetime | date,
                             far_expiration: datetime | date) -> OptionStrategy:
        return _calendar("Call Calendar Spread", "CallCalendarSpread", OptionRight.CALL, canonical_option, strike,
                         near_expiration, far_expiration)

    @staticmethod
    def short_call_calendar_spread(canonical_option: Symbol, strike: float, near_expiration: datetime | date,
                                   far_expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.call_calendar_spread(canonical_option, strike, near_expiration, far_expiration),
                       "Short Call Calendar Spread")

    @staticmethod
    def put_calendar_spread(canonical_option: Symbol, strike: float, near_expiration: datetime | date,
                            far_expiration: datetime | date) -> OptionStrategy:
        return _calendar("Put Calendar Spread", "PutCalendarSpread", OptionRight.PUT, canonical_option, strike,
                         near_expiration, far_expiration)

    @staticmethod
    def short_put_calendar_spread(canonical_option: Symbol, strike: float, near_expiration: datetime | date,
                                  far_expiration: datetime | date) -> OptionStrategy:
        return _invert(OptionStrategies.put_calendar_spread(canonical_option, strike, near_expiration, far_expiration),
                       "Short Put Calendar Spread")

    @staticmethod
    def iron_condor(canonical_option: Symbol, long_put_strike: float, short_put_strike: float,
                    short_call_strike: float, long_call_strike: float, expiration: datetime | date) -> OptionStrategy:
        _check(canonical_option, "IronCondor", expiration)
        _require(long_put_strike < short_put_strike <= short_call_strike < long_call_strike,
                 "IronCondor: strike prices must be in ascending order")
        return OptionStrategy("Iron Condor", canonical_option, [
            _leg(OptionRight.PUT, long_put_strike, 1, expiration), _leg(OptionRight.PUT, short_put_strike, -1, expiration),
            _leg(OptionRight.CALL, short_call_strike, -1, expiration), _leg(OptionRight.CALL, long_call_strike, 1, expiration)])


def _butterfly(name: str, method: str, right: OptionRight, canonical_option: Symbol, higher: float, middle: float,
               lower: float, expiration: datetime | date) -> OptionStrategy:
    _check(canonical_option, method, expiration)
    _require(higher > middle > lower and higher - middle == middle - lower,
             f"{name.replace(' ', '')}: upper and lower strikes must both be equidistant from the middle strike")
    return OptionStrategy(name, canonical_option, [
        _leg(right, higher, 1, expiration), _leg(right, middle, -2, expiration), _leg(right, lower, 1, expiration)])


def _calendar(name: str, method: str, right: OptionRight, canonical_option: Symbol, strike: float,
              near: datetime | date, far: datetime | date) -> OptionStrategy:
    _check(canonical_option, method, near)
    _require(_as_datetime(near) < _as_datetime(far), f"{method}: near expiration must be less than far expiration")
    return OptionStrategy(name, canonical_option, [_leg(right, strike, -1, near), _leg(right, strike, 1, far)])


def _leg(right: OptionRight, strike: float, quantity: int, expiration: datetime | date) -> OptionLegData:
    return OptionLegData(right, float(strike), quantity, _as_datetime(expiration))


def _invert(strategy: OptionStrategy, name: str) -> OptionStrategy:
    """Every leg's ratio negated under a new name (OptionStrategies.InvertStrategy)."""
    strategy.name = name
    for leg in strategy.option_legs:
        leg.quantity = -leg.quantity
    for underlying_leg in strategy.underlying_legs:
        underlying_leg.quantity = -underlying_leg.quantity
    return strategy


def _check(canonical_option: Symbol, method: str, expiration: datetime | date) -> None:
    """CheckCanonicalOptionSymbol and CheckExpirationDate."""
    _require(canonical_option.underlying is not None and not canonical_option.id.strike_price,
             f"{method}: canonicalOption must contain canonical option symbol")
    _require(_as_datetime(expiration) not in (datetime.min, datetime.max), f"{method}: expiration must contain expiration date")


def _underlying(canonical_option: Symbol) -> Symbol:
    assert canonical_option.underlying is not None
    return canonical_option.underlying


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _as_datetime(value: datetime | date) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
