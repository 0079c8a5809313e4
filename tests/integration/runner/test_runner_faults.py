"""Named fault plans: decided per (seed, day, contract, role), the same in both runs."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from runner_kit import PARALLEL, run

from leansim.scenario_faults import PLAN_NAMES, SCENARIOS, fault_plan, leg_fault, rollback_refused

DAYS = [date(2024, 1, 2) + timedelta(days=n) for n in range(60)]
CONTRACTS = [f"SPY   2401{d:02d}{r}00{k:03d}000" for d in (5, 12) for r in "CP" for k in range(400, 480)]


def decisions(name: str, seed: int) -> list[str | None]:
    return [leg_fault(name, seed, day, contract, "opening") for day in DAYS[:10] for contract in CONTRACTS]


def test_plans_are_deterministic_per_seed() -> None:
    for name in PLAN_NAMES:
        assert fault_plan(name, 7) == fault_plan(name, 7)
        assert decisions(name, 7) == decisions(name, 7)
    assert decisions("mixed", 7) != decisions("mixed", 8)


def test_mixed_plan_hits_legs_at_the_advertised_rates() -> None:
    counted = Counter(decisions("mixed", 3))
    total = sum(counted.values())
    for kind, chance in SCENARIOS["mixed"].leg.items():
        assert abs(counted[kind] / total - chance) < 0.01, kind
    assert all(leg_fault("mixed", 3, DAYS[0], c, "closing") is None for c in CONTRACTS)  # entry legs only
    assert not any(decisions("none", 3))


def test_rollback_refusals_spare_the_retry_except_in_rollback_fails() -> None:
    refused = [c for c in CONTRACTS if rollback_refused("mixed", 7, DAYS[4], c, 1)]
    assert refused and not any(rollback_refused("mixed", 7, DAYS[4], c, 2) for c in refused)
    always = [c for c in CONTRACTS if rollback_refused("rollback-fails", 7, DAYS[4], c, 3)]
    assert always and all(rollback_refused("rollback-fails", 7, DAYS[4], c, 1) for c in always)


def test_unknown_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault plan"):
        fault_plan("chaos", 1)


def test_both_runs_meet_the_same_faults_on_the_same_legs() -> None:
    """The executor sends longs first and the naive loop shorts first, so their orders differ in
    number and order; the faults applied to each (day, contract)'s entry order do not."""
    result = run(parameters=PARALLEL)
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    common = atomic.entry_faults.keys() & naive.entry_faults.keys()
    assert len(common) >= 20
    assert {key: atomic.entry_faults[key] for key in common} == {key: naive.entry_faults[key] for key in common}
    faulted = {key for key in common if atomic.entry_faults[key] != "none"}
    assert len({atomic.entry_faults[key] for key in faulted}) >= 3  # several kinds of fault met


def test_a_second_run_of_the_same_scenario_is_identical() -> None:
    first = run(days=5, parameters=PARALLEL, seed=11)
    second = run.__wrapped__(days=5, parameters=PARALLEL, seed=11)  # type: ignore[attr-defined]
    for a, b in zip(first.runs, second.runs, strict=True):
        assert a.entry_faults == b.entry_faults
        assert [(g.status, g.naked_seconds, g.rollback_cost) for g in a.groups] == \
               [(g.status, g.naked_seconds, g.rollback_cost) for g in b.groups]
        assert a.end_equity == b.end_equity
