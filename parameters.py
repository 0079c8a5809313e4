"""The algorithm's parameters: every name main.py reads, its kind and default, parsed strictly.

LEAN's typed `get_parameter(name, default)` returns the default when the text does not parse
(`QCAlgorithm.GetParameter` overloads use `int.TryParse` / `double.TryParse`, Algorithm/QCAlgorithm.cs),
so `max-structures=3x` would silently trade the default. main.py therefore reads each parameter's raw
text (`get_parameter(name)`, no default) and parses it here, the same on real LEAN and on leansim:
a value that does not parse stops `initialize` with a message naming the parameter and the value.

`PARAMETERS` is also what config.json lists (the tests hold the two together), so `lean optimize`
offers every numeric knob and a live deployment, which reads config.json, can set every one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import config
from config import Choice, ConfigError, parse_choice
from strategies.entry_pricing import EntryPricing
from strategies.exits import ExitRules

Kind = Literal["text", "flag", "integer", "number", "date"]

# Accepted spellings of a flag, compared without case.
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Parameter:
    """One parameter main.py reads: its name as config.json and `--parameter` spell it, its kind,
    and its default as text (what config.json holds)."""

    name: str
    kind: Kind
    default: str


def _flag_text(value: bool) -> str:
    return "true" if value else "false"


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("start-date", "date", "2024-01-02"),
    Parameter("end-date", "date", "2024-03-29"),
    Parameter("cash", "number", "100000"),
    Parameter("brokerage", "text", "default"),
    Parameter("underlying", "text", config.UNDERLYING),
    Parameter("execution-mode", "text", "auto"),
    Parameter("sequential-protective-legs", "flag", _flag_text(config.SEQUENTIAL_PROTECTIVE_LEGS)),
    Parameter("partial-fill-policy", "text", config.PARTIAL_FILL_POLICY.value),
    Parameter("alert-email", "text", config.ALERT_EMAIL),
    Parameter("strategy", "text", config.STRATEGY),
    Parameter("entry-days", "text", config.ENTRY_DAYS),
    Parameter("target-short-delta", "number", repr(config.TARGET_SHORT_DELTA)),
    Parameter("short-strike-distance-pct", "number", repr(config.SHORT_STRIKE_DISTANCE_PCT)),
    Parameter("wing-width", "number", repr(config.WING_WIDTH)),
    Parameter("risk-fraction", "number", repr(config.RISK_FRACTION)),
    Parameter("max-structures", "integer", str(config.MAX_STRUCTURES)),
    Parameter("second-strategy", "text", config.SECOND_STRATEGY),
    Parameter("flatten-assigned", "flag", _flag_text(config.FLATTEN_ASSIGNED)),
    Parameter("entry-pricing", "text", config.ENTRY_PRICING),
    Parameter("walk-step", "number", repr(config.WALK_STEP)),
    Parameter("walk-every-seconds", "number", repr(config.WALK_EVERY_SECONDS)),
    Parameter("walk-max-concession", "number", repr(config.WALK_MAX_CONCESSION)),
    Parameter("take-profit", "number", repr(config.TAKE_PROFIT)),
    Parameter("stop-loss", "number", repr(config.STOP_LOSS)),
    Parameter("time-exit-minutes", "integer", str(config.TIME_EXIT_MINUTES)),
    Parameter("chaos", "flag", _flag_text(config.CHAOS)),
    Parameter("chaos-seed", "integer", str(config.CHAOS_SEED)),
    Parameter("chaos-reject", "number", repr(config.CHAOS_REJECT_PROBABILITY)),
    Parameter("chaos-partial", "number", repr(config.CHAOS_PARTIAL_PROBABILITY)),
    Parameter("chaos-delay", "number", repr(config.CHAOS_DELAY_PROBABILITY)),
)
BY_NAME: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


class ParameterError(ConfigError):
    """A parameter's name or value the algorithm cannot use; the message names both."""


# --- parsing one value ------------------------------------------------------------------------------------


def parse_flag(name: str, text: str) -> bool:
    """true/false, 1/0, yes/no, on/off in any case; anything else is refused."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ParameterError(f"parameter {name!r} must be true or false (or 1/0, yes/no, on/off), got {text!r}")


def parse_number(name: str, text: str) -> float:
    """A finite decimal number ("0.15", "1e-3")."""
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"parameter {name!r} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ParameterError(f"parameter {name!r} must be a finite number, got {text!r}")
    return value


def parse_integer(name: str, text: str) -> int:
    """A whole number. "3.0" counts as 3: `lean optimize` steps a parameter as a decimal, so an
    integer knob may arrive with a fractional part of zero."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        raise ParameterError(f"parameter {name!r} must be a whole number, got {text!r}")
    return int(value)


