"""What a live restart really shows recovery: open orders with new LEAN ids and no tags, groups of two
strategies in flight at once, manual positions in the same contracts, and the operator's choice to
hold partial fills instead of flattening them."""

from __future__ import annotations

from typing import Any

from recovery_kit import (
    ARCHIVE_PREFIX,
    CONDOR_QUANTITY,
    FAR_PUT,
    LONG_PUT,
    MANUAL,
    OPEN,
    SHORT_CALL,
    SHORT_PUT,
    STRUCTURES,
    delete_open_record,
    host,
    newest_open_record,
    open_manual_positions,
    stored_records,
)

from leansim import FaultPlan, Match, NeverFill, Simulator
from leansim.enums import OrderStatus

NEVER_SHORT_CALL = NeverFill(Match(symbol=SHORT_CALL.value, tag_contains="/entry/"))


def _record_of(records: dict[str, dict[str, Any]], group_id: str) -> dict[str, Any]:
    [record] = [r for r in records.values() if r["group_id"] == group_id]
    return record


def test_open_orders_after_a_live_restart_are_matched_by_broker_id_and_cancelled() -> None:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    cls = host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)  # three legs filled; the short call rests; LEAN has persisted the record since
    [resting] = sim.open_broker_orders
    [old_id] = [o.id for o in algo.transactions.get_orders() if o.broker_id == [resting.broker_id]]
    stored_leg = newest_open_record(sim.stored, result.group_id)["legs"][2]
    assert stored_leg["orders"][0]["broker_ids"] == [resting.broker_id]
    sim.crash()

    restarted = sim.restart(cls)
    # What LEAN shows after a live restart: the same brokerage order, a new LEAN id, no tag.
    reloaded = [o for o in restarted.transactions.get_orders() if o.broker_id == [resting.broker_id]]
    assert len(reloaded) == 1
    new_id = reloaded[0].id
    assert reloaded[0].tag == "" and new_id != old_id

    # Recovery cancelled it through LEAN's new order id; LEAN's transaction thread sends it on.
    assert restarted.transactions.get_order_by_id(new_id).status == OrderStatus.CANCEL_PENDING
    entries = [o for o in sim.broker_orders if "/entry/2/" in o.tag]
    assert entries == [resting]  # matched, not sent again
    sim.advance(300)
    assert resting.status == OrderStatus.CANCELED
    assert any(e.run == 2 and e.order_id == new_id and e.status == OrderStatus.CANCELED for e in sim.events)
    record = _record_of(stored_records(restarted, ARCHIVE_PREFIX), result.group_id)
    short_call_entry = record["legs"][2]["orders"][0]
    assert (short_call_entry["order_id"], short_call_entry["broker_ids"], short_call_entry["state"]) == (
        new_id, [resting.broker_id], "CANCELED")
    messages = [m for _, _, m in record["log"]]
    restart_line = next(i for i, m in enumerate(messages) if m.startswith("restart:"))
    assert f"leg 2 entry order id {new_id} broker ['{resting.broker_id}']" in messages[restart_line:]
    assert record["status"] == "ROLLED_BACK"
    assert {s: sim.position(s) for s in MANUAL} == MANUAL
    assert all(sim.position(s) == MANUAL.get(s, 0) for s in algo.condor())


