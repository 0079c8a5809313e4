"""atomic.persistence: the JSON record (schema 3; schemas 2 and 1 read back), its checksum, and the
namespaced GroupStore with two slots per open group."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.errors import ArchivePackError, PersistenceError
from atomic.model import (
    CancelRequested,
    Group,
    GroupStatus,
    HoldChanged,
    Note,
    OrderState,
    StatusChanged,
    TargetChosen,
)
from atomic.persistence import (
    SCHEMA_VERSION,
    GroupStore,
    HeldMarker,
    RecordError,
    StoredRecord,
    group_from_json,
    group_to_dict,
    record_from_json,
    record_text,
)
from atomic.tags import Role
from leansim.engine.store_backend import StoreBackend
from leansim.object_store import KEY_PATTERN as LEAN_KEY
from builders import LC, LP, SC, SP, MemoryStore, at, condor, equity, filled_leg, group_of, put_spread, send, update

NEW_YORK = timezone(timedelta(hours=-4))


def busy_group(group_id: str = "0b7e4a4e-5d1c-4c35-9a4e-3f3cfd6f9a11") -> Group:
    """A group that has been through most of what a group can record."""
    group = condor(2, group_id=group_id, mode="combo", limit_price=1.35, holdings_before=3, created_at=at(-1))
    group.legs[1].holdings_before = None
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1, broker_ids=(f"IB{leg.index}", f"IB{leg.index}b"))
    group.apply(update(1, OrderState.FILLED, 2, price=1.1, event_id=3))
    group.apply(update(2, OrderState.PARTIALLY_FILLED, 1, price=0.35, event_id=4))
    group.apply(update(3, OrderState.INVALID, message="margin \"quoted\" / ünïcode", event_id=2))
    group.apply(CancelRequested(2, at(5)))
    group.apply(StatusChanged(GroupStatus.ROLLING_BACK, "leg 2 INVALID", at(6), None))
    group.apply(TargetChosen(0, at(7)))
    send(group, 0, quantity=-2, role=Role.ROLLBACK, attempt=1, order_id=9, time=at(8).astimezone(NEW_YORK))
    group.apply(update(9, OrderState.PARTIALLY_FILLED, -1, price=0.9))
    group.apply(Note("operator: watch this one", at(9)))
    group.apply(HoldChanged(True, "unexpected fill", at(10)))
    return group


def roundtrip(group: Group) -> Group:
    return group_from_json(json.dumps(group_to_dict(group)))


# --- Round trip --------------------------------------------------------------------------------------


def test_round_trip_keeps_every_field() -> None:
    group = busy_group()
    back = roundtrip(group)
    assert back == group  # dataclass equality: every field of the group, its legs, orders and log
    assert back.legs[0].orders[0].broker_ids == ["IB0", "IB0b"]
    assert back.legs[0].orders[-1].submitted_at.utcoffset() == timedelta(hours=-4)
    assert back.legs[2].orders[0].message == 'margin "quoted" / ünïcode'
    assert (back.held, back.limit_price, back.mode, back.target_structures) == (True, 1.35, "combo", 0)
    assert [leg.holdings_before for leg in back.legs] == [3, None, 3, 3]


def test_round_trip_of_a_fresh_group() -> None:
    group = group_of([(equity("SPY"), 100), (LC, -1)], group_id="g-fresh")
    assert roundtrip(group) == group


def test_record_carries_schema_version_and_the_seed_fields() -> None:
    data = group_to_dict(busy_group("g1"), seq=7)
    assert data["schema"] == SCHEMA_VERSION == 3
    assert data["seq"] == 7 and list(data)[-1] == "checksum"
    assert (data["group_id"], data["strategy"], data["status"]) == ("g1", "test", "ROLLING_BACK")
    assert data["timestamp"] == at(-1).isoformat()
    assert [(leg["symbol"], leg["quantity"], leg["status"], leg["filled_quantity"]) for leg in data["legs"]] == [
        (LC.key, 2, "FILLED", 1), (LP.key, 2, "PARTIALLY_FILLED", 1), (SC.key, -2, "INVALID", 0),
        (SP.key, -2, "SUBMITTING", 0),
    ]
    assert group_to_dict(condor())["legs"][0]["status"] == "NEW"  # no order yet


_states = st.sampled_from(list(OrderState) + [None])


@settings(max_examples=60, deadline=None, database=None)
@given(steps=st.lists(st.tuples(st.integers(1, 5), _states, st.integers(-3, 3), st.integers(0, 20)), max_size=25),
       held=st.booleans(), limit=st.none() | st.floats(-5, 5, allow_nan=False))
def test_round_trip_after_random_events(steps: list[tuple[int, OrderState | None, int, int]], held: bool,
                                        limit: float | None) -> None:
    group = condor(3, limit_price=limit)
    for leg in group.legs:
        send(group, leg.index, order_id=leg.index + 1, time=at(leg.index))
    for order_id, state, quantity, event_id in steps:
        group.apply(update(order_id, state, quantity, event_id=event_id, price=1 / 3, time=at(event_id)))
    group.apply(HoldChanged(held, "test", at(30)))
    assert roundtrip(group) == group


# --- Schema 1 ---------------------------------------------------------------------------------------


def v1_record(**changes: Any) -> dict[str, Any]:
    record = {
        "group_id": "seed-17",
        "strategy": "Friday_0DTE",
        "timestamp": "2024-06-07T10:30:00-04:00",
        "status": "pending",
        "legs": [
            {"symbol": "SPY 240607C00110000", "quantity": 1, "status": "FILLED"},
            {"symbol": "SPY 240607C00105000", "quantity": -1, "status": "SUBMITTED"},
        ],
    }
    record.update(changes)
    return record


def test_schema_1_record_reads_without_fills_ids_or_snapshot() -> None:
    group = group_from_json(json.dumps(v1_record()))
    assert (group.group_id, group.strategy, group.status) == ("seed-17", "Friday_0DTE", GroupStatus.PENDING)
    assert group.created_at == datetime(2024, 6, 7, 14, 30, tzinfo=timezone.utc)
    assert [(leg.index, leg.contract.key, leg.contract.underlying, leg.quantity) for leg in group.legs] == [
        (0, "SPY 240607C00110000", "SPY", 1), (1, "SPY 240607C00105000", "SPY", -1)]
    assert all(leg.holdings_before is None and leg.orders == [] for leg in group.legs)


@pytest.mark.parametrize("status, expected", [
    ("FILLED", GroupStatus.FILLED), ("rolled_back", GroupStatus.ROLLED_BACK), ("something else", GroupStatus.PENDING),
])
def test_schema_1_status_is_read_case_insensitively(status: str, expected: GroupStatus) -> None:
    assert group_from_json(json.dumps(v1_record(status=status))).status is expected


def test_explicit_schema_1_reads_too() -> None:
    assert group_from_json(json.dumps(v1_record(schema=1))).group_id == "seed-17"


# --- Unreadable records -----------------------------------------------------------------------------


def v2_record(group: Group | None = None) -> dict[str, Any]:
    """A record as schema 2 wrote it (before the slots): schema 3's fields less `seq` and `checksum`.
    Schema 3 shares its body, so the field checks below hold for both."""
    data = group_to_dict(group or busy_group("g1"))
    del data["seq"], data["checksum"]
    return {**data, "schema": 2}


def _broken(path: list[Any], value: Any = ...) -> str:
    """The v2 record with the field at `path` replaced by `value` (removed when value is ...)."""
    data = v2_record()
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize("text", ["", "{", "not json", "{'single': 'quotes'}"])
def test_not_json(text: str) -> None:
    with pytest.raises(RecordError, match="not JSON"):
        group_from_json(text)


@pytest.mark.parametrize("text", ["[]", "3", '"a string"', "null"])
def test_not_an_object(text: str) -> None:
    with pytest.raises(RecordError, match="not a JSON object"):
        group_from_json(text)


@pytest.mark.parametrize("version", [0, 4, "3", None])
def test_unknown_schema_version(version: object) -> None:
    data = v2_record()
    data["schema"] = version
    with pytest.raises(RecordError, match="unknown schema version"):
        group_from_json(json.dumps(data))


@pytest.mark.parametrize("path", [
    ["group_id"], ["timestamp"], ["status"], ["mode"], ["legs"], ["log"],
    ["legs", 0, "quantity"], ["legs", 0, "contract"], ["legs", 0, "orders"], ["legs", 0, "contract", "key"],
    ["legs", 0, "orders", 0, "role"], ["legs", 0, "orders", 0, "state"], ["legs", 0, "orders", 0, "tag"],
    ["legs", 0, "orders", 0, "quantity"], ["legs", 0, "orders", 0, "filled"], ["legs", 0, "orders", 0, "submitted_at"],
    ["legs", 0, "orders", 0, "broker_ids"],
], ids=lambda p: ".".join(map(str, p)))
def test_missing_field(path: list[Any]) -> None:
    with pytest.raises(RecordError, match="schema 2"):
        group_from_json(_broken(path))


COUNT_FIELDS = [
    ["legs", 1, "quantity"], ["legs", 1, "orders", 0, "quantity"], ["legs", 1, "orders", 0, "filled"],
    ["legs", 1, "orders", 0, "attempt"], ["legs", 1, "holdings_before"], ["target_structures"],
    ["legs", 1, "contract", "multiplier"],
]
NULLABLE = ("holdings_before", "target_structures")


@pytest.mark.parametrize("path, bad", [
    (path, bad) for path in COUNT_FIELDS for bad in (1.5, "2", True, None, [2])
    if not (bad is None and path[-1] in NULLABLE)
], ids=lambda v: ".".join(map(str, v)) if isinstance(v, list) and v and v[0] != 2 else repr(v))
def test_non_integer_counts(path: list[Any], bad: object) -> None:
    with pytest.raises(RecordError):
        group_from_json(_broken(path, bad))


@pytest.mark.parametrize("bad", [1.5, "2", True])
def test_schema_1_non_integer_quantity(bad: object) -> None:
    record = v1_record()
    record["legs"][1]["quantity"] = bad
    with pytest.raises(RecordError, match="schema 1: quantity must be an integer"):
        group_from_json(json.dumps(record))


@pytest.mark.parametrize("record", [
    v1_record(legs="none"), v1_record(legs=["SPY"]), v1_record(group_id=""), v1_record(timestamp=None),
    {"legs": []},
], ids=["legs-not-list", "leg-not-object", "empty-id", "no-timestamp", "nothing"])
def test_schema_1_malformed(record: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="schema 1"):
        group_from_json(json.dumps(record))


@pytest.mark.parametrize("path", [
    ["timestamp"], ["submitted_at"], ["rollback_started_at"], ["legs", 0, "orders", 0, "submitted_at"],
], ids=lambda p: ".".join(map(str, p)))
def test_naive_timestamps_are_refused(path: list[Any]) -> None:
    with pytest.raises(RecordError, match="time zone"):
        group_from_json(_broken(path, "2024-06-07T10:30:00"))


def test_schema_1_naive_timestamp_is_read_as_utc() -> None:
    """The seed wrote LEAN's clock, which is naive in Python: refusing it would quarantine every seed record."""
    group = group_from_json(json.dumps(v1_record(timestamp="2024-06-07T10:30:00")))
    assert group.created_at == datetime(2024, 6, 7, 10, 30, tzinfo=timezone.utc)


