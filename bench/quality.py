"""Figure 8: execution quality by pricing policy, on LEAN's real chains.

The structures the project's strategies choose (iron condor, put credit spread, bull call spread;
one structure each) at several entry times a day on GOOG 2015-12-24 and SPXW 2021-01-04..08 (LEAN's
sample folder), each placed by every policy in its own backtest on the same data and the same fault
plan: the seed's naive legged market loop (leansim.naive_executor), the executor's market legged
orders with rollback (sequential protective legs), one market combo, and a Walk in combo mode
(bench.quality_algorithm says how it is scaled and why). Each run is the scenario runner's
(leansim.runner): it measures naked-short contract-seconds beyond each structure's design.

Per policy: fill rate (structures filled whole), mean concession from the net mid at submission as a
fraction of the natural half-spread (0 at the mid, 1 at the natural; fills read from the order
events), median time from submission to the group's fill, and naked-short contract-seconds.

Fills come from LEAN's fill models (Common/Orders/Fills/FillModel.cs), which fill a limit once the
bar's high or low crosses its price: kinder than a real queue. The walk runs again under
QuoteCrossFillModel (a limit fills only once the quote itself crosses), set with
`security.set_fill_model` as a LEAN user would; market orders fill alike under both rules.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.quality_algorithm import WALK_EVERY_SECONDS, WALK_REST_STEPS, WALK_STEPS, Entry, QualityAlgorithm
from leansim.runner import GroupRecord, Scenario, run_scenario
from bench.report import Figure, Section, Verdict, at_most, mean, median

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", ROOT.parent / "shared" / "data" / "lean-sample"))
CASH = 50_000_000  # every structure of a run can be held at once (SPXW margins are large)


@dataclass(frozen=True)
class Dataset:
    """A stretch of LEAN's sample: the underlying the runner reads, its days, and the sub-folder it needs."""

    underlying: str
    start: date
    end: date
    folder: str  # under the sample folder

    @property
    def name(self) -> str:
        return f"{'SPXW' if self.underlying == 'SPX' else self.underlying} {self.start}" + (
            f"..{self.end.day:02d}" if self.end != self.start else "")


DATASETS = (Dataset("GOOG", date(2015, 12, 24), date(2015, 12, 24), "option/usa/minute/goog"),
            Dataset("SPX", date(2021, 1, 4), date(2021, 1, 8), "indexoption/usa/minute/spxw"))
# Entry times (exchange time), every half hour: GOOG closes at 13:00 on 12-24 (a half day).
FULL_TIMES = {"GOOG": "09:45,10:15,10:45,11:15,11:45,12:15",
              "SPX": "09:45,10:15,10:45,11:15,11:45,12:15,12:45,13:15,13:45,14:15,14:45,15:15"}
QUICK_TIMES = {"GOOG": "10:15,11:15,12:15", "SPX": "10:15,12:15,14:15"}
# (policy, fill rule) runs; the naive loop is the market-legged run's naive twin (same scenario).
RUNS = (("market-legged", "lean"), ("market-combo", "lean"), ("walk-combo", "lean"), ("walk-legged", "lean"),
        ("walk-combo", "quote"), ("walk-legged", "quote"))
LABELS = {"naive": "naive legged market", "market-legged": "market legged + rollback",
          "market-combo": "market combo", "walk-combo": "Walk, combo", "walk-legged": "Walk, legged"}
# Statuses a group reaches only once its entry filled whole: a structure held to its expiry (SPXW's
# 0DTE spreads) or closed later was filled all the same.
ENTRY_FILLED = frozenset({"FILLED", "CLOSING", "CLOSED", "CLOSE_FAILED", "EXPIRED", "ASSIGNED"})
TARGET_FILLS = 0.9  # of the structures a market combo fills
TARGET_CONCESSION = 0.5  # of the natural half-spread, on average


@dataclass(frozen=True)
class Outcome:
    """One structure under one policy and fill rule."""

    dataset: str
    faults: str
    policy: str
    rule: str
    key: tuple[str, str]  # submission time and strategy: the same structure across runs
    filled: bool
    concession: float | None  # fraction of the natural half-spread (None: not filled, or no spread)
    concession_at_fill: float | None  # the same against the quotes when the legs filled (the market's drift left out)
    seconds_to_fill: float | None
    naked_seconds: float
    whole_or_flat: bool  # the brokerage holds the whole structure or none of it at the end of the run


