"""What the double gained for the scenario runner: lazy chains with a daily universe, a predicate
criterion for faults, open orders cancelled at expiry, weekday lists in date rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from leansim_kit import OPEN, Recorder

from leansim import FaultPlan, Match, NeverFill, OrderCandidate, Reject, Simulator
from leansim.data import Slice
from leansim.enums import DayOfWeek, Market, OptionRight, OptionStyle
from leansim.market.synthetic import SyntheticMarket
from leansim.symbols import Symbol


class CountingMarket(SyntheticMarket):
    chain_calls = 0

    def chain(self, underlying: str, utc: datetime):  # type: ignore[no-untyped-def]
        CountingMarket.chain_calls += 1
        return super().chain(underlying, utc)


class ReadsChainAt(Recorder):
    """Subscribes to SPY options; reads the chain only at 10:05 New York time."""

    def initialize(self) -> None:
        super().initialize()
        option = self.add_option("SPY")
        option.set_filter(lambda u: u.include_weeklys().strikes(-3, 3).expiration(0, 3))
        self.canonical = option.symbol
        self.read: list[tuple[datetime, int]] = []
        self.slices: list[Slice] = []

    def on_data(self, slice: Slice) -> None:
        self.slices.append(slice)
        if self.time.hour == 10 and self.time.minute == 5:
            chain = slice.option_chains.get(self.canonical)
            assert chain is not None
            self.read.append((self.time, len(chain)))


def test_chains_are_built_only_when_read_and_the_universe_once_a_day() -> None:
    market = CountingMarket(start=date(2024, 1, 2), days=2, seed=3)
    sim = Simulator(market=market, start=OPEN)
    algo = sim.start(ReadsChainAt)
    CountingMarket.chain_calls = 0
    sim.advance(30 * 60, step=60)
    assert len(algo.slices) == 30 and algo.read and algo.read[0][1] == 6 * 4 * 2  # strikes(-3, 3) around a spot between strikes keeps 6 (OptionFilterUniverse.Strikes), 4 daily expiries (Tue..Fri), 2 rights
    assert CountingMarket.chain_calls <= 2  # the day's universe selection, and the one chain read
    assert all(algo.canonical in s.option_chains for s in algo.slices)  # every slice offers the chain
    # A slice read after the clock moved still shows its own minute.
    first = algo.slices[0].option_chains[algo.canonical]
    assert first.underlying.time == algo.slices[0].time


def test_match_where_sees_the_order_and_its_time() -> None:
    seen: list[OrderCandidate] = []

    def odd_minute(candidate: OrderCandidate) -> bool:
        seen.append(candidate)
        return candidate.utc_time is not None and candidate.utc_time.minute % 2 == 1

    sim = Simulator(start=OPEN, faults=FaultPlan((Reject("odd minute", Match(where=odd_minute), times=None),)))
    algo = sim.start(Recorder)
    assert algo.market_order(algo.spy, 1).status.name == "FILLED"
    sim.advance(60)
    assert algo.market_order(algo.spy, 1).status.name == "INVALID"
    assert [c.utc_time for c in seen] == [OPEN, OPEN + timedelta(minutes=1)]
    assert seen[0].role == "opening" and seen[0].symbol == algo.spy


def test_open_orders_of_an_expired_contract_are_cancelled_without_a_position() -> None:
    contract = Symbol.create_option("SPY", Market.USA, OptionStyle.AMERICAN, OptionRight.CALL, 100, datetime(2024, 1, 2))
    sim = Simulator(start=OPEN, faults=FaultPlan((NeverFill(times=None),)))
    algo = sim.start(Recorder)
    algo.add_option_contract(contract)
    ticket = algo.market_order(contract, 1)
    assert ticket.status.name == "SUBMITTED"
    sim.advance_to(datetime(2024, 1, 2, 21, 1, tzinfo=timezone.utc), step=60)  # past the 16:00 close
    assert ticket.status.name == "SUBMITTED"  # LEAN cancels at the delisting, the midnight after expiry
    sim.advance_to(datetime(2024, 1, 3, 5, 1, tzinfo=timezone.utc), step=60)
    assert ticket.status.name == "CANCELED"
    assert sim.open_broker_orders == []
    assert algo.log[-1][4] == "Option expired"


def test_date_rules_take_weekday_lists() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    rule = algo.date_rules.every([DayOfWeek.TUESDAY, DayOfWeek.THURSDAY])
    mixed = algo.date_rules.every(DayOfWeek.MONDAY, [DayOfWeek.FRIDAY])
    assert [rule._accepts(date(2024, 1, d)) for d in range(1, 8)] == [False, True, False, True, False, False, False]
    assert [mixed._accepts(date(2024, 1, d)) for d in range(1, 8)] == [True, False, False, False, True, False, False]
