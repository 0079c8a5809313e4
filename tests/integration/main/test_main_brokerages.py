"""main.py's execution mode follows the brokerage model it sets: combo orders where the model
accepts combo market orders, legged orders elsewhere; a combo forced on a brokerage that refuses
it falls back to legged orders and still fills. One Friday (2024-01-05) per run, no faults."""

from __future__ import annotations

from datetime import date

import pytest

from main_kit import CONDOR, MainRun, run_main

from atomic import GroupStatus
from atomic.tags import parse_tag
from leansim.enums import OrderType

FRIDAY = date(2024, 1, 5)


def friday(*parameters: tuple[str, str]) -> MainRun:
    return run_main(days=1, start=FRIDAY, parameters=tuple(parameters))


def logged_mode(run: MainRun) -> str:
    lines = [message for _, message in run.logs("atomic executor: ")]
    assert len(lines) == 1, lines
    return lines[0].removeprefix("atomic executor: ").split(" mode,")[0]


def the_condor(run: MainRun) -> MainRun:
    """Asserts the run placed one condor and it filled completely."""
    assert [(v.strategy, v.status, v.complete) for v in run.views] == [(CONDOR, GroupStatus.FILLED, True)]
    assert run.result.self_check == ""
    return run


@pytest.mark.parametrize(
    ("brokerage", "mode", "order_type"),
    [
        ("default", "combo", OrderType.COMBO_MARKET),
        ("interactive-brokers", "combo", OrderType.COMBO_MARKET),
        ("schwab", "combo", OrderType.COMBO_MARKET),
        ("tradestation", "combo", OrderType.COMBO_MARKET),
        ("tradier", "legged", OrderType.MARKET),  # no combos at all
        ("tastytrade", "legged", OrderType.MARKET),  # ComboLimit only: the executor's groups are market orders
        ("alpaca", "legged", OrderType.MARKET),  # no combos
    ],
    ids=lambda value: value.name if isinstance(value, OrderType) else value,
)
def test_auto_mode_follows_the_brokerage_and_the_condor_fills(brokerage: str, mode: str, order_type: OrderType) -> None:
    run = the_condor(friday(("brokerage", brokerage)))
    assert logged_mode(run) == mode
    assert run.views[0].mode == mode
    assert {o.order_type for o in run.sim.broker_orders} == {order_type}
    assert len(run.sim.broker_orders) == 4


def test_a_combo_forced_on_tradier_is_refused_then_sent_legged_and_fills() -> None:
    run = the_condor(friday(("brokerage", "tradier"), ("execution-mode", "combo")))
    assert logged_mode(run) == "combo"
    view = run.views[0]
    refusals = [e.message for e in view.log if "INVALID" in e.message]
    assert len(refusals) == 4 and all("TradierBrokerageModel does not support COMBO_MARKET" in m for m in refusals)
    # The brokerage never saw the combo: only the legged fallback (attempt 1), one market order per leg.
    orders = run.sim.broker_orders
    assert [o.order_type for o in orders] == [OrderType.MARKET] * 4
    tags = [parse_tag(o.tag) for o in orders]
    assert sorted(t.leg for t in tags if t is not None) == [0, 1, 2, 3]
    assert {t.attempt for t in tags if t is not None} == {1}
    # The fallback is protective, as the combo was: both longs fill before either short is sent.
    first_short = min(i for i, o in enumerate(orders) if o.quantity < 0)
    assert all(o.quantity > 0 for o in orders[:first_short]) and first_short == 2
