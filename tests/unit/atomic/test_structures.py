"""atomic.structures: each declared structure's shape rule, worst loss and leg arithmetic, and the
rules a declaration must itself obey. Every refusal names the leg and the rule."""

from __future__ import annotations

from datetime import date

import pytest

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.structures import (
    BULL_CALL_SPREAD,
    CALL_BUTTERFLY,
    IRON_CONDOR,
    PUT_SPREAD,
    STRANGLE,
    LegRole,
    StructureSpec,
)
from builders import LC, LP, SC, SP, call, equity, put

NEXT_WEEK = date(2024, 6, 14)


def _check(spec: StructureSpec, *contracts: Contract) -> None:
    """The spec's shape rule on `contracts`, given in its legs' order."""
    spec.validate({leg.name: contract for leg, contract in zip(spec.legs, contracts)})


def _iron_condor(*contracts: Contract) -> None:
    _check(IRON_CONDOR, *contracts)


def _put_spread(*contracts: Contract) -> None:
    _check(PUT_SPREAD, *contracts)


def _strangle(*contracts: Contract) -> None:
    _check(STRANGLE, *contracts)


# --- Iron condor -----------------------------------------------------------------------------------


def test_iron_condor_ok() -> None:
    _iron_condor(SC, LC, SP, LP)
    _iron_condor(call(100), LC, put(100), LP)  # iron butterfly: short strikes equal


