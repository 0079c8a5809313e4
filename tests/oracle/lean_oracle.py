"""LEAN's own regression algorithms as leansim's oracle (issue 11, section 4).

    python tests/oracle/lean_oracle.py [--lean /work/.mirror/QuantConnect+Lean/repo] [--data-folder DIR] [NAME ...]

For each Python option regression algorithm of the yardstick, it extracts LEAN's file from a fetched
LEAN repository (a bare git clone: `git show HEAD:Algorithm.Python/<Name>.py`) into a temporary
folder that is deleted afterwards (LEAN's code is never committed here), runs it unmodified through
`python -m leansim run`, and compares four statistics with the ExpectedStatistics dictionary of its
C# twin (`Algorithm.CSharp/<Name>.cs`). It prints one row per algorithm: LEAN's figures, leansim's,
and whether they match or why not. Exit status 0 only when every algorithm matches on those four.
Then, for information, every other statistic leansim writes against LEAN's: per algorithm the ones
that differ, and per statistic on how many algorithms it matches (those leansim leaves out, listed
in README's "Where leansim differs from LEAN", are named as not written).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LEAN = Path("/work/.mirror/QuantConnect+Lean/repo")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "lean-sample"
COMPARED = ("Total Orders", "End Equity", "Total Fees", "Net Profit")
TIMEOUT_SECONDS = 600

# The yardstick (issue 11): every Python option regression algorithm whose C# twin lists Python,
# expects the run to complete and runs on the GOOG 2015-12-23..28 data. Each takes the suffix
# "Algorithm"; LEAN names some "...RegressionAlgorithm", which `_lean_name` finds.
YARDSTICK: tuple[str, ...] = (
    "BasicTemplateOptions", "BasicTemplateOptionEquityStrategy", "BasicTemplateOptionsFilterUniverse",
    "ComboOrderTicketDemo", "CustomOptionPriceModelRegression", "QLOptionPricingModelRegression",
    "CoveredAndProtectiveCallStrategies", "CoveredAndProtectivePutStrategies", "IronCondorStrategy",
    "LongAndShortButterflyCallStrategies", "LongAndShortButterflyPutStrategies",
    "LongAndShortCallCalendarSpreadStrategies", "LongAndShortPutCalendarSpreadStrategies",
    "LongAndShortStraddleStrategies", "LongAndShortStrangleStrategies", "NakedCallStrategy", "NakedPutStrategy",
    "NullBuyingPowerOptionBullCallSpread", "NullMarginMultipleOrdersRegression",
    "OptionAssignmentRegression", "CustomOptionAssignmentRegression", "CustomOptionExerciseModelRegression",
    "NullOptionAssignmentRegression", "OptionExerciseAssignRegression",
    "OptionChainApisConsistency", "OptionChainConsistency", "OptionChainFullData",
    "OptionChainIncludeWeeklysByDefault", "OptionChainProvider", "OptionFilterReturnsNull",
    "OptionUniverseFilterGreeks", "OptionUniverseFilterGreeksShortcuts", "OptionUniverseFilterOptionsData",
    "OptionUniverseHistory",
)


@dataclass(frozen=True)
class Outcome:
    """One algorithm's comparison."""

    name: str
    expected: dict[str, str]  # every statistic of the C# twin
    actual: dict[str, str]  # every statistic leansim wrote
    why: str  # "" when every compared statistic matches

    @property
    def others(self) -> dict[str, tuple[str, str | None]]:
        """The statistics beyond the four: LEAN's text and leansim's (None: not written)."""
        return {key: (value, self.actual.get(key)) for key, value in self.expected.items() if key not in COMPARED}

    @property
    def matches(self) -> bool:
        return not self.why


def git_show(lean: Path, path: str) -> str | None:
    """The file at `path` in the fetched LEAN's HEAD, or None when it has none."""
    done = subprocess.run(["git", "-C", str(lean), "show", f"HEAD:{path}"], capture_output=True, text=True)
    return done.stdout if done.returncode == 0 else None


def _lean_name(lean: Path, name: str) -> str:
    for candidate in (f"{name}Algorithm", f"{name}RegressionAlgorithm"):
        if git_show(lean, f"Algorithm.Python/{candidate}.py") is not None:
            return candidate
    raise LookupError(f"LEAN has no Algorithm.Python/{name}Algorithm.py nor {name}RegressionAlgorithm.py")


_ENTRY = re.compile(r'\{\s*"([^"]+)"\s*,\s*"([^"]*)"\s*\}')


_BASE_CLASS = re.compile(r"public\s+class\s+\w+\s*:\s*(\w+)")


def expected_statistics(lean: Path, csharp: str) -> dict[str, str]:
    """The ExpectedStatistics dictionary of a C# regression algorithm (name -> LEAN's formatted text);
    a twin that inherits them (OptionUniverseFilterOptionsData) is read through its base class."""
    start = csharp.find("ExpectedStatistics")
    if start < 0:
        base = _BASE_CLASS.search(csharp)
        parent = git_show(lean, f"Algorithm.CSharp/{base.group(1)}.cs") if base else None
        if parent is None:
            raise LookupError("no ExpectedStatistics in the C# twin nor in its base class")
        return expected_statistics(lean, parent)
    end = csharp.find("};", start)
    return dict(_ENTRY.findall(csharp[start:end]))


