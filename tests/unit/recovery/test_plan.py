"""recovery.plan: the whole recovery decided from stored records and the brokerage's report, no executor."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import pytest

from atomic.contract import Contract
from atomic.decisions import ChangeStatus
from atomic.model import Group, GroupStatus, HoldChanged, OrderState, SessionEnded, StatusChanged
from atomic.persistence import HeldMarker, OpenRecord, StoredRecord, group_from_json, group_to_dict
from atomic.ports import BrokerOrder
from atomic.tags import OrderTag, Role
from recovery.plan import BrokerageSnapshot, RecoveryPlan, audit_losses, claims_since, missing_held, plan_recovery
from recovery.reconcile import Decision

from builders import LC, LP, SP, T0, at, condor, filled_leg, put_spread, send, update

NOW = at(3600)


def stored(group: Group, *, unreadable: tuple[tuple[str, str], ...] = ()) -> OpenRecord:
    """An open record as the store reads it back."""
    copy = group_from_json(json.dumps(group_to_dict(group)))
    return OpenRecord(group.group_id, (f"open/{group.group_id}",), StoredRecord(3, copy), unreadable)


def plan(records: Sequence[OpenRecord], *, holdings: Mapping[str, int] | None = None,
         open_orders: Sequence[BrokerOrder] = (), live: bool = True, flatten: bool = True,
         settled: Sequence[Group] = (), resolvable: Sequence[Contract] = (LC, LP, SP)) -> RecoveryPlan:
    brokerage = BrokerageSnapshot(live, NOW, open_orders, holdings or {}, frozenset(c.key for c in resolvable))
    return plan_recovery(records, settled, brokerage, flatten)


def sent_put_spread(group_id: str = "g1", created_at: datetime = T0) -> Group:
    """A put spread whose entry orders (ids 1, 2) were acknowledged, nothing filled."""
    group = put_spread(2, group_id=group_id, created_at=created_at)
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1, broker_ids=(f"IB{leg.index + 1}",))
        group.apply(update(leg.index + 1, OrderState.SUBMITTED))
    return group


@pytest.mark.parametrize("flatten", [True, False])
def test_a_partial_fill_is_flattened_or_held(flatten: bool) -> None:
    record = stored(sent_put_spread())
    result = plan([record], holdings={LP.key: 2, SP.key: -1}, flatten=flatten)

    [step] = result.steps
    assert step.group is record.stored.group  # type: ignore[union-attr]
    assert isinstance(step.events[0], SessionEnded) and len(step.events) == 3  # then one close per order
    assert step.entry.decision is (Decision.FLATTEN_PARTIAL if flatten else Decision.HOLD_PARTIAL)
    assert [subject for subject, _ in step.alerts] == ["Partial fill recovered"]
    assert "LP" not in step.alerts[0][1] and "+2/+2" in step.alerts[0][1] and "-1/-2" in step.alerts[0][1]
    if flatten:
        assert step.status == ChangeStatus(GroupStatus.ROLLING_BACK, "recovery: partial fill, flattening", 0)
        assert step.hold is None and not step.halt and step.drives
    else:
        assert step.status is None and step.hold == HoldChanged(True, "partial fill found at recovery", NOW)
        assert step.halt == "group g1 held: partial fill found at recovery" and not step.drives
    assert result.report.partials == [step.entry]


def test_planning_leaves_the_stored_group_as_it_was_read() -> None:
    record = stored(sent_put_spread())
    assert record.stored is not None
    before = group_to_dict(record.stored.group)

    plan([record], holdings={LP.key: 2, SP.key: -2})

    assert group_to_dict(record.stored.group) == before


def test_open_orders_are_matched_cancelled_again_or_reported() -> None:
    group = sent_put_spread()
    ours = BrokerOrder(7, LP.key, 2, ("IB1",), None)  # the long's entry, by broker id after the restart
    orphan = BrokerOrder(8, SP.key, -1, ("IB9",), OrderTag("gone", Role.ENTRY, 1, 0))
    manual = BrokerOrder(9, SP.key, -3, ("IB8",), None)

    result = plan([stored(group)], open_orders=[ours, orphan, manual], holdings={})

    [step] = result.steps
    assert step.matched == {7} and step.cancels == [7]
    assert result.orphans == [orphan] and result.unrecognized == [manual]
    assert result.records_lost
    assert result.report.unrecognized_orders == [f"order 9 {SP.key} qty -3 broker ['IB8']"]


def test_a_backtest_sets_every_stored_group_aside() -> None:
    groups = [sent_put_spread("g1"), sent_put_spread("g2")]

    result = plan([stored(g) for g in groups], live=False, open_orders=[BrokerOrder(1, LP.key, 2, (), None)])

    assert result.steps == [] and [g.group_id for g in result.set_aside] == ["g1", "g2"]
    assert result.report.set_aside == ["g1", "g2"] and not result.records_lost


def test_unreadable_and_unknown_contract_records_are_quarantined_torn_ones_read_back() -> None:
    lost = OpenRecord("g9", ("open/g9",), None, (("open/g9", "not JSON"),))
    unknown = stored(sent_put_spread("g2"))
    torn = stored(sent_put_spread("g3"), unreadable=(("open/g3.1", "checksum mismatch"),))

    result = plan([lost, unknown], resolvable=(LP,))

    assert [(r.group_id, why.split(":")[0]) for r, why in result.quarantine] == [
        ("g9", "no readable version"), ("g2", "contract keys that name no security")]
    assert result.steps == [] and result.records_lost
    result = plan([torn])
    assert [s.group.group_id for s in result.steps] == ["g3"] and not result.records_lost
    assert result.report.torn == ["open/g3.1: checksum mismatch; group g3 read from its previous version (#3)"]


def test_trades_of_a_group_settled_since_the_snapshot_are_counted() -> None:
    older, newer = sent_put_spread("old"), put_spread(2, group_id="new", created_at=at(60))
    filled_leg(newer, 0, 5, time=at(60))
    filled_leg(newer, 1, 6, time=at(60))
    newer.apply(update(5, OrderState.FILLED, time=at(61)))

    result = plan([stored(older)], settled=[newer], holdings={LP.key: 2, SP.key: -2})

    assert result.steps[0].entry.decision is Decision.ROLL_BACK_NOTHING_FILLED  # the holdings are the newer group's


def test_claims_are_read_only_from_the_oldest_group_that_may_infer_fills() -> None:
    closed = condor(group_id="closed")
    filled_leg(closed, 0, 1)
    inferring = sent_put_spread("open", created_at=at(30))

    assert claims_since([stored(closed)]) is None
    assert claims_since([stored(closed), stored(inferring)]) == at(30)


def test_losses_name_the_positions_no_open_record_explains() -> None:
    result = plan([OpenRecord("g9", ("open/g9",), None, (("open/g9", "not JSON"),))])
    result.report.quarantined = [("quarantine/g9", "not JSON")]

    subject, message, halt = audit_losses(result, [(LP, 3)])

    assert result.report.unaccounted_positions == [f"{LP.ticker} +3 held, open group records explain +0"]
    assert subject == "Group records lost (1 quarantined records): new groups halted"
    assert "quarantine/g9" in message and halt == "group records lost at recovery: 1 quarantined records"


# --- closes -------------------------------------------------------------------------------------------


def closing_spread(group_id: str = "g1") -> Group:
    """A filled put spread whose close bought the short back (order 3) and sent the long's sale (order 4)."""
    group = put_spread(2, group_id=group_id)
    filled_leg(group, 0, 1)
    filled_leg(group, 1, 2)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", at(1)))
    group.apply(StatusChanged(GroupStatus.CLOSING, "stop loss", at(2), 0))
    send(group, 1, quantity=2, role=Role.EXIT, attempt=1, order_id=3, broker_ids=("IB3",), time=at(2))
    group.apply(update(3, OrderState.FILLED, 2))
    send(group, 0, quantity=-2, role=Role.EXIT, attempt=1, order_id=4, broker_ids=("IB4",), time=at(3))
    return group


