"""The rest of the QCAlgorithm surface: chains and on_data, scheduling, parameters, charts, symbols."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta

import pytest

from leansim_kit import CLOSED, OPEN, Recorder

import leansim
from leansim import Simulator
from leansim.data import OptionChain, Slice
from leansim.enums import DayOfWeek, OptionRight, OptionStyle, SecurityType
from leansim.keys import contract_symbol, security_key
from leansim.market.base import SecurityKey
from leansim.symbols import Symbol


class ChainWatcher(Recorder):
    chains: list[OptionChain]

    def initialize(self) -> None:
        super().initialize()
        option = self.add_option("SPY")
        option.set_filter(lambda universe: universe.include_weeklys().strikes(-2, 2).expiration(0, 10))
        self.canonical = option.symbol
        self.chains = []

    def on_data(self, slice: Slice) -> None:
        chain = slice.option_chains.get(self.canonical)
        if chain is not None:
            self.chains.append(chain)


def test_on_data_every_minute_with_filtered_chains_whose_contracts_are_tradable() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(ChainWatcher)
    assert algo.canonical.value == "?SPY" and algo.canonical.is_canonical()
    sim.advance(180)
    assert len(algo.chains) == 4  # minutes 10:00 (first step), 10:01, 10:02, 10:03
    chain = algo.chains[-1]
    strikes = sorted({contract.strike for contract in chain})
    assert strikes == [98.0, 99.0, 100.0, 101.0, 102.0]
    assert {contract.expiry.date() for contract in chain} == {date(2024, 1, 5), date(2024, 1, 12)}
    assert chain.underlying.price == 100.0
    contract = next(iter(chain))
    assert contract.symbol in algo.securities and contract.bid_price == 0.95 and contract.greeks.delta != 0
    assert algo.market_order(contract.symbol, 1).status.name == "FILLED"
    assert [kvp.key for kvp in algo.current_slice.option_chains] == [algo.canonical]  # type: ignore[union-attr]


def test_no_on_data_while_closed() -> None:
    sim = Simulator(start=CLOSED)
    algo = sim.start(ChainWatcher)
    sim.advance(600, step=60)
    assert algo.chains == []


def test_scheduled_events() -> None:
    class Scheduled(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.fired: list[tuple[str, datetime]] = []
            self.schedule.on(self.date_rules.every_day(self.spy), self.time_rules.at(10, 1), lambda: self.fired.append(("at", self.time)))
            self.schedule.on(self.date_rules.every_day(), self.time_rules.every(timedelta(seconds=30)), lambda: self.fired.append(("every", self.time)))
            self.schedule.on(self.date_rules.every(DayOfWeek.WEDNESDAY), self.time_rules.after_market_open(self.spy, 5), lambda: self.fired.append(("wed", self.time)))

    sim = Simulator(start=OPEN)
    algo = sim.start(Scheduled)
    sim.advance(90)
    assert algo.fired == [("every", datetime(2024, 1, 2, 10, 0, 30)), ("at", datetime(2024, 1, 2, 10, 1)),
                          ("every", datetime(2024, 1, 2, 10, 1)), ("every", datetime(2024, 1, 2, 10, 1, 30))]
    sim.advance(timedelta(days=1), step=300)
    assert ("wed", datetime(2024, 1, 3, 9, 35)) in algo.fired


def test_parameters_are_typed_by_the_default() -> None:
    sim = Simulator(start=OPEN, parameters={"width": "5", "delta": "0.16", "name": "condor"})
    algo = sim.start(Recorder)
    assert algo.get_parameter("width", 3) == 5 and algo.get_parameter("delta", 0.2) == 0.16
    assert algo.get_parameter("name") == "condor" and algo.get_parameter("missing", 7) == 7


@pytest.mark.parametrize(
    ("text", "default", "value"),
    [
        ("3x", 7, 7), ("3.0", 7, 7), ("3000000000", 7, 7), (" 5 ", 7, 5), ("-5", 7, -5),  # int.TryParse
        ("abc", 0.2, 0.2), ("inf", 0.2, 0.2), ("1_0", 0.2, 0.2), ("1,000.5", 0.2, 1000.5), ("1e-3", 0.2, 0.001),
        ("yes", "false", "yes"),  # a text default: the raw text
    ],
)
def test_typed_defaults_follow_lean_s_overloads_and_drop_what_does_not_parse(text: str, default: object,
                                                                           value: object) -> None:
    """Algorithm/QCAlgorithm.cs GetParameter: TryParse, else the default, silently (which is why
    main.py reads the raw text and parses it itself)."""
    sim = Simulator(start=OPEN, parameters={"knob": text})
    algo = sim.start(Recorder)
    assert algo.get_parameter("knob", default) == value
    assert algo.get_parameter("knob") == text and algo.get_parameter("absent") is None
    assert algo.get_parameters() == {"knob": text}
    assert sim.parameters_read == {"knob", "absent"}


def test_logs_plots_and_statistics_are_recorded() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    algo.debug("d")
    algo.error("e")
    algo.plot("Groups", "open", 2)
    algo.set_runtime_statistic("rollbacks", 1)
    assert sim.logs_at("DEBUG") == ["d"] and sim.logs_at("ERROR") == ["e"]
    assert [(p.chart, p.series, p.value) for p in sim.plots] == [("Groups", "open", 2.0)]
    assert sim.runtime_statistics == {"rollbacks": "1"}
    assert algo.time == datetime(2024, 1, 2, 10, 0) and algo.utc_time == OPEN and not algo.live_mode


def test_exchange_hours() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    exchange = algo.securities[algo.spy].exchange
    assert exchange.exchange_open and not exchange.is_closing_soon(15)
    assert exchange.hours.get_next_market_close(algo.time, False) == datetime(2024, 1, 2, 16, 0)
    sim.advance_to(OPEN + timedelta(hours=5, minutes=50), step=600)
    assert exchange.is_closing_soon(15)


def test_option_symbol_value_identity_and_market_key_round_trip() -> None:
    contract = Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.CALL, 450, datetime(2024, 1, 19))
    assert contract.value == "SPY   240119C00450000" and str(contract) == contract.value
    assert contract.id.strike_price == 450 and contract.id.option_right == OptionRight.CALL
    assert contract.id.date == datetime(2024, 1, 19) and contract.underlying == Symbol.create("SPY", SecurityType.EQUITY, "usa")
    assert contract.canonical.value == "?SPY"
    twin = Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.CALL, 450.0, date(2024, 1, 19))
    assert twin == contract and hash(twin) == hash(contract) and str(twin.id) == str(contract.id)
    key = security_key(contract)
    assert key == SecurityKey("SPY", "call", 450.0, date(2024, 1, 19)) and contract_symbol(contract.canonical, key) == contract


def test_install_is_idempotent_and_exposes_the_api() -> None:
    assert leansim.install() and leansim.install()
    module = sys.modules["AlgorithmImports"]
    assert module.QCAlgorithm is leansim.algorithm_imports.algorithm.QCAlgorithm
    assert module.OrderStatus.FILLED == 3 and module.timedelta is timedelta
