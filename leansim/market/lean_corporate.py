"""LEAN's map files and factor files: which folder ticker holds a company's data on a date, and how
its prices are scaled for splits and dividends.

    equity/usa/map_files/<ticker>.csv      rows `yyyyMMdd,ticker,exchange`
    equity/usa/factor_files/<ticker>.csv   rows `yyyyMMdd,price_factor,split_factor,reference_price`

Both files are named by the map file's permtick, the company's ticker today (goog.csv for GOOG,
whose data before 2014-04-03 sits under `goocv`). A ticker names the map file it is today's ticker
of, as `ResolveMapFile(ticker, DateTime.Today)` finds it (Common/SecurityIdentifier.cs,
GetFirstTickerAndDate); a ticker with no map file keeps its own name.

Map file (Common/Data/Auxiliary/MapFile.cs, GetMappedSymbol and HasData): on date D the folder
ticker is that of the first row dated on or after D; before the first row and after the last
(delisting) there is no data. Factor file (Common/Data/Auxiliary/CorporateFactorProvider.cs,
GetPriceFactor; CorporateFactorRow.cs): the factor of date D is that of the first row dated on or
after D, 1 past the last row; rows with a zero factor or written as `inf`/`e+` are skipped. ADJUSTED
uses price_factor * split_factor, SPLIT_ADJUSTED split_factor alone, RAW leaves prices as written
(Common/Extensions.cs, Normalize: prices times the factor, volumes divided by it and rounded).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from leansim.market.base import Normalization
from leansim.market.lean_format import parse_ymd

NORMALIZATIONS: tuple[Normalization, ...] = ("raw", "adjusted", "split_adjusted")


class CorporateFileError(ValueError):
    """A map or factor file row LEAN could not read; the message names the file and the row."""


@dataclass(frozen=True)
class MapFile:
    """A company's folder tickers over time, rows sorted by date."""

    permtick: str
    dates: tuple[date, ...]
    tickers: tuple[str, ...]

    def ticker_on(self, day: date) -> str | None:
        """The folder ticker (lower case) of `day`, None outside the file's dates."""
        at = bisect.bisect_left(self.dates, day)
        if at == len(self.dates) or day < self.dates[0]:
            return None
        return self.tickers[at]


@dataclass(frozen=True)
class FactorFile:
    """A company's price and split factors, rows sorted by date."""

    dates: tuple[date, ...]
    price_factors: tuple[float, ...]
    split_factors: tuple[float, ...]

    def price_scale(self, day: date, normalization: Normalization) -> float:
        """What `day`'s raw prices are multiplied by in `normalization`."""
        if normalization == "raw":
            return 1.0
        at = bisect.bisect_left(self.dates, day)
        if at == len(self.dates):
            return 1.0
        split = self.split_factors[at]
        return split if normalization == "split_adjusted" else self.price_factors[at] * split


def map_file_path(root: Path, ticker: str) -> Path:
    return root / "equity" / "usa" / "map_files" / f"{ticker.lower()}.csv"


def factor_file_path(root: Path, permtick: str) -> Path:
    return root / "equity" / "usa" / "factor_files" / f"{permtick.lower()}.csv"


def read_map_file(root: Path, ticker: str) -> MapFile | None:
    """`ticker`'s map file, None when the folder has none."""
    path = map_file_path(root, ticker)
    if not path.is_file():
        return None
    rows = sorted((_date(path, cells[0]), cells[1].strip().lower()) for cells in _rows(path, 2))
    return MapFile(ticker.upper(), tuple(d for d, _ in rows), tuple(t for _, t in rows))


def read_factor_file(root: Path, permtick: str) -> FactorFile | None:
    """The factor file named by `permtick`, None when the folder has none."""
    path = factor_file_path(root, permtick)
    if not path.is_file():
        return None
    rows = []
    for cells in _rows(path, 3):
        if any("inf" in cell or "e+" in cell for cell in cells):
            continue  # CorporateFactorRow.Parse: a precision-losing factor is skipped
        try:
            price, split = float(cells[1]), float(cells[2])
        except ValueError as error:
            raise CorporateFileError(f"{path}: unreadable factor row {','.join(cells)!r}") from error
        if price * split > 0:
            rows.append((_date(path, cells[0]), price, split))
    rows.sort()
    return FactorFile(tuple(r[0] for r in rows), tuple(r[1] for r in rows), tuple(r[2] for r in rows))


def _rows(path: Path, width: int) -> list[list[str]]:
    rows = [line.split(",") for line in path.read_text().splitlines() if line.strip()]
    short = next((row for row in rows if len(row) < width), None)
    if short is not None:
        raise CorporateFileError(f"{path}: row {','.join(short)!r} has fewer than {width} fields")
    return rows


def _date(path: Path, text: str) -> date:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        raise CorporateFileError(f"{path}: {text!r} is not a yyyyMMdd date")
    return parse_ymd(text)
