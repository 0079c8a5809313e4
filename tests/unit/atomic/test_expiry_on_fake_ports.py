"""The executor on fake ports, held to expiry: LEAN's untagged exercise orders are shared out to the
held groups by their net positions, the group ends EXPIRED or ASSIGNED (held marker released,
archived), and an assigned underlying is flattened once its exchange opens, write-ahead."""

from __future__ import annotations

from atomic.executor import EnhancedAtomicOrderExecutor, GroupResult
from atomic.model import ExpiryFill, ExpiryKind, GroupStatus
from atomic.tags import Role, parse_tag
from builders import LP, SP, config, equity, put
from fake_ports import FakeBrokerage, executor_on
from recovery.reconcile import Decision

SPY = equity()


def _spread(brokerage: FakeBrokerage, executor: EnhancedAtomicOrderExecutor, n: int = 1,
            short=SP, long=LP) -> GroupResult:  # type: ignore[no-untyped-def]
    result = executor.execute_put_spread_atomic(short, long, n)
    while unfilled := [o.order_id for o in brokerage.orders.values() if o.filled != o.quantity and parse_tag(o.tag)]:
        brokerage.fill(unfilled[0])  # the long, then the short it covers
    assert result.status is GroupStatus.FILLED
    return result


def _midnight(brokerage: FakeBrokerage) -> None:
    brokerage.advance(14 * 3600)
    brokerage.closed_reason = "exchange closed"


def _held_keys(brokerage: FakeBrokerage) -> list[str]:
    return [key for key in brokerage.store.keys() if "/held/" in key]


def test_a_spread_expiring_worthless_ends_expired_releases_its_marker_and_is_archived() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = _spread(brokerage, executor)
    assert _held_keys(brokerage)
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    assert result.status is GroupStatus.FILLED  # the short's exercise order is still to come
    brokerage.expire(SP, ExpiryKind.OTM)
    assert result.status is GroupStatus.EXPIRED and result.view.flat
    assert _held_keys(brokerage) == [] and executor.open_groups() == []
    archived = executor.store.read_archived(result.group_id)
    assert archived is not None and archived.status is GroupStatus.EXPIRED
    assert not executor.halted and brokerage.alerts == []


def test_an_assignment_is_flattened_at_the_open_write_ahead_and_ends_assigned() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = _spread(brokerage, executor, 2)
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    brokerage.expire(SP, ExpiryKind.ASSIGNED, underlying=SPY, delivery_price=95.0)
    assert result.status is GroupStatus.ASSIGNED and result.view.underlying == (("SPY", 200, 200),)
    assert brokerage.alerts == [] and any("ASSIGNED" in line and "+200 SPY" in line and "flattened at the next open"
                                          in line for line in brokerage.logs)
    assert _held_keys(brokerage) == [] and [g.group_id for g in executor.open_groups()] == [result.group_id]
    brokerage.effects.clear()
    executor.check_timeouts()
    assert brokerage.effects == []  # the exchange is closed: nothing sent before the open
    brokerage.advance(9 * 3600)
    brokerage.closed_reason = None
    executor.check_timeouts()
    assert brokerage.effects[:2] == ["persist", "send SPY -200"]
    (flatten,) = [o for o in brokerage.orders.values() if o.contract == SPY]
    tag = parse_tag(flatten.tag)
    assert tag is not None and (tag.group_id, tag.role) == (result.group_id, Role.EXIT)
    brokerage.fill(flatten.order_id, price=96.0)
    assert result.status is GroupStatus.ASSIGNED and result.view.underlying == (("SPY", 200, 0),)
    assert executor.open_groups() == [] and brokerage.positions[SPY.key] == 0


def test_with_flatten_assigned_off_the_shares_stay_and_the_group_is_archived() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, flatten_assigned=False)
    result = _spread(brokerage, executor)
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    brokerage.expire(SP, ExpiryKind.ASSIGNED, underlying=SPY)
    brokerage.advance(9 * 3600)
    brokerage.closed_reason = None
    executor.check_timeouts()
    assert result.status is GroupStatus.ASSIGNED and executor.open_groups() == []
    assert brokerage.positions[SPY.key] == 100 and brokerage.alerts[0][0] == "Atomic group assigned" and "+100 SPY; left as it is" in brokerage.alerts[0][1]


def test_groups_sharing_a_contract_each_go_to_zero_when_it_expires() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    first = _spread(brokerage, executor, 2)
    brokerage.advance(60)
    second = _spread(brokerage, executor, 1, long=put(85))  # short the same 95 put
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    brokerage.expire(put(85), ExpiryKind.OTM)
    brokerage.expire(SP, ExpiryKind.ASSIGNED, underlying=SPY)  # one exercise order for all three contracts
    assert first.status is second.status is GroupStatus.ASSIGNED
    assert first.view.underlying == (("SPY", 200, 200),) and second.view.underlying == (("SPY", 100, 100),)
    assert not executor.halted