def test_naive_log_timestamp_is_refused() -> None:
    data = v2_record()
    data["log"][0][0] = "2024-06-07T10:30:00"
    with pytest.raises(RecordError):
        group_from_json(json.dumps(data))


@pytest.mark.parametrize("path, value", [
    (["status"], "DONE"), (["legs", 0, "orders", 0, "state"], "NEW"), (["legs", 0, "orders", 0, "role"], "hedge"),
    (["legs", 0, "contract", "right"], "straddle"), (["legs", 0, "contract", "expiry"], "next friday"),
    (["timestamp"], "yesterday"), (["limit_price"], "cheap"), (["log", 0], ["only", "two"]), (["log", 0], 7),
    (["legs", 0], "leg"), (["legs", 0, "orders", 0], "order"),
], ids=lambda v: str(v))
def test_wrong_values(path: list[Any], value: object) -> None:
    with pytest.raises(RecordError):
        group_from_json(_broken(path, value))


# --- Schema 3: version number and checksum ------------------------------------------------------------


def test_a_schema_2_record_reads_as_version_0() -> None:
    """Live stores hold schema-2 records: they read in place, older than any version written since."""
    group = busy_group("g1")
    assert record_from_json(json.dumps(v2_record(group))) == StoredRecord(0, group)


def test_a_record_that_names_the_reason_rollback_reason_reads_it_as_the_status_reason() -> None:
    """Records written before the rename keep the reason (a rejection's too) under `rollback_reason`."""
    group = busy_group("g1")
    data = v2_record(group)
    data["rollback_reason"] = data.pop("status_reason")
    assert group_from_json(json.dumps(data)).status_reason == group.status_reason == "leg 2 INVALID"


