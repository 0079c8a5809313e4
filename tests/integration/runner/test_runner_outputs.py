"""The command line: `python -m leansim run main.py ...` prints the report and writes report.txt
and a valid PNG chart."""

from __future__ import annotations

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
    assert (args.days, args.faults, args.seed, args.naive, str(args.out)) == (60, "mixed", 7, True, "out")


def test_bad_parameter_syntax_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(MAIN), "--param", "no-equals-sign", "--out", str(tmp_path)]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
