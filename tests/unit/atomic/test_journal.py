"""atomic.journal: what must be on disk before a send, what may wait, and when it is written."""

from __future__ import annotations

import pytest

from atomic.errors import PersistenceError
from atomic.journal import Journal
from atomic.model import CancelRequested, Group, Note, OrderIdentified, OrderSent, OrderState
from atomic.persistence import GroupStore, record_from_json
from atomic.tags import Role
from builders import T0, MemoryStore, at, put_spread, send, update


def journal() -> tuple[Journal, MemoryStore, GroupStore]:
    memory = MemoryStore()
    store = GroupStore(memory, "ns", 10, 5)
    return Journal(store), memory, store


def opened(journal: Journal) -> Group:
    group = put_spread(2)
    journal.opened(group.group_id)
    journal.changed(group.group_id, Note("created", T0))
    return group


def seq_on_disk(memory: MemoryStore, store: GroupStore, group: Group) -> int:
    """The newest version of the group that was forced to disk (0: none)."""
    keys = [store.open_key(group.group_id, slot) for slot in (0, 1)]
    return max((record_from_json(memory.data[k]).seq for k in keys if k in memory.persisted), default=0)


def test_the_intent_is_forced_to_disk_before_the_first_order() -> None:
    log, memory, store = journal()
    group = opened(log)
    assert log.never_written(group.group_id) and not log.written(group.group_id)

    log.write(group)  # even a plain write: the first one is the intent

    assert memory.persisted == [store.open_key(group.group_id)]
    assert log.written(group.group_id) and not log.never_written(group.group_id)


def test_write_ahead_forces_every_recorded_change_to_disk_before_a_send() -> None:
    log, memory, store = journal()
    group = opened(log)
    log.write_ahead(group)
    record = send(group, 0)
    log.changed(group.group_id, OrderSent(0, Role.ENTRY, 0, record.quantity, record.tag, T0))
    assert not log.written(group.group_id)

    log.write_ahead(group)

    assert log.written(group.group_id) and seq_on_disk(memory, store, group) == 2
    assert record_from_json(memory.data[store.open_key(group.group_id, 1)]).group == group


def test_information_waits_for_a_lazy_flush_or_any_other_write() -> None:
    log, memory, store = journal()
    group = opened(log)
    log.write_ahead(group)
    send(group, 0, order_id=1)
    group.apply(update(1, OrderState.FILLED, 2))
    log.changed(group.group_id, update(1, OrderState.FILLED, 2))

    assert log.flush({group.group_id: group}) == []
    assert not log.written(group.group_id)  # a fill may wait: recovery infers it from holdings
    assert log.flush({group.group_id: group}, lazy=True) == []
    assert log.written(group.group_id) and seq_on_disk(memory, store, group) == 1  # written, not forced


@pytest.mark.parametrize("event, extra", [
    (OrderIdentified(0, Role.ENTRY, 0, 1, ("IB1",), T0), {"new_broker_ids": True}),  # only way to find it live
    (update(1, OrderState.FILLED, 9), {"new_anomaly": True}),
    (CancelRequested(1, T0), {}),
])
def test_new_broker_ids_anomalies_and_other_changes_are_due_at_the_next_flush(event: object, extra: dict[str, bool]) -> None:
    log, _, _ = journal()
    group = opened(log)
    log.write_ahead(group)
    log.changed(group.group_id, event, **extra)  # type: ignore[arg-type]

    log.flush({group.group_id: group})

    assert log.written(group.group_id)


def test_a_refused_write_stays_due_and_is_returned() -> None:
    log, memory, _ = journal()
    group = opened(log)
    memory.refuse_saves = True

    with pytest.raises(PersistenceError):
        log.write_ahead(group)
    assert log.never_written(group.group_id)
    [(group_id, error)] = log.flush({group.group_id: group}, lazy=True)
    assert group_id == group.group_id and "refused" in str(error)

    memory.refuse_saves = False
    assert log.flush({group.group_id: group}, lazy=True) == [] and log.written(group.group_id)


def test_a_change_of_a_group_no_longer_open_is_dropped() -> None:
    log, memory, _ = journal()
    group = opened(log)
    log.write_ahead(group)
    log.changed(group.group_id, Note("late", at(1)))

    assert log.flush({}, lazy=True) == []

    assert log.written(group.group_id) and len(memory.data) == 1
