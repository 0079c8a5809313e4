"""atomic.margin: which shorts are covered, naked exposure, and the margin estimate."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.margin import coverage, estimated_margin, naked_short_contracts
from builders import LC, LP, SC, SP, UNDERLYING_PRICE, call, equity, put


def condor(n: int = 1) -> list[tuple[object, int]]:
    return [(LC, n), (LP, n), (SC, -n), (SP, -n)]


def test_condor_is_fully_covered_with_its_wing_widths() -> None:
    result = coverage(condor(2))  # type: ignore[arg-type]
    assert result.uncovered == ()
    assert sorted((short.key, count, width) for short, count, width in result.covered) == sorted(
        [(SC.key, 2, 5.0), (SP.key, 2, 5.0)])
    assert naked_short_contracts(condor(2)) == 0  # type: ignore[arg-type]


def test_partial_condor_with_only_shorts_filled_is_naked() -> None:
    positions = [(LC, 0), (LP, 0), (SC, -2), (SP, -1)]
    assert naked_short_contracts(positions) == 3
    assert {c.key: q for c, q in coverage(positions).uncovered} == {SC.key: 2, SP.key: 1}


def test_partly_covered_short() -> None:
    positions = [(LC, 1), (LP, 3), (SC, -3), (SP, -3)]
    assert naked_short_contracts(positions) == 2  # two short calls lack their long call


def test_strangle_is_naked() -> None:
    assert naked_short_contracts([(SC, -1), (SP, -1)]) == 2


def test_put_spread_is_covered_but_a_call_does_not_cover_a_put() -> None:
    assert naked_short_contracts([(LP, 1), (SP, -1)]) == 0
    assert naked_short_contracts([(LC, 1), (SP, -1)]) == 1


@pytest.mark.parametrize("protector", [
    call(90),                              # another right: a call does not cover a put
    put(90, expiry=date(2024, 6, 14)),     # a later expiry at another strike: a diagonal, not covered
    put(95, expiry=date(2024, 5, 31)),     # the same strike expiring first: a short calendar
    put(90, underlying="QQQ"),             # another underlying
    replace(put(90), multiplier=10),       # a mini option covers a tenth of a contract
], ids=["other-right", "diagonal", "long-expires-first", "other-underlying", "other-multiplier"])
def test_a_long_that_cannot_cover(protector: object) -> None:
    assert naked_short_contracts([(protector, 1), (SP, -1)]) == 1  # type: ignore[list-item]


def test_one_long_is_not_counted_twice() -> None:
    assert naked_short_contracts([(LC, 1), (SC, -1), (call(107), -1)]) == 1


def test_nearest_protector_is_used_first() -> None:
    result = coverage([(call(120), 1), (LC, 1), (SC, -1)])
    assert [(count, width) for _, count, width in result.covered] == [(1, 5.0)]


def test_stock_is_ignored() -> None:
    assert naked_short_contracts([(equity(), -100), (SC, -1), (LC, 1)]) == 0


def test_estimated_margin_covered_is_spread_width() -> None:
    assert estimated_margin(condor(2), UNDERLYING_PRICE) == pytest.approx(2 * (5 * 2 * 100))  # type: ignore[arg-type]


def test_estimated_margin_naked_uses_the_cboe_rule() -> None:
    # Short put 95 with the underlying at 100: max(20 - 5, 9.5) = 15 per share.
    assert estimated_margin([(SP, -1)], UNDERLYING_PRICE) == pytest.approx(1500)
    # Far out of the money: the 10%-of-strike floor.
    assert estimated_margin([(put(70), -1)], UNDERLYING_PRICE) == pytest.approx(700)


@pytest.mark.parametrize("covered, naked", [
    (condor(1), [(SC, -1), (SP, -1)]),
    ([(LP, 1), (SP, -1)], [(SP, -1)]),
    ([(LC, 3), (SC, -3)], [(SC, -3)]),
], ids=["condor", "put-spread", "call-spread"])
def test_covered_costs_less_than_naked(covered: list, naked: list) -> None:  # type: ignore[type-arg]
    low, high = estimated_margin(covered, UNDERLYING_PRICE), estimated_margin(naked, UNDERLYING_PRICE)
    assert 0 < low < high


def test_no_shorts_no_margin() -> None:
    assert estimated_margin([(LC, 1), (LP, 1)], UNDERLYING_PRICE) == 0


@settings(database=None)
@given(lc=st.integers(0, 5), lp=st.integers(0, 5), sc=st.integers(0, 5), sp=st.integers(0, 5))
def test_naked_count_is_the_uncovered_excess_per_side(lc: int, lp: int, sc: int, sp: int) -> None:
    positions = [(LC, lc), (LP, lp), (SC, -sc), (SP, -sp)]
    assert naked_short_contracts(positions) == max(0, sc - lc) + max(0, sp - lp)
    assert estimated_margin(positions, UNDERLYING_PRICE) >= 0
