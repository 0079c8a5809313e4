"""main.py on real LEAN data: GOOG 2015-12-23..28. It enters on 12-24, a half day (13:00 close) with a
real 0DTE chain, and on Monday 12-28; 12-23 has no underlying quotes, so no chain can be priced.
Skipped where the sample folder is absent (it is not part of the project)."""

from __future__ import annotations

from datetime import date

import pytest

from runner_kit import HOLD_TO_EXPIRY, LEAN_SAMPLE, MAIN, main_algorithm

from leansim import report
from leansim.runner import Scenario, run_scenario

pytestmark = pytest.mark.skipif(not (LEAN_SAMPLE / "option").is_dir(), reason=f"LEAN sample data not found at {LEAN_SAMPLE}")


@pytest.mark.parametrize("faults", ["none", "mixed"])
def test_goog_half_day_condor_on_the_real_chain(faults: str) -> None:
    scenario = Scenario(MAIN, data_folder=LEAN_SAMPLE, underlying="GOOG", faults=faults, parameters=HOLD_TO_EXPIRY)
    result = run_scenario(scenario, main_algorithm())
    atomic, naive = result.run("atomic"), result.run("naive")
    assert atomic is not None and naive is not None
    assert atomic.days == [date(2015, 12, 23), date(2015, 12, 24), date(2015, 12, 28)]
    assert "thursday" in " ".join(result.notes)  # no Friday in the data: the runner enters on the days there are
    assert atomic.entries_sent == naive.entries_sent == 2 and atomic.attempted == 2
    assert atomic.unbalanced == [] and atomic.self_check == ""
    assert atomic.minute_steps + atomic.second_steps >= 3 * 209  # three sessions, one closing at 13:00
    assert "GOOG" in report.render(result)
    if faults == "none":
        assert atomic.count("EXPIRED") == naive.count("FILLED") == 2  # held to expiry: LEAN delists them at midnight
        assert atomic.end_equity == naive.end_equity