def test_a_record_written_before_cancel_pending_was_a_state_reads_migrated() -> None:
    """A schema-3 record as the library wrote it before: `cancel_requested` beside the state, and the
    reason under `rollback_reason`. An open order with a cancel requested is CANCEL_PENDING (the
    state it returns to, the one recorded); a closed one stays closed."""
    text = (Path(__file__).parent / "records" / "schema3_before_cancel_pending.json").read_text()
    stored = record_from_json(text)
    first, second = (leg.orders[0] for leg in stored.group.legs)
    assert (first.state, first.before_cancel, first.reported_state) == (
        OrderState.CANCEL_PENDING, OrderState.SUBMITTED, OrderState.SUBMITTED)
    assert (second.state, second.before_cancel, second.filled) == (OrderState.CANCELED, None, -1)
    assert (stored.seq, stored.group.status_reason) == (4, "timeout: not filled")
    assert record_from_json(record_text(stored.group, 5)).group == stored.group  # written back in today's form


def test_the_stored_text_is_the_record_serialised_once() -> None:
    group = busy_group("g1")
    text = record_text(group, 5)
    assert text == json.dumps(group_to_dict(group, 5), separators=(",", ":"))
    assert record_from_json(text) == StoredRecord(5, group)


def test_a_reformatted_record_still_reads() -> None:
    """The checksum covers the content, not its layout (an operator may pretty-print a record)."""
    group = busy_group("g1")
    text = json.dumps(group_to_dict(group, seq=4), indent=2)
    assert record_from_json(text) == StoredRecord(4, group)


