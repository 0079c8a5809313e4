"""`algorithm.object_store`: LEAN's key/value store, the algorithm's only persistence.

Enforces LEAN's key pattern, normalizes keys as LocalObjectStore.NormalizePath does (leading `.`,
then `/` and `\\` stripped; `\\` becomes `/`), the file-count and size limits (save returns False
past them) and the write-behind, file-by-file persistence of LocalObjectStore, torn by a crash
mid-file (see leansim.engine.store_backend). Engine/Storage/LocalObjectStore.cs is the reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

from leansim.engine.store_backend import StoreBackend

# LEAN's LocalObjectStore path pattern: no colons, at most one dot before an extension.
KEY_PATTERN = re.compile(r"^\.?[a-zA-Z0-9\\/_#\-\$= ]+\.?[a-zA-Z0-9]*$")


class StoreHooks(Protocol):
    """Where the simulator intervenes in a save (faults and crash points)."""

    def before_save(self) -> bool:
        """Called at every save before it writes; True makes the save fail (return False)."""
        ...

    def after_save(self) -> None:
        """Called after a save wrote to memory."""
        ...


class ObjectStore:
    """Save/read/delete text under validated keys; `keys` is a property, as in LEAN."""

    def __init__(self, store: StoreBackend, hooks: StoreHooks | None = None) -> None:
        self._backend = store
        self._hooks = hooks

    @property
    def keys(self) -> list[str]:
        return sorted(self._backend.memory)

    @property
    def max_files(self) -> int:
        return self._backend.max_files

    @property
    def max_size(self) -> int:
        return self._backend.max_bytes

    def contains_key(self, path: str) -> bool:
        return _key(path) in self._backend.memory

    def save(self, path: str, text: str | None = None, encoding: str | None = None) -> bool:
        """Store `text` under `path`; False when a limit is reached or `text` is None (LEAN saves
        nothing then). Raises ValueError on a bad key."""
        return self.save_bytes(path, None if text is None else text.encode(encoding or "utf-8"))

    def save_string(self, path: str, text: str, encoding: str | None = None) -> bool:
        return self.save(path, text, encoding)

    def save_bytes(self, path: str, contents: bytes | bytearray | list[int] | None) -> bool:
        _require_key(path)
        if not KEY_PATTERN.match(path) or path.count("/") > 100 or path.count("\\") > 100:
            raise ValueError(f"LocalObjectStore: path is not supported: '{path}'")
        path = _normalized(path)  # after the pattern check, as SaveBytes does
        if contents is None:
            return False
        data = bytes(contents)
        backend = self._backend
        backend.saves += 1
        if self._hooks is not None and self._hooks.before_save():
            backend.failed_saves += 1
            return False
        if not backend.within_limits(path, data):
            backend.failed_saves += 1
            return False
        backend.write(path, data)
        if self._hooks is not None:
            self._hooks.after_save()
        return True

    def save_json(self, path: str, obj: Any) -> bool:
        return self.save(path, json.dumps(obj))

    def read(self, path: str, encoding: str | None = None) -> str:
        """The text under `path`; KeyError (LEAN's KeyNotFoundException) when absent. Bytes that do
        not decode (a file torn inside a character) become U+FFFD, as .NET's Encoding.UTF8.GetString
        makes them (Common/Storage/ObjectStore.cs, Read): a torn file reads, it does not raise."""
        return self.read_bytes(path).decode(encoding or "utf-8", errors="replace")

    def read_string(self, path: str, encoding: str | None = None) -> str:
        return self.read(path, encoding)

    def read_bytes(self, path: str) -> bytes:
        path = _key(path)
        if path not in self._backend.memory:
            raise KeyError(
                f"Object with path '{path}' was not found in the current project. "
                "Please use ObjectStore.ContainsKey(key) to check if an object exists before attempting to read."
            )
        return self._backend.memory[path]

    def read_json(self, path: str) -> Any:
        return json.loads(self.read(path))

    def delete(self, path: str) -> bool:
        return self._backend.delete(_key(path))

    def get_file_path(self, path: str) -> str:
        """Persists first, like LEAN. The path is virtual: the double keeps no real files."""
        path = _key(path)
        self._backend.flush()
        return str(self._backend.folder / path) if self._backend.folder is not None else f"/Storage/{path}"

    def clear(self) -> None:
        for key in list(self._backend.memory):
            self._backend.delete(key)

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        return iter(sorted(self._backend.memory.items()))


def _require_key(path: str) -> None:
    if path is None:
        raise ValueError("path")


def _normalized(path: str) -> str:
    """LocalObjectStore.NormalizePath: leading dots, then leading slashes of either kind, go; `\\` is `/`."""
    return path.lstrip(".").lstrip("/\\").replace("\\", "/")


def _key(path: str) -> str:
    _require_key(path)
    return _normalized(path)
