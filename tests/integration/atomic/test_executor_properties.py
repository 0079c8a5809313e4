"""Property: whatever the brokerage does to the entry legs (and to up to MAX_ROLLBACK_ATTEMPTS - 1
reversals), a group ends FILLED with every leg complete or ROLLED_BACK with its own net position
zero; a manual position in one of its contracts is untouched; and in sequential mode no step ever
holds a naked short."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from executor_kit import CONDOR_LEGS, iron_condor, naked_shorts, option, positions, settle, start

from atomic import GroupStatus
from config import MAX_ROLLBACK_ATTEMPTS
from leansim import CancelLosesRace, DelayFill, Match, NeverFill, PartialFill, Reject

# The condor's contracts by leg index (longs first, as execute_iron_condor_atomic orders them).
LEG_CONTRACTS = (option("call", 485), option("put", 455), option("call", 480), option("put", 460))
LEG_SIGNS = (1, 1, -1, -1)
ENTRY_FAULTS = ("none", "reject", "partial", "delay", "never", "race")


@dataclass(frozen=True)
class Scenario:
    mode: str
    execution_mode: str
    sequential: bool
    structures: int
    entry_faults: tuple[str, ...]
    delay: float
    rollback_rejections: int
    manual_leg: int
    manual_quantity: int

    def faults(self) -> list[Any]:
        plan: list[Any] = []
        for leg, kind in enumerate(self.entry_faults):
            # the contract's entry orders: its legged order, or the combo it is a leg of
            match = Match(symbol=str(LEG_CONTRACTS[leg]), tag_contains="/entry/")
            if kind == "reject":
                plan.append(Reject(f"leg {leg} refused", match))
            elif kind == "partial":
                plan.append(PartialFill(0.5, remainder="never", match=match))
            elif kind == "delay":
                plan.append(DelayFill(self.delay, match))
            elif kind == "never":
                plan.append(NeverFill(match))
            elif kind == "race":  # still open when the rollback cancels it, then fills anyway
                plan += [DelayFill(self.delay, match), CancelLosesRace(match)]
        if self.rollback_rejections:
            plan.append(Reject("rollback refused", Match(tag_contains="/rollback/"), times=self.rollback_rejections))
        return plan


scenarios = st.builds(
    Scenario,
    mode=st.sampled_from(["backtest", "live"]),
    execution_mode=st.sampled_from(["legged", "combo"]),
    sequential=st.booleans(),
    structures=st.integers(1, 3),
    entry_faults=st.tuples(*[st.sampled_from(ENTRY_FAULTS)] * 4),
    delay=st.sampled_from([2.0, 30.0, 90.0]),
    rollback_rejections=st.integers(0, MAX_ROLLBACK_ATTEMPTS - 1),
    manual_leg=st.integers(0, 3),
    manual_quantity=st.sampled_from([-2, -1, 1, 3]),
)


@settings(derandomize=True, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios)
def test_group_ends_complete_or_flat_and_leaves_other_positions_alone(scenario: Scenario) -> None:
    note(repr(scenario.faults()))
    sim, algo = start(scenario.mode, scenario.faults(), execution_mode=scenario.execution_mode,
                      sequential_protective_legs=scenario.sequential)
    legs = [getattr(algo, name) for name in CONDOR_LEGS]
    manual_symbol = legs[scenario.manual_leg]
    algo.market_order(manual_symbol, scenario.manual_quantity, tag="manual position")
    settle(sim, 1)
    manual = {str(s): (scenario.manual_quantity if s == manual_symbol else 0) for s in legs}
    assert positions(sim, legs) == manual
    algo.trace.clear()

    result = iron_condor(algo, scenario.structures)
    settle(sim, 120)

    brokerage = positions(sim, legs)
    own = {key: brokerage[key] - manual[key] for key in brokerage}
    note(f"status {result.status.value}: {result.reason}; brokerage {brokerage}")
    view = result.view
    event(f"{scenario.mode} {scenario.execution_mode}: {result.status.value}")
    assert result.status in (GroupStatus.FILLED, GroupStatus.ROLLED_BACK), view.log
    if result.status is GroupStatus.FILLED:
        expected = {str(s): sign * scenario.structures for s, sign in zip(legs, LEG_SIGNS)}
        assert bool(result) and view.complete
        assert own == expected
    else:
        assert view.flat
        assert own == {key: 0 for key in own}
    # the group's own view agrees with the brokerage, and so does the algorithm's portfolio
    assert {leg.symbol: leg.filled for leg in view.legs} == own
    assert {str(s): int(algo.portfolio[s].quantity) for s in legs} == brokerage
    assert algo.executor.open_groups() == []
    assert algo.executor.halted == ""
    if scenario.sequential:
        for step in algo.trace:
            group_only = {s: q - manual[str(s)] for s, q in step.items()}
            assert naked_shorts(algo, group_only) == 0, step
