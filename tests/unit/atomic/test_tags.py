"""atomic.tags: order tags that name their group, leg, role and attempt."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atomic.tags import OrderTag, Role, parse_tag


def test_format() -> None:
    assert str(OrderTag("g-1", Role.ENTRY, 2, 0)) == "atomic/g-1/entry/2/0"
    assert str(OrderTag("g-1", Role.ROLLBACK, None, 3)) == "atomic/g-1/rollback/combo/3"


@settings(database=None)
@given(group_id=st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_"), min_size=1),
       role=st.sampled_from(Role), leg=st.none() | st.integers(0, 20), attempt=st.integers(0, 50))
def test_round_trip(group_id: str, role: Role, leg: int | None, attempt: int) -> None:
    tag = OrderTag(group_id, role, leg, attempt)
    assert parse_tag(str(tag)) == tag


@pytest.mark.parametrize("text", [
    None, "", "manual order", "atomic/g/entry/0", "atomic/g/entry/0/1/extra", "other/g/entry/0/1",
    "atomic//entry/0/1", "atomic/g/hedge/0/1", "atomic/g/entry/first/1", "atomic/g/entry/0/x",
    "Atomic/g/entry/0/1", "atomic/g/ENTRY/0/1",
])
def test_foreign_or_damaged_tags_are_not_ours(text: str | None) -> None:
    assert parse_tag(text) is None


def test_a_cancel_tag_written_by_lean_is_not_ours() -> None:
    """cancel_open_orders() overwrites the tag with its own text: the order no longer parses."""
    assert parse_tag("Canceled by CancelOpenOrders") is None
