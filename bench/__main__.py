"""`python -m bench [--quick] [--only 1,3,7] [--workers N] [--profile]`: run the benchmarks, print
one line per figure with its target and PASS/MISS, then a summary. Never fails on a missed target."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench import campaign, close_campaign, history, latency, quality, recovery_bench, store_io
from bench.report import Section, printer, summary


@dataclass(frozen=True)
class Sizes:
    """How much of each benchmark to run."""

    groups: int  # figures 1, 2, 6: clean groups per run
    history_levels: tuple[int, ...]  # figure 3
    history_measured: int  # figure 3: groups measured at each level
    store_groups: int  # figure 4
    recovery_archived: int  # figure 5
    scenarios: int  # figure 7
    entry_times: dict[str, str]  # figure 8: entry times a day, by underlying
    close_scenarios: int  # figure 9


SIZES = {
    "full": Sizes(500, (10, 1_000, 100_000), 200, 20, 100_000, 1_000, quality.FULL_TIMES, 1_000),
    "quick": Sizes(150, (10, 1_000, 10_000), 100, 10, 10_000, 150, quality.QUICK_TIMES, 150),
}


def benchmarks(sizes: Sizes, workers: int | None) -> dict[str, Callable[[], Section]]:
    return {
        "1": lambda: latency.run(sizes.groups),
        "3": lambda: history.run(sizes.history_levels, sizes.history_measured),
        "4": lambda: store_io.run(sizes.store_groups),
        "5": lambda: recovery_bench.run(sizes.recovery_archived),
        "7": lambda: campaign.run(sizes.scenarios, workers),
        "8": lambda: quality.run(sizes.entry_times, workers),
        "9": lambda: close_campaign.run(sizes.close_scenarios, workers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (history to 10,000; 150 fault plans, "
                        "150 close fault plans; 3 entries a day)")
    parser.add_argument("--only", default="", help="comma-separated benchmarks: 1 (figures 1, 2, 6), 3, 4, 5, 7, 8, 9")
    parser.add_argument("--workers", type=int, default=None, help="processes for the fault campaign (default 2)")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile after each benchmark")
    args = parser.parse_args(argv)
    sizes = SIZES["quick" if args.quick else "full"]
    chosen = benchmarks(sizes, args.workers)
    wanted = [k.strip() for k in args.only.split(",") if k.strip()] or list(chosen)
    show = printer(lambda line: print(line, flush=True))
    print(f"atomic executor benchmarks on the LEAN double ({'quick' if args.quick else 'full'} sizes; "
          f"Python {sys.version.split()[0]}); times from time.perf_counter", flush=True)
    started = time.perf_counter()
    sections = []
    for key in wanted:
        profile = cProfile.Profile() if args.profile else None
        began = time.perf_counter()
        section = profile.runcall(chosen[key]) if profile else chosen[key]()
        section.seconds = time.perf_counter() - began
        show(section)
        sections.append(section)
        if profile is not None:
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(15)
            print(text.getvalue(), flush=True)
    for line in summary(sections, time.perf_counter() - started):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
