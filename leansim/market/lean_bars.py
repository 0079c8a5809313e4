"""LEAN's hour and daily file format for US equities, indexes and their options: paths, names, rows.

Layout, as Common/Util/LeanData.cs names it (GenerateRelativeZipFileDirectory, GenerateZipFileName,
GenerateZipEntryName for Resolution.Hour and Resolution.Daily): no per-ticker folder, and one file
for all days (a year of them for options):
    equity/usa/{hour,daily}/<ticker>.zip                holding <ticker>.csv (trades only: LEAN has
                                                         no hour or daily equity quotes, LeanData.IsValidConfiguration)
    index/usa/{hour,daily}/<ticker>.zip                 likewise, prices in dollars
    option/usa/{hour,daily}/<ticker>_<yyyy>_{quote,trade,openinterest}_american.zip
    indexoption/usa/{hour,daily}/<option ticker>_<yyyy>_{...}_european.zip
        one CSV per contract: <ticker>_<kind>_<style>_<right>_<strike*10000>_<expiry>.csv
Rows start with `yyyyMMdd HH:mm` in the data's time zone instead of milliseconds; the other columns
are those of minute rows (lean_format). An hour bar stamped 09:00 holds 09:30-10:00 and ends at 10:00;
a daily bar is stamped at midnight and, with LEAN's default `daily_precise_end_time`, spans the
regular session and ends at its close (LeanData.SetStrictEndTimes, Common/AlgorithmSettings.cs).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from leansim.market import lean_format as lf
from leansim.market.base import BarResolution

RESOLUTIONS: tuple[BarResolution, ...] = ("minute", "hour", "daily")
HOUR_MS = 3_600_000
FloatMatrix = lf.FloatMatrix
_OPTION_MEMBER = re.compile(
    r"^(?P<ticker>[a-z0-9.]+)_(?P<kind>quote|trade|openinterest)_(?:american|european)_"
    r"(?P<right>call|put)_(?P<strike>\d+)_(?P<expiry>\d{8})\.csv$"
)
_OPTION_FILE = re.compile(r"^(?P<ticker>[a-z0-9.]+)_(?P<year>\d{4})_(?P<kind>quote|trade|openinterest)_")


def bar_zip(root: Path, folder: str, ticker: str, resolution: BarResolution) -> Path:
    """An equity's or index's hour/daily zip (`folder`: equity or index)."""
    return root / folder / "usa" / resolution / f"{ticker.lower()}.zip"


def option_bar_zip(root: Path, folder: str, ticker: str, year: int, resolution: BarResolution, kind: lf.Kind) -> Path:
    """An option ticker's hour/daily zip of one year (`folder`: option or indexoption)."""
    style = "european" if folder == "indexoption" else "american"
    return root / folder / "usa" / resolution / f"{ticker.lower()}_{year}_{kind}_{style}.zip"


def option_bar_years(root: Path, folder: str, ticker: str, resolution: BarResolution) -> list[int]:
    """The years `ticker` has hour/daily option zips for, in order."""
    base = root / folder / "usa" / resolution
    if not base.is_dir():
        return []
    matches = (_OPTION_FILE.match(f.name) for f in base.iterdir())
    return sorted({int(m["year"]) for m in matches if m and m["ticker"] == ticker.lower()})


def option_bar_member_name(ticker: str, kind: lf.Kind, right: str, strike: float, expiry: date, style: str = "american") -> str:
    """The CSV name LEAN gives a contract's rows inside an hour/daily option zip (no date prefix)."""
    return f"{ticker.lower()}_{kind}_{style}_{right}_{round(strike * lf.PRICE_SCALE)}_{lf.ymd(expiry)}.csv"


def parse_bar_rows(text: bytes, columns: int, leading: int = 0) -> FloatMatrix:
    """Rows as a float matrix: `leading` numeric columns as written, yyyyMMdd, ms since that
    midnight, then the row's other `columns - 1` columns (extra ones dropped); empty cells are NaN."""
    width = leading + columns
    if not text.strip():
        return np.empty((0, width + 1))
    frame = pd.read_csv(io.BytesIO(text), header=None, names=range(width), usecols=range(width),
                        dtype={i: (str if i == leading else np.float64) for i in range(width)})
    stamps = frame[leading]
    bad = ~stamps.str.fullmatch(r"\d{8} \d{2}:\d{2}")
    if bad.any():
        raise ValueError(f"{stamps[bad].iloc[0]!r} is not a `yyyyMMdd HH:mm` bar time")
    day = stamps.str.slice(0, 8).astype(np.int64).to_numpy(np.float64)
    hours, minutes = stamps.str.slice(9, 11).astype(np.int64), stamps.str.slice(12, 14).astype(np.int64)
    ms = ((hours * 60 + minutes) * 60_000).to_numpy(np.float64)
    before = frame.iloc[:, :leading].to_numpy(np.float64)
    after = frame.iloc[:, leading + 1:].to_numpy(np.float64)
    return np.column_stack([before, day, ms, after])


def read_bar_file(path: Path, columns: int) -> FloatMatrix:
    """The rows of an equity or index hour/daily zip; an empty matrix when the file is absent."""
    if not path.exists():
        return np.empty((0, columns + 1))
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        return parse_bar_rows(archive.read(names[0]), columns) if names else np.empty((0, columns + 1))


def read_bar_members(path: Path, columns: int) -> tuple[list[lf.OptionMember], FloatMatrix]:
    """Every contract of an hour/daily option zip and all their rows: contract index, yyyyMMdd, ms,
    then the row's values (as lean_format.read_members, with the date split off)."""
    if not path.exists():
        return [], np.empty((0, columns + 2))
    members: list[lf.OptionMember] = []
    parts: list[bytes] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            match = _OPTION_MEMBER.match(name.rsplit("/", 1)[-1])
            text = archive.read(name).replace(b"\r", b"").strip() if match else b""
            if match is None or not text:
                continue
            prefix = b"%d," % len(members)
            parts.append(prefix + text.replace(b"\n", b"\n" + prefix) + b"\n")
            members.append(lf.OptionMember("call" if match["right"] == "call" else "put", int(match["strike"]),
                                           lf.parse_ymd(match["expiry"])))
    return members, parse_bar_rows(b"".join(parts), columns, leading=1)


def format_bar_rows(rows: Iterable[tuple[datetime, Sequence[float | None]]], price_columns: Sequence[int]) -> bytes:
    """CSV text of (bar time, values) rows, values in dollars with `price_columns` counted as in a
    minute row (column 0 being the time): the writer of tests and exports."""
    listed = list(rows)
    lines = lf.format_rows((values for _, values in listed), [c - 1 for c in price_columns]).decode().splitlines()
    return "".join(f"{t:%Y%m%d %H:%M},{line}\n" for (t, _), line in zip(listed, lines, strict=True)).encode("ascii")
