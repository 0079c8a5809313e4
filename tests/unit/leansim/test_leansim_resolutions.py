"""Subscriptions on a LEAN data folder: add_equity(resolution=HOUR/DAILY) gets time slices when its
bars end, equity prices are ADJUSTED by default and follow set_data_normalization_mode, and an
option's underlying is RAW, as in LEAN (Algorithm/QCAlgorithm.cs)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from bar_folder_kit import DAYS, daily_close, hour_close, write_days, write_factor_file, write_hours

import leansim

leansim.install()

from AlgorithmImports import DataNormalizationMode, QCAlgorithm, Resolution, Slice

from leansim.market.lean_folder import LeanDataFolder
from leansim.simulator import Simulator

FACTOR = 0.5  # SPY's price x split factor on every day of DAYS
START = datetime(2024, 1, 2, 14, 0, tzinfo=timezone.utc)  # 09:00 New York, before the first open


class Bars(QCAlgorithm):
    """Records each slice's time and SPY price."""

    resolution: Any = Resolution.HOUR
    mode: Any = None

    def initialize(self) -> None:
        self.spy = self.add_equity("SPY", self.resolution, data_normalization_mode=self.mode).symbol
        self.seen: list[tuple[datetime, float]] = []

    def on_data(self, slice: Slice) -> None:
        self.seen.append((self.time, slice[self.spy].price if self.spy in slice else float("nan")))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_hours(tmp_path)
    write_days(tmp_path)
    write_factor_file(tmp_path, "SPY", [(DAYS[-1], FACTOR, 1.0), (date(2050, 12, 31), 1, 1)])
    return tmp_path


def _run(folder: Path, algorithm: type[QCAlgorithm], days: int = 2) -> Any:
    sim = Simulator(market=LeanDataFolder(folder), start=START)
    algo = sim.start(algorithm)
    sim.advance(timedelta(days=days) - timedelta(minutes=1), step=60)
    return algo


def test_an_hourly_equity_gets_a_slice_at_each_hour_end(folder: Path) -> None:
    algo = _run(folder, Bars, days=1)
    assert [t.strftime("%H:%M") for t, _ in algo.seen] == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]
    assert [p for _, p in algo.seen] == [hour_close(0, h) * FACTOR for h in range(9, 16)]


class Daily(Bars):
    resolution = Resolution.DAILY


def test_a_daily_equity_gets_one_slice_a_day_at_the_close(folder: Path) -> None:
    algo = _run(folder, Daily, days=2)
    assert [(t.date(), t.strftime("%H:%M")) for t, _ in algo.seen] == [(DAYS[0], "16:00"), (DAYS[1], "16:00")]
    assert [p for _, p in algo.seen] == [daily_close(0) * FACTOR, daily_close(1) * FACTOR]


class Raw(Bars):
    mode = DataNormalizationMode.RAW


class RawLater(Bars):
    def initialize(self) -> None:
        super().initialize()
        self.securities[self.spy].set_data_normalization_mode(DataNormalizationMode.RAW)


@pytest.mark.parametrize("algorithm", [Raw, RawLater])
def test_raw_prices_are_the_files(folder: Path, algorithm: type[Bars]) -> None:
    algo = _run(folder, algorithm, days=1)
    assert algo.seen[0][1] == hour_close(0, 9)
    assert algo.securities[algo.spy].data_normalization_mode == DataNormalizationMode.RAW


class WithOptions(Bars):
    def initialize(self) -> None:
        super().initialize()
        self.add_option("SPY", Resolution.HOUR)


def test_an_options_underlying_is_raw(folder: Path) -> None:
    algo = _run(folder, WithOptions, days=1)
    assert algo.securities[algo.spy].data_normalization_mode == DataNormalizationMode.RAW
    assert algo.seen[0][1] == hour_close(0, 9)


class MinuteAndDaily(QCAlgorithm):
    def initialize(self) -> None:
        self.spy = self.add_equity("SPY", Resolution.DAILY).symbol
        self.qqq = self.add_equity("QQQ", Resolution.MINUTE).symbol
        self.with_spy: list[str] = []
        self.slices = 0

    def on_data(self, slice: Slice) -> None:
        self.slices += 1
        if self.spy in slice:
            self.with_spy.append(self.time.strftime("%H:%M"))


def test_the_finest_subscription_sets_the_slices_and_each_security_is_in_those_its_bars_end(folder: Path) -> None:
    algo = _run(folder, MinuteAndDaily, days=1)
    assert algo.slices == 390 and algo.with_spy == ["16:00"]


@pytest.mark.parametrize("call", [
    lambda a: a.add_equity("SPY", Resolution.SECOND),
    lambda a: a.add_equity("SPY", data_normalization_mode=DataNormalizationMode.TOTAL_RETURN),
])
def test_what_the_double_cannot_read_is_refused_by_name(call: Any) -> None:
    class Asks(QCAlgorithm):
        def initialize(self) -> None:
            call(self)

    with pytest.raises(Exception, match="leansim reads (minute, hour and daily data, not Resolution.SECOND"
                                        "|prices RAW, ADJUSTED or SPLIT_ADJUSTED, not TOTAL_RETURN)"):
        Simulator(start=START).start(Asks)
