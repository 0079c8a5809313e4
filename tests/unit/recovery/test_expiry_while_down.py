"""Held groups that expired while the algorithm was down, re-derived from the brokerage's holdings
(recovery/expiry.py, pure): the shares held pick the outcome, or nothing is guessed."""

from __future__ import annotations

from datetime import timedelta

from atomic.model import ExpiryKind, Group, GroupStatus, StatusChanged
from builders import SP, T0, condor, equity, filled_leg, put_spread
from recovery.expiry import expired_while_down

SPY = equity()
AFTER = T0 + timedelta(days=1)


def _held(group: Group) -> Group:
    for leg in group.legs:
        filled_leg(group, leg.index, order_id=100 + leg.index)
    group.apply(StatusChanged(GroupStatus.FILLED, "all legs filled", T0))
    return group


def _underlyings(group: Group, shares: int) -> dict[str, tuple[object, int]]:
    return {leg.contract.key: (SPY, shares) for leg in group.legs}


def _apply(group: Group, shares: int) -> list[str]:
    findings = expired_while_down([group], {}, _underlyings(group, shares), AFTER)  # type: ignore[arg-type]
    for settled, events, _ in findings.settled:
        for event in events:
            settled.apply(event)
    return findings.unresolved


def test_no_shares_held_means_every_leg_expired_worthless() -> None:
    group = _held(condor(2))
    assert _apply(group, 0) == []
    assert group.options_flat and not group.delivery_due and group.underlying_position == []
    assert {o.message for leg in group.legs for o in leg.orders if o.role.value == "expiry"} == {
        "inferred at recovery: expired while the algorithm was down"}


def test_the_shares_of_an_assigned_short_put_pick_that_outcome() -> None:
    group = _held(put_spread(2))  # long 90, short 95: assigned between the strikes delivers +200
    assert _apply(group, 200) == []
    assert group.underlying_position == [("SPY", 200)] and not group.delivery_due
    assert group.legs[2].orders[0].average_price == 95.0  # delivered at the strike


def test_shares_no_outcome_explains_are_unresolved() -> None:
    group = _held(put_spread(1))
    (text,) = _apply(group, 37)
    assert "+37 SPY" in text and group.legs[0].net_filled == 1  # nothing applied


def test_still_held_or_not_yet_expired_contracts_are_left_alone() -> None:
    group = _held(put_spread(1))
    held = {SP.key: -1}
    assert expired_while_down([group], held, _underlyings(group, 0), AFTER).settled == []  # type: ignore[arg-type]
    assert expired_while_down([group], {}, _underlyings(group, 0), T0).settled == []  # type: ignore[arg-type]


def test_several_groups_on_one_underlying_settle_only_when_nothing_was_delivered() -> None:
    first, second = _held(put_spread(1, group_id="a")), _held(put_spread(1, group_id="b"))
    underlyings = {**_underlyings(first, 100), **_underlyings(second, 100)}
    findings = expired_while_down([first, second], {}, underlyings, AFTER)  # type: ignore[arg-type]
    assert findings.settled == [] and len(findings.unresolved) == 2  # which one was assigned? not guessed
    underlyings = {**_underlyings(first, 0), **_underlyings(second, 0)}
    findings = expired_while_down([first, second], {}, underlyings, AFTER)  # type: ignore[arg-type]
    assert [g.group_id for g, _, _ in findings.settled] == ["a", "b"]
    assert all(e.kind is ExpiryKind.OTM for _, events, _ in findings.settled for e in events)
