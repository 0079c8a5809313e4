"""atomic.validation: every rule refuses the group up front with a message naming the leg or the rule."""

from __future__ import annotations

from datetime import date

import pytest

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.validation import (
    validate_iron_condor,
    validate_legs,
    validate_put_spread,
    validate_strangle,
    validate_structure_quantity,
)
from builders import LC, LP, SC, SP, call, equity, put

MAX = 6
NEXT_WEEK = date(2024, 6, 14)


def legs_of(n: int) -> list[tuple[Contract, int]]:
    return [(call(100 + i), 1 if i % 2 else -1) for i in range(n)]


# --- validate_legs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(2, MAX + 1))
def test_two_to_max_legs_pass(n: int) -> None:
    validate_legs(legs_of(n), MAX)


@pytest.mark.parametrize("n", [0, 1, MAX + 1, 12])
def test_leg_count_outside_the_range(n: int) -> None:
    with pytest.raises(InvalidGroupError, match=f"2 to {MAX} legs, got {n}"):
        validate_legs(legs_of(n), MAX)


def test_max_legs_comes_from_the_caller() -> None:
    with pytest.raises(InvalidGroupError, match="2 to 2 legs, got 3"):
        validate_legs(legs_of(3), 2)


@pytest.mark.parametrize("quantity", [0, 1.5, 2.0, True, False, "2", None])
def test_quantity_must_be_a_non_zero_integer(quantity: object) -> None:
    legs = [(LC, 1), (LP, quantity), (SC, -1)]
    with pytest.raises(InvalidGroupError, match=rf"leg 1 \({LP.ticker}\): quantity must be a non-zero integer, "
                                                rf"got {quantity!r}"):
        validate_legs(legs, MAX)  # type: ignore[arg-type]


def test_negative_and_large_quantities_pass() -> None:
    validate_legs([(LC, 500), (SC, -500)], MAX)


def test_duplicate_contract() -> None:
    with pytest.raises(InvalidGroupError, match=rf"leg 2 \({LC.ticker}\): same contract as leg 0"):
        validate_legs([(LC, 1), (SC, -1), (LC, 1)], MAX)


def test_mixed_underlyings() -> None:
    qqq = call(400, underlying="QQQ")
    with pytest.raises(InvalidGroupError, match=rf"leg 2 \({qqq.ticker}\): underlying QQQ differs from leg 0's SPY"):
        validate_legs([(LC, 1), (SC, -1), (qqq, 1)], MAX)


def test_stock_and_its_options_share_an_underlying() -> None:
    validate_legs([(equity("SPY"), 100), (SC, -1)], MAX)


# --- validate_structure_quantity -------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [1, 7])
def test_structure_quantity_ok(quantity: int) -> None:
    assert validate_structure_quantity(quantity) == quantity


@pytest.mark.parametrize("quantity", [0, -1, 1.0, 2.5, True, "1", None])
def test_structure_quantity_must_be_a_positive_integer(quantity: object) -> None:
    with pytest.raises(InvalidGroupError, match=rf"positive integer number of structures, got {quantity!r}"):
        validate_structure_quantity(quantity)


# --- Iron condor -----------------------------------------------------------------------------------


def test_iron_condor_ok() -> None:
    validate_iron_condor(SC, LC, SP, LP)
    validate_iron_condor(call(100), LC, put(100), LP)  # iron butterfly: short strikes equal


@pytest.mark.parametrize("args, match", [
    ((put(105), LC, SP, LP), r"short_call \(.*\) must be a call, got put"),
    ((SC, put(110), SP, LP), r"long_call \(.*\) must be a call, got put"),
    ((SC, LC, call(95), LP), r"short_put \(.*\) must be a put, got call"),
    ((SC, LC, SP, equity()), r"long_put \(SPY\) must be a put, got not an option"),
], ids=["short_call", "long_call", "short_put", "long_put"])
def test_iron_condor_rights(args: tuple[Contract, ...], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        validate_iron_condor(*args)


def test_iron_condor_one_expiry() -> None:
    with pytest.raises(InvalidGroupError, match="one expiry.*long_call 2024-06-14"):
        validate_iron_condor(SC, call(110, expiry=NEXT_WEEK), SP, LP)


@pytest.mark.parametrize("args, match", [
    ((SC, LC, SP, put(95)), "long_put strike 95 must be below short_put strike 95"),
    ((SC, LC, SP, put(97)), "long_put strike 97 must be below short_put strike 95"),
    ((call(94), LC, SP, LP), "short_put strike 95 must not exceed short_call strike 94"),
    ((SC, call(105), SP, LP), "long_call strike 105 must be above short_call strike 105"),
    ((SC, call(100), SP, LP), "long_call strike 100 must be above short_call strike 105"),
], ids=["lp=sp", "lp>sp", "sp>sc", "lc=sc", "lc<sc"])
def test_iron_condor_strike_order(args: tuple[Contract, ...], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=f"iron condor: {match}"):
        validate_iron_condor(*args)


def test_iron_condor_missing_strike() -> None:
    no_strike = Contract(key="X", ticker="X", underlying="SPY", right="put", strike=None, expiry=LP.expiry)
    with pytest.raises(InvalidGroupError, match=r"long_put \(X\) has no strike"):
        validate_iron_condor(SC, LC, SP, no_strike)


# --- Put spread and strangle -----------------------------------------------------------------------


def test_put_spread_ok() -> None:
    validate_put_spread(SP, LP)


@pytest.mark.parametrize("args, match", [
    ((SP, put(95)), "put spread: long_put strike 95 must be below short_put strike 95"),
    ((LP, SP), "put spread: long_put strike 95 must be below short_put strike 90"),
    ((call(95), LP), r"short_put \(.*\) must be a put, got call"),
    ((SP, call(90)), r"long_put \(.*\) must be a put, got call"),
    ((SP, put(90, expiry=NEXT_WEEK)), "one expiry"),
], ids=["equal", "inverted", "short-call", "long-call", "expiry"])
def test_put_spread_rules(args: tuple[Contract, Contract], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        validate_put_spread(*args)


def test_strangle_ok() -> None:
    validate_strangle(SC, SP)
    validate_strangle(call(100), put(100))  # a straddle


@pytest.mark.parametrize("args, match", [
    ((call(95), put(105)), "strangle: short_put strike 105 must not exceed short_call strike 95"),
    ((SP, SC), r"short_call \(.*\) must be a call, got put"),
    ((SC, call(95)), r"short_put \(.*\) must be a put, got call"),
    ((SC, put(95, expiry=NEXT_WEEK)), "one expiry"),
], ids=["crossed", "put-as-call", "call-as-put", "expiry"])
def test_strangle_rules(args: tuple[Contract, Contract], match: str) -> None:
    with pytest.raises(InvalidGroupError, match=match):
        validate_strangle(*args)


def test_invalid_group_error_is_a_value_error() -> None:
    assert issubclass(InvalidGroupError, ValueError)
