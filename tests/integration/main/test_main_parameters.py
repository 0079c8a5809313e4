"""main.py refuses an unknown parameter value in initialize() with a ValueError naming the
parameter, before anything trades; flags, numbers and dates are parsed strictly from the raw text."""

from __future__ import annotations


import pytest

from main_kit import chaos_parameters, run_main_uncached

from atomic.pricing import Walk
from parameters import BY_NAME, ParameterError
from strategies.base import TradeDecision, decisions


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("brokerage", "unknown", r"brokerage must be one of .*, got 'unknown'"),
        ("second-strategy", "unknown", r"second-strategy must be one of .*, got 'unknown'"),
        ("entry-days", "funday", r"entry-days must name weekdays .*, got \['funday'\]"),
        ("entry-days", "monday,funday", r"entry-days must name weekdays .*, got \['funday'\]"),
        ("entry-days", " , ", r"entry-days must name weekdays .*, got \[\]"),
        ("execution-mode", "fastest", r"execution mode must be .*, got 'fastest'"),
        ("partial-fill-policy", "keep", r"partial_fill_policy must be .*, got 'keep'"),
        ("stop-loss", "0.5", r"stop-loss must be 0 \(off\) or above 1 \(a multiple of the credit\), got 0.5"),
        ("take-profit", "1", r"take-profit must be at least 0 \(off\) and below 1 .*, got 1"),
        ("entry-pricing", "limit", r"parameter entry-pricing must be one of market, walk, got 'limit'"),
        ("walk-step", "0", r"parameter walk-step must be positive, got 0.0"),
        ("walk-every-seconds", "-60", r"parameter walk-every-seconds must be positive, got -60.0"),
        ("walk-max-concession", "-1", r"parameter walk-max-concession must not be negative, got -1.0"),
    ],
)
def test_an_invalid_value_is_refused_in_initialize(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        run_main_uncached(days=1, parameters=((name, value),))
    assert "initialize" in [entry.name for entry in raised.traceback]


# --- strict parsing (issue 9.5): the raw text, as on real LEAN -------------------------------------------


@pytest.mark.parametrize("value", ["yes", "1", "ON", "True"])
def test_sequential_protection_is_on_for_every_true_spelling(value: str) -> None:
    run = run_main_uncached(days=1, parameters=(("sequential-protective-legs", value),))
    assert run.executor.config.sequential_protective_legs is True


@pytest.mark.parametrize("value", ["no", "0", "OFF", "False"])
def test_sequential_protection_is_off_for_every_false_spelling(value: str) -> None:
    run = run_main_uncached(days=1, parameters=(("sequential-protective-legs", value),))
    assert run.executor.config.sequential_protective_legs is False


def test_walked_entries_reach_the_executor_in_dollars_from_the_structures_spread() -> None:
    """entry-pricing walk: the Friday condor is walked from its net mid, its step a fifth of the
    selected structure's natural half-spread (what market orders concede, per share), and it never
    pays beyond the natural price."""
    sent: list[TradeDecision] = []
    unsubscribe = decisions.subscribe(lambda decision: sent.append(decision) if decision.sent else None)
    try:
        run = run_main_uncached(days=4, parameters=(("entry-pricing", "walk"),))
    finally:
        unsubscribe()
    [view], [decision] = run.views, sent
    assert decision.selection is not None
    half_spread = decision.selection.mid_credit - decision.selection.net_credit
    walk = Walk(round(0.2 * half_spread, 4), 60.0, round(3.0 * half_spread, 4))
    assert half_spread > 0.01 and view.pricing == walk.describe()
    assert view.status.value == "FILLED" and view.entry_concession is not None
    assert view.entry_concession <= half_spread + 1e-9


def test_flatten_assigned_reaches_the_executor() -> None:
    run = run_main_uncached(days=1, parameters=(("flatten-assigned", "no"),))
    assert run.executor.config.flatten_assigned is False


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("sequential-protective-legs", "maybe",
         r"parameter 'sequential-protective-legs' must be true or false .*, got 'maybe'"),
        ("chaos", "", r"parameter 'chaos' must be true or false .*, got ''"),
        ("wing-width", "abc", r"parameter 'wing-width' must be a number, got 'abc'"),
        ("max-structures", "3x", r"parameter 'max-structures' must be a whole number, got '3x'"),
        ("risk-fraction", "2%", r"parameter 'risk-fraction' must be a number, got '2%'"),
        ("cash", "lots", r"parameter 'cash' must be a number, got 'lots'"),
        ("start-date", "2024/01/02", r"parameter 'start-date' must be a date as YYYY-MM-DD, got '2024/01/02'"),
        ("sequential_protective_legs", "true",
         r"parameter 'sequential_protective_legs' .* did you mean 'sequential-protective-legs'"),
    ],
)
def test_a_value_that_does_not_parse_is_refused_naming_the_parameter(name: str, value: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message) as raised:
        run_main_uncached(days=1, parameters=((name, value),))
    assert "initialize" in [entry.name for entry in raised.traceback]


def test_a_parameter_main_py_does_not_know_is_logged() -> None:
    run = run_main_uncached(days=1, parameters=(("colour", "blue"),))
    assert [message for _, message in run.logs("parameter 'colour'")] == [
        "parameter 'colour' ignored: the algorithm reads no parameter of that name"]


def test_main_py_reads_exactly_the_declared_parameters() -> None:
    """Every name main.py asks get_parameter for is in parameters.PARAMETERS (so config.json, which
    the config.json test holds to that table, lists every parameter main.py reads), and with chaos on
    it asks for every one of them."""
    run = run_main_uncached(days=1, parameters=chaos_parameters(seed=1))
    assert run.sim.parameters_read == set(BY_NAME)
