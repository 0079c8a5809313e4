"""The persisted form of a group (versioned JSON) and where it lives in LEAN's ObjectStore.

Keys are `/`-separated under a namespace (LEAN rejects colons; the store is shared by a whole
organisation): `<ns>/open/<group_id>` and `<ns>/open/<group_id>.alt` for groups that may hold an
unbalanced position, `<ns>/held/<group_id>` for a FILLED group still holding its structures (the index
closes read: only the last HISTORY_IN_MEMORY settled groups stay in memory), `<ns>/archive/<finished>-<group_id>` once settled (later packed with others
under `<ns>/archive/pack/`, never deleted), `<ns>/quarantine/...` for records recovery could not read. Recovery only lists the open keys, so it does not grow with history.

An open group has two slots because LEAN persists a file with File.WriteAllBytes, which is not
atomic (Engine/Storage/LocalObjectStore.cs, PersistData): a crash while it writes leaves the file
truncated. Each version goes to the slot that does not hold the last version forced to disk, so a
torn write never destroys the version before it; recovery takes the newest readable version.

Schema 3 is written: schema 2's fields plus `seq` (the version's number within its group) and a
`checksum` (CRC-32 of the record's canonical JSON without it), so a torn or altered record is never
taken for a valid one. Schema 2 (written before the slots: read as version 0 of slot `<group_id>`)
and schema 1 (the seed's: group_id, strategy, timestamp, status, legs with symbol, quantity and
status) are still read. Records of schemas 2 and 3 written before an order's pending cancel was a
state (CANCEL_PENDING) carry `cancel_requested` beside the state, and the group's reason as
`rollback_reason`: both are migrated as they are read.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol

from atomic.contract import Contract
from atomic.errors import ArchivePackError, PersistenceError
from atomic.model import ORDER_CLOSED, Group, GroupStatus, Leg, LogEntry, OrderRecord, OrderState
from atomic.pricing import Quote, pricing_from_dict, pricing_to_dict
from atomic.tags import Role

SCHEMA_VERSION = 3
# Suffixes of a group's two open keys (slot 0 is the key schema 2 used, so old records are read in place).
_SLOTS = ("", ".alt")


class KeyValueStore(Protocol):
    """The slice of LEAN's ObjectStore the executor uses."""

    def save(self, key: str, text: str) -> bool: ...

    def read(self, key: str) -> str: ...

    def delete(self, key: str) -> bool: ...

    def keys(self) -> list[str]: ...

    def persist(self, key: str) -> None:
        """Force `key` (and every pending write) to disk now instead of on LEAN's 5 s timer."""
        ...


class RecordError(ValueError):
    """A stored record that cannot be turned back into a group."""


# --- Encoding -------------------------------------------------------------------------------------


def group_to_dict(group: Group, seq: int = 0) -> dict[str, Any]:
    """The record of `group` as version `seq`, its checksum last."""
    record = _fields(group, seq)
    record["checksum"] = _checksum(_canonical(record))
    return record


def record_text(group: Group, seq: int) -> str:
    """What the store saves: the canonical JSON of `group_to_dict(group, seq)`, serialised once."""
    text = _canonical(_fields(group, seq))
    return f'{text[:-1]},"checksum":"{_checksum(text)}"}}'


def _fields(group: Group, seq: int) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "seq": seq,
        "group_id": group.group_id,
        "strategy": group.strategy,
        "timestamp": group.created_at.isoformat(),
        "status": group.status.value,
        "mode": group.mode,
        "limit_price": group.limit_price,
        "pricing": pricing_to_dict(group.pricing),
        "priced_at": _iso(group.priced_at),
        "walk_step": group.walk_step,
        "priced_mid": group.priced_mid,
        "entry_mid": group.entry_mid,
        "submitted_at": _iso(group.submitted_at),
        "status_reason": group.status_reason,
        "close_reason": group.close_reason,
        "rollback_started_at": _iso(group.rollback_started_at),
        "snapshot_at": _iso(group.snapshot_at),
        "target_structures": group.target_structures,
        "held": group.held,
        "anomalies": group.anomalies,
        "legs": [
            {
                "symbol": leg.contract.key,
                "quantity": leg.quantity,
                "status": _leg_status(leg),
                "filled_quantity": leg.net_filled,
                "holdings_before": leg.holdings_before,
                "contract": leg.contract.to_dict(),
                "quote": leg.quote.to_list() if leg.quote is not None else None,
                "orders": [_order_to_dict(o) for o in leg.orders],
            }
            for leg in group.legs
        ],
        "log": [[entry.time.isoformat(), entry.status.value, entry.message] for entry in group.log],
    }