def test_an_unrecognised_open_order_after_a_live_restart_is_reported_not_cancelled() -> None:
    """The group's record is gone (deleted by hand), but its order still rests at the brokerage.
    After a live restart LEAN has dropped the tag, so nothing says the order is ours rather than a
    manual one: recovery must not cancel it on a guess, but it must tell the operator loudly."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    cls = host()
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    [resting] = sim.open_broker_orders
    assert result.group_id in resting.tag
    delete_open_record(algo, result.group_id)
    sim.crash()

    restarted = sim.restart(cls)
    report = restarted.recovery
    assert resting.status == OrderStatus.SUBMITTED
    assert report.orphan_orders == []
    assert len(report.unrecognized_orders) == 1 and resting.broker_id in report.unrecognized_orders[0], report
    assert any("Unrecognised open order" in e for e in sim.logs_at("ERROR"))
    assert [order for run, order in sim.orders if run == 2 and order.tag] == []  # recovery traded nothing


def test_an_orphan_order_of_ours_in_the_same_run_is_cancelled_and_reported() -> None:
    """Recovery run again in the same run (tags still there): a tagged order whose group record is
    gone is ours beyond doubt, and is cancelled rather than left to fill unmanaged."""
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    algo = sim.start(host())
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(2)
    [resting] = sim.open_broker_orders
    delete_open_record(algo, result.group_id)
    report = algo.executor.check_and_recover_incomplete_orders()
    sim.advance(2)
    assert resting.status == OrderStatus.CANCELED, report
    assert len(report.orphan_orders) == 1 and str(resting.symbol.id) in report.orphan_orders[0], report
    assert any("Orphan atomic order" in e for e in sim.logs_at("ERROR"))


def test_two_strategies_in_flight_at_the_crash_are_both_flattened_and_the_manual_position_survives() -> None:
    """An iron condor (short call never fills) and a put spread sharing its put contracts (short put
    never fills), both in flight when the process dies; 3 contracts of the short put are held by hand."""
    never_spread_short = NeverFill(Match(nth=8))  # orders: 2 manual, 4 condor legs, spread long put, short put
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL, never_spread_short)))
    cls = host(max_pending_groups=2)
    algo = sim.start(cls)
    open_manual_positions(sim, algo)
    condor = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES, strategy="condor")
    sim.advance(2)
    spread = algo.executor.execute_put_spread_atomic(algo.short_put, algo.long_put, 1, strategy="put_spread")
    sim.advance(2)
    assert [leg.filled for leg in condor.view.legs] == [2, 2, 0, -2]
    assert [(leg.symbol, leg.filled) for leg in spread.view.legs] == [(LONG_PUT.value, 1), (SHORT_PUT.value, 0)]
    assert sim.position(SHORT_PUT) == MANUAL[SHORT_PUT] - 2 and sim.position(LONG_PUT) == 3
    sim.crash()

    restarted = sim.restart(cls)
    report = restarted.recovery
    by_id = {g.group_id: g for g in report.groups}
    assert set(by_id) == {condor.group_id, spread.group_id}, report
    assert {g.strategy for g in report.groups} == {"condor", "put_spread"}
    assert all(g.decision == "flatten partial" for g in report.groups), report
    sim.advance(300)
    for group_id in (condor.group_id, spread.group_id):
        assert restarted.executor.get_group(group_id).status.value == "ROLLED_BACK", report
    assert {s.value: sim.position(s) for s in algo.condor() + (FAR_PUT,)} == {s.value: MANUAL.get(s, 0) for s in algo.condor() + (FAR_PUT,)}
    assert not any("/rollback/" in o.tag and abs(o.filled) > abs(o.quantity) for o in sim.broker_orders)
    assert restarted.executor.halted == "" and restarted.executor.open_groups() == []


def test_with_emergency_flatten_off_a_partial_is_held_untouched_and_new_groups_refused() -> None:
    sim = Simulator(mode="live", start=OPEN, cash=1_000_000, faults=FaultPlan((NEVER_SHORT_CALL,)))
    algo = sim.start(host())
    open_manual_positions(sim, algo)
    result = algo.executor.execute_iron_condor_atomic(*algo.condor(), STRUCTURES)
    sim.advance(10)
    sim.crash()
    positions = dict(sim.positions)
    orders = len(sim.broker_orders)

    restarted = sim.restart(host(emergency_flatten_mode=False))
    [entry] = restarted.recovery.groups
    assert entry.group_id == result.group_id and entry.decision == "hold partial"
    assert any(e.startswith(f"Partial fill recovered: {result.group_id}") for e in sim.logs_at("ERROR")), sim.logs_at("ERROR")
    assert restarted.executor.halted and result.group_id in restarted.executor.halted
    sim.advance(300)  # timeouts come and go: a held group is left alone
    assert sim.positions == positions and len(sim.broker_orders) == orders
    [view] = restarted.executor.open_groups()
    assert view.group_id == result.group_id and [leg.filled for leg in view.legs] == [2, 2, 0, -2]
    refused = restarted.executor.execute_iron_condor_atomic(*restarted.condor(), STRUCTURES)
    assert refused.status.value == "REJECTED" and "halted" in refused.reason
    assert len(sim.broker_orders) == orders
    assert {s: sim.position(s) - MANUAL.get(s, 0) for s in algo.condor()} == {
        s: q if s != SHORT_CALL else 0 for s, q in CONDOR_QUANTITY.items()}