@pytest.mark.parametrize("args, match", [
    ((put(105), LC, SP, LP), r"short_call \(.*\) must be a call, got put"),
    ((SC, put(110), SP, LP), r"long_call \(.*\) must be a call, got put"),
    ((SC, LC, call(95), LP), r"short_put \(.*\) must be a put, got call"),
    ((SC, LC, SP, equity()), r"long_put \(SPY\) must be a put, got not an option"),
], ids=["short_call", "long_call", "short_put", "long_put"])
def test_iron_condor_rights(args: tuple[Contract, ...], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        _iron_condor(*args)


def test_iron_condor_one_expiry() -> None:
    with pytest.raises(InvalidGroupError, match="one expiry.*long_call 2024-06-14"):
        _iron_condor(SC, call(110, expiry=NEXT_WEEK), SP, LP)


@pytest.mark.parametrize("args, match", [
    ((SC, LC, SP, put(95)), "long_put strike 95 must be below short_put strike 95"),
    ((SC, LC, SP, put(97)), "long_put strike 97 must be below short_put strike 95"),
    ((call(94), LC, SP, LP), "short_put strike 95 must not exceed short_call strike 94"),
    ((SC, call(105), SP, LP), "short_call strike 105 must be below long_call strike 105"),
    ((SC, call(100), SP, LP), "short_call strike 105 must be below long_call strike 100"),
], ids=["lp=sp", "lp>sp", "sp>sc", "lc=sc", "lc<sc"])
def test_iron_condor_strike_order(args: tuple[Contract, ...], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=f"iron condor: {match}"):
        _iron_condor(*args)


def test_iron_condor_missing_strike() -> None:
    no_strike = Contract(key="X", ticker="X", underlying="SPY", right="put", strike=None, expiry=LP.expiry)
    with pytest.raises(InvalidGroupError, match=r"long_put \(X\) has no strike"):
        _iron_condor(SC, LC, SP, no_strike)


# --- Put spread and strangle -----------------------------------------------------------------------


def test_put_spread_ok() -> None:
    _put_spread(SP, LP)


@pytest.mark.parametrize("args, match", [
    ((SP, put(95)), "put spread: long_put strike 95 must be below short_put strike 95"),
    ((LP, SP), "put spread: long_put strike 95 must be below short_put strike 90"),
    ((call(95), LP), r"short_put \(.*\) must be a put, got call"),
    ((SP, call(90)), r"long_put \(.*\) must be a put, got call"),
    ((SP, put(90, expiry=NEXT_WEEK)), "one expiry"),
], ids=["equal", "inverted", "short-call", "long-call", "expiry"])
def test_put_spread_rules(args: tuple[Contract, Contract], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        _put_spread(*args)


def test_strangle_ok() -> None:
    _strangle(SC, SP)
    _strangle(call(100), put(100))  # a straddle


@pytest.mark.parametrize("args, match", [
    ((call(95), put(105)), "strangle: short_put strike 105 must not exceed short_call strike 95"),
    ((SP, SC), r"short_call \(.*\) must be a call, got put"),
    ((SC, call(95)), r"short_put \(.*\) must be a put, got call"),
    ((SC, put(95, expiry=NEXT_WEEK)), "one expiry"),
], ids=["crossed", "put-as-call", "call-as-put", "expiry"])
def test_strangle_rules(args: tuple[Contract, Contract], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        _strangle(*args)


# --- Call butterfly and bull call spread ---------------------------------------------------------------


def test_call_butterfly_ok() -> None:
    _check(CALL_BUTTERFLY, call(95), call(100), call(105))
    _check(CALL_BUTTERFLY, call(97.5), call(100), call(102.5))


@pytest.mark.parametrize("args, match", [
    ((call(95), call(100), call(110)), "call butterfly: widths must be equal, lower_call to middle_call is 5, "
                                       "middle_call to upper_call is 10"),
    ((call(100), call(100), call(105)), "call butterfly: lower_call strike 100 must be below middle_call strike 100"),
    ((call(95), call(105), call(100)), "middle_call strike 105 must be below upper_call strike 100"),
    ((call(95), put(100), call(105)), r"middle_call \(.*\) must be a call, got put"),
    ((call(95), call(100), call(105, expiry=NEXT_WEEK)), "one expiry"),
], ids=["unequal-wings", "body-on-a-wing", "inverted", "put-body", "expiry"])
def test_call_butterfly_rules(args: tuple[Contract, ...], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        _check(CALL_BUTTERFLY, *args)


def test_bull_call_spread_rules() -> None:
    _check(BULL_CALL_SPREAD, call(100), call(105))
    with pytest.raises(InvalidGroupError, match="bull call spread: long_call strike 105 must be below short_call strike 100"):
        _check(BULL_CALL_SPREAD, call(105), call(100))


# --- A group against its spec ------------------------------------------------------------------------


def test_check_group_takes_whole_structures_and_orders_protective_legs_first() -> None:
    lower, middle, upper = call(95), call(100), call(105)
    assert CALL_BUTTERFLY.check_group([(lower, 3), (middle, -6), (upper, 3)]) == [(lower, 3), (upper, 3), (middle, -6)]
    assert IRON_CONDOR.check_group([(SC, -1), (LC, 1), (SP, -1), (LP, 1)]) == [(LC, 1), (LP, 1), (SC, -1), (SP, -1)]


@pytest.mark.parametrize("quantities", [(1, -1, 1), (1, -2, 2), (-1, 2, -1), (2, -2, 1), (0, 0, 0)],
                         ids=["one-short", "uneven-wing", "sold", "not-whole", "zero"])
def test_check_group_refuses_legs_that_are_not_whole_structures(quantities: tuple[int, int, int]) -> None:
    legs = list(zip((call(95), call(100), call(105)), quantities))
    with pytest.raises(InvalidGroupError, match=r"call butterfly: \w+ \(.*\) quantity .* per structure"):
        CALL_BUTTERFLY.check_group(legs)


def test_check_group_refuses_a_missing_leg() -> None:
    with pytest.raises(InvalidGroupError, match=r"call butterfly: 3 legs expected \(lower_call, middle_call, upper_call\), got 2"):
        CALL_BUTTERFLY.check_group([(call(95), 1), (call(100), -2)])


def test_quantities_pair_items_with_signed_ratios() -> None:
    assert CALL_BUTTERFLY.quantities(["a", "b", "c"], 4) == [("a", 4), ("b", -8), ("c", 4)]
    with pytest.raises(InvalidGroupError, match="3 legs expected"):
        CALL_BUTTERFLY.quantities(["a"], 1)


# --- Declarations ------------------------------------------------------------------------------------


def test_a_declaration_must_order_every_leg_once() -> None:
    with pytest.raises(ValueError, match="must name each leg"):
        StructureSpec("odd", legs=(LegRole("a", "call", 1), LegRole("b", "call", -1)), strike_order=("a",))


def test_more_calls_sold_than_bought_must_declare_a_margin_rule() -> None:
    with pytest.raises(ValueError, match="undefined risk: declare a margin rule"):
        StructureSpec("ratio", legs=(LegRole("a", "call", 1), LegRole("b", "call", -2)), strike_order=("a", "b"))


def test_the_debit_structures_say_so() -> None:
    assert CALL_BUTTERFLY.debit and BULL_CALL_SPREAD.debit
    assert not (IRON_CONDOR.debit or PUT_SPREAD.debit or STRANGLE.debit)
    assert [leg.ratio for leg in CALL_BUTTERFLY.legs] == [1, -2, 1]
