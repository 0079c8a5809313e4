"""The scenario runner's text report: the runs side by side (columns atomic | naive).

The double's own: LEAN has no counterpart.

`render(result)` returns the report; `write(result, folder)` also saves it as report.txt, and the
per-group table (one row per group: day, strategy, structure, pricing, prices, exit, P&L, outcome)
as groups.csv.
Naked-short exposure is in contract-seconds: short option contracts of a group not covered by the
group's own long legs (atomic.margin.naked_short_contracts over the group's filled quantities),
less what the structure holds naked by design (a strangle's shorts), times how long they stayed so.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from atomic.model import TERMINAL
from leansim.runner import GroupRecord, RunResult, ScenarioResult
from leansim.scenario_faults import describe

_LABEL = 44
_COLUMN = 20

# Statuses of each kind of run, for the counts (the naive loop has no rollback).
# The atomic run's final statuses are the executor's own (a status added there is counted here).
_ATOMIC_FINAL = tuple(sorted(status.value for status in TERMINAL))
# Final statuses with a row of their own; any other is counted in "other outcomes".
_ROWS = ("FILLED", "ROLLED_BACK", "ROLLBACK_FAILED", "REJECTED", "CLOSED", "CLOSE_FAILED", "EXPIRED", "ASSIGNED",
         "PARTIAL")
_NAIVE_FINAL = ("FILLED", "PARTIAL", "REJECTED")


def render(result: ScenarioResult) -> str:
    """The whole report as text."""
    scenario = result.scenario
    runs = result.runs
    lines = [
        f"Scenario run of {result.algorithm}",
        f"  market    {result.market}",
        f"  faults    {scenario.faults} (seed {scenario.seed}): {describe(scenario.faults)}",
    ]
    for run in runs:
        lines.append(f"  {run.kind:<9} {run.executor}")
    lines += [f"  note      {note}" for note in result.notes]
    parameters = ", ".join(f"{k}={v}" for k, v in scenario.parameters)
    if parameters:
        lines.append(f"  params    {parameters}")
    lines.append("")
    lines.append(_row("", *[run.kind for run in runs]))
    lines.append(_row("", *["-" * 12 for _ in runs]))
    lines += _table(runs)
    lines.append("")
    lines += _reasons(runs)
    lines += _exposed_groups(runs)
    lines += _skips(runs)
    lines += _group_table(runs)
    return "\n".join(lines).rstrip() + "\n"


def write(result: ScenarioResult, folder: Path) -> Path:
    """Write report.txt into `folder` (created); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.txt"
    path.write_text(render(result), encoding="utf-8")
    with (folder / "groups.csv").open("w", newline="", encoding="utf-8") as table:
        writer = csv.writer(table)
        writer.writerow(["run", *_GROUP_COLUMNS])
        writer.writerows([run.kind, *_group_cells(group, csv_form=True)] for run in result.runs for group in run.groups)
    return path


# --- the table -----------------------------------------------------------------------------------------