@pytest.mark.parametrize("path, value", [
    (["legs", 0, "orders", 0, "filled"], 1), (["status"], "ROLLED_BACK"), (["seq"], 9), (["checksum"], "00000000"),
], ids=lambda v: str(v))
def test_any_change_to_a_schema_3_record_is_refused(path: list[Any], value: object) -> None:
    data = group_to_dict(busy_group("g1"), seq=3)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(RecordError, match="checksum does not match"):
        record_from_json(json.dumps(data))


def test_a_record_torn_at_any_length_is_refused() -> None:
    """File.WriteAllBytes interrupted: every proper prefix of a record (none is valid JSON of the
    same record, and the checksum catches what might be)."""
    text = json.dumps(group_to_dict(busy_group("g1"), seq=2), separators=(",", ":"))
    for length in range(len(text)):
        with pytest.raises(RecordError):
            record_from_json(text[:length])
    assert record_from_json(text).seq == 2


# --- GroupStore -------------------------------------------------------------------------------------

NS = "atomic-executor/live"
GID = "0b7e4a4e-5d1c-4c35-9a4e-3f3cfd6f9a11"


def store_of(memory: MemoryStore | None = None, pack_size: int = 3, pack_levels: int = 5) -> tuple[GroupStore, MemoryStore]:
    memory = memory if memory is not None else MemoryStore()
    return GroupStore(memory, NS, pack_size, pack_levels), memory


def test_keys_are_namespaced_and_lean_legal() -> None:
    store, memory = store_of()
    group = busy_group(GID)
    store.save_open(group, durable=True)
    store.save_open(group)
    assert sorted(memory.keys()) == [f"{NS}/open/{GID}", f"{NS}/open/{GID}.alt"]
    store.archive(group, at(60))
    memory.data[store.open_key("bad")] = "garbage"
    memory.data[store.open_key("bad", 1)] = "garbage too"
    [record] = store.open_records()
    store.quarantine(record)
    keys = memory.keys()
    assert sorted(keys) == [f"{NS}/archive/20240607T143100-{GID}", f"{NS}/quarantine/bad", f"{NS}/quarantine/bad.alt"]
    for key in [*keys, store.open_key(GID), store.open_key(GID, 1)]:
        assert key.startswith(NS + "/")
        assert ":" not in key
        assert LEAN_KEY.match(key), key


def test_save_open_writes_a_readable_record_and_persists_on_request() -> None:
    store, memory = store_of()
    group = busy_group(GID)
    store.save_open(group)
    assert memory.persisted == []
    store.save_open(group, durable=True)
    assert memory.persisted == [f"{NS}/open/{GID}"]
    [record] = store.open_records()
    assert record.stored == StoredRecord(2, group) and record.unreadable == ()


def test_versions_alternate_and_never_overwrite_the_last_durable_one() -> None:
    """Each version goes to the slot not holding the last version forced to disk; versions that may
    wait for LEAN's timer share the other slot until the next forced write."""
    store, memory = store_of()
    group = condor(group_id=GID)
    written = []
    for durable in (True, False, False, True, False, True, True):
        store.save_open(group, durable=durable)
        written.append(max(memory.data, key=lambda k: json.loads(memory.data[k])["seq"]).removeprefix(f"{NS}/open/"))
    assert written == [GID, f"{GID}.alt", f"{GID}.alt", f"{GID}.alt", GID, GID, f"{GID}.alt"]