def parse_date(name: str, text: str) -> date:
    """An ISO date, YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ParameterError(f"parameter {name!r} must be a date as YYYY-MM-DD, got {text!r}") from None


_PARSERS: dict[Kind, Callable[[str, str], object]] = {
    "text": lambda _name, text: text,
    "flag": parse_flag,
    "integer": parse_integer,
    "number": parse_number,
    "date": parse_date,
}


def parse(parameter: Parameter, text: str) -> object:
    """`text` parsed as `parameter`'s kind (ParameterError naming both when it does not parse)."""
    return _PARSERS[parameter.kind](parameter.name, text)


# --- the names given --------------------------------------------------------------------------------------


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def check_names(given: Iterable[str]) -> list[str]:
    """Refuse a parameter that is one of ours spelled differently; return the others we do not read.

    LEAN matches names exactly, so `sequential_protective_legs=true` would be ignored and the run
    would go on with protection off. Such a name is refused rather than accepted as an alias: one
    spelling keeps config.json, `lean optimize` and the cloud's parameter list unambiguous, and two
    spellings of one knob could disagree. A name we do not know at all is returned for the caller
    to log: refusing it would stop a deployment over a parameter that changes nothing.
    """
    unknown = []
    for name in given:
        if name in BY_NAME:
            continue
        ours = next((p.name for p in PARAMETERS if p.name == _canonical(name)), None)
        if ours is not None:
            raise ParameterError(f"parameter {name!r} is not a name the algorithm reads: did you mean {ours!r}? (LEAN matches names exactly)")
        unknown.append(name)
    return unknown


class AlgorithmParameters:
    """The algorithm's parameters, read as raw text and parsed strictly.

    `read(name)` is LEAN's `get_parameter(name)`: the raw text, or None when the parameter is not
    set (then the default of `PARAMETERS` applies).
    """

    def __init__(self, read: Callable[[str], str | None]) -> None:
        self._read = read

    def _text(self, name: str, kind: Kind) -> str:
        parameter = BY_NAME[name]
        if parameter.kind != kind:
            raise TypeError(f"parameter {name!r} is a {parameter.kind}, not a {kind}")
        text = self._read(name)
        return parameter.default if text is None else text

    def text(self, name: str) -> str:
        return self._text(name, "text")

    def flag(self, name: str) -> bool:
        return parse_flag(name, self._text(name, "flag"))

    def integer(self, name: str) -> int:
        return parse_integer(name, self._text(name, "integer"))

    def number(self, name: str) -> float:
        return parse_number(name, self._text(name, "number"))

    def day(self, name: str) -> date:
        return parse_date(name, self._text(name, "date"))

    def choice(self, name: str, kind: type[Choice]) -> Choice:
        """A text parameter naming a member of `kind`; refused as the AtomicConfig knob it sets
        (`partial-fill-policy` sets `partial_fill_policy`)."""
        try:
            return parse_choice(kind, name.replace("-", "_"), self._text(name, "text"))
        except ConfigError as error:
            raise ParameterError(str(error)) from None

    def entry_pricing(self) -> EntryPricing:
        """The entries' pricing knobs (entry-pricing, walk-step, walk-every-seconds,
        walk-max-concession), checked together."""
        try:
            return EntryPricing(self.text("entry-pricing"), self.number("walk-step"),
                                self.number("walk-every-seconds"), self.number("walk-max-concession"))
        except ConfigError as error:  # "walk_step must be ..." names the knob: the parameter's spelling
            knob, _, problem = str(error).partition(" ")
            raise ParameterError(f"parameter {knob.replace('_', '-')} {problem}") from None

    def exit_rules(self) -> ExitRules:
        """The managed exits' knobs (take-profit, stop-loss, time-exit-minutes), checked together."""
        try:
            return ExitRules(take_profit=self.number("take-profit"), stop_loss=self.number("stop-loss"),
                             time_exit_minutes=self.integer("time-exit-minutes"))
        except ValueError as error:
            raise ParameterError(f"parameter {error}") from None
