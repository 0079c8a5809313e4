"""`python -m leansim run ALGORITHM.py [options]`: the scenario runner's command line.

Stands for Launcher/Program.cs, as the lean CLI's `lean backtest` starts it.

With no option it runs the README's demo: 60 synthetic trading days, the `mixed` fault plan,
seed 7, the atomic executor and the naive loop side by side. As the lean CLI, it prints the
algorithm's log lines and leaves its results in a new folder under backtests/ (or --output DIR):
log.txt, statistics.json, runtime-statistics.json, orders.json, charts/ (the algorithm's plots),
storage/ (the ObjectStore, kept from one run to the next), and the side-by-side report.txt and report.png.

Crash and restart: `--live` runs in live mode; `--crash-at POINT[:N]` kills the process the Nth time
it passes POINT (exit status 3). The same command again over the same `--output DIR` restarts it:
a live run reloads the account from DIR/brokerage.json (leansim.process_state) and the ObjectStore
from DIR/storage, as LEAN's live restart does (new order ids, no tags), and logs its recovery.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from leansim.faults import CRASH_POINTS, CrashAt
from leansim.scenario_faults import PLAN_NAMES, SCENARIOS

DEFAULT_DAYS = 60
DEFAULT_FAULTS = "mixed"
DEFAULT_SEED = 7
BACKTESTS = Path("backtests")
CRASHED = 3  # the exit status of a run whose process died at --crash-at


def crash_point(text: str) -> CrashAt:
    """`POINT` or `POINT:N` (the Nth passage, counted over every process of the simulation)."""
    point, _, nth = text.partition(":")
    if point not in CRASH_POINTS:
        raise argparse.ArgumentTypeError(f"unknown crash point {point!r}; expected one of {', '.join(CRASH_POINTS)}")
    if nth and not (nth.isdigit() and int(nth) >= 1):
        raise argparse.ArgumentTypeError(f"the N of {text!r} must be a whole number from 1")
    return CrashAt(point, int(nth) if nth else 1)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m leansim", description="The LEAN double's tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="run a LEAN algorithm over simulated days with faults, report and chart",
        description="Run a LEAN algorithm file on the LEAN double over a synthetic market (or a LEAN data "
                    "folder) under a named fault plan; with --naive (the default) run it again with the "
                    "seed's naive order loop on the same data and faults, and compare.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("algorithm", type=Path, help="the algorithm file (its QCAlgorithm subclass is run)")
    run.add_argument("--days", type=int, default=DEFAULT_DAYS, help="synthetic trading days")
    run.add_argument("--start", type=date.fromisoformat, default=None,
                     help="first day (YYYY-MM-DD), replacing the algorithm's dates; without it: the algorithm's "
                          "set_start_date (synthetic: else 2024-01-02; data folder: else its first day)")
    run.add_argument("--end", type=date.fromisoformat, default=None,
                     help="last day (YYYY-MM-DD), replacing the algorithm's dates; without it: its set_end_date")
    # argparse %-formats help texts: the plans' percentages must be escaped.
    plans = "; ".join(f"{name}: {spec.description}" for name, spec in SCENARIOS.items()).replace("%", "%%")
    run.add_argument("--faults", choices=PLAN_NAMES, default=DEFAULT_FAULTS, help=f"fault plan ({plans})")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the synthetic market and of the faults")
    run.add_argument("--data-folder", type=Path, default=None,
                     help="a LEAN data folder (e.g. ../shared/data/lean-sample) instead of synthetic data")
    run.add_argument("--underlying", default=None, help="underlying ticker (passed as parameter 'underlying')")
    run.add_argument("--entry-days", default=None,
                     help="weekdays to enter on, e.g. thursday or monday,friday (parameter 'entry-days')")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="an algorithm parameter (get_parameter), repeatable, e.g. sequential-protective-legs=true")
    run.add_argument("--parameter", action="append", default=[], nargs=2, metavar=("NAME", "VALUE"),
                     help="an algorithm parameter, as the lean CLI takes it, repeatable")
    run.add_argument("--cash", type=float, default=100_000, help="starting cash")
    run.add_argument("--naive", action=argparse.BooleanOptionalAction, default=True,
                     help="also run the naive order loop on the same data and faults")
    run.add_argument("--algorithm-name", default=None, help="the class to run when the file defines several")
    run.add_argument("--output", "--out", dest="out", type=Path, default=None, metavar="DIR",
                     help="the results folder; without it: a new timestamped folder under backtests/")
    run.add_argument("--live", action="store_true",
                     help="live mode: asynchronous order events; after a crash, the next run over the same "
                          "--output reloads the brokerage's account (DIR/brokerage.json), as LEAN restarts live")
    run.add_argument("--crash-at", type=crash_point, default=None, metavar="POINT[:N]",
                     help=f"kill the process the Nth time (default 1st) it passes POINT, counted over every "
                          f"process of the simulation: {', '.join(CRASH_POINTS)} (before_order:3: before the "
                          "third order reaches the brokerage)")
    run.add_argument("--downtime", type=float, default=60.0, metavar="SECONDS",
                     help="how long a crashed live process stays down before this run restarts it "
                          "(the brokerage keeps filling meanwhile)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar over trading days (default: when stderr is a terminal)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "run":  # pragma: no cover - argparse enforces the choice
        return 2
    from config import ConfigError
    from leansim import backtest_results, chart, report
    from leansim.runner import Scenario, ScenarioError, run_scenario

    parameters = []
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name:
            print(f"--param expects NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        parameters.append((name.strip(), value.strip()))
    parameters += [(name, value) for name, value in args.parameter]
    out = args.out or BACKTESTS / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    progress = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        scenario = Scenario(
            algorithm_file=args.algorithm, days=args.days, start=args.start, end=args.end, seed=args.seed,
            faults=args.faults, data_folder=args.data_folder, underlying=args.underlying, entry_days=args.entry_days,
            parameters=tuple(parameters), naive=args.naive, cash=args.cash, algorithm_name=args.algorithm_name,
            progress=progress, storage=out / "storage", live=args.live, crash_at=args.crash_at,
            state_folder=out, downtime=args.downtime,
        )
        result = run_scenario(scenario)
    except (ScenarioError, ConfigError) as error:  # bad input: a sentence, not a traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    for note in result.notes:
        if note.startswith("warning:"):
            print(note, file=sys.stderr)
    outputs = result.runs[0].outputs
    for line in outputs.log_lines:
        print(line)
    charts = backtest_results.write(outputs, out)
    text = report.render(result)
    print(text, end="")
    report.write(result, out)
    png = chart.write(result, out / "report.png")
    print(f"\nwritten: {out / 'report.txt'}, {png}, {out / 'statistics.json'}"
          + (f", {len(charts)} chart(s) in {out / 'charts'}" if charts else ""))
    crash = result.runs[0].crash
    if crash:
        again = ("the same command restarts it from its brokerage account and storage/" if args.live
                 else "a backtest does not restart: the next run starts afresh, over the same storage/")
        print(f"the process died: {crash}; {again} (in {out})", file=sys.stderr)
        return CRASHED
    if result.runs[0].runtime_error:  # as LEAN, the results are written and the run is a failure
        print(f"error: {result.runs[0].runtime_error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