def test_open_records_ignore_other_namespaces_and_folders() -> None:
    memory = MemoryStore(data={
        f"{NS}/open/a": "{}", f"{NS}/open/b.alt": "{}", f"{NS}/archive/20240101T000000-c": "{}",
        "atomic-executor/backtest/open/d": "{}", f"{NS}x/open/e": "{}", "other/open/f": "{}",
    })
    store, _ = store_of(memory)
    assert [(r.group_id, r.keys) for r in store.open_records()] == [("a", (f"{NS}/open/a",)), ("b", (f"{NS}/open/b.alt",))]


def test_the_newest_readable_slot_wins_and_the_next_write_goes_to_the_other() -> None:
    store, memory = store_of()
    group = condor(group_id=GID)
    store.save_open(group, durable=True)  # version 1 in the plain slot
    group.apply(Note("version 2", at(1)))
    store.save_open(group, durable=True)  # version 2 in .alt
    memory.data[store.open_key(GID, 1)] = memory.data[store.open_key(GID, 1)][:100]  # torn

    again, _ = store_of(memory)
    [record] = again.open_records()
    assert record.stored is not None and record.stored.seq == 1 and record.stored.group.log == []
    assert [(key, why[:8]) for key, why in record.unreadable] == [(store.open_key(GID, 1), "not JSON")]
    again.save_open(record.stored.group)
    assert record_from_json(memory.data[store.open_key(GID, 1)]).seq == 2  # over the torn one
    assert record_from_json(memory.data[store.open_key(GID)]).seq == 1


@pytest.mark.parametrize("durables", [(True, True, False), (True, False)], ids=["newest-in-plain", "newest-in-alt"])
def test_archive_deletes_the_older_slot_first(durables: tuple[bool, ...]) -> None:
    """Deletes reach the disk one at a time: a crash between them leaves the newest version, never
    an older one recovery would take up again."""
    store, memory = store_of()
    group = condor(group_id=GID)
    for durable in durables:
        store.save_open(group, durable=durable)
    newest = max((k for k in memory.data if "/open/" in k), key=lambda k: json.loads(memory.data[k])["seq"])
    store.archive(group, at(60))
    assert len(memory.deleted) == 2 and memory.deleted[-1] == newest


class _Torn(Exception):
    pass


class LocalObjectStoreFiles:
    """The KeyValueStore over the LEAN double's LocalObjectStore storage: saves to memory, persists
    file by file; `tear_at` makes the nth file written die half-way (a crash in File.WriteAllBytes)."""

    def __init__(self, tear_at: int) -> None:
        self.files = StoreBackend(persistence_seconds=5.0, max_files=10_000, max_bytes=10**9)
        self.files.writing_file = self._writing
        self._written = 0
        self._tear_at = tear_at

    def _writing(self, key: str, contents: bytes) -> None:
        self._written += 1
        if self._written == self._tear_at:
            self.files.tear(key, contents)
            self.files.crash()
            raise _Torn(key)

    def save(self, key: str, text: str) -> bool:
        self.files.write(key, text.encode())
        return True

    def read(self, key: str) -> str:
        return self.files.memory[key].decode(errors="replace")

    def delete(self, key: str) -> bool:
        return self.files.delete(key)

    def keys(self) -> list[str]:
        return list(self.files.memory)

    def persist(self, key: str) -> None:
        self.files.flush()


@settings(max_examples=150, deadline=None, database=None)
@given(steps=st.lists(st.sampled_from(["durable", "lazy", "timer"]), min_size=1, max_size=14),
       tear_at=st.integers(1, 12))
def test_a_torn_write_anywhere_leaves_at_least_the_last_durable_version(steps: list[str], tear_at: int) -> None:
    """Whatever mix of forced saves, saves left to LEAN's timer and timer persists, a crash inside
    any file write leaves a readable version no older than the last one forced to disk."""
    files = LocalObjectStoreFiles(tear_at)
    store = GroupStore(files, NS, 10, 5)
    group = condor(group_id=GID)
    saves = durable_seq = 0
    try:
        for step in steps:
            group.apply(Note(f"step {step}", at(saves)))
            if step == "timer":
                files.files.flush()
                continue
            store.save_open(group, durable=step == "durable")
            saves += 1  # the version number of this save
            if step == "durable":
                durable_seq = saves
    except _Torn:
        pass
    else:
        files.files.crash()
    records = GroupStore(files, NS, 10, 5).open_records()
    if durable_seq:
        [record] = records
        assert record.stored is not None and record.stored.seq >= durable_seq, record


