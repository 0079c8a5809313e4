"""atomic.contract: a tradable as plain values, and its persisted form."""

from __future__ import annotations

from datetime import date

import pytest

from atomic.contract import Contract
from builders import LC, LP, SP, equity


@pytest.mark.parametrize("contract", [LC, SP, equity()], ids=["call", "put", "equity"])
def test_round_trip(contract: Contract) -> None:
    assert Contract.from_dict(contract.to_dict()) == contract


def test_to_dict_is_json_ready() -> None:
    assert LP.to_dict() == {"key": LP.key, "ticker": LP.ticker, "underlying": "SPY", "right": "put", "strike": 90.0,
                            "expiry": "2024-06-07", "multiplier": 100}


def test_is_option() -> None:
    assert LP.is_option and not equity().is_option


def test_integer_strike_reads_as_float_and_multiplier_defaults() -> None:
    data = {**LP.to_dict(), "strike": 90}
    del data["multiplier"]
    contract = Contract.from_dict(data)
    assert contract.strike == 90.0 and isinstance(contract.strike, float)
    assert contract.multiplier == 100
    assert contract.expiry == date(2024, 6, 7)


@pytest.mark.parametrize("field, value, match", [
    ("right", "Put", "right"),
    ("right", "straddle", "right"),
    ("multiplier", True, "multiplier"),
    ("multiplier", 100.0, "multiplier"),
    ("ticker", "", "ticker"),
    ("key", None, "key"),
    ("underlying", 5, "underlying"),
    ("expiry", "friday", "friday"),
])
def test_refusals(field: str, value: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Contract.from_dict({**LP.to_dict(), field: value})
