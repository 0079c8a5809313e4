"""The command line: `python -m leansim run main.py ...` prints the report and writes report.txt
and a valid PNG chart."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from runner_kit import MAIN

from leansim.__main__ import build_parser, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_cli_writes_the_report_and_a_valid_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["run", str(MAIN), "--days", "5", "--faults", "rejections", "--seed", "3",
                 "--entry-days", "monday,wednesday,friday", "--out", str(out), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "atomic" in printed and "naive" in printed and "groups attempted" in printed
    text = (out / "report.txt").read_text()
    assert text.splitlines()[0].startswith("Scenario run of main.py (AtomicOptionsAlgorithm)")
    png = (out / "report.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 10_000
    import matplotlib.image

    image = matplotlib.image.imread(out / "report.png")
    assert image.shape[0] > 400 and image.shape[1] > 600


def test_defaults_are_the_readme_demo() -> None:
    args = build_parser().parse_args(["run", "main.py"])
    assert (args.days, args.faults, args.seed, args.naive, args.out) == (60, "mixed", 7, True, None)


def test_bad_parameter_syntax_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MAIN), "--param", "no-equals-sign", "--out", str(tmp_path)]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "sentence"),
    [
        (["--start", "2024-02-01", "--end", "2024-01-01"], "error: the end date 2024-01-01 is before the start date 2024-02-01"),
        (["--cash", "-5"], "error: the starting cash must not be negative, got -5"),
        (["--data-folder", "no/such/folder"], "error: the data folder no/such/folder does not exist"),
        (["--param", "chaos=maybe"], "error: parameter 'chaos' must be true or false (or 1/0, yes/no, on/off), got 'maybe'"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(arguments: list[str], sentence: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MAIN), "--no-naive", "--out", str(tmp_path), *arguments]) == 2
    assert capsys.readouterr().err.strip() == sentence


def test_a_range_without_a_session_runs_initialize_and_no_trading_day(tmp_path: Path) -> None:
    # As LEAN over a weekend: initialize, no time slice, on_end_of_algorithm; nothing traded.
    assert main(["run", str(MAIN), "--no-naive", "--no-progress", "--out", str(tmp_path),
                 "--start", "2024-01-06", "--end", "2024-01-07"]) == 0
    statistics = json.loads((tmp_path / "statistics.json").read_text())
    assert (statistics["Total Orders"], statistics["End Equity"], statistics["Sharpe Ratio"]) == ("0", "100000", "0")


def test_a_parameter_the_algorithm_never_reads_is_warned_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MAIN), "--days", "1", "--no-naive", "--no-progress", "--out", str(tmp_path),
                 "--param", "colour=blue", "--param", "wing-width=5"]) == 0
    warning = "warning: parameter 'colour' was never read by the algorithm (no get_parameter asked for it)"
    printed = capsys.readouterr()
    assert printed.err.strip() == warning
    assert warning in printed.out  # the report's notes