def test_recovery_in_the_same_process_keeps_what_its_own_saves_know() -> None:
    """Recovery run again in the same run reads the newest version from memory, which may not be on
    disk yet: the slot holding the last forced version must still not be written next."""
    store, memory = store_of()
    group = condor(group_id=GID)
    store.save_open(group, durable=True)
    store.save_open(group)  # left to LEAN's timer
    [record] = store.open_records()
    assert record.stored is not None and record.stored.seq == 2
    store.save_open(group)
    assert record_from_json(memory.data[store.open_key(GID)]).seq == 1


def test_a_schema_2_record_in_place_is_migrated_by_the_versions_written_after_it() -> None:
    """A live store written before the slots holds `<ns>/open/<id>` in schema 2: it is read as version
    0, the next version goes beside it, and it is only overwritten once a newer one is on disk."""
    legacy = json.dumps(v2_record() | {"group_id": GID})
    store, memory = store_of(MemoryStore(data={f"{NS}/open/{GID}": legacy}))
    [record] = store.open_records()
    assert record.stored is not None and record.stored.seq == 0
    store.save_open(record.stored.group, durable=True)
    assert memory.data[store.open_key(GID)] == legacy
    assert record_from_json(memory.data[store.open_key(GID, 1)]).seq == 1
    store.save_open(record.stored.group)
    assert record_from_json(memory.data[store.open_key(GID)]).seq == 2


def test_a_record_under_another_groups_key_is_unreadable() -> None:
    store, memory = store_of()
    memory.data[store.open_key("other")] = json.dumps(group_to_dict(condor(group_id=GID), seq=1))
    [record] = store.open_records()
    assert record.stored is None and "not the key's" in record.unreadable[0][1]


def test_archive_moves_the_group_out_of_the_open_keys() -> None:
    store, memory = store_of()
    group = busy_group(GID)
    store.save_open(group, durable=True)
    store.save_open(group)
    store.archive(group, at(60))
    assert store.open_keys() == [] and memory.deleted == [store.open_key(GID), store.open_key(GID, 1)]
    assert store.read_archived(GID) == group
    assert store.read_archived("never-seen") is None


def test_archive_packs_finished_groups_into_few_keys_and_deletes_none() -> None:
    """Every 3 single keys become a pack, every 3 packs a level-2 pack: 20 groups end in 4 keys (2 level-2 packs of
    9, 2 singles), every one readable."""
    store, memory = store_of(pack_size=3)
    ids = [f"g-{i:02d}" for i in range(20)]
    for i, gid in enumerate(ids):
        store.archive(condor(group_id=gid), at(i))
    assert sorted(memory.keys()) == [f"{NS}/archive/20240607T143018-g-18", f"{NS}/archive/20240607T143019-g-19",
                                     f"{NS}/archive/pack/2-00000004-20240607T143008",
                                     f"{NS}/archive/pack/2-00000008-20240607T143017"]
    assert all(LEAN_KEY.match(key) for key in memory.keys())
    for gid in ids:
        assert store.read_archived(gid) == condor(group_id=gid)
    assert [g.group_id for g in store.archived_since(at(0))[0]] == ids
    assert [g.group_id for g in store.archived_since(at(16))[0]] == ids[16:]
    again, _ = store_of(memory)
    assert again.read_archived("g-00") == condor(group_id="g-00")
    assert [g.group_id for g in again.archived_since(at(7))[0]] == ids[7:]


def test_packs_merge_no_higher_than_the_top_level_so_no_write_rewrites_the_whole_history() -> None:
    """Pack size 2, two levels: a top-level pack holds 4 groups and merges no further. 20 groups end in
    5 top-level packs; the largest write packs 4 groups, however long the history grows."""
    store, memory = store_of(pack_size=2, pack_levels=2)
    ids = [f"g-{i:02d}" for i in range(20)]
    largest = 0
    for i, gid in enumerate(ids):
        store.archive(condor(group_id=gid), at(i))
        largest = max([largest] + [len(memory.data[k].split("\n")) for k in memory.keys() if "/pack/" in k])
    packs = sorted(k for k in memory.keys() if "/pack/" in k)
    assert len(packs) == 5 and all(k.startswith(f"{NS}/archive/pack/2-") for k in packs)
    assert largest == 4
    for gid in ids:
        assert store.read_archived(gid) == condor(group_id=gid)
    assert [g.group_id for g in store.archived_since(at(18))[0]] == ids[18:]


def test_a_merge_keeps_the_pack_index_without_reading_every_pack_again() -> None:
    store, memory = store_of(pack_size=2, pack_levels=3)
    store.archive(condor(group_id="g-00"), at(0))
    store.archive(condor(group_id="g-01"), at(1))
    assert store.read_archived("g-00") is not None  # the index is built now
    reads = memory.reads
    for i in range(2, 8):  # two merges
        store.archive(condor(group_id=f"g-{i:02d}"), at(i))
    merges_read = memory.reads - reads
    assert store.read_archived("g-00") == condor(group_id="g-00")
    assert memory.reads - reads == merges_read + 1  # one pack read for the record, no re-index


