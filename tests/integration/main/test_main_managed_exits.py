"""main.py's managed exits on leansim: a stop loss, a take profit and a time exit each close the
whole structure through close_group (exit orders tagged `atomic/<group>/exit/...`), never leaving a
naked short, and the end-of-run statistics count them."""

from __future__ import annotations

from datetime import date, datetime, time

from main_kit import EVERY_WEEKDAY, NEW_YORK, run_main
from runner_kit import HOLD_TO_EXPIRY, MAIN, main_algorithm

from atomic import GroupStatus
from atomic.tags import Role, parse_tag
from leansim.runner import Scenario, run_scenario

STOPS = (("stop-loss", "2.0"), ("wing-width", "1"))  # a 1-point condor: its spreads soon cost twice the credit
# 11:00, half an hour after the 10:30 entry; shorts near 0.3 delta and 2-point wings, so every leg is
# still bid and offered (a far wing with no bid could not be sold: see the next test)
EARLY_TIME_EXIT = (("time-exit-minutes", "300"), ("take-profit", "0"), ("target-short-delta", "0.3"), ("wing-width", "2"))
DAYS = 3


def _exit_orders(run, group_id):  # type: ignore[no-untyped-def]
    return [o for o in run.orders_of(group_id) if parse_tag(o.tag).role is Role.EXIT]  # type: ignore[union-attr]


def test_a_stop_loss_closes_the_whole_condor_through_close_group() -> None:
    run = run_main(days=DAYS, entry_days=EVERY_WEEKDAY, parameters=STOPS)
    assert [v.status for v in run.views] == [GroupStatus.CLOSED] * DAYS
    for view in run.views:
        assert view.close_reason.startswith("stop loss: buy back at"), view.close_reason
        assert view.flat and {leg.symbol for leg in view.legs} == {o.symbol.value for o in _exit_orders(run, view.group_id)}
    assert all(group.naked_max == 0 for group in run.result.groups)
    assert run.sim.positions == {}
    assert run.sim.runtime_statistics["Exits stop loss"] == str(DAYS)
    assert run.sim.runtime_statistics["Groups closed"] == str(DAYS)


def test_the_stop_compares_the_natural_cost_of_closing_with_twice_the_credit() -> None:
    run = run_main(days=DAYS, entry_days=EVERY_WEEKDAY, parameters=STOPS)
    for _, message in run.logs("closing group"):
        cost, credit = (float(word) for word in message.replace(",", " ").split() if word.replace(".", "").isdigit() and "." in word)
        assert cost >= 2 * credit


def test_a_take_profit_closes_once_the_buy_back_costs_the_fraction_of_the_credit() -> None:
    run = run_main(days=5, entry_days=EVERY_WEEKDAY, parameters=(("take-profit", "0.9"), ("target-short-delta", "0.3")))
    taken = [v for v in run.views if v.close_reason.startswith("take profit")]
    assert taken, [v.status for v in run.views]
    for view in taken:
        assert view.status is GroupStatus.CLOSED and view.flat
        credit = -sum(leg.quantity * leg.entry_price for leg in view.legs)
        paid = sum(leg.quantity * leg.exit_price for leg in view.legs)  # bought shorts back, sold longs
        assert paid <= 0.9 * credit + 1e-9  # market orders filled at the natural the rule was read on


def test_the_time_exit_closes_same_day_structures_at_its_minute() -> None:
    run = run_main(days=DAYS, entry_days=EVERY_WEEKDAY, parameters=EARLY_TIME_EXIT)
    assert [v.status for v in run.views] == [GroupStatus.CLOSED] * DAYS
    for view in run.views:
        assert view.close_reason == "time exit: 300 min before the close"
        sent = {o.submitted_utc.astimezone(NEW_YORK).time() for o in _exit_orders(run, view.group_id)}
        assert min(sent) == time(11, 0)
    assert run.sim.runtime_statistics["Exits time exit"] == str(DAYS)
    assert all(group.naked_max == 0 for group in run.result.groups)


def test_a_time_exit_with_a_wing_nobody_bids_holds_to_expiry_rather_than_fail() -> None:
    run = run_main(days=1, start=date(2024, 1, 2), entry_days=EVERY_WEEKDAY, parameters=(("time-exit-minutes", "15"),))
    [(when, message)] = run.logs("time exit")
    assert when.astimezone(NEW_YORK) == datetime(2024, 1, 2, 15, 45, tzinfo=NEW_YORK)
    assert "held to expiry, no quote to close ['SPY OPTION usa 20240102 CALL 457 AMERICAN|SPY EQUITY usa'" in message
    assert [v.status for v in run.views] == [GroupStatus.FILLED] and not run.executor.halted
    assert not [o for o in run.sim.broker_orders if "/exit/" in o.tag]


def test_a_close_lean_refuses_ends_close_failed_with_the_structure_whole_and_the_run_checked() -> None:
    """LEAN refuses an order on a contract priced $0 (quoted on neither side; one side would price
    it, Common/Data/Market/QuoteBar.cs): the refused buy-back holds back the other short's, three
    times, so the group is left whole (covered) for the operator, the executor halts."""
    class ForcedTimeExit(main_algorithm()):  # type: ignore[misc]
        def _time_exit(self) -> None:  # the quote guard off, and a short call's quotes gone at 15:45
            for group_id, view in list(self._managed.items()):
                short = next(leg for leg in view.legs if leg.quantity < 0 and "C" in leg.symbol.split()[-1])
                symbol = next(s for s in self.securities.keys() if str(s.id) == short.contract_key)
                self._run.sim.set_quote(symbol, None, None)
                self._close(group_id, "time exit: forced")

    scenario = Scenario(MAIN, days=1, faults="none", parameters=HOLD_TO_EXPIRY + (("time-exit-minutes", "15"),),
                        entry_days=EVERY_WEEKDAY, naive=False)
    run = run_scenario(scenario, ForcedTimeExit).run("atomic")
    assert run is not None
    [group] = run.groups
    assert group.status == "CLOSE_FAILED" and "3 close orders failed" in group.reason + group.exit_reason
    assert group.naked_max == 0 and group.complete and not group.flat
    assert run.self_check == ""
