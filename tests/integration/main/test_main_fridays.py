"""main.py with its defaults over three simulated weeks, no faults: one 0DTE iron condor each
Friday at 10:30 New York time, filled, nothing on any other day; the runtime statistics and the
"Atomic groups" chart are what LEAN would show, and the end-of-run self-check passes."""

from __future__ import annotations

from datetime import date, time

from main_kit import CONDOR, NEW_YORK, MainRun, local_date, run_main

from atomic import GroupStatus
from atomic.tags import Role, parse_tag
from leansim.enums import OrderType

# 15 trading days from Tuesday 2024-01-02 (Monday 01-15 is a holiday): three Fridays.
FRIDAYS = [date(2024, 1, 5), date(2024, 1, 12), date(2024, 1, 19)]


def fridays_run() -> MainRun:
    return run_main(days=15)


def test_the_run_spans_three_weeks_with_three_fridays() -> None:
    days = fridays_run().result.days
    assert (days[0], days[-1], len(days)) == (date(2024, 1, 2), date(2024, 1, 23), 15)
    assert [d for d in days if d.weekday() == 4] == FRIDAYS


def test_one_filled_condor_each_friday_at_ten_thirty_held_to_its_expiry_that_friday() -> None:
    run = fridays_run()
    views = run.views
    assert [local_date(v.created_at) for v in views] == FRIDAYS
    for view in views:
        assert view.strategy == CONDOR and view.status in (GroupStatus.EXPIRED, GroupStatus.ASSIGNED)
        assert all(leg.entry_filled == leg.quantity and leg.filled == 0 for leg in view.legs)
        assert view.created_at.astimezone(NEW_YORK).time() == time(10, 30)
        assert len(view.legs) == 4
        assert run.expiries_of(view.group_id) == {local_date(view.created_at)}  # 0DTE


def test_nothing_is_sent_on_other_days() -> None:
    run = fridays_run()
    # LEAN's own exercise orders (made at the midnight after each expiry) are not sent by the algorithm;
    # shares an assignment delivered are sold or bought back at the next open (a Monday), by the
    # executor as the group's exit.
    flattens = [order for order in run.sim.broker_orders if order.symbol.value == "SPY"]
    entries = [order for order in run.sim.broker_orders
               if order.order_type != OrderType.OPTION_EXERCISE and order not in flattens]
    assert all((tag := parse_tag(order.tag)) is not None and tag.role is Role.EXIT for order in flattens)
    assert {local_date(order.submitted_utc) for order in entries} == set(FRIDAYS)
    assert flattens and {local_date(order.submitted_utc).weekday() for order in flattens} == {0}
    sent = [local_date(at) for at, _ in run.logs(f"{CONDOR} sent ")]
    assert sent == FRIDAYS
    assert run.result.entries_sent == 3 and not run.result.skips


def test_runtime_statistics_count_the_groups_by_status() -> None:
    statistics = fridays_run().sim.runtime_statistics
    expected = {f"Groups {status.value.lower()}": "0" for status in GroupStatus}
    # Each condor is counted FILLED at its entry, then once held to expiry: two assigned, one not.
    expected.update({"Groups filled": "3", "Groups assigned": "2", "Groups expired": "1"})
    assert statistics == expected


def test_atomic_groups_chart_plots_each_group_when_it_fills_and_when_its_expiry_settles_it() -> None:
    plots = [p for p in fridays_run().sim.plots if p.chart == "Atomic groups"]
    # An assigned group settles once its delivered shares are flattened, at the next session's first
    # slice (Mondays 09:31); a condor that expired worthless at the midnight after its Friday.
    assert [(p.series, p.value, local_date(p.utc_time)) for p in plots] == [
        ("Filled", 1.0, FRIDAYS[0]), ("Assigned", 1.0, date(2024, 1, 8)),
        ("Filled", 2.0, FRIDAYS[1]), ("Expired", 1.0, date(2024, 1, 13)),
        ("Filled", 3.0, FRIDAYS[2]), ("Assigned", 2.0, date(2024, 1, 22))]


def test_end_of_run_self_check_passes_with_nothing_left_open() -> None:
    run = fridays_run()
    assert run.result.self_check == ""
    assert run.result.errors == []
    assert run.executor.open_groups() == []


def test_the_brokerage_holds_each_condor_until_its_close_and_nothing_on_other_days() -> None:
    run = fridays_run()
    assert set(FRIDAYS) <= run.positions.keys()
    for day, held in run.positions.items():  # read at 15:50 New York time
        expected = {leg.symbol: leg.quantity for view in run.views_on(day) for leg in view.legs}
        if day.weekday() >= 5:  # the weekend after an expiry: the shares of an assignment, if any
            held = {symbol: quantity for symbol, quantity in held.items() if symbol != "SPY"}
        assert held == expected, day
    assert run.sim.positions == {}  # every contract expired, and delivered shares were flattened