def _checksum(canonical: str) -> str:
    """CRC-32 of a record's canonical JSON without its checksum: computed over the content, not the
    bytes stored, so a reformatted record still reads."""
    return f"{zlib.crc32(canonical.encode('ascii')):08x}"


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


def _order_to_dict(order: OrderRecord) -> dict[str, Any]:
    return {
        "role": order.role.value,
        "attempt": order.attempt,
        "quantity": order.quantity,
        "tag": order.tag,
        "submitted_at": order.submitted_at.isoformat(),
        "state": order.state.value,
        "order_id": order.order_id,
        "broker_ids": order.broker_ids,
        "filled": order.filled,
        "fill_value": order.fill_value,
        "event_ids": order.event_ids,
        "before_cancel": order.before_cancel.value if order.before_cancel else None,
        "cancel_refused_at": _iso(order.cancel_refused_at),
        "cancel_refused_state": order.cancel_refused_state.value if order.cancel_refused_state else None,
        "first_cancel_at": _iso(order.first_cancel_at),
        "last_fill_at": _iso(order.last_fill_at),
        "held_back": order.held_back,
        "fills_known_until": _iso(order.fills_known_until),
        "message": order.message,
        "limit_price": order.limit_price,
        "replaced": order.replaced,
    }


def _leg_status(leg: Leg) -> str:
    """The seed schema's per-leg status, kept for readers of schema 1."""
    entry = leg.entry_order
    return entry.reported_state.value if entry is not None else "NEW"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Decoding -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRecord:
    """One readable version of a group: `seq` orders the versions of its two slots (0 before schema 3)."""

    seq: int
    group: Group


def group_from_json(text: str) -> Group:
    """Parse a stored record of any supported schema; RecordError names what is wrong."""
    return record_from_json(text).group


