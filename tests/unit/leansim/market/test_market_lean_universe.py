"""LEAN's option universe files on a tiny folder written in tmp_path: what `option_chain(symbol)`
reads (Common/Data/UniverseSelection/OptionUniverse.cs, QCAlgorithm.OptionChain)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from leansim.algorithm import QCAlgorithm
from leansim.enums import OptionRight
from leansim.market.lean_folder import LeanDataFolder
from leansim.market.lean_universe import read_universe, universe_folder
from leansim.simulator import Simulator

HEADER = "#expiry,strike,right,open,high,low,close,volume,open_interest,implied_volatility,delta,gamma,vega,theta,rho"
# Tuesday 2015-12-22, Wednesday 12-23; Friday 12-25 is Christmas.
FILES = {
    date(2015, 12, 22): [",,,748.75,748.75,748.75,748.75,0,,,,,,,",
                         "20151222,700,C,50,50,50,50,0,,0,0,0,0,0,0",  # expires the day the file is dated
                         "20151224,600,C,147.6,154.6,146,149.8,0,,3.06,0.93,0.0011,0.05,-8.12,0.0149",
                         "20151224,800,P,74,74,74,74,0,3,0,0,0,0,0,0"],
    date(2015, 12, 23): [",,,749.55,749.99,748.54,748.54,11492,,,,,,,",
                         "20151231,600,C,149.85,154.3,144.6,150.05,0,,1.5,0.88,0.0013,0.21,-2.23,0.096"],
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = universe_folder(tmp_path, "GOOG")
    target.mkdir(parents=True)
    for day, rows in FILES.items():
        (target / f"{day:%Y%m%d}.csv").write_text("\n".join([HEADER, *rows]) + "\n")
    return tmp_path


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    """New York wall time (EST in December) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc) + timedelta(hours=5)


def test_a_file_holds_the_underlying_bar_and_each_contract_with_blanks_read_as_zero(folder: Path) -> None:
    universe = read_universe(folder, "GOOG", date(2015, 12, 22))
    assert universe is not None
    assert (universe.underlying.open, universe.underlying.close) == (748.75, 748.75)
    call = universe.contracts[1]
    assert (call.right, call.strike, call.expiry, call.bar.close) == ("call", 600.0, date(2015, 12, 24), 149.8)
    assert (call.open_interest, call.implied_volatility, call.delta, call.rho) == (0.0, 3.06, 0.93, 0.0149)
    assert universe.contracts[2].open_interest == 3.0
    assert read_universe(folder, "GOOG", date(2015, 12, 21)) is None


def test_a_file_is_known_from_the_midnight_after_its_date(folder: Path) -> None:
    market = LeanDataFolder(folder)
    known = [market.universe("GOOG", moment) for moment in
             (ny(date(2015, 12, 22), 23, 59), ny(date(2015, 12, 23), 0), ny(date(2015, 12, 23), 15), ny(date(2015, 12, 24), 0))]
    assert [u.day if u else None for u in known] == [None, date(2015, 12, 22), date(2015, 12, 22), date(2015, 12, 23)]


def test_the_latest_file_stands_for_at_most_three_trading_days(folder: Path) -> None:
    market = LeanDataFolder(folder)
    # 12-23's file serves 12-24, 12-28 and 12-29 (Christmas and the weekend are no trading days), not 12-30.
    days = [date(2015, 12, 28), date(2015, 12, 29), date(2015, 12, 30)]
    found = [market.universe("GOOG", ny(day, 10)) for day in days]
    assert [u.day if u else None for u in found] == [date(2015, 12, 23), date(2015, 12, 23), None]


class ChainInInitialize(QCAlgorithm):
    contracts: list[object] = []

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 23)
        goog = self.add_equity("GOOG").symbol
        chain = self.option_chain(goog)
        type(self).contracts = list(chain)
        type(self).underlying = chain.underlying
        first = type(self).contracts[0]
        self.add_option_contract(first)  # a contract stands for its Symbol, as LEAN's implicit operator


def test_option_chain_in_initialize_lists_the_files_contracts_priced_at_their_daily_close(folder: Path) -> None:
    sim = Simulator(market=LeanDataFolder(folder), start=ny(date(2015, 12, 23), 0))
    algo = sim.start(ChainInInitialize)
    contracts = ChainInInitialize.contracts
    # 12-22's file: the contract that expired on 12-22 is left out (OptionChain's OptionUniverse constructor)
    assert [(c.id.option_right, c.strike) for c in contracts] == [(OptionRight.CALL, 600.0), (OptionRight.PUT, 800.0)]
    call = contracts[0]
    assert (call.bid_price, call.ask_price, call.last_price, call.underlying_last_price) == (149.8, 149.8, 149.8, 748.75)
    assert (call.greeks.delta, call.greeks.theta, call.implied_volatility) == (0.93, -8.12 * 365, 3.06)  # theta per year
    assert contracts[1].open_interest == 3.0
    assert ChainInInitialize.underlying.price == 748.75
    assert call.symbol in algo.securities and call.symbol == call and call == call.symbol


class UniverseHistory(QCAlgorithm):
    frame: object = None

    def initialize(self) -> None:
        self.set_start_date(2015, 12, 24)
        canonical = self.add_option("GOOG").symbol
        type(self).frame = self.history(canonical, 3, flatten=True)


def test_history_of_an_option_universe_lists_each_files_contracts_at_its_end_time(folder: Path) -> None:
    sim = Simulator(market=LeanDataFolder(folder), start=ny(date(2015, 12, 24), 0))
    sim.start(UniverseHistory)
    frame = UniverseHistory.frame
    # 12-21's file is absent: the three trading days before 12-24 give two files, each known at the midnight after it
    assert list(frame.index.levels[0]) == [datetime(2015, 12, 23), datetime(2015, 12, 24)]  # type: ignore[attr-defined]
    assert [s.value for s in frame.loc[datetime(2015, 12, 24)].index] == ["GOOG  151231C00600000"]  # type: ignore[attr-defined]
    assert frame.loc[datetime(2015, 12, 23)]["theta"].tolist() == pytest.approx([0, -8.12 * 365, 0])  # type: ignore[attr-defined]