def play(item: tuple[Dataset, str, str, str, str, Path]) -> list[Outcome]:
    """One backtest of `policy` over a dataset (with its naive twin for market-legged)."""
    dataset, policy, rule, times, faults, folder = item
    entries: list[Entry] = []
    algorithm = type("QualityRun", (QualityAlgorithm,), {"sink": staticmethod(entries.append)})
    parameters = (("policy", policy), ("fill-rule", rule), ("entry-times", times))
    naive = policy == "market-legged"
    scenario = Scenario(Path(__file__), data_folder=folder, underlying=dataset.underlying, start=dataset.start,
                        end=dataset.end, faults=faults, parameters=parameters, naive=naive, cash=CASH)
    result = run_scenario(scenario, algorithm)
    outcomes = []
    for run in result.runs:
        name = "naive" if run.kind == "naive" else policy
        records = {record.group_id: record for record in run.groups}
        for entry in (e for e in entries if e.group_id in records and _ran(e, run.kind)):
            outcomes.append(_outcome(dataset.name, faults, name, rule, entry, records[entry.group_id]))
    return outcomes


def _ran(entry: Entry, kind: str) -> bool:
    """Entries are collected from both runs of a naive scenario: keep each run's own."""
    return entry.group_id.startswith("naive-") == (kind == "naive")


def _outcome(dataset: str, faults: str, policy: str, rule: str, entry: Entry, record: GroupRecord) -> Outcome:
    filled = record.status in ENTRY_FILLED
    settled = entry.last_fill_at
    concession = at_fill = None
    if filled and entry.half_spread > 0:
        concession = (entry.paid - entry.mid) / entry.half_spread
    if filled and entry.half_spread_when_filled > 0:
        at_fill = (entry.paid - entry.mid_when_filled) / entry.half_spread_when_filled
    seconds = (settled - record.created_at).total_seconds() if filled and settled else None
    return Outcome(dataset, faults, policy, rule, (entry.submitted_at.isoformat(), entry.strategy), filled, concession, at_fill,
                   seconds, record.naked_seconds, not record.unbalanced)


def run(times: dict[str, str], workers: int | None = None, folder: Path = SAMPLE,
        faults: Sequence[str] = ("none", "mixed"), datasets: Sequence[Dataset] = DATASETS) -> Section:
    """Every (policy, fill rule) run of RUNS over every dataset present, under each fault plan, with
    entries at `times` (by underlying: "09:45,10:15" exchange time)."""
    section = Section("8", "execution quality by pricing policy on LEAN's real chains")
    present = [d for d in datasets if (folder / d.folder).is_dir()]
    for missing in (d for d in datasets if d not in present):
        section.note(f"{missing.name} skipped: {folder / missing.folder} not found (set LEAN_SAMPLE_DATA)")
    if not present:
        section.add(Figure("8", "structures measured", 0, "", text="skipped: no sample data"))
        return section
    outcomes = measure(times, workers, folder, faults, present)
    for plan in faults:
        _figures(section, plan, [o for o in outcomes if o.faults == plan], targeted=plan == faults[0])
    per_day = {d.name: len(times[d.underlying].split(",")) for d in present}
    section.note(f"entry times per day {per_day}, every half hour; at each, the iron condor, put credit spread and "
                 f"bull call spread strategies (strategies/) pick one structure each where the chain allows (SPXW's "
                 f"sample lists two strikes: bull call spreads only); each policy in its own backtest, same data and "
                 f"fault plan ({', '.join(faults)}; leansim.scenario_faults); targets on the first plan.")
    budget = (WALK_STEPS + WALK_REST_STEPS) / WALK_STEPS
    section.note(f"Walk: from the net mid, +H/{WALK_STEPS} every {WALK_EVERY_SECONDS:g} s (H: the structure's natural "
                 f"half-spread at submission), at the natural after {WALK_STEPS} min, marketable (a tick through every "
                 f"leg's natural) the minute after; each step priced from that minute's quotes, never more than "
                 f"{budget:g} H past the mid at submission; gives up (rolls back) after {WALK_STEPS + WALK_REST_STEPS} min.")
    section.note("concession: (net fill - net mid at submission) / H, so the market's drift while a walk waits is in it "
                 "(a limit fills when the market comes to it: negative means better than the mid); 'at the fill's "
                 "quotes': the same with the mid and H of the legs' quotes when they filled.")
    section.note("fills from LEAN's fill models (FillModel.cs): a limit fills once the bar's high or low crosses its "
                 "price, strictly, kinder than a real queue; a limit at the natural on a still quote never fills. "
                 "'quote rule': QuoteCrossFillModel via security.set_fill_model, a limit fills only once the quote at "
                 "the bar's close crosses it (market orders fill alike under both rules).")
    return section