def record_from_json(text: str) -> StoredRecord:
    """Parse a stored record with its version number; RecordError names what is wrong (a schema-3
    record whose checksum does not match is torn or altered)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as error:
        raise RecordError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise RecordError("record is not a JSON object")
    version = data.get("schema", 1)
    if version == SCHEMA_VERSION and data.pop("checksum", None) != _checksum(_canonical(data)):
        raise RecordError("checksum does not match: the record is torn or was altered")
    try:
        if version == SCHEMA_VERSION:
            return StoredRecord(_int(data, "seq"), _group_v2(data))
        if version == 2:
            return StoredRecord(0, _group_v2(data))
        if version == 1:
            return StoredRecord(0, _group_v1(data))
    except (KeyError, TypeError, ValueError) as error:
        raise RecordError(f"schema {version}: {error}") from error
    raise RecordError(f"unknown schema version {version!r}")


def _group_v2(data: dict[str, Any]) -> Group:
    if not _list(data, "legs"):
        raise ValueError("a group needs legs")
    legs = []
    for index, raw in enumerate(_list(data, "legs")):
        contract = Contract.from_dict(_dict(raw, "contract"))
        orders = [_order_v2(o) for o in _list(raw, "orders")]
        holdings = raw.get("holdings_before")
        quote = Quote.from_list(raw["quote"]) if raw.get("quote") else None  # absent before price control
        legs.append(Leg(index, contract, _int(raw, "quantity"), None if holdings is None else _int(raw, "holdings_before"), orders,
                        quote))
    target = data.get("target_structures")
    return Group(
        group_id=_str(data, "group_id"),
        strategy=str(data.get("strategy", "")),
        created_at=_time(data, "timestamp"),
        legs=legs,
        mode=_str(data, "mode"),
        limit_price=float(data["limit_price"]) if data.get("limit_price") is not None else None,
        # Absent before price control: a market group.
        pricing=pricing_from_dict(data.get("pricing")),
        priced_at=_time(data, "priced_at") if data.get("priced_at") else None,
        walk_step=int(data.get("walk_step", 0)),
        priced_mid=float(data["priced_mid"]) if data.get("priced_mid") is not None else None,
        entry_mid=float(data["entry_mid"]) if data.get("entry_mid") is not None else None,
        status=GroupStatus(data["status"]),
        submitted_at=_time(data, "submitted_at") if data.get("submitted_at") else None,
        # Named rollback_reason before it also held a rejection's reason.
        status_reason=str(data.get("status_reason", data.get("rollback_reason", ""))),
        close_reason=str(data.get("close_reason", "")),  # absent before closes existed
        rollback_started_at=_time(data, "rollback_started_at") if data.get("rollback_started_at") else None,
        target_structures=None if target is None else _int(data, "target_structures"),
        snapshot_at=_time(data, "snapshot_at") if data.get("snapshot_at") else None,  # absent before closes re-took it
        held=bool(data.get("held", False)),
        anomalies=[str(a) for a in data.get("anomalies", [])],
        log=[LogEntry(_time({"time": t}, "time"), GroupStatus(s), str(m)) for t, s, m in _list(data, "log")],
    )


def _order_v2(raw: Any) -> OrderRecord:
    if not isinstance(raw, dict):
        raise ValueError("order is not an object")
    order_id = raw.get("order_id")
    state = OrderState(raw["state"])
    before_cancel = OrderState(raw["before_cancel"]) if raw.get("before_cancel") else None
    if raw.get("cancel_requested") and state not in ORDER_CLOSED:  # written before CANCEL_PENDING was a state
        state, before_cancel = OrderState.CANCEL_PENDING, state
    role = Role(raw["role"])
    return OrderRecord(
        role=role,
        attempt=_int(raw, "attempt"),
        quantity=_int(raw, "quantity"),
        tag="" if role is Role.EXPIRY and raw.get("tag") == "" else _str(raw, "tag"),  # LEAN's exercise orders have none
        submitted_at=_time(raw, "submitted_at"),
        state=state,
        order_id=None if order_id is None else _int(raw, "order_id"),
        broker_ids=[str(b) for b in _list(raw, "broker_ids")],
        filled=_int(raw, "filled"),
        fill_value=float(raw.get("fill_value", 0.0)),
        event_ids=[_int({"id": i}, "id") for i in _list(raw, "event_ids")],
        before_cancel=before_cancel,
        cancel_refused_at=_time(raw, "cancel_refused_at") if raw.get("cancel_refused_at") else None,
        cancel_refused_state=OrderState(raw["cancel_refused_state"]) if raw.get("cancel_refused_state") else None,
        first_cancel_at=_time(raw, "first_cancel_at") if raw.get("first_cancel_at") else None,
        last_fill_at=_time(raw, "last_fill_at") if raw.get("last_fill_at") else None,
        held_back=bool(raw.get("held_back", False)),
        fills_known_until=_time(raw, "fills_known_until") if raw.get("fills_known_until") else None,
        message=str(raw.get("message", "")),
        limit_price=float(raw["limit_price"]) if raw.get("limit_price") is not None else None,
        replaced=bool(raw.get("replaced", False)),
    )


def _group_v1(data: dict[str, Any]) -> Group:
    """The seed's schema: no fills, ids or holdings were recorded, so recovery must hold it. Its
    timestamps may be naive (LEAN's clock): they are read as UTC."""
    if not _list(data, "legs"):
        raise ValueError("a group needs legs")
    legs = []
    for index, raw in enumerate(_list(data, "legs")):
        if not isinstance(raw, dict):
            raise ValueError(f"leg {index} is not an object")
        symbol = _str(raw, "symbol")
        contract = Contract(key=symbol, ticker=symbol, underlying=symbol.split(" ")[0])
        legs.append(Leg(index, contract, _int(raw, "quantity"), None))
    status = str(data.get("status", "PENDING")).upper()
    created = datetime.fromisoformat(_str(data, "timestamp"))
    return Group(
        group_id=_str(data, "group_id"),
        strategy=str(data.get("strategy", "")),
        created_at=created if created.tzinfo else created.replace(tzinfo=timezone.utc),
        legs=legs,
        status=GroupStatus(status) if status in GroupStatus.__members__ else GroupStatus.PENDING,
    )


def _list(data: Any, name: str) -> list[Any]:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, list):
        raise ValueError(f"{name} must be a list, got {value!r}")
    return value


