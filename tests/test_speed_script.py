"""benchmarks.speed on three pages: the shape of its figures, not their values (timings are the script's job)."""
import json
import statistics

import pytest

from conftest import needs_shared

pytest.importorskip("trafilatura")  # the script's baseline, installed with the test and compare extras


def _positive(values):
    return all(isinstance(value, float) and value > 0 for value in values)


@needs_shared
def test_throughput_figures_and_ratios(tmp_path, monkeypatch):
    from benchmarks import speed

    monkeypatch.setattr(speed, "MIN_ROUND_SECONDS", 0.0)  # one pass per round: shape, not timing
    out = tmp_path / "speed.json"
    assert speed.main(["--pages", "3", "--rounds", "2", "--no-busy", "--cold-runs", "0", "--json", str(out)]) == 0
    figures = json.loads(out.read_text(encoding="utf-8"))

    assert list(figures["throughput"]) == ["idle"]
    idle = figures["throughput"]["idle"]
    assert set(idle) == {speed.BATCH, speed.SINGLE, speed.MARKDOWN, speed.TRAFILATURA, speed.TEXT_EN, speed.TEXT_ZH}
    for name, figure in idle.items():
        assert len(figure["rounds"]) == 2 and _positive(figure["rounds"]), name
        assert figure["median"] == statistics.median(figure["rounds"])
        assert figures["pages"][name] == 3
    for name in (speed.BATCH, speed.SINGLE):
        ratio = figures["ratios"]["idle"][f"{name} / trafilatura"]
        expected = [ours / theirs for ours, theirs in zip(idle[name]["rounds"], idle[speed.TRAFILATURA]["rounds"])]
        assert ratio["rounds"] == pytest.approx(expected)
        assert ratio["median"] == pytest.approx(statistics.median(expected))
    assert figures["busy_over_idle"] == {} and figures["cold_start"] == {}
    assert figures["machine_before"]["cpus"] >= 1 and figures["machine_before"]["uptime"]


@needs_shared
def test_cold_start_figures(tmp_path):
    from benchmarks import speed

    html, text = tmp_path / "page.html", tmp_path / "page.txt"
    html.write_text("<html><body><p>A short page written for this test.</p></body></html>", encoding="utf-8")
    text.write_text("A short page written for this test.\n", encoding="utf-8")
    commands = speed.cold_commands(html, text)
    assert any("trafilatura" in label for label in commands)
    assert sum("seed-page.txt" in label for label in commands) >= 1
    quick = {label: command for label, command in commands.items() if label.endswith(("--version", "--help"))}
    assert len(quick) == 2
    figures = speed.summary({}, speed.cold_starts(quick, 2, ("idle",)))["cold_start"]["idle"]
    for label, figure in figures.items():
        assert len(figure["runs"]) == 2 and _positive(figure["runs"]), label
        assert figure["best"] == min(figure["runs"]) and figure["median"] == statistics.median(figure["runs"])


def test_busy_processes_end_whatever_happens():
    from benchmarks.speed import load

    with pytest.raises(KeyboardInterrupt):
        with load("busy", 2) as busy:
            assert len(busy) == 2 and all(process.poll() is None for process in busy)
            raise KeyboardInterrupt
    assert all(process.poll() is not None for process in busy)
