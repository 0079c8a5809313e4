"""Figure 7: a fault campaign. Random brokerage fault plans over 4-leg iron condors, each played in
sequential-protective (the default), combo and parallel legged mode, measuring naked-short exposure.

Each scenario is one live simulation (faults such as delays and cancel races play out in time
there): one condor of 1-4 structures, the executor's timeouts checked every second as main.py
schedules them live, time advanced a second at a time until the group is final and the brokerage
has no open order. After every order event the brokerage's positions (the truth, not the
algorithm's view) are scored with atomic.margin.naked_short_contracts; exposure is that count
integrated over simulated seconds until the end of the scenario.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.hosts import TimedHost, condor_symbols, iron_condor, start
from bench.report import Figure, Section, Verdict
from atomic.margin import naked_short_contracts
from atomic.model import TERMINAL
from config import MAX_ROLLBACK_ATTEMPTS
from leansim import CancelLosesRace, DelayFill, Match, NeverFill, PartialFill, Reject

MODES: dict[str, dict[str, Any]] = {
    "sequential": {"sequential_protective_legs": True},
    "combo": {"execution_mode": "combo"},
    "parallel": {"sequential_protective_legs": False},
}
TARGETED = ("sequential", "combo")  # target: zero exposure; parallel legs are shown for contrast
MAX_SECONDS = 600  # longer than any rollback may take, even checked once a minute (backtest)
GRACE_SECONDS = 5  # kept running after the group is final, for late fills


# --- scenarios -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One random fault plan and the condor size it is played against."""

    seed: int
    structures: int
    faults: tuple[Any, ...]

    def describe(self) -> str:
        return f"seed {self.seed}, x{self.structures}: " + ("; ".join(_fault_text(f) for f in self.faults) or "no fault")


def scenario(seed: int) -> Scenario:
    """0-3 faults drawn from rejections, partial fills, delays, never-fill and lost cancel races,
    aimed at one leg's entry orders, at the nth order of the run, at any entry, or at reversals."""
    rng = random.Random(seed)
    legs = [s.value for s in condor_symbols()]
    faults = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
        aim = rng.random()
        if aim < 0.4:
            match = Match(symbol=rng.choice(legs), tag_contains="/entry/")
        elif aim < 0.7:
            match = Match(nth=rng.randint(1, 10))
        elif aim < 0.85:
            match = Match(tag_contains="/entry/")
        else:
            match = Match(tag_contains="/rollback/")
        times = rng.choice((1, 1, 2))
        kind = rng.choice(FAULT_KINDS)
        faults.append(draw_fault(rng, kind, match, times, "simulated rejection"))
    return Scenario(seed, rng.randint(1, 4), tuple(faults))


FAULT_KINDS = ("reject", "partial", "delay", "never", "cancel_race")


def draw_fault(rng: random.Random, kind: str, match: Match, times: int, rejection: str) -> Any:
    """One fault of `kind` (one of FAULT_KINDS) aimed at `match`, its parameters drawn from `rng`."""
    if kind == "reject":
        return Reject(rejection, match, times)
    if kind == "partial":
        remainder: float | str = rng.choice(("never", 2.0, 8.0, 30.0))
        return PartialFill(rng.choice((0.5, 1, 2)), remainder, match, times)  # type: ignore[arg-type]
    if kind == "delay":
        return DelayFill(rng.choice((1.0, 3.0, 8.0, 20.0, 60.0)), match, times)
    if kind == "never":
        return NeverFill(match, times)
    return CancelLosesRace(match, times)


def _fault_text(fault: Any) -> str:
    match = fault.match
    aim = ", ".join(f"{k}={v}" for k, v in (("symbol", match.symbol), ("tag", match.tag_contains), ("nth", match.nth)) if v)
    extra = {"PartialFill": lambda f: f" {f.filled}, rest {f.remainder}", "DelayFill": lambda f: f" {f.seconds:g}s"}
    detail = extra.get(type(fault).__name__, lambda f: "")(fault)
    return f"{type(fault).__name__}{detail} [{aim or 'any'}] x{fault.times}"


# --- one play ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one scenario ended in one mode."""

    seed: int
    mode: str
    env: str
    status: str
    reason: str
    complete_or_flat: bool
    exposure: float  # naked short contracts x simulated seconds
    peak: int  # most naked short contracts at any sampled moment
    seconds: float  # simulated seconds played


def play(item: tuple[Scenario, str, str]) -> Outcome:
    """One scenario in one mode, in "live" or "backtest" (where, as in main.py, timeouts are checked
    only on each minute's slice)."""
    sc, mode, env = item
    sim, algo = start(env, TimedHost, faults=sc.faults, **MODES[mode])
    contracts: dict[Any, Any] = {}
    samples: list[tuple[float, int]] = []
    origin = sim.now

    def sample() -> None:
        positions = []
        for symbol, quantity in sim.positions.items():
            if quantity:
                contract = contracts.get(symbol) or contracts.setdefault(symbol, algo.executor.ports.orders.describe(symbol))
                positions.append((contract, int(quantity)))
        samples.append(((sim.now - origin).total_seconds(), naked_short_contracts(positions)))

    algo.after_event = sample
    result = iron_condor(algo, sc.structures)
    grace = GRACE_SECONDS
    for _ in range(MAX_SECONDS):
        sim.advance(1)
        if env == "live":
            algo.executor.check_timeouts()  # main.py's live schedule: once a second
        if result.status in TERMINAL and not sim.open_broker_orders:
            grace -= 1
            if grace <= 0:
                break
    end = (sim.now - origin).total_seconds()
    exposure = sum(naked * ((samples[i + 1][0] if i + 1 < len(samples) else end) - at)
                   for i, (at, naked) in enumerate(samples))
    targets = {str(algo.long_call): 1, str(algo.long_put): 1, str(algo.short_call): -1, str(algo.short_put): -1}
    held = {str(s): int(q) for s, q in sim.positions.items() if q}
    complete = held == {k: v * sc.structures for k, v in targets.items()}
    return Outcome(sc.seed, mode, env, result.status.value, result.reason, complete or not held, exposure,
                   max((n for _, n in samples), default=0), end)


