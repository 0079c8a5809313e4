"""atomic.margin over any structure: verticals (debit and credit), butterflies, condors, ratio
spreads, calendars, strangles, and the partial states a legged entry or a rollback passes through.

Margins are at an underlying of 100, pair by pair with LEAN's spread rules (see atomic/margin.py: as
LEAN's OptionStrategyPositionGroupBuyingPowerModel for verticals, calendars and short butterflies,
stricter for iron condors and long butterflies); a naked short call at 100 needs 20 per share, a
naked short call at 105 or put at 95 needs 15.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.contract import Contract
from atomic.margin import Position, coverage, estimated_margin, naked_short_contracts, spread_requirement
from builders import EXPIRY, LC, LP, SC, SP, UNDERLYING_PRICE, call, put

FAR = date(2024, 6, 14)
FARTHEST = date(2024, 6, 21)

STRUCTURES: list[tuple[str, list[Position], int, float]] = [
    # name, positions, naked contracts, margin estimate
    ("bull call debit spread", [(call(95), 1), (call(100), -1)], 0, 0),
    ("bear call credit spread", [(call(100), -1), (call(105), 1)], 0, 500),
    ("bull put credit spread", [(put(100), -1), (put(95), 1)], 0, 500),
    ("bear put debit spread", [(put(100), 1), (put(95), -1)], 0, 0),
    ("call butterfly 1-2-1", [(call(95), 1), (call(100), -2), (call(105), 1)], 0, 500),
    ("put butterfly 1-2-1", [(put(105), 1), (put(100), -2), (put(95), 1)], 0, 500),
    ("short call butterfly", [(call(95), -1), (call(100), 2), (call(105), -1)], 0, 500),
    ("iron condor x2", [(LP, 2), (SP, -2), (SC, -2), (LC, 2)], 0, 2000),
    ("iron butterfly", [(put(95), 1), (put(100), -1), (call(100), -1), (call(105), 1)], 0, 1000),
    ("call ratio spread 1x2", [(call(100), 1), (call(105), -2)], 1, 1500),
    ("put ratio spread 1x2", [(put(100), 1), (put(95), -2)], 1, 1500),
    ("call calendar", [(call(100), -1), (call(100, expiry=FAR), 1)], 0, 0),
    ("put calendar x3", [(put(100), -3), (put(100, expiry=FAR), 3)], 0, 0),
    ("short call calendar", [(call(100), 1), (call(100, expiry=FAR), -1)], 1, 2000),
    ("naked strangle", [(call(105), -1), (put(95), -1)], 2, 3000),
    ("long straddle", [(call(100), 1), (put(100), 1)], 0, 0),
    ("box spread", [(call(95), 1), (call(100), -1), (put(100), 1), (put(95), -1)], 0, 0),
    # The pairing that costs least: 100 with the 95 (debit side), 105 with the 110 (width 5).
    ("two shorts, cheapest pairing", [(call(100), -1), (call(105), -1), (call(95), 1), (call(110), 1)], 0, 500),
    # Covering the most shorts across expiries: each short by its own calendar long, although the
    # far 100 call could also cover the far 105 call as a vertical.
    ("calendars before verticals when only that covers all",
     [(call(100), -1), (call(105, expiry=FAR), -1), (call(100, expiry=FAR), 1), (call(105, expiry=FARTHEST), 1)], 0, 0),
    ("the same contract bought and sold nets out", [(call(100), 1), (call(100), -1)], 0, 0),
]


@pytest.mark.parametrize("positions, naked, margin", [case[1:] for case in STRUCTURES],
                         ids=[case[0] for case in STRUCTURES])
def test_naked_contracts_and_margin_of_each_structure(positions: list[Position], naked: int, margin: float) -> None:
    assert naked_short_contracts(positions) == naked
    assert estimated_margin(positions, UNDERLYING_PRICE) == pytest.approx(margin)


def test_a_butterfly_pairs_each_short_with_one_wing() -> None:
    result = coverage([(call(95), 1), (call(100), -2), (call(105), 1)])
    assert result.uncovered == ()
    assert sorted((count, width) for _, count, width in result.covered) == [(1, 0.0), (1, 5.0)]


# Moments of a 1-lot iron condor (or a butterfly) being legged in or rolled back: which short
# contracts are naked at each one.
MOMENTS: list[tuple[str, list[Position], dict[Contract, int]]] = [
    ("condor: longs filled first", [(LC, 1), (LP, 1), (SC, 0), (SP, 0)], {}),
    ("condor: short call filled before its wing", [(LC, 0), (LP, 1), (SC, -1), (SP, 0)], {SC: 1}),
    ("condor: put wing filled, short put over-filled", [(LC, 1), (LP, 1), (SC, -1), (SP, -2)], {SP: 1}),
    ("condor rollback: shorts bought back first", [(LC, 1), (LP, 1), (SC, 0), (SP, 0)], {}),
    ("condor rollback: wings sold first", [(LC, 0), (LP, 0), (SC, -1), (SP, -1)], {SC: 1, SP: 1}),
    ("butterfly: lower wing and one short filled", [(call(95), 1), (call(100), -1), (call(105), 0)], {}),
    ("butterfly: both shorts, lower wing only", [(call(95), 1), (call(100), -2), (call(105), 0)], {call(100): 1}),
    ("debit spread rollback: long sold, short still held", [(call(95), 0), (call(100), -1)], {call(100): 1}),
]


@pytest.mark.parametrize("positions, naked", [case[1:] for case in MOMENTS], ids=[case[0] for case in MOMENTS])
def test_which_contracts_are_naked_at_each_moment(positions: list[Position], naked: dict[Contract, int]) -> None:
    assert dict(coverage(positions).uncovered) == naked


# --- properties ------------------------------------------------------------------------------------

CONTRACTS = [make(strike, expiry=expiry) for make in (call, put) for strike in (95, 100, 105) for expiry in (EXPIRY, FAR)]
portfolios = st.lists(st.tuples(st.sampled_from(CONTRACTS), st.integers(-3, 3)), max_size=6)


@settings(database=None)
@given(positions=portfolios, extra=st.sampled_from(CONTRACTS), amount=st.integers(1, 3))
def test_adding_a_long_never_adds_a_naked_short(positions: list[Position], extra: Contract, amount: int) -> None:
    assert naked_short_contracts(positions + [(extra, amount)]) <= naked_short_contracts(positions)


@settings(database=None)
@given(positions=portfolios)
def test_coverage_accounts_for_every_short_and_never_overuses_a_long(positions: list[Position]) -> None:
    net: dict[Contract, int] = {}
    for contract, quantity in positions:
        net[contract] = net.get(contract, 0) + quantity
    result = coverage(positions)
    accounted: dict[Contract, int] = {}
    for short, count, width in result.covered:
        assert count > 0 and width >= 0
        accounted[short] = accounted.get(short, 0) + count
    for short, count in result.uncovered:
        accounted[short] = accounted.get(short, 0) + count
    assert accounted == {c: -q for c, q in net.items() if q < 0}
    assert sum(count for _, count, _ in result.covered) <= sum(q for q in net.values() if q > 0)
    assert estimated_margin(positions, UNDERLYING_PRICE) >= 0


@settings(database=None)
@given(positions=portfolios, factor=st.integers(2, 4))
def test_more_structures_scale_naked_contracts_and_margin(positions: list[Position], factor: int) -> None:
    scaled = [(c, q * factor) for c, q in positions]
    assert naked_short_contracts(scaled) == factor * naked_short_contracts(positions)
    assert estimated_margin(scaled, UNDERLYING_PRICE) == pytest.approx(factor * estimated_margin(positions, UNDERLYING_PRICE))


@settings(database=None)
@given(quantities=st.lists(st.integers(-3, 3), min_size=3, max_size=3))
def test_one_right_and_expiry_leaves_naked_only_the_excess_of_shorts(quantities: list[int]) -> None:
    positions = [(call(strike), q) for strike, q in zip((95, 100, 105), quantities)]
    shorts, longs = -sum(q for q in quantities if q < 0), sum(q for q in quantities if q > 0)
    assert naked_short_contracts(positions) == max(0, shorts - longs)


@settings(database=None)
@given(positions=st.lists(st.tuples(st.sampled_from(CONTRACTS), st.integers(-2, 2)), max_size=4))
def test_the_matching_is_the_best_any_pairing_of_contracts_could_do(positions: list[Position]) -> None:
    """Against every pairing of single contracts: the most shorts covered, then the least requirement."""
    net: dict[Contract, int] = {}
    for contract, quantity in positions:
        net[contract] = net.get(contract, 0) + quantity
    shorts = [c for c, q in net.items() if q < 0 for _ in range(-q)]
    longs = [c for c, q in net.items() if q > 0 for _ in range(q)]
    best = (0, 0.0)
    for pairing in itertools.permutations(list(range(len(longs))) + [-1] * len(shorts), len(shorts)):
        pairs = [(s, longs[j]) for s, j in zip(shorts, pairing) if j >= 0]
        widths = [spread_requirement(s, long) for s, long in pairs]
        if None not in widths:
            best = max(best, (len(pairs), -sum(w for w in widths if w is not None)))
    result = coverage(positions)
    assert sum(count for _, count, _ in result.covered) == best[0]
    assert sum(count * width for _, count, width in result.covered) == pytest.approx(-best[1])