def _table(runs: list[RunResult]) -> list[str]:
    def each(fn: Callable[[RunResult], str]) -> list[str]:
        return [fn(run) for run in runs]

    def atomic_only(fn: Callable[[RunResult], str]) -> Callable[[RunResult], str]:
        return lambda run: fn(run) if run.kind == "atomic" else "-"

    def naive_only(fn: Callable[[RunResult], str]) -> Callable[[RunResult], str]:
        return lambda run: fn(run) if run.kind == "naive" else "-"

    final = {run.kind: (_ATOMIC_FINAL if run.kind == "atomic" else _NAIVE_FINAL) for run in runs}
    rows = [
        ("trading days simulated", each(lambda r: str(len(r.days)))),
        ("entries sent / skipped", each(lambda r: f"{r.entries_sent} / {sum(r.skips.values())}")),
        ("groups attempted", each(lambda r: str(r.attempted))),
        ("  filled (every leg)", each(lambda r: str(r.count("FILLED")))),
        ("  rolled back (flat again)", each(atomic_only(lambda r: str(r.count("ROLLED_BACK"))))),
        ("  rollback failed (left for the operator)", each(atomic_only(lambda r: str(r.count("ROLLBACK_FAILED"))))),
        ("  rejected (nothing placed / filled)", each(lambda r: str(r.count("REJECTED")))),
        ("  closed (an exit, all-or-nothing)", each(atomic_only(lambda r: str(r.count("CLOSED"))))),
        ("  close failed (left for the operator)", each(atomic_only(lambda r: str(r.count("CLOSE_FAILED"))))),
        ("  held to expiry: expired / assigned", each(atomic_only(lambda r: f"{r.count('EXPIRED')} / {r.count('ASSIGNED')}"))),
        ("  left partially filled", each(naive_only(lambda r: str(r.count("PARTIAL"))))),
        ("  other outcomes", each(lambda r: _other_outcomes(r, final[r.kind]))),
        ("  still open at the end", each(lambda r: str(r.attempted - r.count(*final[r.kind])))),
        ("  outcomes add up to attempted", each(lambda r: "yes" if _adds_up(r, final[r.kind]) else "NO")),
        ("fills: entry / rollback / exit", each(lambda r: f"{r.entry_fills} / {r.rollback_fills} / {r.exit_fills}")),
        ("rollback cost (realised, x100)", each(atomic_only(lambda r: _money(r.rollback_cost)))),
        ("naked-short exposure, contract-seconds", each(lambda r: _number(r.naked_total))),
        ("  = contract-hours", each(lambda r: f"{r.naked_total / 3600:,.2f}")),
        ("  most contracts naked at once", each(lambda r: str(r.naked_max))),
        ("  worst group: max / contract-seconds", each(_worst)),
        ("  groups ever naked", each(lambda r: str(sum(1 for g in r.groups if g.naked_max)))),
        ("unbalanced groups at the end", each(lambda r: str(len(r.unbalanced)))),
        ("ObjectStore: writes / bytes / flushes",
         each(lambda r: f"{r.store_saves} / {_bytes(r.store_bytes)} / {r.store_flushes}")),
        ("end equity", each(lambda r: _money(r.end_equity))),
        ("  change from the start", each(lambda r: _money(r.end_equity - r.start_equity))),
        ("algorithm's end-of-run self-check", each(lambda r: "passed" if not r.self_check else "FAILED")),
        ("error log lines", each(lambda r: str(len(r.errors)))),
        ("steps: minute / second", each(lambda r: f"{r.minute_steps:,} / {r.second_steps:,}")),
        ("wall time", each(lambda r: f"{r.seconds:.1f} s")),
    ]
    return [_row(label, *values) for label, values in rows]


def _other_outcomes(run: RunResult, final: tuple[str, ...]) -> str:
    counted = [f"{status.lower()} {run.count(status)}" for status in final if status not in _ROWS and run.count(status)]
    return ", ".join(counted) or "-"


def _adds_up(run: RunResult, final: tuple[str, ...]) -> bool:
    still_open = run.attempted - run.count(*final)
    return sum(run.count(status) for status in final) + still_open == run.attempted and still_open >= 0


def _worst(run: RunResult) -> str:
    worst = run.worst_group
    return "-" if worst is None else f"{worst.naked_max} / {_number(worst.naked_seconds)}"


# --- details -------------------------------------------------------------------------------------------


def _reasons(runs: list[RunResult]) -> list[str]:
    lines = []
    for run in runs:
        for title, statuses in (("rejected", ("REJECTED",)), ("rolled back", ("ROLLED_BACK", "ROLLBACK_FAILED"))):
            counted = run.reasons(*statuses)
            for reason, count in counted.most_common():
                lines.append(f"  {run.kind:<7}{title:<12}{count:>3} x {reason}")
    if not lines:
        return []
    return ["Why groups were rejected or rolled back (counted):", *lines, ""]


def _exposed_groups(runs: list[RunResult], limit: int = 12) -> list[str]:
    exposed: list[tuple[str, GroupRecord]] = [(run.kind, g) for run in runs for g in run.groups if g.naked_max]
    if not exposed:
        return ["No group ever held a naked short.", ""]
    exposed.sort(key=lambda item: -item[1].naked_seconds)
    lines = ["Groups that held a naked short (worst first):",
             f"  {'run':<7}{'day':<12}{'group':<12}{'strategy':<14}{'status':<17}{'max':>4}{'contract-s':>13}"]
    for kind, group in exposed[:limit]:
        lines.append(
            f"  {kind:<7}{group.created_at.date().isoformat():<12}{group.group_id[:10]:<12}{group.strategy[:13]:<14}"
            f"{group.status:<17}{group.naked_max:>4}{_number(group.naked_seconds):>13}"
        )
    if len(exposed) > limit:
        lines.append(f"  ... and {len(exposed) - limit} more")
    return [*lines, ""]