def test_a_close_interrupted_goes_on_keeping_its_own_exit_order() -> None:
    working = BrokerOrder(9, LP.key, -2, ("IB4",), None)
    result = plan([stored(closing_spread())], holdings={LP.key: 2, SP.key: 0}, open_orders=[working])

    [step] = result.steps
    assert step.entry.decision is Decision.CONTINUE_CLOSE
    assert step.cancels == [] and step.status is None and step.drives and not step.halt


def test_a_close_whose_exit_filled_while_down_is_inferred_from_holdings() -> None:
    result = plan([stored(closing_spread())], holdings={LP.key: 0, SP.key: 0})

    [step] = result.steps
    assert step.entry.decision is Decision.CONTINUE_CLOSE
    established = step.group
    for event in step.events:
        established.apply(event)
    assert established.flat  # the sale filled while the algorithm was down: the close ends CLOSED


def test_a_failed_close_left_short_stays_failed_and_halts() -> None:
    group = put_spread(2, group_id="g1")
    filled_leg(group, 0, 1)
    filled_leg(group, 1, 2)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", at(1)))
    group.apply(StatusChanged(GroupStatus.CLOSING, "stop loss", at(2), 0))
    send(group, 1, quantity=2, role=Role.EXIT, attempt=1, order_id=3, broker_ids=("IB3",), time=at(2))
    group.apply(update(3, OrderState.INVALID))  # the short could not be bought back
    group.apply(StatusChanged(GroupStatus.CLOSE_FAILED, "3 close orders failed", at(4)))

    [step] = plan([stored(group)], holdings={LP.key: 2, SP.key: -2}).steps

    assert step.entry.decision is Decision.STILL_CLOSE_FAILED
    assert step.halt == "group g1 CLOSE_FAILED" and not step.drives
    assert [subject for subject, _ in step.alerts] == ["Atomic close FAILED (still)"]


