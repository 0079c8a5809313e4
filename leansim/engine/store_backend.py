"""The ObjectStore's storage: a memory layer the algorithm writes to and a "disk" that survives.

Stands for the persistence of Engine/Storage/LocalObjectStore.cs.

Mirrors LEAN's LocalObjectStore: saves go to memory and a timer persists dirty entries every
`persistence_seconds` (5 s in LEAN); deletes remove the file at once (LocalObjectStore.Delete, master
of 2026-08-21); a crash drops whatever was not persisted yet. A persistence interval of 0 persists on
every save, as LEAN does. A persist writes the entries saved since the last one, file by file, each
with File.WriteAllBytes (LocalObjectStore.PersistData), which is not atomic: a process that dies in
the middle leaves that file truncated (`tear`), the files before it written and the ones after it not.
LEAN walks a ConcurrentDictionary, whose order owes nothing to the order of the saves; the double
writes in key order, so nothing may rely on a file saved earlier reaching the disk first.
With a `folder` the disk is real: the store starts from the files found there and persists to them,
as the lean CLI's `storage/` folder keeps the store from one run to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoreStats:
    """What the algorithm did to the store over the whole simulation."""

    saves: int
    failed_saves: int
    deletes: int
    bytes_written: int
    flushes: int


class StoreBackend:
    """Memory + disk of one ObjectStore; shared by every run of a simulation.

    `writing_file`, when set, is called before each file a persist writes, with its key and contents:
    the simulator's torn_write crash point, which may `tear` the file and end the process there."""

    def __init__(self, persistence_seconds: float, max_files: int, max_bytes: int, folder: Path | None = None) -> None:
        self.persistence_seconds = persistence_seconds
        self.folder = folder
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.disk: dict[str, bytes] = {}
        self.memory: dict[str, bytes] = {}
        self.writing_file: Callable[[str, bytes], None] | None = None
        self._dirty: set[str] = set()  # keys saved since the last persist
        self.saves = 0
        self.failed_saves = 0
        self.deletes = 0
        self.bytes_written = 0
        self.flushes = 0
        if folder is not None:
            self.load({path.relative_to(folder).as_posix(): path.read_bytes()
                       for path in sorted(folder.rglob("*")) if path.is_file()})

    def within_limits(self, key: str, contents: bytes) -> bool:
        """LEAN's IsWithinStorageLimit: file count and total size including this write. On every
        save LEAN walks every entry in memory, then lists every file on disk (GetObjectStoreEntries
        in Engine/Storage/LocalObjectStore.cs), so a save costs O(files): the double walks both too."""
        files, size = 1, len(contents)
        walked = set()
        for other, data in self.memory.items():
            walked.add(other)
            if other != key:
                files, size = files + 1, size + len(data)
        for other, data in self.disk.items():
            if other not in walked and other != key:
                files, size = files + 1, size + len(data)
        return files <= self.max_files and size <= self.max_bytes

    def write(self, key: str, contents: bytes) -> None:
        self.memory[key] = contents
        self.bytes_written += len(contents)
        self._dirty.add(key)
        if self.persistence_seconds <= 0:
            self.flush()

    def delete(self, key: str) -> bool:
        """Deletes reach the disk immediately (LEAN deletes the file in Delete)."""
        removed = self.memory.pop(key, None)
        self._dirty.discard(key)
        existed = self.disk.pop(key, None) is not None or removed is not None
        if self.folder is not None:
            (self.folder / key).unlink(missing_ok=True)
        if existed:
            self.deletes += 1
        return existed

    def flush(self) -> None:
        """Persist the entries saved since the last flush, one file at a time."""
        if not self._dirty:
            return
        self.flushes += 1
        for key in sorted(self._dirty):
            contents = self.memory[key]
            if self.writing_file is not None:
                self.writing_file(key, contents)
            self._put(key, contents)
            self._dirty.discard(key)

    def tear(self, key: str, contents: bytes) -> None:
        """File.WriteAllBytes died part-way: the file holds the first half of `contents`."""
        self._put(key, contents[: len(contents) // 2])

    @property
    def dirty(self) -> bool:
        """Whether saves wait for a persist."""
        return bool(self._dirty)

    def _put(self, key: str, contents: bytes) -> None:
        self.disk[key] = contents
        if self.folder is not None:
            path = self.folder / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(contents)

    def load(self, contents: dict[str, bytes]) -> None:
        """Start from `contents` on disk and in memory (a store left by an earlier deployment)."""
        self.disk, self.memory = dict(contents), dict(contents)
        self._dirty.clear()

    def crash(self) -> None:
        """The process died: memory is gone; the next run loads what reached the disk."""
        self.memory = dict(self.disk)
        self._dirty.clear()

    def stats(self) -> StoreStats:
        return StoreStats(self.saves, self.failed_saves, self.deletes, self.bytes_written, self.flushes)
