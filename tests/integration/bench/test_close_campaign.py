"""The close campaign (bench/close_campaign.py) over a small seeded sample: in every mode, live and
backtest, no close ever holds a naked short; every close ends CLOSED and flat, or CLOSE_FAILED only
after a leg's close orders were all refused, with nothing naked; a crash at every effect of a close
resumes it to CLOSED and flat."""

from __future__ import annotations

from functools import cache

import pytest

from bench import close_campaign
from bench.campaign import MODES
from bench.close_campaign import CloseOutcome, Scenario
from leansim import Reject

SEEDS = range(3_000_000, 3_000_040)
ENVS = ("live", "backtest")


@cache
def _sample() -> tuple[tuple[Scenario, ...], tuple[CloseOutcome, ...]]:
    scenarios = tuple(close_campaign.scenario(seed) for seed in SEEDS)
    return scenarios, tuple(close_campaign.play_all(scenarios, list(MODES), ENVS, workers=1))


def _refuses_every_attempt(sc: Scenario) -> bool:
    return any(isinstance(f, Reject) and f.times is None for f in sc.faults)


def test_the_sample_meets_every_fault_kind_and_some_refusals() -> None:
    scenarios, _ = _sample()
    kinds = {type(f).__name__ for sc in scenarios for f in sc.faults}
    assert kinds >= {"Reject", "PartialFill", "DelayFill", "NeverFill", "CancelLosesRace", "DuplicateEvents"}
    assert any(_refuses_every_attempt(sc) for sc in scenarios)


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("mode", list(MODES))
def test_no_close_ever_holds_a_naked_short(mode: str, env: str) -> None:
    _, outcomes = _sample()
    mine = [o for o in outcomes if o.mode == mode and o.env == env]
    assert len(mine) == len(SEEDS)
    assert [(o.seed, o.peak, o.exposure) for o in mine if o.peak or o.exposure or o.naked_at_end] == []


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.parametrize("mode", list(MODES))
def test_every_close_ends_closed_or_fails_only_after_refused_orders(mode: str, env: str) -> None:
    scenarios, outcomes = _sample()
    by_seed = {sc.seed: sc for sc in scenarios}
    mine = [o for o in outcomes if o.mode == mode and o.env == env]
    assert [(o.seed, o.status, o.reason) for o in mine if not o.acceptable] == []
    failed = [o for o in mine if o.status == "CLOSE_FAILED"]
    assert all(_refuses_every_attempt(by_seed[o.seed]) for o in failed)
    assert len(failed) < len(mine)


@pytest.mark.parametrize("mode", list(MODES))
def test_a_crash_at_every_effect_of_a_close_is_resumed(mode: str) -> None:
    points = close_campaign.crash_points(mode)
    assert {p.point for p in points} >= {"before_save", "after_save", "before_order", "after_order", "after_fill"}
    outcomes = [close_campaign.play_crash((mode, point)) for point in points]
    assert [c for c in outcomes if not c.resumed] == []