def test_a_failed_close_holding_only_its_long_stays_failed_and_alerted_without_halting() -> None:
    """The short was bought back, the long's sale refused: at most its premium can be lost, and
    expiry settles it (executor._change_status decided the same when the close failed)."""
    group = closing_spread()
    group.apply(update(4, OrderState.INVALID))
    group.apply(StatusChanged(GroupStatus.CLOSE_FAILED, "3 close orders failed", at(4)))

    [step] = plan([stored(group)], holdings={LP.key: 2, SP.key: 0}).steps

    assert step.entry.decision is Decision.STILL_CLOSE_FAILED
    assert not step.halt and step.drives  # nothing due until expiry settles the long (next_actions)
    assert [subject for subject, _ in step.alerts] == ["Atomic close FAILED (still)"]


def test_a_closing_group_archived_when_filled_is_counted_once() -> None:
    """Its archived FILLED version must not claim, for older groups, the holdings its open CLOSING
    record accounts for: the older group here filled while the algorithm was down."""
    group = closing_spread()
    archived = group_from_json(json.dumps(group_to_dict(group)))
    archived.status = GroupStatus.FILLED
    for leg in archived.legs:
        leg.orders = [o for o in leg.orders if o.role is Role.ENTRY]
    older = sent_put_spread("old", created_at=at(-60))

    result = plan([stored(older), stored(group)], settled=[archived], holdings={LP.key: 4, SP.key: -2})

    decisions = {step.group.group_id: step.entry.decision for step in result.steps}
    assert decisions == {"g1": Decision.CONTINUE_CLOSE, "old": Decision.MARK_FILLED}


def test_a_held_marker_whose_contract_the_brokerage_no_longer_holds_is_named() -> None:
    group = put_spread(2, group_id="kept")
    filled_leg(group, 0, 1)
    filled_leg(group, 1, 2)
    marker = HeldMarker.of(group)

    assert missing_held([marker], {LP.key: 2, SP.key: 1}) == []  # net of manual trades: proves nothing
    [text] = missing_held([marker], {LP.key: 2})
    assert SP.key in text and "kept" in text


def test_a_quarantined_closing_records_stale_filled_archive_is_not_counted() -> None:
    """The close's record does not read: its archived FILLED version describes a position the close
    may have changed, and must not explain (here: take) another group's holdings."""
    archived = closing_spread()
    archived.status = GroupStatus.FILLED
    for leg in archived.legs:
        leg.orders = [o for o in leg.orders if o.role is Role.ENTRY]
    lost = OpenRecord("g1", ("open/g1",), None, (("open/g1", "not JSON"),))
    older = sent_put_spread("old", created_at=at(-60))

    result = plan([stored(older), lost], settled=[archived], holdings={LP.key: 2, SP.key: -2})

    assert [r.group_id for r, _ in result.quarantine] == ["g1"] and result.records_lost
    [step] = result.steps
    assert step.entry.decision is Decision.MARK_FILLED
