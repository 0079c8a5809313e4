"""The journal: which changes of the open groups must reach the store, and when.

One unit of work over the GroupStore answers "was this written before that order went out?":

- `write_ahead(group)` precedes every order and cancel. It writes the group forced to disk, so a
  record never misses an order it sent (recovery could otherwise reverse a quantity twice).
- A group's first write is its intent, forced to disk too (`opened`, `never_written`).
- Other changes are recorded as they are applied (`changed`): status changes, new broker ids (after a
  live restart the only way to find an order again) and anomalies are due at the next `flush`;
  acknowledgements, ids, fills and notes may wait for a lazy flush (check_timeouts, within a second
  live) or for any other write of the group, since recovery infers a fill it did not read from holdings.

Pure bookkeeping over the store port: no LEAN, no clock, no lock (the executor's lock covers it).
"""

from __future__ import annotations

from collections.abc import Mapping

from atomic.errors import PersistenceError
from atomic.model import CancelRefused, Group, GroupEvent, Note, OrderIdentified, OrderUpdate
from atomic.persistence import GroupStore


class Journal:
    def __init__(self, store: GroupStore) -> None:
        self._store = store
        self._due: set[str] = set()  # changes to write at the next flush
        self._lazy: set[str] = set()  # changes that may wait for a lazy flush or any other write
        self._new: set[str] = set()  # groups never written: the first write is the intent

    def opened(self, group_id: str) -> None:
        """A new group: its first write, just before its first order, is its intent."""
        self._new.add(group_id)

    def changed(self, group_id: str, event: GroupEvent, *, new_broker_ids: bool = False,
                new_anomaly: bool = False) -> None:
        """`event` changed the group: due at the next flush, or lazily when it is only information."""
        urgent = not isinstance(event, (OrderIdentified, OrderUpdate, CancelRefused, Note))
        (self._due if urgent or new_broker_ids or new_anomaly else self._lazy).add(group_id)

    def write_ahead(self, group: Group) -> None:
        """Before an order or a cancel: write what was recorded, forced to disk (PersistenceError
        when the store refuses; nothing may then be sent)."""
        self.write(group, durable=True)

    def write(self, group: Group, durable: bool = False) -> None:
        """Write the group now if it changed since its last write (forced to disk when `durable`, or
        when it is the group's first write)."""
        group_id = group.group_id
        if group_id in self._due or group_id in self._lazy:
            self._store.save_open(group, durable=durable or group_id in self._new)
            self._new.discard(group_id)
        self._due.discard(group_id)
        self._lazy.discard(group_id)

    def flush(self, groups: Mapping[str, Group], lazy: bool = False) -> list[tuple[str, PersistenceError]]:
        """Write every open group with changes due (`lazy`: those that may wait, too). A group no
        longer in `groups` has settled: its late, harmless change is dropped (its archive stays as
        it was). Returns the refused writes; they stay due, and the next write tries again."""
        refused = []
        for group_id in sorted(self._due | self._lazy if lazy else self._due):
            group = groups.get(group_id)
            if group is None:
                self.forget(group_id)
                continue
            try:
                self.write(group)
            except PersistenceError as error:
                refused.append((group_id, error))
        return refused

    def never_written(self, group_id: str) -> bool:
        """The group's intent never reached the store (so nothing was ever sent for it)."""
        return group_id in self._new

    def written(self, group_id: str) -> bool:
        """Every change recorded for the group has been written (after `write_ahead`: forced to disk)."""
        return group_id not in self._due and group_id not in self._lazy and group_id not in self._new

    def forget(self, group_id: str) -> None:
        """The group left the open set (settled and archived, or dropped before its intent was written)."""
        for pending in (self._due, self._lazy, self._new):
            pending.discard(group_id)
