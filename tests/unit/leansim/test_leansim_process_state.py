"""The state file that carries the simulated brokerage from one `leansim run` process to the next
(leansim.process_state): what a second process restores is the account the first one left."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from leansim_kit import OPEN, Recorder

from leansim import CrashAt, DelayFill, FaultPlan, Match, NeverFill, PartialFill, SimulatedCrash, Simulator
from leansim.enums import OptionRight, OptionStyle, SecurityType
from leansim.orders import Leg
from leansim.process_state import STATE_FILE, StateFileError, load, restore, save
from leansim.symbols import Symbol

EXPIRY = datetime(2024, 1, 19)


def _put(strike: float) -> Symbol:
    return Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.PUT, strike, EXPIRY)


def _first_process(tmp_path: Path) -> Simulator:
    """SPY held, a spread resting (NeverFill), a half-filled limit order whose remainder fills in
    30 s, then a crash before the next order: the state a restart must find."""
    plan = FaultPlan((NeverFill(Match(tag_contains="spread")),
                      PartialFill(0.5, remainder=30, match=Match(tag_contains="half")), CrashAt("before_order", 5)))
    sim = Simulator(mode="live", start=OPEN, faults=plan)
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 3, tag="held")
    algo.combo_market_order([Leg.create(_put(90), 1), Leg.create(_put(95), -1)], 2, tag="spread")
    algo.limit_order(algo.spy, 4, 101.0, tag="half")
    sim.advance(2)
    with pytest.raises(SimulatedCrash):
        algo.market_order(algo.spy, 1, tag="lost")
    save(sim, tmp_path, "crashed", "simulated crash at before_order #5")
    return sim


def test_a_restored_brokerage_is_the_account_the_crashed_process_left(tmp_path: Path) -> None:
    first = _first_process(tmp_path)
    saved = load(tmp_path)
    assert saved is not None and saved.process == "crashed" and saved.mode == "live"
    assert saved.utc_time == first.now
    second = Simulator(mode="live", start=saved.utc_time, faults=first.faults.plan)
    restore(saved, second)
    assert second.cash == first.cash and second.positions == first.positions == {Symbol.create("SPY", SecurityType.EQUITY, "usa"): 5.0}
    opened = [(o.broker_id, o.symbol, o.quantity, o.filled, o.status, o.tag, o.group_id) for o in first.open_broker_orders]
    assert [(o.broker_id, o.symbol, o.quantity, o.filled, o.status, o.tag, o.group_id)
            for o in second.open_broker_orders] == opened
    assert len(opened) == 3 and second.counters == first.counters

    restarted = second.start(Recorder)
    assert sorted(o.id for o in restarted.transactions.get_open_orders()) == [1, 2, 3]  # new ids, no tags
    assert {o.tag for o in restarted.transactions.get_open_orders()} == {""}
    second.advance(28)  # the half-filled order's remainder comes 30 s after its partial fill; the spread never
    assert second.position("SPY") == 5
    second.advance(2)
    assert second.position("SPY") == 7
    assert [o.tag for o in second.open_broker_orders] == ["spread", "spread"]
    restarted.market_order(restarted.spy, 1)
    assert second.broker_orders[-1].broker_id == str(max(int(o.broker_id) for o in first.broker_orders) + 1)


def test_a_state_file_of_another_version_is_refused_by_name(tmp_path: Path) -> None:
    sim = Simulator(start=OPEN, faults=FaultPlan((DelayFill(5),)))
    path = save(sim, tmp_path, "ended")
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "version": 99}))
    with pytest.raises(StateFileError, match=f"{STATE_FILE}: version 99, expected 1"):
        load(tmp_path)
    path.write_text("{")
    with pytest.raises(StateFileError, match="is not a leansim state file"):
        load(tmp_path)
    assert load(tmp_path / "elsewhere") is None
