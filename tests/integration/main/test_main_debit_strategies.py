"""main.py's `second-strategy` may name a structure bought for a debit: each entry day it places a 1-2-1
call butterfly (or a bull call spread) beside the condor, sized by its debit, and the groups end
whole with the brokerage holding exactly their legs."""

from __future__ import annotations

from collections import Counter

import pytest

from main_kit import CONDOR, EVERY_WEEKDAY, run_main

from atomic import GroupStatus


@pytest.mark.parametrize(("second", "ratios"), [("call_butterfly", [1, -2, 1]), ("bull_call_spread", [1, -1])])
def test_a_debit_structure_trades_beside_the_condor(second: str, ratios: list[int]) -> None:
    run = run_main(days=3, parameters=(("second-strategy", second),), entry_days=EVERY_WEEKDAY)

    assert run.result.self_check == "" and not run.result.skips
    for day in run.result.days:
        condor, debit = run.views_on(day)
        assert (condor.strategy, debit.strategy) == (CONDOR, second), day
        # Filled, then held to expiry (the last day's sees no expiry: it comes at the next midnight).
        assert debit.status in (GroupStatus.FILLED, GroupStatus.EXPIRED, GroupStatus.ASSIGNED), day
        assert all(leg.entry_filled == leg.quantity for leg in debit.legs), day
        assert [leg.quantity // debit.structures for leg in debit.legs] == sorted(ratios, reverse=True), day
        held: Counter[str] = Counter()
        for leg in (*condor.legs, *debit.legs):  # the two may share a contract
            held[leg.symbol] += leg.quantity
        assert {s: q for s, q in run.positions[day].items() if q} == {s: q for s, q in held.items() if q}, day
