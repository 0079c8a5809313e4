"""The ObjectStore double: LEAN's key pattern, limits, write-behind persistence and statistics."""

from __future__ import annotations

from pathlib import Path

import pytest
from leansim_kit import OPEN, Recorder

from leansim import CrashAt, FaultPlan, SimulatedCrash, Simulator


@pytest.mark.parametrize("key", ["atomic-executor/groups/g1", "a/b/c.json", ".hidden", "with space/x", "a#b$c=d"])
def test_valid_keys(key: str) -> None:
    algo = Simulator(start=OPEN).start(Recorder)
    assert algo.object_store.save(key, "v") and algo.object_store.read(key) == "v"


@pytest.mark.parametrize("key", ["a:b", "a/b.c.d", "", "ü/x", "a/b*"])
def test_invalid_keys_raise_naming_the_key(key: str) -> None:
    algo = Simulator(start=OPEN).start(Recorder)
    with pytest.raises(ValueError, match="path is not supported"):
        algo.object_store.save(key, "v")


def test_read_delete_contains_and_json() -> None:
    sim = Simulator(start=OPEN)
    store = sim.start(Recorder).object_store
    assert store.save_json("ns/state", {"a": [1, 2]})
    assert store.contains_key("ns/state") and store.read_json("ns/state") == {"a": [1, 2]}
    assert store.delete("ns/state") and not store.delete("ns/state")
    with pytest.raises(KeyError):
        store.read("ns/state")
    stats = sim.store_stats
    assert (stats.saves, stats.deletes) == (1, 1) and stats.bytes_written == len('{"a": [1, 2]}')


def test_file_count_and_size_limits_make_save_return_false() -> None:
    sim = Simulator(start=OPEN, store_max_files=2, store_max_bytes=10)
    store = sim.start(Recorder).object_store
    assert store.save("k/1", "abc") and store.save("k/2", "abc")
    assert store.save("k/3", "abc") is False  # a third file
    assert store.save("k/2", "abcdefghijk") is False  # 3 + 11 bytes > 10
    assert store.save("k/2", "abcdef") is True  # replacing a file does not add one


def test_flushes_every_five_seconds_only_when_dirty() -> None:
    sim = Simulator(start=OPEN)
    store = sim.start(Recorder).object_store
    store.save("k/1", "1")
    sim.advance(4)
    assert sim.stored == {} and sim.store_stats.flushes == 0
    sim.advance(1)
    assert sim.stored == {"k/1": "1"} and sim.store_stats.flushes == 1
    sim.advance(20)
    assert sim.store_stats.flushes == 1


def test_zero_persistence_interval_writes_through() -> None:
    sim = Simulator(start=OPEN, store_persistence_seconds=0)
    sim.start(Recorder).object_store.save("k/1", "1")
    assert sim.stored == {"k/1": "1"}


def test_deletes_reach_the_disk_at_once() -> None:
    sim = Simulator(start=OPEN)
    store = sim.start(Recorder).object_store
    store.save("k/1", "1")
    store.get_file_path("k/1")
    store.delete("k/1")
    sim.crash()
    assert sim.restart(Recorder).object_store.keys == []


def test_a_crash_inside_a_persist_tears_the_file_being_written() -> None:
    """LocalObjectStore.PersistData writes the dirty entries one File.WriteAllBytes at a time: dying
    in the second leaves the first written, the second truncated, the third as it was on disk."""
    sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt("torn_write", 3),)))
    store = sim.start(Recorder).object_store
    store.save("k/c", "old")
    store.get_file_path("k/c")  # torn_write #1
    for key in ("k/a", "k/b", "k/c"):
        store.save(key, f"new {key} ü")
    with pytest.raises(SimulatedCrash, match="torn_write #3"):
        store.get_file_path("k/a")  # writes k/a (#2), dies inside k/b (#3)
    assert sim.stored == {"k/a": "new k/a ü", "k/b": "new k", "k/c": "old"}
    restarted = sim.restart(Recorder).object_store
    assert restarted.read("k/b") == "new k"
    assert sim.counters["torn_write"] == 3


def test_a_file_torn_inside_a_character_still_reads() -> None:
    """.NET's Encoding.UTF8.GetString replaces bytes that do not decode (ObjectStore.Read)."""
    sim = Simulator(start=OPEN, faults=FaultPlan((CrashAt("torn_write", 1),)))
    sim.start(Recorder).object_store.save("k/a", "a\u00fcb")  # 4 bytes: half ends inside the u-umlaut
    with pytest.raises(SimulatedCrash):
        sim.advance(5)  # LEAN's persistence timer
    assert sim.store.disk["k/a"] == b"a\xc3"
    assert sim.restart(Recorder).object_store.read("k/a") == "a\ufffd"


@pytest.mark.parametrize(("saved", "key"), [(".hidden/x", "hidden/x"), ("/a\\b", "a/b"), ("\\\\a/b", "a/b")])
def test_keys_are_normalized_as_lean_does(saved: str, key: str) -> None:
    """LocalObjectStore.NormalizePath (Engine/Storage/LocalObjectStore.cs)."""
    store = Simulator(start=OPEN).start(Recorder).object_store
    assert store.save(saved, "v")
    assert store.keys == [key] and store.read(key) == "v" and store.contains_key(saved)


def test_saving_none_returns_false_and_stores_nothing() -> None:
    sim = Simulator(start=OPEN)
    store = sim.start(Recorder).object_store
    assert store.save("k/1", None) is False
    assert not store.contains_key("k/1") and store.keys == []


def test_the_first_save_after_a_persist_arms_the_timer() -> None:
    """Not a fixed grid from the start: a save 3 s in persists 5 s later, at 8 s."""
    sim = Simulator(start=OPEN)
    store = sim.start(Recorder).object_store
    sim.advance(3)
    store.save("k/1", "1")
    sim.advance(4)
    store.save("k/2", "2")  # the timer is armed already: this save does not push it back
    assert sim.stored == {}
    sim.advance(1)
    assert sim.stored == {"k/1": "1", "k/2": "2"} and sim.store_stats.flushes == 1


def test_a_store_folder_keeps_the_store_for_the_next_run(tmp_path: Path) -> None:
    first = Simulator(start=OPEN, store_folder=tmp_path)
    store = first.start(Recorder).object_store
    assert store.save("ns/kept", "1") and store.save("ns/gone", "2")
    first.stop()
    assert (tmp_path / "ns" / "kept").read_text() == "1"
    second = Simulator(start=OPEN, store_folder=tmp_path).start(Recorder).object_store
    assert second.read("ns/kept") == "1"
    assert second.delete("ns/gone") and not (tmp_path / "ns" / "gone").exists()
