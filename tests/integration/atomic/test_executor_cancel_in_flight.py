"""A cancel LEAN is already carrying to the brokerage: a second one is refused, and that is harmless.

Live, LEAN answers `cancel()` at once and its transaction thread sends the request later
(BrokerageTransactionHandler.CancelOrder); meanwhile another cancel of the same order is refused
("has already received a cancellation request" / "Cancellation is already in progress."). The
order is being cancelled, which is what the executor wants: it must not record a refusal.
"""

from __future__ import annotations

from executor_kit import flat_positions, iron_condor, option, positions, settle, start

from atomic import GroupStatus
from leansim import Match, NeverFill


def test_a_cancel_already_on_its_way_is_not_recorded_as_refused() -> None:
    short_call = option("call", 480)
    sim, algo = start("live", [NeverFill(Match(symbol=short_call.value, tag_contains="/entry/"))])
    result = iron_condor(algo)
    settle(sim, 5)
    [hanging] = [t for t in algo.transactions.get_open_order_tickets() if t.symbol == algo.short_call]
    assert hanging.cancel().is_success  # someone else's cancel: answered, not yet at the brokerage

    algo.executor.rollback_group(result.group_id)  # same instant: LEAN refuses the second cancel
    view = result.view
    assert not [e.message for e in view.log if "cancel refused" in e.message], view.log
    assert [e.message for e in view.log if e.message.startswith("cancel requested: leg 2")]

    settle(sim, 120)
    assert result.status is GroupStatus.ROLLED_BACK and positions(sim, algo.condor()) == flat_positions(algo)
