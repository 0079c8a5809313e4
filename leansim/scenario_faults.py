"""Named fault plans for the scenario runner, decided per order by what the order *is*.

The double's own: LEAN has no counterpart.

A plan built here faults an entry leg by (seed, trading day, contract, opening/closing), never by
order number: the atomic executor and the naive loop place different orders (the executor sends
longs first, reverses fills, retries), so counting orders would hit different legs in each run.
Keyed this way, the same legs meet the same faults in both runs:

    plan = fault_plan("mixed", seed=7)
    kind = leg_fault("mixed", 7, date(2024, 1, 5), "SPY   240105C00431000", "opening")  # or None

Every decision is a stable hash (BLAKE2b), so a plan is the same in every process and Python
version. Closing orders (the executor's reversals) are faulted only by `rollback_rejected`: the
naive loop never reverses anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from leansim.faults import (
    CancelLosesRace,
    DelayFill,
    Fault,
    FaultPlan,
    Match,
    NeverFill,
    OrderCandidate,
    PartialFill,
    Reject,
)

NEW_YORK = ZoneInfo("America/New_York")
Role = Literal["opening", "closing"]
# What can happen to one entry leg. "race": the order rests unfilled and a cancel loses its race
# (the order fills instead of being cancelled); "slow": it fills only after 90 s, past the timeout.
LegFault = Literal["reject", "partial", "delay", "slow", "never", "race"]
LEG_FAULTS: tuple[LegFault, ...] = ("reject", "partial", "delay", "slow", "never", "race")

DELAY_SECONDS = 3.0  # within the executor's 5 s timeout: the leg fills late, the group completes
SLOW_SECONDS = 90.0  # past the timeout and the next on_data: the executor gives up and unwinds
REJECT_MESSAGE = "Simulated rejection: no liquidity for this leg"
ROLLBACK_REJECT_MESSAGE = "Simulated rejection: reversing order refused"


@dataclass(frozen=True)
class ScenarioSpec:
    """One named plan: the chance of each fault per opening leg, and of a refused first rollback order.

    `rollback_reject` applies to an executor's first reversing order of a leg (tag ".../rollback/<leg>/1"),
    so a retry goes through; `rollback_reject_all` refuses every attempt on the chosen (day, contract),
    which exhausts the executor's retries (ROLLBACK_FAILED).
    """

    description: str
    leg: Mapping[LegFault, float]
    rollback_reject: float = 0.0
    rollback_reject_all: float = 0.0


SCENARIOS: dict[str, ScenarioSpec] = {
    "none": ScenarioSpec("no faults: every order fills at once", {}),
    "mixed": ScenarioSpec(
        "per entry leg: 5% rejected, 4% partially filled (rest never), 3% delayed 3 s, 2% delayed 90 s, "
        "2% never filled, 2% never filled until a cancel loses its race; 40% of first rollback orders refused",
        {"reject": 0.05, "partial": 0.04, "delay": 0.03, "slow": 0.02, "never": 0.02, "race": 0.02},
        rollback_reject=0.40,
    ),
    "rejections": ScenarioSpec("per entry leg: 12% rejected", {"reject": 0.12}),
    "partials": ScenarioSpec("per entry leg: 12% partially filled, the remainder never", {"partial": 0.12}),
    "delays": ScenarioSpec("per entry leg: 8% delayed 3 s, 6% delayed 90 s", {"delay": 0.08, "slow": 0.06}),
    "rollback-fails": ScenarioSpec(
        "mixed entry faults, and every rollback order refused on half the (day, contract) pairs: "
        "ROLLBACK_FAILED, and the executor halts",
        {"reject": 0.05, "partial": 0.04, "delay": 0.03, "slow": 0.02, "never": 0.02, "race": 0.02},
        rollback_reject_all=0.5,
    ),
}
PLAN_NAMES: tuple[str, ...] = tuple(SCENARIOS)


def unit_hash(*parts: object) -> float:
    """A uniform number in [0, 1) from `parts`, the same in every process."""
    digest = hashlib.blake2b("|".join(str(part) for part in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def trading_day(candidate: OrderCandidate) -> date | None:
    """The New York date the order was submitted on (None when the time is unknown)."""
    if candidate.utc_time is None:
        return None
    return candidate.utc_time.astimezone(NEW_YORK).date()


def leg_fault(name: str, seed: int, day: date, contract: str, role: Role) -> LegFault | None:
    """The fault plan `name` gives an order of `contract` on `day` with `role`, or None."""
    spec = _spec(name)
    if role != "opening" or not spec.leg:
        return None
    draw = unit_hash(seed, "leg", day.isoformat(), contract, role)
    for kind in LEG_FAULTS:
        chance = spec.leg.get(kind, 0.0)
        if draw < chance:
            return kind
        draw -= chance
    return None


def rollback_refused(name: str, seed: int, day: date, contract: str, attempt: int) -> bool:
    """Whether plan `name` refuses the executor's `attempt`-th reversing order of `contract` on `day`."""
    spec = _spec(name)
    if spec.rollback_reject_all and unit_hash(seed, "rollback-all", day.isoformat(), contract) < spec.rollback_reject_all:
        return True
    return attempt == 1 and unit_hash(seed, "rollback", day.isoformat(), contract) < spec.rollback_reject


