"""Order tags that name their group, leg and role, so any event can be traced back to its group.

LEAN's OrderEvent has no tag; the executor reads it from the ticket or the order. Tags do not
survive a live restart (Lean issue #5777), so records also keep order and broker ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

PREFIX = "atomic"
COMBO_LEG = "combo"


class Role(str, Enum):
    """Why an order exists: to open the structure, to reverse what it filled, or to close it. EXPIRY
    records LEAN's own exercise orders at expiry: never ours, never tagged, never sent."""

    ENTRY = "entry"
    ROLLBACK = "rollback"
    EXIT = "exit"
    EXPIRY = "expiry"


@dataclass(frozen=True)
class OrderTag:
    """The parsed form of `atomic/<group_id>/<role>/<leg or combo>[/<attempt>]`."""

    group_id: str
    role: Role
    leg: int | None  # None for a combo order, whose legs share one tag
    attempt: int = 0

    def __str__(self) -> str:
        leg = COMBO_LEG if self.leg is None else str(self.leg)
        return f"{PREFIX}/{self.group_id}/{self.role.value}/{leg}/{self.attempt}"


def parse_tag(tag: str | None) -> OrderTag | None:
    """The OrderTag in `tag`, or None when the order is not one of ours."""
    if not tag:
        return None
    parts = tag.split("/")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[1]:
        return None
    _, group_id, role, leg, attempt = parts
    try:
        parsed_role = Role(role)
        leg_index = None if leg == COMBO_LEG else int(leg)
        return OrderTag(group_id, parsed_role, leg_index, int(attempt))
    except ValueError:
        return None
