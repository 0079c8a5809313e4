"""Test kit for crash recovery: run an iron condor group in live mode, crash it anywhere, restart,
and check the all-or-nothing invariant against the brokerage (the truth) and the store.

A trial is data (`Trial`): execution mode, scenario (which brokerage faults), the crash points to
hit, how long the process stays dead. `run_trial` plays it: manual positions first, then the group,
then as many crash/restart rounds as the plan causes; `violations` lists every way the end state
breaks the invariant (empty when it holds), so an assertion message says exactly what went wrong.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


import executor_kit
from executor_kit import (
    EXECUTION_MODES,
    EXPIRY,
    OPEN,
    HostAlgorithm,
    host,
    namespace,
    newest_open_key,
    newest_open_record,
    option,
)

from AlgorithmImports import Symbol
from leansim import CrashAt, FaultPlan, Match, NeverFill, Reject, SimulatedCrash, Simulator
from leansim.faults import CRASH_POINTS

__all__ = ["CRASH_POINTS", "EXECUTION_MODES", "EXPIRY", "OPEN", "CrashAt", "HostAlgorithm", "executor_kit", "host",
           "namespace", "newest_open_key", "newest_open_record", "option"]

NAMESPACE = namespace("live")
OPEN_PREFIX = f"{NAMESPACE}/open/"
ARCHIVE_PREFIX = f"{NAMESPACE}/archive/"
QUARANTINE_PREFIX = f"{NAMESPACE}/quarantine/"
STRUCTURES = 2
# Long enough for a timeout (checked on each minute's slice), the rollback, and its retries.
SETTLE_SECONDS = 300
CASH = 1_000_000


SHORT_CALL, LONG_CALL = option("call", 480), option("call", 485)
SHORT_PUT, LONG_PUT = option("put", 460), option("put", 455)
FAR_PUT = option("put", 450)
CONDOR = (SHORT_CALL, LONG_CALL, SHORT_PUT, LONG_PUT)
# The condor's signed leg quantities, per contract, for STRUCTURES structures.
CONDOR_QUANTITY = {SHORT_CALL: -STRUCTURES, LONG_CALL: STRUCTURES, SHORT_PUT: -STRUCTURES, LONG_PUT: STRUCTURES}
# Held before the group starts: one contract the group shares, one it does not touch.
MANUAL = {SHORT_PUT: 3, FAR_PUT: 1}


# Faults matched on symbol and entry tags, so rollbacks and manual orders are never affected. A combo
# matching on one leg is refused (or held) whole; `times=2` lets the combo's legged fallback meet
# the same fault on its leg.
SCENARIOS: dict[str, tuple[Any, ...]] = {
    "clean": (),
    "reject": (Reject("no liquidity", Match(symbol=SHORT_PUT.value, tag_contains="/entry/"), times=2),),
    "never_fills": (NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/"), times=2),),
}


@dataclass(frozen=True)
class Trial:
    """One simulation: a mode, a scenario, the crashes to hit and how long the process stays dead."""

    mode: str
    scenario: str
    crashes: tuple[CrashAt, ...] = ()
    dead_seconds: float = 0.0
    extra_faults: tuple[Any, ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()

    def host(self) -> type[HostAlgorithm]:
        chosen: type[HostAlgorithm] = host(**{**EXECUTION_MODES[self.mode], **dict(self.overrides)})
        return chosen

    def faults(self) -> FaultPlan:
        return FaultPlan(SCENARIOS[self.scenario] + self.extra_faults + self.crashes)

    def __str__(self) -> str:
        crashes = ", ".join(f"{c.point}#{c.n}" for c in self.crashes) or "no crash"
        return f"{self.mode}/{self.scenario} [{crashes}] dead {self.dead_seconds:g}s"


@dataclass(frozen=True)
class Crash:
    """One SimulatedCrash: its message, whether it hit inside a restart's recovery, the counters then."""

    message: str
    in_recovery: bool
    counters: dict[str, int]


@dataclass
class Outcome:
    """What a trial did: the simulator, the last algorithm, counters, crashes and recovery reports."""

    trial: Trial
    sim: Simulator
    algo: HostAlgorithm
    baseline: dict[str, int]  # counters when the group was started
    crashes: list[Crash] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list)  # recovery reports of the runs that finished recovery

    @property
    def crashed_in_recovery(self) -> bool:
        """Some crash hit while a restarted algorithm was recovering (inside sim.restart)."""
        return any(crash.in_recovery for crash in self.crashes)


def open_manual_positions(sim: Simulator, algo: HostAlgorithm) -> None:
    """Hold MANUAL before any group: positions the executor must never touch."""
    for symbol, quantity in MANUAL.items():
        algo.market_order(symbol, quantity, tag="manual")
    sim.advance(2)
    assert {s: sim.position(s) for s in MANUAL} == MANUAL, "manual positions did not fill"


