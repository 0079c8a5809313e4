"""leansim's pytest plugin, as a LEAN user's project loads it: small test files run by pytester.

The README's example is read from the README itself, so it cannot rot.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
LEAN_SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", ROOT.parent / "shared" / "data" / "lean-sample"))

# The user's algorithm the README example tests: buys 10 SPY unless it holds them or has an order out.
BUY_ONCE = '''
from AlgorithmImports import *

class BuyOnce(QCAlgorithm):
    def initialize(self):
        self.spy = self.add_equity("SPY").symbol

    def on_data(self, data):
        if not self.portfolio[self.spy].invested and not self.transactions.get_open_orders(self.spy):
            self.market_order(self.spy, 10, tag="buy-once")
'''

# The same algorithm, except it forgets to look at what it holds: a restart buys again.
BUY_AGAIN = BUY_ONCE.replace("not self.portfolio[self.spy].invested and ", "")


def readme_example() -> str:
    """The first python block of the README's section on testing your algorithm."""
    section = README.read_text().split("## Testing your algorithm on leansim", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the README's testing section has no python example"
    return found.group(1)


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: a root conftest loading the plugin, as the README says."""
    pytester.makeconftest('pytest_plugins = ["leansim.pytest_plugin"]')
    pytester.syspathinsert()
    return pytester


def test_the_readme_example_passes_on_the_algorithm_it_describes(project: pytest.Pytester) -> None:
    project.makepyfile(my_algorithm=BUY_ONCE, test_readme=readme_example())
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_readme_example_catches_an_algorithm_that_buys_again_after_a_restart(project: pytest.Pytester) -> None:
    project.makepyfile(my_algorithm=BUY_AGAIN, test_readme=readme_example())
    result = project.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: assert 60.0 == 10"])  # one buy a minute


def test_the_marker_chooses_mode_faults_cash_and_parameters(project: pytest.Pytester) -> None:
    project.makepyfile(my_algorithm=BUY_ONCE, test_marker='''
import pytest
from leansim import FaultPlan, Reject
from my_algorithm import BuyOnce

@pytest.mark.leansim(algorithm=BuyOnce, mode="live", faults=[Reject("no")], cash=5_000, parameters={"x": "1"})
def test_world(leansim, leansim_algorithm, leansim_faults, leansim_clock):
    assert leansim_algorithm.live_mode and leansim.sim.live
    assert leansim_faults == FaultPlan((Reject("no"),))
    assert leansim_algorithm.portfolio.cash == 5_000
    assert leansim_algorithm.get_parameter("x") == "1"
    leansim_clock.advance(seconds=2)
    assert leansim.sim.broker_orders[0].status.name == "INVALID"
    leansim_clock.advance(minutes=1)
    assert leansim.sim.position("SPY") == 10   # the second order went through
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_clock_runs_on_data_each_minute_and_moves_to_a_time(project: pytest.Pytester) -> None:
    project.makepyfile(test_clock='''
from datetime import datetime, timedelta, timezone
import pytest
from AlgorithmImports import QCAlgorithm

class CountMinutes(QCAlgorithm):
    def initialize(self):
        self.add_equity("SPY")
        self.minutes = 0
    def on_data(self, data):
        self.minutes += 1

@pytest.mark.leansim(algorithm=CountMinutes, start=datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc))
def test_clock(leansim_algorithm, leansim_clock):
    assert leansim_clock.advance(minutes=3) == datetime(2024, 1, 2, 15, 3, tzinfo=timezone.utc)
    assert leansim_algorithm.minutes == 4   # the minutes 15:00 to 15:03, each at its first step
    leansim_clock.to(datetime(2024, 1, 2, 15, 10, tzinfo=timezone.utc), step=60)
    assert leansim_algorithm.minutes == 11
    with pytest.raises(ValueError, match="timezone-aware"):
        leansim_clock.to(datetime(2024, 1, 2, 16, 0))
    with pytest.raises(ValueError, match="only moves forward"):
        leansim_clock.advance(seconds=-1)
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_restart_gives_new_order_ids_and_drops_tags(project: pytest.Pytester) -> None:
    project.makepyfile(test_restart='''
import pytest
from AlgorithmImports import QCAlgorithm
from leansim import NeverFill

class Rests(QCAlgorithm):
    def initialize(self):
        self.spy = self.add_equity("SPY").symbol

@pytest.mark.leansim(algorithm=Rests, mode="live", faults=[NeverFill()])
def test_restart(leansim_algorithm, leansim_restart, leansim_clock, leansim):
    for _ in range(3):
        leansim_algorithm.market_order(leansim_algorithm.spy, 1, tag="mine")
    leansim_clock.advance(seconds=2)
    resting = leansim.sim.open_broker_orders[0]
    restarted = leansim_restart()
    assert restarted is leansim.algorithm and restarted is not leansim_algorithm
    [order] = restarted.transactions.get_open_orders()
    assert order.tag == "" and order.broker_id == [resting.broker_id]
    assert order.id == 1   # the new process numbers the orders it loads from 1
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_synthetic_market_starts_at_its_first_open(project: pytest.Pytester) -> None:
    project.makepyfile(test_synthetic='''
import pytest
from AlgorithmImports import QCAlgorithm

class Quiet(QCAlgorithm):
    def initialize(self):
        self.spy = self.add_equity("QQQ").symbol

@pytest.mark.leansim(algorithm=Quiet, synthetic=True, underlying="QQQ", days=2, seed=3)
def test_synthetic(leansim_algorithm, leansim_clock, leansim):
    assert leansim.sim.market.calendar.is_open(leansim_clock.now)
    leansim_clock.advance(minutes=1)
    assert leansim_algorithm.securities[leansim_algorithm.spy].price > 0
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.skipif(not LEAN_SAMPLE.is_dir(), reason=f"no LEAN sample data at {LEAN_SAMPLE}")
def test_a_lean_data_folder_starts_at_the_first_open_of_its_underlying(project: pytest.Pytester) -> None:
    project.makepyfile(test_folder=f'''
import pytest
from AlgorithmImports import QCAlgorithm

class Goog(QCAlgorithm):
    def initialize(self):
        self.goog = self.add_equity("GOOG").symbol

@pytest.mark.leansim(algorithm=Goog, data_folder="{LEAN_SAMPLE}", underlying="GOOG")
def test_folder(leansim_algorithm, leansim_clock):
    leansim_clock.advance(minutes=2)
    assert leansim_clock.now.date().isoformat() == "2015-12-23"
    assert leansim_algorithm.securities[leansim_algorithm.goog].price > 0
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_test_that_names_no_algorithm_is_told_how(project: pytest.Pytester) -> None:
    project.makepyfile(test_missing='''
def test_missing(leansim_algorithm):
    pass
''')
    result = project.runpytest("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*leansim: which algorithm?*leansim_algorithm_class fixture*"])
    assert result.ret != 0
