"""main.py refuses an unknown parameter value in initialize() with a ValueError naming the
parameter, before anything trades."""

from __future__ import annotations


import pytest

from main_kit import run_main_uncached


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
    ],
)
def test_an_invalid_value_is_refused_in_initialize(name: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        run_main_uncached(days=1, parameters=((name, value),))
    assert "initialize" in [entry.name for entry in raised.traceback]
