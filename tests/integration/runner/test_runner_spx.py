"""main.py with `underlying` SPX through the runner: it trades SPXW (add_index + add_index_option),
with the strategies unchanged. On a synthetic SPX folder (no shared data needed) it places an SPXW
iron condor; on LEAN's real 2021-01 sample, whose chains list two strikes, strangles (README: "SPXW")."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from index_folder_kit import FRIDAY, SPOT, write_index, write_spx_folder, write_spxw
from runner_kit import HOLD_TO_EXPIRY, LEAN_SAMPLE, MAIN, main_algorithm

from leansim import report
from leansim.runner import Scenario, run_scenario

EVERY_WEEKDAY = "monday,tuesday,wednesday,thursday,friday"
# The README's SPXW demo: LEAN's sample lists strikes 3700 and 3800 only, so no condor has wings;
# a strangle's margin is ~20% of 100 x SPX, hence the cash.
SAMPLE_DEMO = HOLD_TO_EXPIRY + (("second-strategy", "strangle"),)
SAMPLE_CASH = 5_000_000


def _all_spxw(orders: list[dict[str, object]]) -> bool:
    return bool(orders) and all(str(order["symbol"]).startswith("SPXW  ") for order in orders)


def test_an_spxw_iron_condor_on_a_synthetic_spx_folder(tmp_path: Path) -> None:
    scenario = Scenario(MAIN, data_folder=write_spx_folder(tmp_path), underlying="SPX", faults="none",
                        parameters=HOLD_TO_EXPIRY)
    result = run_scenario(scenario, main_algorithm())
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    assert atomic.days == [FRIDAY] and atomic.attempted == 1
    assert atomic.count("FILLED") == 1 and naive.attempted == 1
    assert atomic.groups[0].strategy == "Friday_0DTE" and atomic.naked_total == 0 and atomic.unbalanced == []
    assert _all_spxw(atomic.outputs.orders)
    assert atomic.self_check == ""


def test_a_cash_settled_condor_s_table_p_and_l_has_its_settlement(tmp_path: Path) -> None:
    """SPX falls 60 points in the last 75 minutes of the condor's expiry day: its put spread settles
    in the money for cash (OptionPortfolioModel pays it with the option fills at 0). The group's
    P&L is its credit less that cash, and adds up to the change in equity; the table says so."""
    write_index(tmp_path, FRIDAY, [SPOT] * 330 + [SPOT - 60] * 75)
    write_spxw(tmp_path, FRIDAY, FRIDAY)
    write_index(tmp_path, date(2021, 1, 11), [SPOT - 60] * 405)  # a Monday: LEAN processes the expiry before it
    scenario = Scenario(MAIN, data_folder=tmp_path, underlying="SPX", faults="none", parameters=HOLD_TO_EXPIRY,
                        naive=False)
    result = run_scenario(scenario, main_algorithm())
    atomic = result.run("atomic")
    assert atomic is not None
    (group,) = atomic.groups
    assert group.status == "EXPIRED" and group.exit_reason == "expired: cash settled"
    assert group.pnl == pytest.approx(atomic.end_equity - atomic.start_equity, abs=0.01)
    assert group.entry_net is not None and group.exit_net is not None
    # Both puts in the money: the spread pays its width, 5 per share of a structure, x 100 x 5 structures.
    assert group.exit_net == pytest.approx(5.0) and group.structure.endswith("x5")
    assert group.pnl == pytest.approx((group.entry_net - group.exit_net) * 500 - group.fees, abs=0.01)
    assert " expired " in report.render(result).splitlines()[-1]


@pytest.mark.skipif(not (LEAN_SAMPLE / "indexoption").is_dir(), reason=f"LEAN's index option sample not found at {LEAN_SAMPLE}")
@pytest.mark.parametrize("faults", ["none", "mixed"])
def test_spxw_strangles_on_the_real_2021_01_chains(faults: str) -> None:
    scenario = Scenario(MAIN, data_folder=LEAN_SAMPLE, underlying="SPX", faults=faults, entry_days=EVERY_WEEKDAY,
                        parameters=SAMPLE_DEMO, cash=SAMPLE_CASH)
    result = run_scenario(scenario, main_algorithm())
    atomic = result.run("atomic")
    assert atomic is not None
    assert atomic.days == [date(2021, 1, d) for d in (4, 5, 6, 7, 8, 14)]
    assert atomic.entries_sent == atomic.attempted == 5  # one strangle a day 01-04..08; 01-14 lists no SPXW
    assert atomic.skips["no_wing"] == 5  # the condor: no strike beyond 3800 or below 3700
    assert atomic.unbalanced == [] and atomic.self_check == "" and atomic.errors == []
    assert atomic.naked_total == 0  # a strangle's shorts are naked by design; nothing beyond that
    assert _all_spxw(atomic.outputs.orders)
    assert "SPX" in report.render(result)
    if faults == "none":
        assert atomic.count("EXPIRED") == 5  # 0DTE strangles held to expiry, cash-settled
        assert atomic.outputs.statistics["Total Fees"] == "$0.00"  # LEAN's default model charges index options nothing
