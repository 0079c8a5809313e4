"""main.py on exchange holidays. LEAN fires a weekday date rule on a holiday too; main.py arms the
entry for that date only, so the entry must not spill over to the next session's open."""

from __future__ import annotations

from datetime import date

from main_kit import CONDOR, MainRun, local_date, run_main

from atomic import GroupStatus

MLK_DAY = date(2024, 1, 15)  # Monday, NYSE closed
GOOD_FRIDAY = date(2024, 3, 29)  # Friday, NYSE closed


def mlk_run() -> MainRun:
    """Mondays and Fridays from 2024-01-08 to 2024-01-19 (nine sessions; 01-15 is closed)."""
    return run_main(days=9, start=date(2024, 1, 8), entry_days="monday,friday")


def good_friday_run() -> MainRun:
    """Fridays from 2024-03-18 to 2024-04-02 (eleven sessions; 03-29 is closed)."""
    return run_main(days=11, start=date(2024, 3, 18))


def traded_days(run: MainRun) -> list[date]:
    return [local_date(view.created_at) for view in run.views]


def test_the_runs_cover_the_holidays() -> None:
    assert MLK_DAY not in mlk_run().result.days and date(2024, 1, 16) in mlk_run().result.days
    assert GOOD_FRIDAY not in good_friday_run().result.days and date(2024, 4, 1) in good_friday_run().result.days


def test_mlk_monday_is_skipped_and_tuesday_does_not_trade_at_the_open() -> None:
    run = mlk_run()
    assert traded_days(run) == [date(2024, 1, 8), date(2024, 1, 12), date(2024, 1, 19)]
    # Filled and held to expiry (the last Friday's expiry comes after the run).
    assert all(view.status in (GroupStatus.FILLED, GroupStatus.EXPIRED, GroupStatus.ASSIGNED) for view in run.views)
    assert date(2024, 1, 16) not in {local_date(order.submitted_utc) for order in run.sim.broker_orders}
    assert date(2024, 1, 16) not in {local_date(at) for at, _ in run.logs(CONDOR)}


def test_good_friday_produces_no_monday_trade() -> None:
    run = good_friday_run()
    assert traded_days(run) == [date(2024, 3, 22)]  # the Friday before still trades
    assert date(2024, 4, 1) not in {local_date(order.submitted_utc) for order in run.sim.broker_orders}
    assert run.result.entries_sent == 1 and run.result.self_check == ""
