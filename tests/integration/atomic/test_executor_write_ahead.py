"""Write-ahead, watched from outside: pytest-mock's spies wrap the LEAN double's real ObjectStore and
order methods (they still run), and one parent mock records every call in the order it happened. The
group's intent must be saved and persisted (LEAN's get_file_path writes pending saves to disk) before
the first order of the group is sent, in every execution mode. A spy, unlike a fake, cannot hide API
drift: a misspelt method would not exist to be spied on."""

from __future__ import annotations

from unittest import mock

import pytest
from pytest_mock import MockerFixture

from executor_kit import MODES, iron_condor, namespace, start

from config import ExecutionMode

ORDER_METHODS = ("market_order", "limit_order", "combo_market_order", "combo_limit_order")


@pytest.mark.parametrize("execution_mode", list(ExecutionMode))
@pytest.mark.parametrize("mode", MODES)
def test_the_intent_is_durable_before_the_first_order_goes_out(mode: str, execution_mode: ExecutionMode,
                                                                mocker: MockerFixture) -> None:
    sim, algo = start(mode, execution_mode=execution_mode)
    calls = mock.Mock()
    for name in ("save", "get_file_path"):
        calls.attach_mock(mocker.spy(algo.object_store, name), name)
    for name in ORDER_METHODS:
        calls.attach_mock(mocker.spy(algo, name), name)

    iron_condor(algo, 2)

    names = [call[0] for call in calls.mock_calls]
    first_order = next(i for i, name in enumerate(names) if name in ORDER_METHODS)
    open_key = f"{namespace(mode)}/open/"
    saved = [i for i, call in enumerate(calls.mock_calls) if call[0] == "save" and str(call[1][0]).startswith(open_key)]
    persisted = [i for i, name in enumerate(names) if name == "get_file_path"]
    assert saved and saved[0] < first_order, names  # the intent is written before any order...
    assert any(saved[0] < i < first_order for i in persisted), names  # ...and persisted to disk
    assert sim.brokerage.orders  # the spies let the real calls through
