"""Shared bits of the scenario runner's tests: the repository's main.py, loaded once, and the
scenarios the tests run (short: a week or two of synthetic days)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import leansim

leansim.install()

from leansim.algorithm import QCAlgorithm
from leansim.runner import Scenario, ScenarioResult, load_algorithm, run_scenario

ROOT = Path(__file__).resolve().parents[3]
MAIN = ROOT / "main.py"
LEAN_SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", ROOT.parent / "shared" / "data" / "lean-sample"))
EVERY_WEEKDAY = "monday,tuesday,wednesday,thursday,friday"
PARALLEL = (("execution-mode", "legged"), ("sequential-protective-legs", "false"))
SEQUENTIAL = (("execution-mode", "legged"), ("sequential-protective-legs", "true"))
# main.py's managed exits off: the structures are held to expiry, as the tests written before them
# expect (a test's own parameters given after these win: the runner keeps the last of a name).
HOLD_TO_EXPIRY = (("take-profit", "0"), ("stop-loss", "0"), ("time-exit-minutes", "0"))


@cache
def main_algorithm() -> type[QCAlgorithm]:
    return load_algorithm(MAIN)


@cache
def run(days: int = 10, faults: str = "mixed", seed: int = 7, parameters: tuple[tuple[str, str], ...] = SEQUENTIAL,
        entry_days: str | None = EVERY_WEEKDAY, naive: bool = True) -> ScenarioResult:
    """A scenario on synthetic SPY, cached: several tests read the same run."""
    scenario = Scenario(MAIN, days=days, faults=faults, seed=seed, parameters=HOLD_TO_EXPIRY + parameters,
                        entry_days=entry_days, naive=naive)
    return run_scenario(scenario, main_algorithm())
