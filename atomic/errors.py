"""Errors the executor raises to its caller."""


class InvalidGroupError(ValueError):
    """Malformed legs: raised before any order is placed or anything is written."""


class PersistenceError(RuntimeError):
    """The ObjectStore refused a write the executor depends on (`save` returned False)."""