def measure(times: dict[str, str], workers: int | None, folder: Path, faults: Sequence[str],
            datasets: Sequence[Dataset]) -> list[Outcome]:
    """Every structure's outcome in every run: RUNS x `datasets` x `faults`, in `workers` processes."""
    items = [(d, policy, rule, times[d.underlying], plan, folder) for plan in faults for d in datasets for policy, rule in RUNS]
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if workers <= 1:
        return [o for item in items for o in play(item)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [o for batch in pool.map(play, items) for o in batch]


def _figures(section: Section, plan: str, outcomes: list[Outcome], targeted: bool) -> None:
    by_run: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        by_run.setdefault((o.policy, o.rule), []).append(o)
    for (policy, rule), mine in sorted(by_run.items(), key=lambda kv: (kv[0][1], list(LABELS).index(kv[0][0]))):
        name = f"{plan}: {LABELS[policy]}" + (", quote rule" if rule != "lean" else "")
        filled = [o for o in mine if o.filled]
        concessions = [o.concession for o in filled if o.concession is not None]
        seconds = [o.seconds_to_fill for o in filled if o.seconds_to_fill is not None]
        naked = sum(o.naked_seconds for o in mine)
        atomic = policy != "naive"
        by_data = ", ".join(f"{d.split()[0]} {sum(o.filled for o in mine if o.dataset == d)}/{sum(o.dataset == d for o in mine)}"
                            for d in sorted({o.dataset for o in mine}))
        section.add(Figure("8", f"{name}: fill rate", len(filled) / max(len(mine), 1), "",
                           text=f"{len(filled)}/{len(mine)} ({by_data})"))
        section.add(Figure("8", f"{name}: concession / half-spread, mean", mean(concessions), ""))
        section.add(Figure("8", f"{name}: concession / half-spread, median", median(concessions), ""))
        section.add(Figure("8", f"{name}: concession at the fill's quotes, mean",
                           mean([o.concession_at_fill for o in filled if o.concession_at_fill is not None]), ""))
        section.add(Figure("8", f"{name}: time to fill, median", median(seconds), "s"))
        section.add(Figure("8", f"{name}: naked-short contract-seconds", naked, "contract-s", "0" if atomic else "",
                           (Verdict.PASS if naked == 0 else Verdict.MISS) if atomic else Verdict.INFO))
    combo = {o.key + (o.dataset,) for o in by_run.get(("market-combo", "lean"), []) if o.filled}
    for (policy, rule), walk in by_run.items():
        if not policy.startswith("walk") or not combo:
            continue
        kept = sum(1 for o in walk if o.filled and o.key + (o.dataset,) in combo)
        share = kept / len(combo)
        average = mean([o.concession for o in walk if o.concession is not None])
        name = f"{plan}: {LABELS[policy]}" + (", quote rule" if rule != "lean" else "")
        aimed = targeted and rule == "lean"
        section.add(Figure("8", f"{name}: fills of what a market combo fills", share, "",
                           f">= {TARGET_FILLS:.0%}" if aimed else "",
                           (Verdict.PASS if share >= TARGET_FILLS else Verdict.MISS) if aimed else Verdict.INFO,
                           text=f"{kept}/{len(combo)} ({share:.0%})"))
        section.add(Figure("8", f"{name}: mean concession / half-spread, vs target", average, "",
                           f"<= {TARGET_CONCESSION}" if aimed else "",
                           at_most(average, TARGET_CONCESSION) if aimed else Verdict.INFO))