def play_all(scenarios: Sequence[Scenario], modes: Sequence[str], envs: Sequence[str], workers: int) -> list[Outcome]:
    items = [(sc, mode, env) for env in envs for sc in scenarios for mode in modes]
    if workers <= 1:
        return [play(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(play, items, chunksize=max(1, len(items) // (workers * 8))))


# --- figures -----------------------------------------------------------------------------------------------


def run(count: int, workers: int | None = None, seed: int = 1, envs: Sequence[str] = ("live", "backtest")) -> Section:
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    section = Section("7", f"fault campaign: {count:,} random fault plans x {len(MODES)} modes x {'/'.join(envs)}")
    scenarios = [scenario(seed * 1_000_003 + i) for i in range(count)]
    outcomes = play_all(scenarios, list(MODES), envs, workers)
    by_seed = {sc.seed: sc for sc in scenarios}
    for env in envs:
        for mode in MODES:
            _mode_figures(section, env, mode, [o for o in outcomes if o.mode == mode and o.env == env], by_seed)
    played = sum(o.seconds for o in outcomes)
    section.note(f"{len(outcomes):,} simulations, {played:,.0f} simulated seconds, {workers} worker process(es); "
                 f"scenario seeds {scenarios[0].seed}..{scenarios[-1].seed}; the same plan in every mode.")
    section.note("live: check_timeouts every second (main.py's live schedule); backtest: on each minute's slice "
                 "(main.py's on_data), so backtest rollbacks start up to a minute late.")
    return section


def _mode_figures(section: Section, env: str, mode: str, mine: list[Outcome], by_seed: dict[int, Scenario]) -> None:
    name = f"{mode}, {env}"
    exposure = sum(o.exposure for o in mine)
    exposed = [o for o in mine if o.peak]
    targeted = mode in TARGETED
    zero = "0" if targeted else ""
    section.add(Figure("7", f"{name}: naked-short exposure, all scenarios", exposure, "contract-s", zero,
                       (Verdict.PASS if exposure == 0 else Verdict.MISS) if targeted else Verdict.INFO))
    section.add(Figure("7", f"{name}: scenarios ever holding a naked short", len(exposed), f"of {len(mine)}", zero,
                       (Verdict.PASS if not exposed else Verdict.MISS) if targeted else Verdict.INFO))
    counts = Counter(o.status for o in mine)
    other = len(mine) - counts["FILLED"] - counts["ROLLED_BACK"]
    section.add(Figure("7", f"{name}: outcomes", len(mine), "",
                       text=f"FILLED {counts['FILLED']} / ROLLED_BACK {counts['ROLLED_BACK']} / other {other}"))
    balanced = sum(1 for o in mine if o.complete_or_flat)
    # The designed escalation: every reversal attempt refused or never filled (the plan faulted all
    # MAX_ROLLBACK_ATTEMPTS of them), so the group is ROLLBACK_FAILED, alerted and halting.
    escalated = sum(1 for o in mine if not o.complete_or_flat and "rollback orders failed" in o.reason)
    section.add(Figure("7", f"{name}: ended complete or flat, or escalated after every reversal failed",
                       balanced + escalated, f"of {len(mine)}", f"all {len(mine)}",
                       Verdict.PASS if balanced + escalated == len(mine) else Verdict.MISS))
    if escalated:
        section.note(f"{name}: {escalated} ROLLBACK_FAILED after all {MAX_ROLLBACK_ATTEMPTS} reversal attempts were faulted")
    if other:
        rest = {s: n for s, n in counts.items() if s not in ("FILLED", "ROLLED_BACK")}
        section.note(f"{name}: other outcomes {rest}")
    for o in sorted(exposed, key=lambda o: -o.exposure)[:2 if targeted else 1]:
        section.note(f"{name} worst: {o.exposure:g} contract-s, peak {o.peak}, {o.status}; {by_seed[o.seed].describe()}")
    unbalanced = Counter(f"{o.status}: {_reason_kind(o.reason)}" for o in mine if not o.complete_or_flat)
    if unbalanced:
        section.note(f"{name} unbalanced, by reason: {dict(unbalanced)}")
    for o in [o for o in mine if not o.complete_or_flat][:2]:
        section.note(f"{name} unbalanced: {o.status}; {by_seed[o.seed].describe()}")


def _reason_kind(reason: str) -> str:
    """A status reason without its group-specific details (leg numbers, tickers)."""
    if "rollback orders failed" in reason:
        return "reversal orders refused/failed max times"
    return reason.split(":")[0] if reason else "-"
