"""LEAN's minute-resolution file format for US equities, indexes and their options: paths, names, rows.

Layout under a data folder (lean.json's `data-folder`), as Common/Util/LeanData.cs names it:
    equity/usa/minute/<ticker>/<yyyymmdd>_{quote,trade}.zip          one CSV inside
    index/usa/minute/<ticker>/<yyyymmdd>_trade.zip                   one CSV inside (SPX)
    option/usa/minute/<ticker>/<yyyymmdd>_{quote,trade,openinterest}_american.zip
    indexoption/usa/minute/<option ticker>/<yyyymmdd>_{quote,trade,openinterest}_european.zip
        one CSV per contract, named
        {date}_{ticker}_minute_{kind}_{style}_{right}_{strike*10000}_{expiry}.csv
An index option's folder and member names carry the option ticker (spxw), not the index's (spx).
Rows start with milliseconds since midnight in the data's time zone (New York; Chicago for
indexes); a bar row is stamped with the START of its minute (LEAN emits it at start + 1 minute).
Prices are integers scaled by 10,000, except index prices, written in dollars (TradeBar.ParseIndex
reads them unscaled, Common/Data/Market/TradeBar.cs); an empty field is a missing side. Quote rows: ms, bid OHLC, last bid size, ask OHLC, last ask size.
Trade rows: ms, OHLC, volume. Open interest rows: ms, open interest.

The writer exists so tests (and exports of synthetic data) can produce folders LEAN would read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from leansim.market.base import Right

Kind = Literal["quote", "trade", "openinterest"]
PRICE_SCALE = 10_000
BAR_MS = 60_000  # one minute: a bar is known at its stamp + BAR_MS
QUOTE_COLUMNS = 11
TRADE_COLUMNS = 6
OPEN_INTEREST_COLUMNS = 2

FloatMatrix = npt.NDArray[np.float64]
_OPTION_MEMBER = re.compile(
    r"^(?P<date>\d{8})_(?P<ticker>[a-z0-9.]+)_minute_(?P<kind>quote|trade|openinterest)_(?:american|european)_"
    r"(?P<right>call|put)_(?P<strike>\d+)_(?P<expiry>\d{8})\.csv$"
)


@dataclass(frozen=True)
class OptionMember:
    """What an option CSV's name says: the contract, with its strike kept as LEAN's integer."""

    right: Right
    strike_scaled: int  # strike * 10,000, exact
    expiry: date

    @property
    def strike(self) -> float:
        return self.strike_scaled / PRICE_SCALE


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_ymd(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def equity_zip(root: Path, ticker: str, day: date, kind: Kind) -> Path:
    return root / "equity" / "usa" / "minute" / ticker.lower() / f"{ymd(day)}_{kind}.zip"


def index_zip(root: Path, ticker: str, day: date) -> Path:
    return root / "index" / "usa" / "minute" / ticker.lower() / f"{ymd(day)}_trade.zip"


def option_zip(root: Path, ticker: str, day: date, kind: Kind) -> Path:
    return root / "option" / "usa" / "minute" / ticker.lower() / f"{ymd(day)}_{kind}_american.zip"


def index_option_zip(root: Path, option_ticker: str, day: date, kind: Kind) -> Path:
    return root / "indexoption" / "usa" / "minute" / option_ticker.lower() / f"{ymd(day)}_{kind}_european.zip"


def parse_option_member(name: str) -> OptionMember | None:
    """The contract an option CSV holds, or None for a name that is not one."""
    match = _OPTION_MEMBER.match(name.rsplit("/", 1)[-1])
    if match is None:
        return None
    right: Right = "call" if match["right"] == "call" else "put"
    return OptionMember(right, int(match["strike"]), parse_ymd(match["expiry"]))


def option_member_name(
    ticker: str, day: date, kind: Kind, right: Right, strike: float, expiry: date, style: str = "american"
) -> str:
    """The CSV name LEAN gives a contract's rows inside an option zip (`style` european for index options)."""
    scaled = round(strike * PRICE_SCALE)
    return f"{ymd(day)}_{ticker.lower()}_minute_{kind}_{style}_{right}_{scaled}_{ymd(expiry)}.csv"


def parse_rows(text: bytes, columns: int) -> FloatMatrix:
    """CSV rows as a float matrix of `columns` columns (extra ones dropped); empty cells are NaN."""
    if not text.strip():
        return np.empty((0, columns))
    frame = pd.read_csv(
        io.BytesIO(text),
        header=None,
        names=range(columns),
        usecols=range(columns),
        dtype=np.float64,
    )
    return np.asarray(frame.to_numpy(), dtype=np.float64)


def read_single(path: Path, columns: int) -> FloatMatrix:
    """The rows of an equity zip (its one CSV); an empty matrix when the file is absent."""
    if not path.exists():
        return np.empty((0, columns))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        return parse_rows(archive.read(names[0]), columns) if names else np.empty((0, columns))


def read_members(path: Path, columns: int) -> tuple[list[OptionMember], FloatMatrix]:
    """Every contract of an option zip and all their rows in one matrix.

    Column 0 of the matrix is the contract's index in the list, the row's own columns follow;
    rows are sorted by contract then time. One parse for the whole zip (a real chain holds
    thousands of small CSVs) keeps a day's load well under a second.
    """
    if not path.exists():
        return [], np.empty((0, columns + 1))
    members: list[OptionMember] = []
    parts: list[bytes] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            member = parse_option_member(name)
            text = archive.read(name).replace(b"\r", b"").strip() if member else b""
            if member is None or not text:
                continue
            prefix = b"%d," % len(members)
            parts.append(prefix + text.replace(b"\n", b"\n" + prefix) + b"\n")
            members.append(member)
    rows = parse_rows(b"".join(parts), columns + 1)
    order = np.lexsort((rows[:, 1], rows[:, 0]))
    return members, rows[order]


# --- writing -----------------------------------------------------------------------------------


def format_rows(rows: Iterable[Sequence[float | None]], price_columns: Sequence[int]) -> bytes:
    """CSV text for rows given in dollars: prices scaled by 10,000, None written empty."""
    out = io.StringIO()
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if cell is None:
                cells.append("")
            elif i in price_columns:
                cells.append(str(round(cell * PRICE_SCALE)))
            else:
                cells.append(str(int(cell)))
        out.write(",".join(cells) + "\n")
    return out.getvalue().encode("ascii")


QUOTE_PRICE_COLUMNS = (1, 2, 3, 4, 6, 7, 8, 9)
TRADE_PRICE_COLUMNS = (1, 2, 3, 4)


def write_zip(path: Path, members: Iterable[tuple[str, bytes]]) -> Path:
    """A zip of CSV members, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(name, text)
    return path
