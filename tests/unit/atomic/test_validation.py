"""atomic.validation: every rule refuses the group up front with a message naming the leg or the rule
(a structure's shape: test_structures.py)."""

from __future__ import annotations

from datetime import date

import pytest

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.validation import validate_legs, validate_structure_quantity
from builders import LC, LP, SC, call, equity

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


def test_invalid_group_error_is_a_value_error() -> None:
    assert issubclass(InvalidGroupError, ValueError)