def test_a_refused_pack_loses_nothing_and_packing_is_tried_again() -> None:
    """The group is archived under its own key before packing: a refused pack raises
    ArchivePackError (the executor alerts it as such), every group still reads, and the next archive
    packs what is waiting."""

    class RefusesPacks(MemoryStore):
        refuse_packs = True

        def save(self, key: str, text: str) -> bool:
            return not (self.refuse_packs and "/pack/" in key) and super().save(key, text)

    memory = RefusesPacks()
    store, _ = store_of(memory, pack_size=2)
    store.archive(condor(group_id="a"), at(0))
    with pytest.raises(ArchivePackError):
        store.archive(condor(group_id="b"), at(1))
    assert [store.read_archived(g) for g in "ab"] == [condor(group_id=g) for g in "ab"]
    memory.refuse_packs = False
    store.archive(condor(group_id="c"), at(2))
    assert [k for k in memory.keys() if "/archive/" in k] == [f"{NS}/archive/pack/1-00000001-20240607T143002"]
    assert [g.group_id for g in store_of(memory)[0].archived_since(at(0))[0]] == ["a", "b", "c"]


def test_a_pack_reaches_the_disk_before_the_keys_it_replaces_are_deleted() -> None:
    store, memory = store_of(pack_size=2)
    store.archive(condor(group_id="a"), at(0))
    store.archive(condor(group_id="b"), at(1))
    pack = f"{NS}/archive/pack/1-00000001-20240607T143001"
    assert memory.persisted[-1] == pack and memory.deleted[-2:] == [f"{NS}/archive/20240607T143000-a",
                                                                     f"{NS}/archive/20240607T143001-b"]


