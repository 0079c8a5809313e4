"""Errors the executor raises to its caller."""


class InvalidGroupError(ValueError):
    """Malformed legs: raised before any order is placed or anything is written."""


class PersistenceError(RuntimeError):
    """The ObjectStore refused a write the executor depends on (`save` returned False)."""


class ArchivePackError(PersistenceError):
    """The ObjectStore refused an archive pack. The group itself is archived under its own key and
    nothing is lost: the keys stay unpacked, and packing is tried again at the next archive."""
