"""parameters.py: every flag, number and date is parsed strictly from its raw text, a refusal names
the parameter and the value, and a parameter of ours spelled with underscores is refused."""

from __future__ import annotations

from datetime import date

import pytest

from config import AtomicConfig, PartialFillPolicy
from strategies.exits import ExitRules
from parameters import (BY_NAME, FALSE_WORDS, PARAMETERS, TRUE_WORDS, AlgorithmParameters, Parameter,
                        ParameterError, check_names, parse, parse_date, parse_flag, parse_integer, parse_number)


@pytest.mark.parametrize("text", ["true", "TRUE", "True", "1", "yes", "YES", "Yes", "on", "ON", " on "])
def test_true_spellings(text: str) -> None:
    assert parse_flag("chaos", text) is True


@pytest.mark.parametrize("text", ["false", "FALSE", "False", "0", "no", "NO", "off", "Off"])
def test_false_spellings(text: str) -> None:
    assert parse_flag("chaos", text) is False


@pytest.mark.parametrize("text", ["", "maybe", "y", "n", "2", "enabled", "t", "truee"])
def test_any_other_flag_is_refused_naming_the_parameter_and_the_value(text: str) -> None:
    with pytest.raises(ParameterError, match=rf"parameter 'sequential-protective-legs' must be true or false .*got {text!r}"):
        parse_flag("sequential-protective-legs", text)


def test_the_flag_words_are_exactly_the_issue_s_eight() -> None:
    assert TRUE_WORDS | FALSE_WORDS == {"true", "false", "1", "0", "yes", "no", "on", "off"}


@pytest.mark.parametrize(("text", "value"), [("3", 3), (" 3 ", 3), ("+3", 3), ("-2", -2), ("3.0", 3), ("1e1", 10)])
def test_whole_numbers_including_an_optimizer_s_3_0(text: str, value: int) -> None:
    assert parse_integer("max-structures", text) == value


@pytest.mark.parametrize("text", ["abc", "3.5", "", "3x", "nan", "inf"])
def test_a_bad_whole_number_names_the_parameter(text: str) -> None:
    with pytest.raises(ParameterError, match=rf"parameter 'max-structures' must be a whole number, got {text!r}"):
        parse_integer("max-structures", text)


@pytest.mark.parametrize(("text", "value"), [("0.15", 0.15), ("5", 5.0), (" 1e-3 ", 0.001), ("-2.5", -2.5)])
def test_numbers(text: str, value: float) -> None:
    assert parse_number("wing-width", text) == value


@pytest.mark.parametrize(("text", "why"), [("abc", "a number"), ("", "a number"), ("1,5", "a number"),
                                           ("nan", "a finite number"), ("inf", "a finite number")])
def test_a_bad_number_names_the_parameter(text: str, why: str) -> None:
    with pytest.raises(ParameterError, match=rf"parameter 'wing-width' must be {why}, got {text!r}"):
        parse_number("wing-width", text)


def test_dates() -> None:
    assert parse_date("start-date", "2024-01-05") == date(2024, 1, 5)
    with pytest.raises(ParameterError, match=r"parameter 'end-date' must be a date as YYYY-MM-DD, got '01/05/2024'"):
        parse_date("end-date", "01/05/2024")


@pytest.mark.parametrize("name", ["sequential_protective_legs", "Sequential-Protective-Legs", "SEQUENTIAL_PROTECTIVE_LEGS"])
def test_one_of_our_names_spelled_otherwise_is_refused(name: str) -> None:
    with pytest.raises(ParameterError, match=rf"parameter {name!r} .* did you mean 'sequential-protective-legs'"):
        check_names(["chaos", name])


def test_names_we_do_not_know_at_all_are_returned_for_the_log() -> None:
    assert check_names(["chaos", "colour", "max-structures"]) == ["colour"]


def test_a_missing_parameter_takes_the_default_and_a_given_one_is_parsed() -> None:
    given = {"chaos": "Yes", "max-structures": "4"}
    parameters = AlgorithmParameters(given.get)
    assert parameters.flag("chaos") is True and parameters.integer("max-structures") == 4
    assert parameters.number("wing-width") == float(BY_NAME["wing-width"].default)
    assert parameters.day("start-date") == date.fromisoformat(BY_NAME["start-date"].default)
    with pytest.raises(TypeError, match="is a flag, not a number"):
        parameters.number("chaos")


def test_a_policy_parameter_is_parsed_into_its_enum_and_a_misspelt_one_refused() -> None:
    assert AlgorithmParameters({}.get).choice("partial-fill-policy", PartialFillPolicy) is PartialFillPolicy.FLATTEN
    assert AlgorithmParameters({"partial-fill-policy": "trim"}.get).choice("partial-fill-policy", PartialFillPolicy) is PartialFillPolicy.TRIM
    with pytest.raises(ParameterError, match=r"partial_fill_policy must be 'flatten' or 'trim', got 'Trim'"):
        AlgorithmParameters({"partial-fill-policy": "Trim"}.get).choice("partial-fill-policy", PartialFillPolicy)


def test_the_exit_knobs_default_to_half_the_credit_twice_the_credit_and_15_minutes() -> None:
    nothing: dict[str, str] = {}
    assert AlgorithmParameters(nothing.get).exit_rules() == ExitRules(take_profit=0.5, stop_loss=2.0, time_exit_minutes=15)
    off = {"take-profit": "0", "stop-loss": "0", "time-exit-minutes": "0"}
    assert not AlgorithmParameters(off.get).exit_rules().prices_watched


@pytest.mark.parametrize(("name", "text", "why"), [
    ("take-profit", "1.5", "below 1"), ("stop-loss", "0.8", "above 1"), ("time-exit-minutes", "-5", "0 \\(off\\) to 389"),
    ("take-profit", "half", "must be a number"), ("time-exit-minutes", "15.5", "whole number"),
])
def test_a_bad_exit_knob_is_refused_naming_it(name: str, text: str, why: str) -> None:
    with pytest.raises(ParameterError, match=f"{name}.*{why}"):
        AlgorithmParameters({name: text}.get).exit_rules()


@pytest.mark.parametrize("parameter", PARAMETERS, ids=lambda p: p.name)
def test_every_default_parses_as_its_kind(parameter: Parameter) -> None:
    assert parse(parameter, parameter.default) is not None


def test_flatten_assigned_is_on_by_default_as_the_executor_s_own_default() -> None:
    assert AlgorithmParameters({}.get).flag("flatten-assigned") is AtomicConfig().flatten_assigned is True
    assert AlgorithmParameters({"flatten-assigned": "off"}.get).flag("flatten-assigned") is False