def test_an_exercise_beyond_what_the_groups_hold_is_an_anomaly_that_halts() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = _spread(brokerage, executor)
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM, quantity=-3)  # LEAN exercised 3, the group held 1
    assert result.view.legs[0].filled == 0
    assert executor.halted and brokerage.alerts[0][0] == "Unaccounted expiry fill" and "-2 left over" in brokerage.alerts[0][1]


def test_an_exercise_of_a_contract_no_group_holds_is_only_logged() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    brokerage.positions[put(70).key] = 1  # a manual position
    brokerage.expire(put(70), ExpiryKind.OTM)
    assert not executor.halted and brokerage.alerts == [] and any("no atomic group's" in line for line in brokerage.logs)


def test_a_held_group_only_the_archive_holds_is_found_through_its_marker() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage, history_in_memory=1)
    old = _spread(brokerage, executor)
    brokerage.advance(60)
    _spread(brokerage, executor, long=put(80), short=put(85))  # pushes the first out of memory
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    brokerage.expire(SP, ExpiryKind.OTM)
    assert old.status is GroupStatus.EXPIRED and len(_held_keys(brokerage)) == 1


def _torn_held(brokerage: FakeBrokerage) -> str:
    """A held put spread whose archived record a crash then tore: its key."""
    torn = _spread(brokerage, executor_on(brokerage))
    single = next(k for k in brokerage.store.keys() if "/archive/" in k and torn.group_id in k)
    brokerage.store.save(single, brokerage.store.read(single)[:-20])
    return single


def test_an_expiry_fill_for_a_held_group_whose_archive_does_not_read_is_alerted_not_raised() -> None:
    brokerage = FakeBrokerage()
    single = _torn_held(brokerage)
    executor = executor_on(brokerage)  # a restart: the group is in the archive only
    brokerage.alerts.clear()
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)  # inside on_order_event: must not raise into LEAN
    subjects = [subject for subject, _ in brokerage.alerts]
    assert subjects.count("Held group's record unreadable") == 1 and executor.halted
    assert any(single in message for _, message in brokerage.alerts)


def test_a_held_group_whose_archive_does_not_read_after_it_expired_while_down_is_alerted_at_restart() -> None:
    brokerage = FakeBrokerage()
    single = _torn_held(brokerage)
    _midnight(brokerage)
    brokerage.advance(24 * 3600)
    brokerage.positions = {LP.key: 0, SP.key: 0}  # expired while the algorithm was down
    brokerage.alerts.clear()
    executor = executor_on(brokerage)  # the restart's recovery must not raise
    assert executor.halted and [s for s, m in brokerage.alerts if single in m] == ["Held group's record unreadable"]
    assert single in brokerage.store.keys() and _held_keys(brokerage)  # nothing lost: left for the operator


def test_an_early_assignment_goes_to_the_oldest_group_and_its_duplicate_is_counted_once() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    first = _spread(brokerage, executor)
    brokerage.advance(60)
    second = _spread(brokerage, executor)
    brokerage.expire(SP, ExpiryKind.ASSIGNED, underlying=SPY, quantity=1)  # during the day: one of the two shorts
    exercise = brokerage.delivered[0]
    executor.on_order_event(exercise)  # the brokerage reports it again
    assert first.view.legs[1].filled == 0 and second.view.legs[1].filled == -1 and not executor.halted
    assert first.view.underlying == (("SPY", 100, 100),) and second.view.underlying == ()
    assert first.status is second.status is GroupStatus.FILLED  # the long puts have yet to expire


def test_a_restart_before_the_flatten_keeps_the_group_assigned_and_flattens_at_the_open() -> None:
    brokerage = FakeBrokerage()
    executor = executor_on(brokerage)
    result = _spread(brokerage, executor)
    _midnight(brokerage)
    brokerage.expire(LP, ExpiryKind.OTM)
    brokerage.expire(SP, ExpiryKind.ASSIGNED, underlying=SPY)
    # The process died before the open: a new executor on the same store and account.
    restarted = EnhancedAtomicOrderExecutor(None, config(), brokerage.ports())
    brokerage.deliver = restarted.on_order_event
    (entry,) = restarted.check_and_recover_incomplete_orders().groups
    assert entry.decision is Decision.KEEP_EXPIRY
    view = restarted.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.ASSIGNED and not restarted.halted
    brokerage.advance(9 * 3600)
    brokerage.closed_reason = None
    restarted.check_timeouts()
    (flatten,) = [o for o in brokerage.orders.values() if o.contract == SPY]
    brokerage.fill(flatten.order_id)
    view = restarted.get_group(result.group_id)
    assert view is not None and view.status is GroupStatus.ASSIGNED and view.underlying == (("SPY", 100, 0),)
    assert restarted.open_groups() == []
