"""main.py holding 0DTE condors to expiry on leansim, which expires them as LEAN does: a short put
that closes in the money is assigned at the midnight after its expiry, the shares arrive, the group
ends ASSIGNED, and the executor flattens them on the next session's first slice (as the group's exit)
unless `flatten-assigned` is false."""

from __future__ import annotations

from datetime import date, datetime, timezone

from main_kit import EVERY_WEEKDAY, run_main

from atomic import GroupStatus
from atomic.tags import Role, parse_tag
from leansim.enums import OrderType

DELISTED = datetime(2024, 1, 3, 5, 0, tzinfo=timezone.utc)  # midnight in New York after Tuesday 2024-01-02
NEXT_OPEN = datetime(2024, 1, 3, 14, 31, tzinfo=timezone.utc)  # the first time slice, 09:31


def exercise_fills(run):  # type: ignore[no-untyped-def]
    exercise_ids = {order.id for _, order in run.sim.orders if order.type == OrderType.OPTION_EXERCISE}
    return [e for e in run.sim.events if e.order_id in exercise_ids and e.fill_quantity]


def test_the_assigned_shares_are_flattened_at_the_next_open() -> None:
    run = run_main(days=2, start=date(2024, 1, 2), entry_days=EVERY_WEEKDAY)
    on_tuesday = [e for e in exercise_fills(run) if e.utc_time == DELISTED]
    shares = sum(e.fill_quantity for e in on_tuesday if e.symbol.value == "SPY")
    assert shares == 400 and any(e.message.startswith("Assigned. Underlying: ") for e in on_tuesday)
    flattens = [o for o in run.sim.broker_orders if o.symbol.value == "SPY"]
    assert [(o.submitted_utc, o.quantity) for o in flattens] == [(NEXT_OPEN, -400)]
    (group,) = [view for view in run.views if view.status is GroupStatus.ASSIGNED]
    assert group.underlying == (("SPY", 400, 0),)
    tag = parse_tag(flattens[0].tag)
    assert tag is not None and (tag.group_id, tag.role) == (group.group_id, Role.EXIT)
    assert "SPY" not in run.positions[date(2024, 1, 3)]  # sold at the open, before the 15:50 snapshot


def test_with_flatten_assigned_false_the_shares_stay() -> None:
    run = run_main(days=2, start=date(2024, 1, 2), entry_days=EVERY_WEEKDAY, parameters=(("flatten-assigned", "false"),))
    assert [o for o in run.sim.broker_orders if o.symbol.value == "SPY"] == []
    assert run.positions[date(2024, 1, 3)]["SPY"] == 400
    assert [view.underlying for view in run.views if view.status is GroupStatus.ASSIGNED] == [(("SPY", 400, 400),)]
