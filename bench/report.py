"""Figures, verdicts and the printed report: one line per figure, its target beside it, then a summary.

A benchmark returns a `Section` of `Figure`s plus notes saying how each figure was obtained (what was
simulated, what was filled in a cheaper way). Nothing here asserts: a missed target prints MISS.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum


class Verdict(str, Enum):
    """PASS/MISS for a figure with a target; INFO for a figure printed for context."""

    PASS = "PASS"
    MISS = "MISS"
    INFO = "info"


@dataclass(frozen=True)
class Figure:
    """One measured number.

    `value` is in `unit` ("us", "ms", "x", "saves", ...); `text` replaces the formatted value when a
    figure is better read as words (counts by outcome). `target` is printed as given ("<= 7");
    `verdict` says whether the value meets it."""

    key: str
    label: str
    value: float
    unit: str
    target: str = ""
    verdict: Verdict = Verdict.INFO
    text: str = ""

    def line(self) -> str:
        shown = self.text or f"{_number(self.value)} {self.unit}".rstrip()
        target = f"target {self.target}" if self.target else ""
        return f"{self.key:<5}{self.label:<60}{shown:>20}   {target:<24}{self.verdict.value}"


@dataclass
class Section:
    """The figures of one benchmark, the notes on how they were obtained, and its wall time."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)

    def lines(self) -> list[str]:
        head = f"== {self.key}. {self.title} ({self.seconds:.1f} s)"
        return [head] + [f.line() for f in self.figures] + [f"     - {n}" for n in self.notes]


# --- verdicts -------------------------------------------------------------------------------------------


def at_most(value: float, limit: float) -> Verdict:
    return Verdict.PASS if value <= limit else Verdict.MISS


def below(value: float, limit: float) -> Verdict:
    return Verdict.PASS if value < limit else Verdict.MISS


# --- statistics -----------------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile by linear interpolation between order statistics (q=0.5 is the median)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return quantile(values, 0.5)


def p90(values: Sequence[float]) -> float:
    return quantile(values, 0.9)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


US = 1e6  # seconds -> microseconds
MS = 1e3  # seconds -> milliseconds


def timing_figures(key: str, label: str, seconds: Sequence[float], scale: float = US,
                   unit: str = "us") -> list[Figure]:
    """Median and p90 lines of a sample of durations (in seconds), with its size in the label."""
    return [
        Figure(f"{key}", f"{label}: median (n={len(seconds)})", median(seconds) * scale, unit),
        Figure(f"{key}", f"{label}: p90", p90(seconds) * scale, unit),
    ]


# --- printing -------------------------------------------------------------------------------------------


def summary(sections: Sequence[Section], runtime: float) -> list[str]:
    """Counts of PASS/MISS, each missed target by name, and the run's wall time."""
    figures = [f for s in sections for f in s.figures]
    passed = [f for f in figures if f.verdict is Verdict.PASS]
    missed = [f for f in figures if f.verdict is Verdict.MISS]
    lines = ["== summary",
             f"targets met: {len(passed)} of {len(passed) + len(missed)}; "
             f"{len(figures) - len(passed) - len(missed)} figures for context; runtime {runtime:.1f} s"]
    lines += [f"MISS {f.key} {f.label}: {f.text or _number(f.value) + ' ' + f.unit} (target {f.target})" for f in missed]
    return lines


def printer(out: Callable[[str], None] = print) -> Callable[[Section], None]:
    """A callback printing a finished section at once (a long run shows progress)."""

    def show(section: Section) -> None:
        for line in section.lines():
            out(line)

    return show


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
