"""Symbol and SecurityIdentifier as LEAN has them (Common/Symbol.cs, Common/SecurityIdentifier.cs):
`str(sid)` parses back, and `Symbol(sid, value)` rebuilds the whole Symbol from the identifier, so a
key stored by one process names the same contract in the next one, subscribed or not."""

from __future__ import annotations

from datetime import datetime

import pytest

from leansim.enums import OptionRight, OptionStyle, SecurityType
from leansim.symbols import SecurityIdentifier, Symbol

SPY = Symbol.create("SPY", SecurityType.EQUITY, "usa")
SPX = Symbol.create("SPX", SecurityType.INDEX, "usa")
SPY_PUT = Symbol.create_option(SPY, "usa", OptionStyle.AMERICAN, OptionRight.PUT, 437, datetime(2024, 1, 2))
SPXW_CALL = Symbol.create_option(SPX, "usa", OptionStyle.EUROPEAN, OptionRight.CALL, 4712.5, datetime(2024, 1, 5),
                                 target_option="SPXW")
ODD_STRIKE = Symbol.create_option(SPY, "usa", OptionStyle.AMERICAN, OptionRight.CALL, 123456.789, datetime(2024, 1, 2))
SYMBOLS = {"equity": SPY, "index": SPX, "equity option": SPY_PUT, "index option SPXW": SPXW_CALL,
           "six-digit strike": ODD_STRIKE, "canonical SPXW": SPXW_CALL.canonical}


def rebuilt(symbol: Symbol) -> Symbol:
    """What a restarted process gets from the key alone: LEAN's Symbol(SecurityIdentifier.Parse(key), ticker)."""
    sid = SecurityIdentifier.parse(str(symbol.id))
    return Symbol(sid, sid.symbol)


@pytest.mark.parametrize("name", list(SYMBOLS))
def test_a_key_rebuilds_the_same_symbol_with_its_value_and_underlying(name: str) -> None:
    symbol = SYMBOLS[name]
    again = rebuilt(symbol)
    assert again == symbol and hash(again) == hash(symbol) and str(again.id) == str(symbol.id)
    assert again.value == symbol.value
    assert again.security_type == symbol.security_type
    assert again.id.strike_price == symbol.id.strike_price and again.id.date == symbol.id.date
    assert again.id.option_style == symbol.id.option_style and again.id.option_right == symbol.id.option_right
    assert again.underlying == symbol.underlying
    if symbol.underlying is not None:
        assert again.underlying is not None and again.underlying.security_type == symbol.underlying.security_type


def test_an_spxw_key_keeps_its_option_ticker_and_its_index() -> None:
    again = rebuilt(SPXW_CALL)
    assert again.value == "SPXW  240105C04712500" and again.id.symbol == "SPXW"
    assert again.security_type == SecurityType.INDEX_OPTION and again.underlying == SPX
    assert again.underlying is not None and again.underlying.value == "SPX"
    assert again.canonical.value == "?SPXW"


def test_an_option_value_comes_from_its_identifier_whatever_value_is_given() -> None:
    """LEAN's public constructor: `Value = GetAlias(sid, Underlying) ?? value` (Symbol.cs)."""
    assert Symbol(SPY_PUT.id, "anything").value == "SPY   240102P00437000"
    assert Symbol(SPY.id, "spy").value == "SPY"


@pytest.mark.parametrize("text", [
    "", "SPY", "SPY STOCK usa", "SPY EQUITY", "SPY EQUITY usa extra",
    "ZZZ OPTION usa 20240105 CALL 999 AMERICAN",  # an option needs its underlying
    "SPY OPTION usa 2024-01-05 CALL 450 AMERICAN|SPY EQUITY usa",
    "SPY OPTION usa 20240105 LONG 450 AMERICAN|SPY EQUITY usa",
    "SPY OPTION usa 20240105 CALL lots AMERICAN|SPY EQUITY usa",
    "SPY OPTION usa 20240105 CALL 450 AMERICAN|garbage",
    "SPY EQUITY usa|SPY EQUITY usa",
])
def test_text_that_is_no_identifier_is_refused_by_name(text: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        SecurityIdentifier.parse(text)
    assert SecurityIdentifier.try_parse(text, None) == (False, None)


def test_try_parse_answers_as_pythonnet_returns_an_out_parameter() -> None:
    assert SecurityIdentifier.try_parse(str(SPY_PUT.id), None) == (True, SPY_PUT.id)
