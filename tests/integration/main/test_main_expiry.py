"""main.py holding 0DTE condors to expiry on leansim, which expires them as LEAN does: a short put
that closes in the money is assigned at the midnight after its expiry, the shares arrive, and
main.py flattens them on the next session's first slice unless `flatten-assigned` is false."""

from __future__ import annotations

from datetime import date, datetime, timezone

from main_kit import EVERY_WEEKDAY, run_main

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
    assert run.logs("flattening") == [(NEXT_OPEN, "flattening 400 SPY delivered by an exercise or assignment")]
    assert "SPY" not in run.positions[date(2024, 1, 3)]  # sold at the open, before the 15:50 snapshot


def test_with_flatten_assigned_false_the_shares_stay() -> None:
    run = run_main(days=2, start=date(2024, 1, 2), entry_days=EVERY_WEEKDAY, parameters=(("flatten-assigned", "false"),))
    assert run.logs("flattening") == []
    assert run.positions[date(2024, 1, 3)]["SPY"] == 400