def run_trial(trial: Trial, settle: float = SETTLE_SECONDS, max_restarts: int = 5) -> Outcome:
    """Manual positions, one iron condor group, then restart after every crash until one run survives."""
    sim = Simulator(mode="live", start=OPEN, faults=trial.faults(), cash=CASH)
    cls = trial.host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    outcome = Outcome(trial, sim, algo, sim.counters)
    try:
        algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
        sim.advance(settle)
        return outcome
    except SimulatedCrash as crash:
        outcome.crashes.append(Crash(str(crash), False, sim.counters))
    for _ in range(max_restarts):
        sim.advance(trial.dead_seconds)  # the brokerage keeps working while the process is down
        try:
            restarted = sim.restart(cls)
        except SimulatedCrash as crash:  # inside on_warmup_finished: recovery's own actions
            outcome.crashes.append(Crash(str(crash), True, sim.counters))
            continue
        outcome.algo = restarted
        outcome.reports.append(restarted.recovery)
        try:
            sim.advance(settle)
            return outcome
        except SimulatedCrash as crash:
            outcome.crashes.append(Crash(str(crash), False, sim.counters))
    raise AssertionError(f"{trial}: still crashing after {max_restarts} restarts")


def crash_points_between(before: dict[str, int], after: dict[str, int]) -> list[CrashAt]:
    """Every CrashAt that a run passing from counters `before` to `after` would hit."""
    return [CrashAt(point, n) for point in CRASH_POINTS for n in range(before[point] + 1, after[point] + 1)]


# --- backtests ------------------------------------------------------------------------------------

BACKTEST = f"{namespace('backtest')}/"


def backtest_group(mode: str, scenario: str, crash: CrashAt | None) -> tuple[Simulator, str]:
    """A backtest of one condor group, crashing at `crash` (inside the call itself in a backtest,
    where orders fill at once): the storage it leaves, and the group's id as its keys there name it."""
    faults = SCENARIOS[scenario] + ((crash,) if crash else ())
    sim = Simulator(mode="backtest", start=OPEN, cash=1_000_000, faults=FaultPlan(faults))
    algo = sim.start(host(**EXECUTION_MODES[mode]))
    try:
        algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
        sim.advance(SETTLE_SECONDS)
        sim.stop()
    except SimulatedCrash:
        assert crash is not None
    return sim, _group_on_disk(sim)


def _group_on_disk(sim: Simulator) -> str:
    """The one group whose keys a backtest left: `open/<id>`, `open/<id>.alt` or `archive/<time>-<id>`."""
    ids = set()
    for key in sim.stored:
        if key.startswith(BACKTEST + "open/"):
            ids.add(key.removeprefix(BACKTEST + "open/").removesuffix(".alt"))
        elif key.startswith(BACKTEST + "archive/"):
            ids.add(key.removeprefix(BACKTEST + "archive/").split("-", 1)[1])
    [group_id] = ids
    return group_id


# --- reading the store ----------------------------------------------------------------------------


def stored_records(algo: HostAlgorithm, prefix: str) -> dict[str, dict[str, Any]]:
    """The parsed records under `prefix` in the running algorithm's store (memory: what it sees)."""
    store = algo.object_store
    return {key: json.loads(store.read(key)) for key in store.keys if key.startswith(prefix)}


def delete_open_record(algo: HostAlgorithm, group_id: str) -> None:
    """Delete both slots of a group's open record through the algorithm's ObjectStore (by hand)."""
    for key in (OPEN_PREFIX + group_id, OPEN_PREFIX + group_id + ".alt"):
        algo.object_store.delete(key)


def group_ids_traded(sim: Simulator) -> set[str]:
    """Groups whose orders reached the brokerage (the submission tag names the group)."""
    ids = set()
    for order in sim.broker_orders:
        parts = order.tag.split("/")
        if len(parts) == 5 and parts[0] == "atomic":
            ids.add(parts[1])
    return ids


def brokerage_fills_by_role(sim: Simulator, group_id: str) -> dict[tuple[Symbol, str], float]:
    """(symbol, entry|rollback) -> quantity the brokerage filled for the group's orders."""
    filled: dict[tuple[Symbol, str], float] = defaultdict(float)
    for order in sim.broker_orders:
        parts = order.tag.split("/")
        if len(parts) == 5 and parts[0] == "atomic" and parts[1] == group_id:
            filled[(order.symbol, parts[2])] += order.filled
    return filled


# --- the invariant --------------------------------------------------------------------------------


