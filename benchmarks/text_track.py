"""Measure filterkit on the held-out benchmark pages: ``python -m benchmarks.text_track``.

Prints, per held-out set (text track), word F1 / precision / recall of filterkit beside
two baselines (keep every block; a C4-style line filter keeping lines that end in
terminal punctuation and have at least three words), filterkit's pages/s in batch mode
in this process (model and dictionaries loaded before the clock starts; timed over at
least ``training.evaluation.MIN_TIMED_SECONDS``, repeating a small set), the CLI's cold
start on the seed page and on an English-only page, and the peak memory of the CLI on
a 20 MB page. Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filterkit import ContentFilter
from filterkit.decision import describe
from filterkit.paragraphs import split_paragraphs
from training import benchmarks
from training.evaluation import held_out_sets, measure, page_type_table, warm_up
from training.scoring import macro_score, scoring_tokens

SEED_PAGE = benchmarks.SHARED_DATA.parent / "examples" / "seed-page.txt"
C4_TERMINAL = re.compile(r"""[.!?。！？]["'’”]?$""")
BIG_PAGE_BYTES = 20 * 1024 * 1024
COLD_RUNS = 3  # cold start is the best of this many runs, as a user's second try would see


def keep_all(text: str) -> str:
    return "\n".join(segment.text for segment in split_paragraphs(text))


def c4_lines(text: str) -> str:
    return "\n".join(s.text for s in split_paragraphs(text)
                     if C4_TERMINAL.search(s.text) and len(scoring_tokens(s.text)) >= 3)


# Runs the CLI and reports the peak resident memory of that process alone. The kernel's
# rusage of a child also counts the memory it shared with this (large) process between
# fork and exec, so the child reads its own high-water mark (VmHWM, counted from exec).
_CLI_WITH_PEAK = """
import sys
from filterkit.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as status:
        peak = next((line.split()[1] for line in status if line.startswith("VmHWM:")), "0")
    sys.stderr.write(f"peak-kb {peak}\\n")
sys.exit(code)
"""


def cli_run(args: list[str], stdin_path: Path) -> tuple[float, int]:
    """(wall seconds, peak resident memory in MB) of one run of the filterkit CLI (Linux: reads /proc)."""
    with stdin_path.open("rb") as stdin:
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-c", _CLI_WITH_PEAK, *args], stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, check=True, text=True)
        elapsed = time.perf_counter() - started
    peak = re.search(r"^peak-kb (\d+)$", run.stderr, re.MULTILINE)
    return elapsed, int(peak.group(1)) // 1024 if peak else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.text_track", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: the shipped model)")
    parser.add_argument("--skip-cli", action="store_true", help="leave out the cold-start and 20 MB runs")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found")
    content_filter = ContentFilter(args.model)
    warm_up()

    text_model = content_filter.load("text")
    print(f"text track, held-out pages, {describe(text_model.track, text_model.threshold)}")
    print(f"{'set':15s} {'extractor':12s} {'F1':>6s} {'P':>6s} {'R':>6s} {'pages':>6s} {'pages/s':>8s}")
    sets = held_out_sets()
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for name, pages in sets.items():
        texts, golds = [p.rendering() for p in pages], [p.gold for p in pages]
        outputs: dict[str, list[str]] = {}
        for label, extractor in (("keep-all", keep_all), ("C4-lines", c4_lines)):
            outputs[label] = [extractor(t) for t in texts]
            score = macro_score(list(zip(outputs[label], golds)))
            print(f"{name:15s} {label:12s} {score.f1:6.3f} {score.precision:6.3f} {score.recall:6.3f} {score.pages:6d}")
        result = measure(content_filter, pages)
        outputs["filterkit"] = result.extracted
        s = result.score
        print(f"{name:15s} {'filterkit':12s} {s.f1:6.3f} {s.precision:6.3f} {s.recall:6.3f} {s.pages:6d} "
              f"{result.pages_per_second:8.1f}")
        for line in page_type_table(name, pages, outputs):
            print(line)
        language = "Chinese" if name.endswith("zh") else "English"
        seconds[language] = seconds.get(language, 0.0) + len(pages) / result.pages_per_second
        counts[language] = counts.get(language, 0) + len(pages)
    for language, total in seconds.items():
        print(f"batch speed, all held-out {language} renderings: {counts[language] / total:.1f} pages/s")
    if args.skip_cli:
        return 0

    model_args = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory() as scratch:
        english = Path(scratch) / "english.txt"
        english.write_text(sets["wcxb-dev"][0].rendering(), encoding="utf-8")
        big = Path(scratch) / "big.txt"
        with big.open("w", encoding="utf-8") as stream:
            pages = sets["wcxb-dev"] + sets["magic-html zh"]
            written = 0
            while written < BIG_PAGE_BYTES:
                for page in pages:
                    text = page.rendering()
                    stream.write(text)
                    written += len(text.encode("utf-8"))
                    if written >= BIG_PAGE_BYTES:
                        break
        for label, path in (("seed page (English + Chinese)", SEED_PAGE), ("English-only page", english)):
            best = min(cli_run(model_args, path)[0] for _ in range(COLD_RUNS))
            print(f"cold start, filterkit < {label}: {best:.2f} s (best of {COLD_RUNS})")
        elapsed, peak = cli_run(model_args, big)
        print(f"20 MB page ({big.stat().st_size / 1e6:.1f} MB): {elapsed:.1f} s, peak memory {peak} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