def test_a_torn_pack_loses_nothing_and_a_group_archived_twice_reads_as_its_newest() -> None:
    store, memory = store_of(pack_size=2)
    store.archive(condor(group_id="a"), at(0))
    reopened = condor(group_id="a")
    reopened.apply(Note("late fill", at(5)))
    store.archive(condor(group_id="b"), at(1))  # packs a and b
    store.archive(reopened, at(6))
    [pack] = [k for k in memory.keys() if "/pack/" in k]
    memory.data[pack] = memory.data[pack][: len(memory.data[pack]) * 3 // 4]  # b's line torn
    again, _ = store_of(memory)
    assert again.read_archived("a") == reopened
    assert again.read_archived("b") is None
    assert [g.log for g in again.archived_since(at(0))[0]] == [reopened.log]


def test_archiving_a_reopened_group_again_keeps_one_archive_key() -> None:
    store, memory = store_of(pack_size=10)
    group = condor(group_id=GID)
    store.archive(group, at(0))
    store.save_open(group)  # reopened by a late fill, settled again later
    store.archive(group, at(30))
    archived = [k for k in memory.keys() if k.startswith(f"{NS}/archive/")]
    assert archived == [f"{NS}/archive/20240607T143030-{GID}"]
    assert store.open_keys() == []


def test_archive_refused_keeps_the_open_record() -> None:
    store, memory = store_of()
    group = condor(group_id=GID)
    store.save_open(group)
    memory.refuse_saves = True
    with pytest.raises(PersistenceError, match="refused"):
        store.archive(group, at(1))
    assert store.open_keys() == [store.open_key(GID)]
    assert store.read_archived(GID) is None


def test_save_refused_raises() -> None:
    store, memory = store_of()
    memory.refuse_saves = True
    with pytest.raises(PersistenceError, match=f"{NS}/open/{GID}"):
        store.save_open(condor(group_id=GID), durable=True)
    assert memory.persisted == [] and memory.data == {}


def test_quarantine_moves_every_slot_aside_with_its_text() -> None:
    store, memory = store_of()
    memory.data[store.open_key(GID)] = '{"schema": 3, "truncated'
    memory.data[store.open_key(GID, 1)] = ""
    [record] = store.open_records()
    assert record.stored is None and [key for key, _ in record.unreadable] == [store.open_key(GID), store.open_key(GID, 1)]
    where = store.quarantine(record)
    assert where == [f"{NS}/quarantine/{GID}", f"{NS}/quarantine/{GID}.alt"]
    assert memory.data[where[0]] == '{"schema": 3, "truncated' and memory.data[where[1]] == ""
    assert memory.persisted == where and store.open_keys() == []


def test_quarantine_refused_keeps_the_original() -> None:
    store, memory = store_of()
    key = store.open_key(GID)
    memory.data[key] = "garbage"
    memory.refuse_saves = True
    with pytest.raises(PersistenceError):
        store.quarantine(store.open_records()[0])
    assert memory.data[key] == "garbage"


def test_a_new_store_finds_the_archive_left_by_the_previous_run() -> None:
    first, memory = store_of(pack_size=2)
    for i, gid in enumerate(["a-1", "b-2", "c-3"]):
        first.archive(condor(group_id=gid), at(i))
    second, _ = store_of(memory, pack_size=2)
    assert second.read_archived("a-1") == condor(group_id="a-1")  # packed
    assert second.read_archived("b-2") == condor(group_id="b-2")  # group ids keep their dashes
    second.archive(condor(group_id="d-4"), at(10))
    assert [second.read_archived(gid) is not None for gid in ("a-1", "b-2", "c-3", "d-4")] == [True] * 4


# --- Closes and held markers ------------------------------------------------------------------------


def closed_group(group_id: str = GID) -> Group:
    """A filled put spread closed by exit orders: every status of a close recorded."""
    group = put_spread(2, group_id=group_id)
    filled_leg(group, 0, 1)
    filled_leg(group, 1, 2)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", at(1)))
    group.apply(StatusChanged(GroupStatus.CLOSING, "take profit", at(2), 0))
    send(group, 1, quantity=2, role=Role.EXIT, attempt=1, order_id=3, time=at(2))
    group.apply(update(3, OrderState.INVALID, message="no liquidity"))
    group.apply(StatusChanged(GroupStatus.CLOSE_FAILED, "1 close order failed", at(3)))
    group.apply(StatusChanged(GroupStatus.CLOSING, "operator retry", at(4), 0))
    send(group, 1, quantity=2, role=Role.EXIT, attempt=2, order_id=4, time=at(4))
    group.apply(update(4, OrderState.FILLED, 2))
    send(group, 0, quantity=-2, role=Role.EXIT, attempt=1, order_id=5, time=at(4))
    group.apply(update(5, OrderState.FILLED, -2))
    group.apply(StatusChanged(GroupStatus.CLOSED, "group flat: position closed", at(5)))
    return group


def test_a_close_round_trips_with_its_exit_orders_statuses_and_reason() -> None:
    group = closed_group()
    back = roundtrip(group)
    assert back == group
    assert back.status is GroupStatus.CLOSED and back.close_reason == "operator retry"
    assert [o.role for o in back.legs[1].orders] == [Role.ENTRY, Role.EXIT, Role.EXIT]
    assert {entry.status for entry in back.log} >= {GroupStatus.CLOSING, GroupStatus.CLOSE_FAILED, GroupStatus.CLOSED}


def test_a_record_written_before_closes_existed_reads_with_no_close_reason() -> None:
    data = v2_record(busy_group())
    del data["close_reason"]
    assert group_from_json(json.dumps(data)).close_reason == ""


def test_held_markers_index_the_groups_still_holding_with_their_latest_expiry() -> None:
    store, memory = store_of()
    group = put_spread(2, group_id=GID)
    filled_leg(group, 0, 1)
    filled_leg(group, 1, 2)
    marker = store.mark_held(group)

    key = f"{NS}/held/{GID}"
    assert key in memory.persisted and LEAN_KEY.match(key) and ":" not in key
    assert marker == HeldMarker(GID, "test", LP.expiry, ((LP.key, 2), (SP.key, -2)))
    memory.data[f"{NS}/held/broken"] = "{not json"
    assert store.held_markers() == ([marker], [(f"{NS}/held/broken", store.held_markers()[1][0][1])])
    assert "held marker" in store.held_markers()[1][0][1]
    store.release_held(GID)
    assert store.held_markers()[0] == []
    assert store.open_records() == []  # markers are not open records


def test_a_closed_group_archived_after_its_filled_version_reads_back_newest() -> None:
    """FILLED is archived (and packed with another group), then the group closes and is archived
    again: the CLOSED version is the one read, and recovery's scan keeps only it."""
    store, _ = store_of(pack_size=2)
    group = closed_group()
    filled = roundtrip(group)
    filled.status = GroupStatus.FILLED
    store.archive(filled, at(1))
    store.archive(busy_group("other"), at(2))  # packs both
    store.archive(group, at(5))
    assert store.read_archived(GID) == group
    settled, unreadable = store.archived_since(at(0))
    assert [g.status for g in settled if g.group_id == GID] == [GroupStatus.CLOSED] and unreadable == []