def _dict(data: Any, name: str) -> dict[str, Any]:
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object, got {value!r}")
    return value


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


def _str(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _time(data: dict[str, Any], name: str) -> datetime:
    parsed = datetime.fromisoformat(_str(data, name))
    if parsed.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone, got {parsed.isoformat()}")
    return parsed


# --- Held markers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldMarker:
    """A FILLED group still holding its position, in a few bytes: `close_all` and a close after a
    restart find it without reading the archive; `expiry` (the contracts' latest) tells an expired
    one apart unread, and `positions` let recovery compare it with the brokerage's holdings."""

    group_id: str
    strategy: str
    expiry: date | None
    positions: tuple[tuple[str, int], ...]  # (contract key, the group's net) per leg

    @staticmethod
    def of(group: Group) -> HeldMarker:
        expiries = [leg.contract.expiry for leg in group.legs if leg.contract.expiry is not None]
        return HeldMarker(group.group_id, group.strategy, max(expiries, default=None),
                          tuple((leg.contract.key, leg.net_filled) for leg in group.legs))

    def to_json(self) -> str:
        return _canonical({"group_id": self.group_id, "strategy": self.strategy,
                           "expiry": self.expiry.isoformat() if self.expiry else None,
                           "positions": [list(p) for p in self.positions]})

    @staticmethod
    def from_json(text: str) -> HeldMarker:
        """RecordError names what is wrong with a marker that does not read."""
        try:
            data = json.loads(text)
            expiry = data.get("expiry")
            return HeldMarker(_str(data, "group_id"), str(data.get("strategy", "")),
                              date.fromisoformat(expiry) if expiry else None,
                              tuple((str(key), int(net)) for key, net in _list(data, "positions")))
        except (TypeError, ValueError, AttributeError) as error:
            raise RecordError(f"held marker: {error}") from error


# --- The store ------------------------------------------------------------------------------------


@dataclass
class _Slots:
    """What the store knows of one open group's two slots."""

    seq: int = 0  # the newest version written or read back
    durable: int | None = None  # the slot holding the last version known to be on disk
    newest: int | None = None  # the slot holding the newest version
    present: set[int] = field(default_factory=set)  # slots that hold a file


@dataclass(frozen=True)
class OpenRecord:
    """One open group as recovery finds it: the newest readable version (None when no slot reads)
    and why each other slot did not read."""

    group_id: str
    keys: tuple[str, ...]
    stored: StoredRecord | None
    unreadable: tuple[tuple[str, str], ...]  # (key, why)


class GroupStore:
    """Saves groups under namespaced keys, archives settled ones, quarantines unreadable ones."""

    def __init__(self, store: KeyValueStore, namespace: str, pack_size: int, pack_levels: int) -> None:
        self._store = store
        self._open_prefix = f"{namespace}/open/"
        self._held_prefix = f"{namespace}/held/"
        self._archive_prefix = f"{namespace}/archive/"
        self._pack_prefix = f"{self._archive_prefix}pack/"
        self._quarantine_prefix = f"{namespace}/quarantine/"
        self._pack_size = pack_size
        self._pack_levels = pack_levels
        self._slots: dict[str, _Slots] = {}
        self._singles: dict[str, str] = {}  # group_id -> its own archive key, not packed yet
        self._packs: list[_Pack] = []  # oldest first
        self._packed: dict[str, str] | None = None  # group_id -> newest pack holding it, read when first asked
        for key in sorted(k for k in store.keys() if k.startswith(self._archive_prefix)):
            pack = _Pack.of(key, self._pack_prefix)
            if pack is not None:
                self._packs.append(pack)
            elif key.startswith(self._pack_prefix):
                continue  # not a name this store writes
            elif group_id := _group_id_of(key):
                self._singles[group_id] = key
        self._packs.sort(key=lambda p: p.number)

    def open_key(self, group_id: str, slot: int = 0) -> str:
        return self._open_prefix + group_id + _SLOTS[slot]

    def save_open(self, group: Group, durable: bool = False) -> None:
        """Write the group's next version into the slot that does not hold the last durable one;
        `durable` forces it to disk before returning (and makes it the one to keep)."""
        slots = self._slots.get(group.group_id) or _Slots()
        slot = 0 if slots.durable is None else 1 - slots.durable
        key = self.open_key(group.group_id, slot)
        self._write(key, group, slots.seq + 1)
        self._slots[group.group_id] = slots
        slots.seq += 1
        slots.present.add(slot)
        slots.newest = slot
        if durable:
            self._store.persist(key)
            slots.durable = slot

    # --- held markers: the FILLED groups still holding -----------------------------------------

    def mark_held(self, group: Group) -> HeldMarker:
        """Record that `group` holds its structures (written before it is archived, forced to disk)."""
        marker = HeldMarker.of(group)
        key = self._held_prefix + group.group_id
        if not self._store.save(key, marker.to_json()):
            raise PersistenceError(f"ObjectStore refused to save {key}: store full?")
        self._store.persist(key)
        return marker

    def release_held(self, group_id: str) -> None:
        """The group no longer holds a position (closed, or later expired or assigned)."""
        self._store.delete(self._held_prefix + group_id)

    def held_markers(self) -> tuple[list[HeldMarker], list[tuple[str, str]]]:
        """Every held marker, and the (key, why) of those that do not read."""
        found, unreadable = [], []
        for key in sorted(k for k in self._store.keys() if k.startswith(self._held_prefix)):
            try:
                found.append(HeldMarker.from_json(self._store.read(key)))
            except RecordError as error:
                unreadable.append((key, str(error)))
        return found, unreadable

    # --- the archive: never deleted, in few keys ------------------------------------------------
    #
    # LEAN's LocalObjectStore checks its limits on every save by walking every stored file, so a
    # save costs O(files): a key per finished group would make every write slower as history grows.
    # A settled group is first written to its own key (`archive/<finished>-<group_id>`, as before);
    # every `pack_size` of those are packed into one pack key, and every `pack_size` packs of a level
    # into one pack of the next (a counter in base `pack_size`), up to `pack_levels`: each group is
    # rewritten once per level, no write rewrites more than pack_size ** pack_levels groups, and a
    # history of N groups takes N / pack_size ** pack_levels top-level keys plus under pack_size a
    # level below. A pack is written once and reaches the disk before what it replaces is deleted: a torn pack (LEAN writes files with
    # File.WriteAllBytes, not atomically) leaves the keys it packed in place. Each pack line is
    # `<finished> <group_id> <record>`, the record checksummed as any, so a torn line is skipped.

    def archive(self, group: Group, finished: datetime) -> None:
        """Move a settled group out of the hot key set into the archive, where it stays."""
        key = f"{self._archive_prefix}{finished:%Y%m%dT%H%M%S}-{group.group_id}"
        slots = self._slots.pop(group.group_id, None)
        self._write(key, group, slots.seq + 1 if slots else 0)
        self._store.persist(key)  # a delete reaches disk at once: the copy must be there first
        # Each delete reaches the disk at once: the older slot goes first, so a crash in between
        # leaves the newest version (the persist above put it on disk), never an older one.
        for slot in sorted(slots.present, key=lambda s: s == slots.newest) if slots else range(len(_SLOTS)):
            self._store.delete(self.open_key(group.group_id, slot))
        earlier = self._singles.pop(group.group_id, None)  # a group reopened by a late fill
        if earlier is not None and earlier != key:
            self._store.delete(earlier)
        self._singles[group.group_id] = key
        if len(self._singles) >= self._pack_size:
            self._pack_singles()

    def read_archived(self, group_id: str) -> Group | None:
        """The newest archived version of a group (None when none was archived, or none in a pack reads)."""
        key = self._singles.get(group_id)
        if key is not None:
            return group_from_json(self._store.read(key))
        pack = self._pack_index().get(group_id)
        for text in _lines_of(self._store.read(pack), group_id) if pack is not None else []:
            try:
                return group_from_json(text)
            except RecordError:
                continue  # a torn line: an earlier version in the same pack may still read
        return None

    def archive_key(self, group_id: str) -> str | None:
        """The key holding a group's archived record (its own key, or a pack's), for alerts."""
        return self._singles.get(group_id) or self._pack_index().get(group_id)

    def archived_since(self, moment: datetime) -> tuple[list[Group], list[tuple[str, str]]]:
        """Groups archived at or after `moment` (the newest version of each): recovery counts their
        positions; and the (where, why) of those whose record no longer reads (they explain no
        position: the caller says so). Only the packs holding a group finished since then are read."""
        since = f"{moment:%Y%m%dT%H%M%S}"
        texts = [(f"{pack.key} ({group_id})", text) for pack in self._packs if pack.last >= since
                 for finished, group_id, text in map(_fields_of, self._store.read(pack.key).split("\n"))
                 if finished >= since]
        texts += [(key, self._store.read(key)) for key in sorted(self._singles.values()) if _finished_of(key) >= since]
        found: dict[str, Group] = {}
        unreadable = []
        for where, text in texts:  # oldest first: a group reopened and settled again keeps its newest version
            try:
                group = group_from_json(text)
            except RecordError as error:
                unreadable.append((where, str(error)))
                continue
            found[group.group_id] = group
        return list(found.values()), unreadable

    def _pack_index(self) -> dict[str, str]:
        """Which pack holds each packed group: every pack is read once, on the first lookup."""
        if self._packed is None:
            self._packed = {group_id: pack.key for pack in self._packs
                            for _, group_id, _ in map(_fields_of, self._store.read(pack.key).split("\n")) if group_id}
        return self._packed

    def _pack_singles(self) -> None:
        """Pack every single archive key into one pack of level 1; `pack_size` packs of a level into
        one of the next level, as far as that goes and up to `pack_levels`."""
        singles = sorted(self._singles.values())
        lines = [f"{_finished_of(key)} {_group_id_of(key)} {self._store.read(key)}" for key in singles]
        written = self._write_pack(1, "\n".join(lines), _finished_of(singles[-1]), singles)
        if self._packed is not None:
            self._packed.update((_group_id_of(key), written) for key in singles)
        self._singles.clear()
        level = 1
        while level < self._pack_levels and len(packs := [p for p in self._packs if p.level == level]) >= self._pack_size:
            text = "\n".join(self._store.read(pack.key) for pack in packs)
            merged = self._write_pack(level + 1, text, max(pack.last for pack in packs), [pack.key for pack in packs])
            self._packs = [pack for pack in self._packs if pack not in packs]
            if self._packed is not None:
                self._packed.update((group_id, merged) for _, group_id, _ in map(_fields_of, text.split("\n")) if group_id)
            level += 1

    def _write_pack(self, level: int, text: str, last: str, replaced: list[str]) -> str:
        number = self._packs[-1].number + 1 if self._packs else 1
        pack = _Pack(f"{self._pack_prefix}{level}-{number:08d}-{last}", level, number, last)
        if not self._store.save(pack.key, text):
            raise ArchivePackError(f"ObjectStore refused to save archive pack {pack.key} ({len(text)} bytes): store full?")
        self._store.persist(pack.key)  # on disk before the keys it replaces are deleted
        for key in replaced:
            self._store.delete(key)
        self._packs.append(pack)
        return pack.key

    def open_keys(self) -> list[str]:
        return sorted(k for k in self._store.keys() if k.startswith(self._open_prefix))

    def open_records(self) -> list[OpenRecord]:
        """Every open group, each read from its newest readable slot (the next save goes to the other)."""
        keys: dict[str, list[str]] = defaultdict(list)
        for key in self.open_keys():
            keys[self._slot_of(key)[0]].append(key)
        return [self._read_open(group_id, group_keys) for group_id, group_keys in sorted(keys.items())]

    def _read_open(self, group_id: str, keys: list[str]) -> OpenRecord:
        newest: tuple[int, StoredRecord] | None = None
        unreadable = []
        for key in keys:
            try:
                stored = record_from_json(self._store.read(key))
                if stored.group.group_id != group_id:
                    raise RecordError(f"holds group {stored.group.group_id!r}, not the key's")
            except RecordError as error:
                unreadable.append((key, str(error)))
                continue
            if newest is None or stored.seq > newest[1].seq:
                newest = (self._slot_of(key)[1], stored)
        if group_id not in self._slots:  # this process's own saves know better what reached the disk
            self._slots[group_id] = _Slots(
                seq=newest[1].seq if newest else 0,
                durable=newest[0] if newest else None,
                newest=newest[0] if newest else None,
                present={self._slot_of(key)[1] for key in keys},
            )
        return OpenRecord(group_id, tuple(keys), newest[1] if newest else None, tuple(unreadable))

    def quarantine(self, record: OpenRecord) -> list[str]:
        """Move every slot of a group recovery cannot use aside (never delete it); where they went."""
        targets = [self._quarantine_prefix + key[len(self._open_prefix):] for key in record.keys]
        for key, target in zip(record.keys, targets):
            if not self._store.save(target, self._store.read(key)):
                raise PersistenceError(f"ObjectStore refused to save quarantined record {target}")
        for target in targets:
            self._store.persist(target)  # the copies reach the disk before the originals are deleted
        for key in record.keys:
            self._store.delete(key)
        self._slots.pop(record.group_id, None)
        return targets

    def _slot_of(self, open_key: str) -> tuple[str, int]:
        """`<ns>/open/<group_id><suffix>` -> (group_id, slot)."""
        name = open_key[len(self._open_prefix):]
        if name.endswith(_SLOTS[1]):
            return name[: -len(_SLOTS[1])], 1
        return name, 0

    def _write(self, key: str, group: Group, seq: int) -> None:
        text = record_text(group, seq)
        if not self._store.save(key, text):
            raise PersistenceError(f"ObjectStore refused to save {key} ({len(text)} bytes): store full?")


def _finished_of(archive_key: str) -> str:
    """`<ns>/archive/<YYYYmmddTHHMMSS>-<group_id>` -> YYYYmmddTHHMMSS."""
    return archive_key.rsplit("/", 1)[-1].split("-", 1)[0]


def _group_id_of(archive_key: str) -> str:
    """`<ns>/archive/<YYYYmmddTHHMMSS>-<group_id>` -> group_id ("" for a key of another shape)."""
    name = archive_key.rsplit("/", 1)[-1]
    return name.split("-", 1)[1] if "-" in name else ""


@dataclass(frozen=True)
class _Pack:
    """One pack key: `<ns>/archive/pack/<level>-<number>-<newest finished>`."""

    key: str
    level: int
    number: int
    last: str  # when its newest group finished, YYYYmmddTHHMMSS

    @staticmethod
    def of(key: str, prefix: str) -> _Pack | None:
        """The pack a key names (None for a key of another shape)."""
        parts = key[len(prefix):].split("-") if key.startswith(prefix) else []
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return None
        return _Pack(key, int(parts[0]), int(parts[1]), parts[2])


def _fields_of(line: str) -> tuple[str, str, str]:
    """A pack line -> (finished, group_id, record text); empty fields for a torn line."""
    parts = line.split(" ", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def _lines_of(pack: str, group_id: str) -> list[str]:
    """The record texts of `pack`'s lines holding `group_id`, newest first."""
    found = []
    start = pack.find(f" {group_id} ")
    while start != -1:
        line_start = pack.rfind("\n", 0, start) + 1
        if start - line_start == 15:  # the group id field (after YYYYmmddTHHMMSS), not text inside a record
            end = pack.find("\n", start)
            found.append(pack[start + len(group_id) + 2: end if end != -1 else len(pack)])
        start = pack.find(f" {group_id} ", start + 1)
    return found[::-1]
