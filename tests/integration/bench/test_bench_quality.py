"""Figure 8 on a tiny sample (GOOG 2015-12-24, two entry times, the mixed fault plan): the invariants
its figures rest on, not its values. Skipped where LEAN's sample folder is absent, except the skip
itself, which must say which folder is missing."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench import quality
from bench.quality import DATASETS, SAMPLE, Outcome
from bench.quality_algorithm import WALK_REST_STEPS, WALK_STEPS, Entry, EntryFill
from bench.report import Verdict
from leansim.runner import GroupRecord

GOOG = DATASETS[0]
TIMES = {"GOOG": "10:15,11:45"}
EPSILON = 1e-9
ATOMIC = ("market-legged", "market-combo", "walk-combo", "walk-legged")
needs_sample = pytest.mark.skipif(not (SAMPLE / GOOG.folder).is_dir(), reason=f"LEAN sample not found at {SAMPLE / GOOG.folder}")


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return quality.measure(TIMES, 1, SAMPLE, ("mixed",), [GOOG])


def of(outcomes: list[Outcome], policy: str, rule: str = "lean") -> dict[tuple[str, str], Outcome]:
    return {o.key: o for o in outcomes if o.policy == policy and o.rule == rule}


@needs_sample
def test_every_policy_sees_the_same_structures(outcomes: list[Outcome]) -> None:
    keys = {(o.policy, o.rule): set(of(outcomes, o.policy, o.rule)) for o in outcomes}
    assert set(keys) == {("naive", "lean")} | set(quality.RUNS)
    first = next(iter(keys.values()))
    assert len(first) >= 4 and all(k == first for k in keys.values())  # two times x at least two strategies


@needs_sample
def test_atomic_policies_never_hold_a_naked_short_nor_end_half_open(outcomes: list[Outcome]) -> None:
    atomic = [o for o in outcomes if o.policy in ATOMIC]
    assert atomic and all(o.naked_seconds == 0 for o in atomic)
    assert all(o.whole_or_flat for o in atomic)
    assert all(o.seconds_to_fill is None for o in atomic if not o.filled)


@needs_sample
def test_market_orders_pay_the_natural_and_a_walk_never_more_than_its_budget(outcomes: list[Outcome]) -> None:
    for policy in ("naive", "market-legged", "market-combo"):
        filled = [o for o in of(outcomes, policy).values() if o.filled]
        assert filled and all(o.concession_at_fill is not None and abs(o.concession_at_fill - 1) < EPSILON for o in filled)
    walked = [o for o in outcomes if o.policy.startswith("walk") and o.filled]
    budget = (WALK_STEPS + WALK_REST_STEPS) / WALK_STEPS  # max_concession from the mid at submission, in H
    assert walked and all(o.concession is not None and o.concession <= budget + EPSILON for o in walked)


def test_a_structure_held_to_its_expiry_counts_as_filled_when_its_last_entry_fill_came() -> None:
    submitted = datetime(2021, 1, 4, 15, 15, tzinfo=timezone.utc)
    entry = Entry(submitted.date(), "bull_call_spread", "bull call spread", submitted,
                  [("long", 1, 2.0, 2.4), ("short", -1, 1.0, 1.2)], group_id="g")
    entry.fills += [EntryFill(1, 2.4, 2.0, 2.4, submitted + timedelta(minutes=1)),
                    EntryFill(-1, 1.0, 1.0, 1.2, submitted + timedelta(minutes=2))]
    record = GroupRecord("g", "bull_call_spread", submitted, status="EXPIRED", settled_at=submitted + timedelta(hours=5))

    outcome = quality._outcome("SPXW", "none", "walk-combo", "lean", entry, record)

    assert outcome.filled and outcome.seconds_to_fill == 120  # the fill, not the expiry, five hours later
    assert outcome.concession == pytest.approx(1.0)  # paid 1.40 against a 1.10 mid, half-spread 0.30
    rolled_back = GroupRecord("g", "bull_call_spread", submitted, status="ROLLED_BACK")
    assert not quality._outcome("SPXW", "none", "walk-combo", "lean", entry, rolled_back).filled


@needs_sample
def test_the_quote_rule_fills_a_subset_of_what_lean_fills_and_no_sooner(outcomes: list[Outcome]) -> None:
    for policy in ("walk-combo", "walk-legged"):
        lean, strict = of(outcomes, policy), of(outcomes, policy, "quote")
        for key, o in strict.items():
            if o.filled:
                assert lean[key].filled and o.seconds_to_fill is not None
                assert o.seconds_to_fill >= (lean[key].seconds_to_fill or 0)


@needs_sample
def test_figures_are_fractions_counts_and_verdicts() -> None:
    section = quality.run(TIMES, workers=1, faults=("none",), datasets=[GOOG])

    rates = [f for f in section.figures if f.label.endswith("fill rate")]
    assert len(rates) == 7 and all(0 <= f.value <= 1 for f in rates)  # naive + six runs
    assert all(f.verdict is Verdict.PASS for f in section.figures if "naked" in f.label and f.target)
    targeted = [f for f in section.figures if f.target.startswith(">=")]
    assert len(targeted) == 2 and all(0 <= f.value <= 1 for f in targeted)
    assert all(math.isfinite(f.value) or "concession" in f.label or "time to fill" in f.label for f in section.figures)
    assert any("FillModel.cs" in note for note in section.notes)


def test_a_missing_sample_is_skipped_naming_the_folder(tmp_path: Path) -> None:
    section = quality.run(TIMES, workers=1, folder=tmp_path, datasets=[GOOG])

    assert [f.text for f in section.figures] == ["skipped: no sample data"]
    assert str(tmp_path / GOOG.folder) in section.notes[0]
