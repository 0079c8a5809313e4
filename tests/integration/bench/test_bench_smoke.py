"""Every benchmark at a tiny size, so the bench package keeps working: figures come out and are sane.

Nothing here checks speed or targets (a MISS is a finding, not a failure).
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from bench import campaign, history, latency, recovery_bench, store_io
from bench.__main__ import main
from bench.report import Section, Verdict, summary
from config import AtomicConfig


def assert_sane(section: Section) -> None:
    assert section.figures, f"{section.title}: no figures"
    for figure in section.figures:
        assert figure.verdict in Verdict
        assert figure.text or (math.isfinite(figure.value) and figure.value >= 0), figure
        assert figure.label in figure.line()
    assert summary([section], 1.0)


def values(section: Section, label_part: str) -> list[float]:
    return [f.value for f in section.figures if label_part in f.label]


def test_latency_times_events_groups_and_the_naive_loop() -> None:
    section = latency.run(3)

    assert_sane(section)
    assert all(v > 0 for v in values(section, "median"))
    assert len(values(section, "per event")) == 4  # median and p90, backtest and live


def test_history_packs_the_archive_with_small_caps() -> None:
    config = replace(AtomicConfig(), archive_pack_size=3, history_in_memory=3)

    section = history.run((2, 4, 30), measured_groups=2, config=config)

    assert_sane(section)
    assert len(values(section, "finished: median")) == 18  # three levels, backtest and live; events, records, saves
    assert len(values(section, "ObjectStore.save alone")) == len(values(section, "group record save")) == 6


def test_store_io_counts_saves_per_group() -> None:
    section = store_io.run(2)

    assert_sane(section)
    assert all(v >= 1 for v in values(section, "saves per group"))


def test_recovery_bench_crashes_restarts_and_times_recovery() -> None:
    section = recovery_bench.run(archived=12)

    assert_sane(section)
    assert values(section, "check_and_recover")[0] > 0
    assert any("2 open" in f.label for f in section.figures)


def test_campaign_plays_every_scenario_in_every_mode() -> None:
    section = campaign.run(3, workers=1)

    assert_sane(section)
    outcomes = [f for f in section.figures if f.label.endswith("outcomes")]
    assert len(outcomes) == 6 and all(f.value == 3 for f in outcomes)


def test_scenarios_are_reproducible() -> None:
    assert campaign.scenario(42) == campaign.scenario(42)


@pytest.mark.parametrize("argv", [["--only", "4"]])
def test_command_line_prints_figures_and_a_summary(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0

    out = capsys.readouterr().out
    assert "saves per group" in out and "== summary" in out
