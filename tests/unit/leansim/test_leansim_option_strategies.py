"""OptionStrategies as LEAN builds them (Common/Securities/Option/OptionStrategies.cs): the legs, the
underlying leg first, inverted strategies, and the argument checks with LEAN's messages."""

from __future__ import annotations

from datetime import datetime

import pytest

from leansim.enums import SecurityType
from leansim.option_strategies import OptionStrategies
from leansim.securities import is_standard_expiry
from leansim.symbols import Symbol

GOOG = Symbol.create("GOOG", SecurityType.EQUITY, "usa")
CANONICAL = Symbol.create_canonical_option(GOOG)
JAN = datetime(2016, 1, 15)


def _legs(strategy: object) -> list[tuple[str, float, int]]:
    return [(leg.symbol.value if leg.symbol.security_type == SecurityType.EQUITY else leg.symbol.id.option_right.name,
             leg.symbol.id.strike_price, leg.quantity) for leg in strategy._legs()]  # type: ignore[attr-defined]


def test_a_covered_call_is_100_shares_then_a_short_call_and_its_inverse_the_protective_call() -> None:
    assert _legs(OptionStrategies.covered_call(CANONICAL, 750, JAN)) == [("GOOG", 0.0, 100), ("CALL", 750.0, -1)]
    protective = OptionStrategies.protective_call(CANONICAL, 750, JAN)
    assert protective.name == "Protective Call"
    assert _legs(protective) == [("GOOG", 0.0, -100), ("CALL", 750.0, 1)]


def test_an_iron_condor_has_four_legs_in_strike_order() -> None:
    condor = OptionStrategies.iron_condor(CANONICAL, 700, 720, 780, 800, JAN)
    assert _legs(condor) == [("PUT", 700.0, 1), ("PUT", 720.0, -1), ("CALL", 780.0, -1), ("CALL", 800.0, 1)]
    assert {leg.symbol.id.date for leg in condor._legs()} == {JAN}


@pytest.mark.parametrize("build, message", [
    (lambda: OptionStrategies.strangle(CANONICAL, 700, 750, JAN), "Strangle: callLegStrike must be greater than putLegStrike"),
    (lambda: OptionStrategies.butterfly_call(CANONICAL, 800, 750, 720, JAN), "ButterflyCall: upper and lower strikes"),
    (lambda: OptionStrategies.call_calendar_spread(CANONICAL, 750, JAN, JAN), "near expiration must be less than far"),
    (lambda: OptionStrategies.naked_call(GOOG, 750, JAN), "NakedCall: canonicalOption must contain canonical option symbol"),
])
def test_bad_arguments_are_refused_with_leans_message(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_standard_expiries_are_the_third_friday_week() -> None:
    assert is_standard_expiry(datetime(2016, 1, 15).date())  # third Friday
    assert is_standard_expiry(datetime(2016, 3, 17).date())  # Thursday before a Good Friday third Friday
    assert not is_standard_expiry(datetime(2016, 1, 8).date())  # a weekly
    assert not is_standard_expiry(datetime(2016, 1, 13).date())  # a Wednesday weekly of the standard week