def _skips(runs: list[RunResult]) -> list[str]:
    lines = []
    for run in runs:
        for reason, count in run.skips.most_common():
            lines.append(f"  {run.kind:<7}{count:>3} x {reason}")
    unbalanced = [(run.kind, g) for run in runs for g in run.unbalanced]
    out = ["Entries the strategies skipped (by reason):", *lines, ""] if lines else []
    if unbalanced:
        out.append("Unbalanced at the end (neither complete nor flat):")
        out += [f"  {kind:<7}{g.group_id[:10]:<12}{g.status}" for kind, g in unbalanced[:12]]
        out.append("")
    for run in runs:
        if run.self_check:
            out.append(f"The {run.kind} run's self-check: {run.self_check[:200]}")
    return out


# --- one row per group -------------------------------------------------------------------------------

# Outcomes whose entry fills are not whole structures: their net says nothing against the mid.
_ENTRY_NOT_WHOLE = ("REJECTED", "ROLLED_BACK", "ROLLBACK_FAILED", "PARTIAL")
_GROUP_COLUMNS = ("day", "strategy", "structure", "pricing", "entry net", "entry mid", "vs mid", "exit reason",
                  "exit net", "P&L incl. fees", "outcome")


def _group_cells(group: GroupRecord, csv_form: bool = False) -> list[str]:
    """One group's cells: prices per share of one structure (entry and its net mid at submission:
    credit > 0, debit < 0; "vs mid" is what an entry that filled whole structures got beyond the mid,
    negative when it conceded),
    the pricing policy (its name in the text report, whole in the CSV) and how the position ended (the
    close's rule, or the expiry: its reason up to the first colon in the text report, whole in the CSV)."""
    def price(value: float | None) -> str:
        return "" if value is None else f"{round(value, 2) + 0.0:.2f}"  # + 0.0: no "-0.00"

    reason = group.exit_reason if csv_form else _short_reason(group.exit_reason)
    pricing = group.pricing if csv_form else group.pricing.split("(")[0].strip()
    pnl = f"{group.pnl:.2f}" if csv_form else _money(group.pnl)
    held = "" if group.flat or group.expired or group.status in ("REJECTED",) else " (held)"
    whole = group.status not in _ENTRY_NOT_WHOLE
    versus = None if group.entry_net is None or group.entry_mid is None or not whole else group.entry_net - group.entry_mid
    return [group.created_at.date().isoformat(), group.strategy, group.structure, pricing,
            price(group.entry_net), price(group.entry_mid), price(versus), reason, price(group.exit_net), pnl + held,
            group.status]


def _group_table(runs: list[RunResult], limit: int = 200) -> list[str]:
    rows = [(run.kind, group) for run in runs for group in run.groups]
    if not rows:
        return []
    reason_width = max(14, *(len(_short_reason(group.exit_reason)) + 2 for _, group in rows))
    widths = (7, 11, 14, 38, 8, 10, 10, 8, reason_width, 9, 17, 15)
    header = ("run", *_GROUP_COLUMNS)
    lines = ["", "Groups (prices per share of one structure; P&L of the group's own fills and of its expiry, less fees; "
             "csv: groups.csv):",
             "  " + "".join(f"{h:<{w}}" for h, w in zip(header, widths))]
    for kind, group in rows[:limit]:
        cells = (kind, *_group_cells(group))
        lines.append("  " + "".join(f"{str(c)[:w - 1]:<{w}}" for c, w in zip(cells, widths)).rstrip())
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more in groups.csv")
    return lines


def _short_reason(reason: str) -> str:
    """The rule or event a reason names ("stop loss", "assigned"): its text up to the first colon or
    semicolon."""
    return reason.split(":")[0].split(";")[0].strip()


# --- formatting ----------------------------------------------------------------------------------------


def _row(label: str, *values: str) -> str:
    return f"{label:<{_LABEL}}" + "".join(f"{value:>{_COLUMN}}" for value in values)


def _money(value: float) -> str:
    sign = "-" if value < -0.005 else ""
    return f"{sign}${abs(value):,.2f}"


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _bytes(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / 1024 / 1024:.1f} MB"
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} B"