def violations(outcome: Outcome, groups: int = 1) -> list[str]:
    """Every way the end state breaks all-or-nothing; [] when it holds.

    1. Brokerage: each condor contract, less the manual position, is exactly the condor in every leg
       or flat in every leg (per group: `groups` identical condors may be held).
    2. Nothing outside the group changed: manual positions intact, no other symbol held.
    3. No reversal twice: per contract, rollback fills never exceed the entry fills, and the group's
       net never has the opposite sign of its leg.
    4. Store: every group known (executor.open_groups() and the archived records) is FILLED and
       complete, or flat in every contract; a group whose orders reached the brokerage is known; the
       groups' recorded nets add up to the brokerage's positions (less the manual ones).
    5. No order of a group is left working at the brokerage: a group that settled, waits for the
       operator or rolls back must not have an order that could still fill unaccounted for.
    """
    sim, algo = outcome.sim, outcome.algo
    found: list[str] = []
    position = {s: int(sim.position(s)) for s in CONDOR + (FAR_PUT,)}
    net = {s: position[s] - MANUAL.get(s, 0) for s in CONDOR}
    condors = {net[s] / CONDOR_QUANTITY[s] for s in CONDOR}  # condors held, judged leg by leg
    whole = len(condors) == 1 and all(c.is_integer() and 0 <= c <= groups for c in condors)
    if not whole:
        found.append(f"brokerage holds neither whole condors nor flat: net of manual {_named(net)}")
    for symbol, quantity in MANUAL.items():
        if symbol not in CONDOR and position[symbol] != quantity:
            found.append(f"manual position in {symbol.value} changed: {quantity} -> {position[symbol]}")
    strangers = {s.value: q for s, q in sim.positions.items() if s not in position}
    if strangers:
        found.append(f"positions outside the group appeared: {strangers}")

    working = [f"{o.tag} {o.symbol.value} {o.remaining:+g}" for o in sim.open_broker_orders if o.tag.startswith("atomic/")]
    if working:
        found.append(f"orders of ours still working at the brokerage: {working}")

    traded = group_ids_traded(sim)
    for group_id in traded:
        fills = brokerage_fills_by_role(sim, group_id)
        for symbol in CONDOR:
            entry, rollback = fills.get((symbol, "entry"), 0.0), fills.get((symbol, "rollback"), 0.0)
            if rollback and (abs(rollback) > abs(entry) or rollback * entry > 0):
                found.append(f"group {group_id[:8]} reversed {rollback:+g} of an entry fill of {entry:+g} in {symbol.value}")
            if (entry + rollback) * CONDOR_QUANTITY[symbol] < 0:
                found.append(f"group {group_id[:8]} ends with the opposite sign in {symbol.value}: {entry + rollback:+g}")

    records = {r["group_id"]: r for r in stored_records(algo, ARCHIVE_PREFIX).values()}
    open_views = {v.group_id: v for v in algo.executor.open_groups()}
    recorded_net: dict[str, int] = defaultdict(int)
    for group_id, record in records.items():
        legs = [(leg["quantity"], leg["filled_quantity"]) for leg in record["legs"]]
        complete = all(q == f for q, f in legs)
        flat = all(f == 0 for _, f in legs)
        if not (record["status"] == "FILLED" and complete or record["status"] == "ROLLED_BACK" and flat):
            found.append(f"archived group {group_id[:8]} is {record['status']} with legs (target, filled) {legs}")
        for leg in record["legs"]:
            recorded_net[leg["contract"]["ticker"]] += leg["filled_quantity"]
    for group_id, view in open_views.items():
        legs = [(leg.quantity, leg.filled) for leg in view.legs]
        if not (view.status.value == "FILLED" and view.complete or view.flat):
            found.append(f"open group {group_id[:8]} is {view.status.value} with legs (target, filled) {legs}")
        for leg in view.legs:
            recorded_net[leg.symbol] += leg.filled
    unknown = traded - set(records) - set(open_views)
    if unknown:
        found.append(f"groups that traded have no record: {sorted(g[:8] for g in unknown)}")
    truth = {s.value: n for s, n in net.items() if n}
    if {k: v for k, v in recorded_net.items() if v} != truth:
        found.append(f"records say {dict(recorded_net)}, brokerage (less manual) holds {truth}")
    return found


def _named(quantities: dict[Symbol, int]) -> dict[str, int]:
    return {s.value: q for s, q in quantities.items()}


def describe(outcome: Outcome) -> str:
    """Crashes, recovery reports and the group's audit trail, for assertion messages."""
    lines = [str(outcome.trial)]
    lines += [f"  crash: {c.message}{' (during recovery)' if c.in_recovery else ''}" for c in outcome.crashes]
    lines += [f"  {line}" for report in outcome.reports for line in str(report).splitlines()]
    lines.append(f"  halted: {outcome.algo.executor.halted!r}")
    lines.append(f"  errors: {outcome.sim.logs_at('ERROR')}")
    return "\n".join(lines)