def run_one(lean: Path, data: Path, name: str, work: Path) -> Outcome:
    """Extract `name`, run it through leansim's runner, compare with its C# twin."""
    file_name = _lean_name(lean, name)
    csharp = git_show(lean, f"Algorithm.CSharp/{file_name}.cs")
    if csharp is None:
        return Outcome(name, {}, {}, "no C# twin")
    expected = expected_statistics(lean, csharp)
    source = git_show(lean, f"Algorithm.Python/{file_name}.py")
    assert source is not None
    algorithm = work / f"{file_name}.py"
    algorithm.write_text(source)
    _extract_siblings(lean, source, work)
    out = work / f"{file_name}-out"
    command = [sys.executable, "-m", "leansim", "run", str(algorithm), "--data-folder", str(data),
               "--faults", "none", "--no-naive", "--no-progress", "--output", str(out)]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Outcome(name, expected, {}, f"timed out after {TIMEOUT_SECONDS} s")
    statistics_file = out / "statistics.json"
    if not statistics_file.is_file():
        return Outcome(name, expected, {}, _failure(done.stderr or done.stdout))
    actual = json.loads(statistics_file.read_text())
    if done.returncode != 0:  # a runtime error: LEAN's regression fails whatever the figures
        return Outcome(name, expected, actual, _failure(done.stderr or done.stdout))
    errors = [line for line in (out / "log.txt").read_text().splitlines() if "ERROR::" in line]
    differ = [key for key in COMPARED if expected.get(key) != actual.get(key)]
    why = ", ".join(differ) + " differ" if differ else ""
    if differ and errors:
        why += f"; {_short(errors[0])}"
    return Outcome(name, expected, actual, why)


_IMPORT = re.compile(r"^from\s+(\w+)\s+import", re.MULTILINE)


def _extract_siblings(lean: Path, source: str, work: Path) -> None:
    """The files of LEAN's Algorithm.Python folder that `source` imports (a shared base class)."""
    for module in _IMPORT.findall(source):
        target = work / f"{module}.py"
        text = None if target.exists() else git_show(lean, f"Algorithm.Python/{module}.py")
        if text is not None:
            target.write_text(text)
            _extract_siblings(lean, text, work)


def _failure(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return _short(lines[-1]) if lines else "the runner failed silently"


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(outcomes: Sequence[Outcome]) -> str:
    """One row per algorithm: LEAN's four figures, leansim's, and match or why not."""
    def figures(values: dict[str, str]) -> str:
        return " / ".join(values.get(key, "-") for key in COMPARED)

    rows = [("algorithm", "LEAN: " + " / ".join(COMPARED), "leansim", "match")]
    rows += [(o.name, figures(o.expected), figures(o.actual) if o.actual else "-", "yes" if o.matches else o.why)
             for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + " | " + row[3] for row in rows]
    matched = sum(o.matches for o in outcomes)
    return "\n".join(lines) + f"\n{matched} of {len(outcomes)} match\n"


def other_statistics(outcomes: Sequence[Outcome]) -> str:
    """Every other statistic: per algorithm the ones leansim writes that differ from LEAN's, then per
    statistic the algorithms it matches on (informational: the pass criterion is the four above)."""
    ran = [o for o in outcomes if o.actual]
    lines = ["", "other statistics, per algorithm (LEAN -> leansim where they differ):"]
    for outcome in ran:
        others = outcome.others
        written = {key: pair for key, pair in others.items() if pair[1] is not None}
        differ = [f"{key} {lean} -> {ours}" for key, (lean, ours) in written.items() if lean != ours]
        lines.append(f"  {outcome.name}: {len(written) - len(differ)} of {len(written)} match"
                     + (f"; {'; '.join(differ)}" if differ else ""))
    lines.append("other statistics, per statistic (algorithms matching / algorithms it is written for):")
    names = list(dict.fromkeys(key for o in ran for key in o.others))
    for key in names:
        pairs = [o.others[key] for o in ran if key in o.others]
        written = [(lean, ours) for lean, ours in pairs if ours is not None]
        if not written:
            lines.append(f"  {key}: not written by leansim")
            continue
        left_out = len(pairs) - len(written)
        lines.append(f"  {key}: {sum(lean == ours for lean, ours in written)} / {len(written)}"
                     + (f" (left out for {left_out})" if left_out else ""))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="algorithms to run (default: the whole yardstick)")
    parser.add_argument("--lean", type=Path, default=DEFAULT_LEAN, help="a fetched LEAN repository (bare git is fine)")
    parser.add_argument("--data-folder", type=Path, default=DEFAULT_DATA, help="LEAN's sample data folder")
    args = parser.parse_args(argv)
    for folder, what in ((args.lean, "LEAN repository"), (args.data_folder, "data folder")):
        if not folder.exists():
            print(f"error: the {what} {folder} does not exist", file=sys.stderr)
            return 2
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="lean-oracle-") as temporary:
        work = Path(temporary)
        for name in args.names or YARDSTICK:
            outcome = run_one(args.lean, args.data_folder, name, work)
            print(f"{name}: {'match' if outcome.matches else outcome.why}", file=sys.stderr, flush=True)
            outcomes.append(outcome)
    print(table(outcomes), end="")
    print(other_statistics(outcomes), end="")
    return 0 if all(o.matches for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
