"""Map files and factor files: the folder ticker of a date and the price scale of a date, as LEAN's
MapFile.GetMappedSymbol and CorporateFactorProvider.GetPriceFactor resolve them, read alone and
through LeanDataFolder (written in tmp_path), and on LEAN's own GOOG and SPY files when present."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from bar_folder_kit import write_factor_file, write_map_file

from leansim.market import lean_corporate as lc
from leansim.market import lean_format as lf
from leansim.market.base import SecurityKey
from leansim.market.lean_folder import LeanDataFolder

SAMPLE = Path(os.environ.get("LEAN_SAMPLE_DATA", Path(__file__).resolve().parents[4].parent / "shared" / "data" / "lean-sample"))
GOOG_MAP = [(date(2014, 3, 27), "goocv"), (date(2014, 4, 2), "goocv"), (date(2050, 12, 31), "goog")]
UTC = timezone.utc


def test_the_ticker_of_a_date_is_that_of_the_first_row_on_or_after_it(tmp_path: Path) -> None:
    write_map_file(tmp_path, "GOOG", GOOG_MAP)
    mapping = lc.read_map_file(tmp_path, "goog")
    assert mapping is not None and mapping.permtick == "GOOG"
    assert mapping.ticker_on(date(2014, 3, 27)) == "goocv"
    assert mapping.ticker_on(date(2014, 4, 2)) == "goocv"
    assert mapping.ticker_on(date(2014, 4, 3)) == "goog"
    assert mapping.ticker_on(date(2014, 3, 26)) is None  # before the first row: no data (MapFile.HasData)
    assert mapping.ticker_on(date(2051, 1, 1)) is None  # after the delisting row
    assert lc.read_map_file(tmp_path, "SPY") is None


def test_the_factor_of_a_date_is_that_of_the_first_row_on_or_after_it(tmp_path: Path) -> None:
    write_factor_file(tmp_path, "SPY", [(date(2024, 1, 2), 0.9, 0.5), (date(2024, 1, 4), 0.8, 1.0), (date(2050, 12, 31), 1, 1)])
    factors = lc.read_factor_file(tmp_path, "SPY")
    assert factors is not None
    assert factors.price_scale(date(2023, 12, 29), "adjusted") == pytest.approx(0.45)
    assert factors.price_scale(date(2024, 1, 2), "adjusted") == pytest.approx(0.45)
    assert factors.price_scale(date(2024, 1, 3), "adjusted") == pytest.approx(0.8)
    assert factors.price_scale(date(2024, 1, 3), "split_adjusted") == 1.0
    assert factors.price_scale(date(2024, 1, 2), "split_adjusted") == 0.5
    assert factors.price_scale(date(2024, 1, 2), "raw") == 1.0
    assert factors.price_scale(date(2051, 1, 1), "adjusted") == 1.0  # past the last row


def test_rows_lean_skips_are_skipped_and_a_broken_row_is_named(tmp_path: Path) -> None:
    path = write_factor_file(tmp_path, "X", [(date(2024, 1, 2), 0.9, 1.0)])
    path.write_text(path.read_text() + "20240105,inf,1,1\n20240108,0,1,1\n20240109,1.6e+6,1,1\n20501231,1,1,0\n")
    factors = lc.read_factor_file(tmp_path, "X")
    assert factors is not None and factors.dates == (date(2024, 1, 2), date(2050, 12, 31))
    path.write_text("20240102,0.9\n")
    with pytest.raises(lc.CorporateFileError, match=r"x.csv: row '20240102,0.9' has fewer than 3 fields"):
        lc.read_factor_file(tmp_path, "X")
    path.write_text("2024-01-02,0.9,1,1\n")
    with pytest.raises(lc.CorporateFileError, match="'2024-01-02' is not a yyyyMMdd date"):
        lc.read_factor_file(tmp_path, "X")


def _minute_trades(root: Path, folder_ticker: str, day: date, price: float) -> None:
    rows = lf.format_rows([[9.5 * 3_600_000 + 60_000, price, price, price, price, 100]], lf.TRADE_PRICE_COLUMNS)
    lf.write_zip(lf.equity_zip(root, folder_ticker, day, "trade"), [(f"{lf.ymd(day)}_{folder_ticker}_minute_trade.csv", rows)])


def _last(data: LeanDataFolder, ticker: str, day: date) -> float | None:
    """The last trade at noon New York (EDT in April)."""
    quote = data.quote(SecurityKey(ticker), datetime(day.year, day.month, day.day, 16, tzinfo=UTC))
    return None if quote is None else quote.last


def test_the_folder_reads_each_day_under_the_map_files_ticker_and_scales_it(tmp_path: Path) -> None:
    write_map_file(tmp_path, "GOOG", GOOG_MAP)
    write_factor_file(tmp_path, "GOOG", [(date(2014, 3, 27), 1, 0.997307), (date(2015, 4, 24), 1, 0.5), (date(2050, 12, 31), 1, 1)])
    before, after, split = date(2014, 4, 2), date(2014, 4, 3), date(2015, 4, 27)
    _minute_trades(tmp_path, "goocv", before, 560.0)
    _minute_trades(tmp_path, "goog", after, 570.0)
    _minute_trades(tmp_path, "goog", split, 1100.0)
    _minute_trades(tmp_path, "goog", before, 1135.0)  # what `goog` meant then (today's GOOGL): not GOOG's data
    data = LeanDataFolder(tmp_path)
    assert data.days_of("GOOG") == [before, after, split]
    assert "GOOG" in data.underlyings()
    assert [_last(data, "GOOG", d) for d in (before, after, split)] == [560.0, 570.0, 1100.0]  # raw until asked
    data.subscribe("GOOG", normalization="adjusted")
    assert _last(data, "GOOG", before) == pytest.approx(560.0 * 0.5)
    assert _last(data, "GOOG", split) == 1100.0
    data.subscribe("GOOG", normalization="raw")
    assert _last(data, "GOOG", before) == 560.0


def test_quote_sizes_are_divided_by_the_factor(tmp_path: Path) -> None:
    day = date(2024, 1, 2)
    write_factor_file(tmp_path, "SPY", [(day, 1, 0.25), (date(2050, 12, 31), 1, 1)])
    row = [[9.5 * 3_600_000, 10.0, 10.0, 10.0, 10.0, 101, 10.2, 10.2, 10.2, 10.2, 7]]
    lf.write_zip(lf.equity_zip(tmp_path, "SPY", day, "quote"),
                 [("20240102_spy_minute_quote.csv", lf.format_rows(row, lf.QUOTE_PRICE_COLUMNS))])
    data = LeanDataFolder(tmp_path)
    data.subscribe("SPY", normalization="split_adjusted")
    quote = data.quote(SecurityKey("SPY"), datetime(2024, 1, 2, 15, 0, tzinfo=UTC))
    assert quote is not None
    assert (quote.bid, quote.ask, quote.bid_size, quote.ask_size) == (2.5, 2.55, 404, 28)


@pytest.mark.skipif(not (SAMPLE / "equity" / "usa" / "map_files").is_dir(), reason=f"LEAN sample data not found at {SAMPLE}")
def test_lean_own_goog_and_spy_files() -> None:
    goog = lc.read_map_file(SAMPLE, "GOOG")
    assert goog is not None and goog.ticker_on(date(2014, 4, 2)) == "goocv" and goog.ticker_on(date(2015, 12, 24)) == "goog"
    googl = lc.read_map_file(SAMPLE, "GOOGL")
    assert googl is not None and googl.ticker_on(date(2014, 4, 2)) == "goog"
    factors = lc.read_factor_file(SAMPLE, "GOOG")
    assert factors is not None
    assert factors.price_scale(date(2014, 4, 2), "adjusted") == pytest.approx(0.997307)
    assert factors.price_scale(date(2015, 12, 24), "adjusted") == 1.0
    spy = lc.read_factor_file(SAMPLE, "SPY")
    assert spy is not None and spy.price_scale(date(1998, 1, 2), "adjusted") == pytest.approx(0.6566606)
    data = LeanDataFolder(SAMPLE)
    data.subscribe("GOOG", normalization="adjusted")
    assert data.days_of("GOOG")[:3] == [date(2015, 12, 23), date(2015, 12, 24), date(2015, 12, 28)]