def fault_plan(name: str, seed: int) -> FaultPlan:
    """The FaultPlan of scenario `name` for `seed` (deterministic; see the module docstring)."""
    spec = _spec(name)
    faults: list[Fault] = []

    def on_legs(kind: LegFault) -> Match:
        return Match(role="opening", where=_LegPredicate(name, seed, kind))

    present = {kind for kind, chance in spec.leg.items() if chance > 0}
    if "reject" in present:
        faults.append(Reject(REJECT_MESSAGE, on_legs("reject"), times=None))
    if "partial" in present:
        faults.append(PartialFill(0.5, "never", on_legs("partial"), times=None))
    # One DelayFill per kind would collide (a plan applies one fault of each type per order), so
    # the delay length is part of the predicate: two DelayFills with disjoint predicates.
    if "delay" in present:
        faults.append(DelayFill(DELAY_SECONDS, on_legs("delay"), times=None))
    if "slow" in present:
        faults.append(DelayFill(SLOW_SECONDS, on_legs("slow"), times=None))
    if "never" in present:
        faults.append(NeverFill(on_legs("never"), times=None))
    if "race" in present:
        faults.append(NeverFill(on_legs("race"), times=None))
        faults.append(CancelLosesRace(on_legs("race"), times=None))
    if spec.rollback_reject or spec.rollback_reject_all:
        match = Match(role="closing", tag_contains="/rollback/", where=_RollbackPredicate(name, seed))
        faults.append(Reject(ROLLBACK_REJECT_MESSAGE, match, times=None))
    return FaultPlan(tuple(faults))


def describe(name: str) -> str:
    return _spec(name).description


# --- predicates (classes, so a plan compares and prints by value) ---------------------------------------


@dataclass(frozen=True)
class _LegPredicate:
    name: str
    seed: int
    kind: LegFault

    def __call__(self, candidate: OrderCandidate) -> bool:
        day = trading_day(candidate)
        if day is None:
            return False
        return leg_fault(self.name, self.seed, day, candidate.symbol.value, candidate.role) == self.kind


@dataclass(frozen=True)
class _RollbackPredicate:
    name: str
    seed: int

    def __call__(self, candidate: OrderCandidate) -> bool:
        day = trading_day(candidate)
        attempt = _attempt(candidate.tag)
        if day is None or attempt is None:
            return False
        return rollback_refused(self.name, self.seed, day, candidate.symbol.value, attempt)


def _attempt(tag: str) -> int | None:
    """The attempt number closing an executor tag (`atomic/<group>/rollback/<leg>/<attempt>`)."""
    tail = tag.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _spec(name: str) -> ScenarioSpec:
    if name not in SCENARIOS:
        raise ValueError(f"unknown fault plan {name!r}; expected one of {', '.join(PLAN_NAMES)}")
    return SCENARIOS[name]


