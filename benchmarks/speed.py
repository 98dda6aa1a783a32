"""filterkit beside trafilatura, idle and under load: ``python3 -m benchmarks.speed``.

Throughput, in this one process, on the same held-out pages (``training.evaluation.held_out_sets``):

- HTML: the wcxb-dev pages' HTML (decoded strings) through ``ContentFilter().filter_many``
  (batches), the same with each result's ``.markdown`` built, through ``.filter`` (page by
  page), and through ``trafilatura.extract(html)`` (its default settings);
- text: filterkit's batches on the English renderings (wcxb-dev and magic-html en) and on
  the Chinese ones (magic-html zh).

Every measurement runs ``--rounds`` times, idle and with ``BUSY_PROCESSES`` busy processes
that this script starts (and ends, whatever happens), the conditions and the measurements
interleaved so that a drift of the machine's own load hits all of them; each extractor sees
one warm-up page first, and filterkit's memo caches are emptied before every pass (a stream
of new pages never finds its sentences remembered). A set that takes less than
``MIN_ROUND_SECONDS`` is passed again within its round. Printed: pages/s per round and their
median, filterkit/trafilatura per round and the median of those, busy/idle of the medians.

Cold starts: wall time from process start to exit of the real commands, best and median of
``--cold-runs``: ``python3 -m filterkit`` and the installed ``filterkit`` on an English HTML
page, an English text page and the seed page, ``filterkit --version`` and ``--help``;
trafilatura's CLI (``trafilatura``) on the same HTML page; idle and busy.

``--profile`` instead runs cProfile over the HTML track and the Chinese text track and prints
where the time goes, by stage. ``--json FILE`` writes every figure. Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import importlib.util
import json
import os
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from training import benchmarks
from training.evaluation import forget_seen_pages, held_out_sets, page_input

if TYPE_CHECKING:
    from filterkit import ContentFilter

ROOT = Path(__file__).resolve().parents[1]
SEED_PAGE = benchmarks.SHARED_DATA.parent / "examples" / "seed-page.txt"
ROUNDS = 3
COLD_RUNS = 5
BUSY_PROCESSES = 2
WARM_PASSES_AT_MOST = 20  # over the Chinese pages, until the segmenter has switched (see warm_segmenter)
MIN_ROUND_SECONDS = 2.0  # the Chinese set alone takes under a second: one pass would be mostly noise
CONDITIONS = ("idle", "busy")
BATCH = "filterkit batches"
SINGLE = "filterkit page by page"
MARKDOWN = "filterkit batches + Markdown"
TRAFILATURA = "trafilatura"
TEXT_EN = "filterkit text, English"
TEXT_ZH = "filterkit text, Chinese"
# A busy process that also ends when this script's process is gone, however it went (even SIGKILL).
_BUSY_LOOP = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"


@dataclass(frozen=True)
class Job:
    """One throughput measurement: ``run`` extracts every page of a set once."""

    pages: int
    run: Callable[[], object]
    before_pass: Callable[[], None] = lambda: None  # off the clock, before every pass


def pages_per_second(job: Job) -> float:
    """Pages/s of one round: one pass over the set, more until MIN_ROUND_SECONDS have gone by."""
    elapsed, passes = 0.0, 0
    while passes == 0 or elapsed < MIN_ROUND_SECONDS:
        job.before_pass()
        started = time.perf_counter()
        job.run()
        elapsed += time.perf_counter() - started
        passes += 1
    return job.pages * passes / elapsed


def inputs(pages: int | None) -> dict[str, list[str]]:
    """The pages each measurement is given, read before any clock starts (first ``pages`` of each set)."""
    sets = held_out_sets()
    return {"html": [page_input(p, "html") for p in sets["wcxb-dev"][:pages]],
            "en": [page_input(p, "text") for p in (sets["wcxb-dev"] + sets["magic-html en"])[:pages]],
            "zh": [page_input(p, "text") for p in sets["magic-html zh"][:pages]]}


def jobs(pages: dict[str, list[str]]) -> dict[str, Job]:
    """The throughput measurements, each warmed up by one page."""
    import trafilatura

    from filterkit import ContentFilter

    content_filter = ContentFilter()

    def batches(texts: list[str], track: str) -> Callable[[], object]:
        return lambda: list(content_filter.filter_many(texts, format=track))

    html = pages["html"]
    made = {BATCH: Job(len(html), batches(html, "html"), forget_seen_pages),
            SINGLE: Job(len(html), lambda: [content_filter.filter(page, format="html") for page in html],
                        forget_seen_pages),
            MARKDOWN: Job(len(html), lambda: [result.markdown for result in content_filter.filter_many(html, format="html")],
                          forget_seen_pages),
            TRAFILATURA: Job(len(html), lambda: [trafilatura.extract(page) for page in html]),
            TEXT_EN: Job(len(pages["en"]), batches(pages["en"], "text"), forget_seen_pages),
            TEXT_ZH: Job(len(pages["zh"]), batches(pages["zh"], "text"), forget_seen_pages)}
    trafilatura.extract(html[0])
    content_filter.filter(html[0], format="html")
    content_filter.filter(pages["en"][0], format="text")
    warm_segmenter(content_filter, pages["zh"])
    return made


def warm_segmenter(content_filter: ContentFilter, chinese: list[str]) -> None:
    """Pass the Chinese pages until filterkit's segmenter is the one a long-running process uses.

    filterkit cuts Han runs with jieba first and switches to rjieba (where installed) after
    ``RJIEBA_AFTER_RUNS`` runs, when its 0.3-0.6 s import pays off: a round that paid for
    the switch would not be a warm figure.
    """
    from filterkit import tokens

    for _ in range(WARM_PASSES_AT_MOST):
        forget_seen_pages()
        list(content_filter.filter_many(chinese, format="text"))
        if not tokens._rjieba_due:
            return


@contextlib.contextmanager
def load(condition: str, processes: int = BUSY_PROCESSES) -> Iterator[list[subprocess.Popen]]:
    """Run the block idle, or ("busy") with ``processes`` CPU-bound processes (yielded), ended on the way out."""
    if condition == "idle":
        yield []
        return
    busy = [subprocess.Popen([sys.executable, "-c", _BUSY_LOOP]) for _ in range(processes)]
    try:
        time.sleep(0.2)  # until they spin (an interpreter starts in about 20 ms)
        yield busy
    finally:
        for process in busy:
            process.kill()
        for process in busy:
            process.wait()


def throughput(measured: dict[str, Job], rounds: int, conditions: tuple[str, ...]) -> dict[str, dict[str, list]]:
    """Pages/s of every job, per condition, one figure per round; the order turns round by round."""
    figures: dict[str, dict[str, list]] = {c: {name: [] for name in measured} for c in conditions}
    names = list(measured)
    for index in range(rounds):
        order = names if index % 2 == 0 else names[::-1]
        for condition in (conditions if index % 2 == 0 else conditions[::-1]):
            with load(condition):
                for name in order:
                    figures[condition][name].append(pages_per_second(measured[name]))
            print(f"round {index + 1}/{rounds} {condition}: "
                  + ", ".join(f"{name} {figures[condition][name][-1]:.1f}" for name in names), flush=True)
    return figures


def cold_commands(html_page: Path, text_page: Path) -> dict[str, tuple[list[str], Path | None]]:
    """label: (argv, stdin file or None) of every cold-start command."""
    bin_dir = Path(sys.executable).parent
    installed = shutil.which("filterkit", path=str(bin_dir))
    launchers = {"python3 -m filterkit": [sys.executable, "-m", "filterkit"]}
    if installed:
        launchers["filterkit"] = [installed]
    commands: dict[str, tuple[list[str], Path | None]] = {}
    for launcher, argv in launchers.items():
        commands[f"{launcher} < English HTML page"] = argv, html_page
        commands[f"{launcher} < English text page"] = argv, text_page
        commands[f"{launcher} < seed-page.txt"] = argv, SEED_PAGE
    launcher = "filterkit" if installed else "python3 -m filterkit"
    commands[f"{launcher} --version"] = [*launchers[launcher], "--version"], None
    commands[f"{launcher} --help"] = [*launchers[launcher], "--help"], None
    trafilatura = shutil.which("trafilatura", path=str(bin_dir))
    if trafilatura:
        commands["trafilatura < English HTML page"] = [trafilatura], html_page
    else:  # the package has no __main__: its CLI module is the command
        commands["python3 -m trafilatura.cli < English HTML page"] = ([sys.executable, "-m", "trafilatura.cli"],
                                                                      html_page)
    return commands


def wall_seconds(argv: list[str], stdin_path: Path | None) -> float:
    """Process start to exit of one run of a command, whose output is thrown away."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's filterkit, also for the installed script
    with open(stdin_path or os.devnull, "rb") as stdin:
        started = time.perf_counter()
        run = subprocess.run(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
        elapsed = time.perf_counter() - started
    if run.returncode != 0:
        last = (run.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"{' '.join(argv)} exited with {run.returncode}: {last}")
    return elapsed


def cold_starts(commands: dict[str, tuple[list[str], Path | None]], runs: int,
                conditions: tuple[str, ...]) -> dict[str, dict[str, list[float]]]:
    """Seconds of every run of every command, per condition; runs interleaved across commands and conditions."""
    figures: dict[str, dict[str, list[float]]] = {c: {label: [] for label in commands} for c in conditions}
    for index in range(runs):
        for condition in (conditions if index % 2 == 0 else conditions[::-1]):
            with load(condition):
                for label, (argv, stdin_path) in commands.items():
                    figures[condition][label].append(wall_seconds(argv, stdin_path))
        print(f"cold-start run {index + 1}/{runs} done", flush=True)
    return figures


def summary(speeds: dict[str, dict[str, list]], colds: dict[str, dict[str, list[float]]]) -> dict:
    """Every figure: per round and medians, ratios to trafilatura, busy/idle, cold starts' best and median."""
    result: dict = {"throughput": {}, "ratios": {}, "cold_start": {}, "busy_over_idle": {}}
    for condition, by_job in speeds.items():
        result["throughput"][condition] = {name: {"rounds": rounds, "median": statistics.median(rounds)}
                                           for name, rounds in by_job.items()}
        if TRAFILATURA in by_job:
            ratios = {}
            for name in (BATCH, SINGLE, MARKDOWN):
                per_round = [ours / theirs for ours, theirs in zip(by_job[name], by_job[TRAFILATURA])]
                ratios[f"{name} / trafilatura"] = {"rounds": per_round, "median": statistics.median(per_round)}
            result["ratios"][condition] = ratios
    for condition, by_command in colds.items():
        result["cold_start"][condition] = {label: {"runs": runs, "best": min(runs), "median": statistics.median(runs)}
                                           for label, runs in by_command.items()}
    if "busy" in speeds and "idle" in speeds:
        idle, busy = result["throughput"]["idle"], result["throughput"]["busy"]
        result["busy_over_idle"]["throughput"] = {name: busy[name]["median"] / idle[name]["median"] for name in idle}
        if "busy" in colds and "idle" in colds:
            idle_cold, busy_cold = result["cold_start"]["idle"], result["cold_start"]["busy"]
            result["busy_over_idle"]["cold_start_best"] = {label: busy_cold[label]["best"] / idle_cold[label]["best"]
                                                          for label in idle_cold}
    return result


def tables(figures: dict) -> list[str]:
    """The summary as Markdown tables."""
    lines: list[str] = []
    for condition, by_job in figures["throughput"].items():
        rounds = len(next(iter(by_job.values()))["rounds"])
        lines += ["", f"throughput, {condition} (pages/s)", "",
                  f"| measurement | pages | median | {' | '.join(f'round {i + 1}' for i in range(rounds))} |",
                  "|---|---|---|" + "---|" * rounds]
        for name, figure in by_job.items():
            lines.append(f"| {name} | {figures['pages'][name]} | {figure['median']:.1f} | "
                         + " | ".join(f"{value:.1f}" for value in figure["rounds"]) + " |")
        for name, ratio in figures["ratios"].get(condition, {}).items():
            lines.append(f"| {name} | | ×{ratio['median']:.2f} | "
                         + " | ".join(f"×{value:.2f}" for value in ratio["rounds"]) + " |")
    for condition, by_command in figures["cold_start"].items():
        lines += ["", f"cold start, {condition} (seconds, {len(next(iter(by_command.values()))['runs'])} runs)", "",
                  "| command | best | median |", "|---|---|---|"]
        lines += [f"| `{label}` | {figure['best']:.2f} | {figure['median']:.2f} |"
                  for label, figure in by_command.items()]
    busy_over_idle = figures["busy_over_idle"]
    if busy_over_idle:
        lines += ["", "busy / idle", "", "| figure | busy / idle |", "|---|---|"]
        lines += [f"| {name} pages/s (medians) | {ratio:.2f} |"
                  for name, ratio in busy_over_idle["throughput"].items()]
        lines += [f"| `{label}` cold start (best) | {ratio:.2f} |"
                  for label, ratio in busy_over_idle.get("cold_start_best", {}).items()]
    return lines


# --- where the time goes -------------------------------------------------------------------------

STAGES = ("decode", "parse", "DOM walk", "language", "tokens/jieba", "features", "tree prediction",
          "linear model, page types", "other")


def stage_of(path: str, name: str) -> str | None:
    """The stage a function's own time counts in; None for library code and builtins, which count
    in their callers' stages."""
    path = path.replace(os.sep, "/")
    if "/filterkit/" in path:
        module = path.rsplit("/", 1)[-1]
        if module == "decoding.py" or (module == "filter.py" and name in ("_read", "_valid_unicode")):
            return "decode"
        if module == "html_blocks.py":
            # parse_blocks' own time is mostly selectolax's parser, which cProfile sees no call to
            return "parse" if name in ("parse_blocks", "bounded_pieces", "_flattened") else "DOM walk"
        if module == "paragraphs.py":
            return "parse"
        if module in ("language.py", "language_profiles.py"):
            return "language"
        if module == "predictors.py":  # the numpy predictor of the trees, the linear model and page types
            return "linear model, page types" if name in ("predict_proba", "page_kind_probabilities") \
                else "tree prediction"
        if module in ("tokens.py", "chinese_dictionary.py"):
            return "tokens/jieba"
        return "other" if module in ("filter.py", "threads.py", "model_io.py") else "features"
    if "/langdetect/" in path:
        return "language"
    if "/jieba/" in path or "/rjieba" in path:
        return "tokens/jieba"
    if "/sklearn/ensemble/" in path:
        return "tree prediction"
    if "/sklearn/" in path:
        return "linear model, page types"
    if "/scipy/" in path:
        return "features"
    return None


def short_name(function: tuple) -> str:
    """``package/module.py:function`` for Python code; builtins as cProfile names them."""
    path, _, name = function
    if path == "~":
        return re.sub(r" at 0x[0-9a-f]+", "", name.removeprefix("<").removesuffix(">"))
    parts = Path(path).parts
    return f"{'/'.join(parts[-2:]) if 'site-packages' in parts or 'filterkit' in parts else parts[-1]}:{name}"


def stage_seconds(stats: pstats.Stats) -> tuple[dict[str, float], dict[str, list[tuple[float, str]]]]:
    """Own time by stage (a library function's own time shared among its callers' stages, in
    proportion to the time spent in it from each), and each stage's functions by own time."""
    table = stats.stats  # type: ignore[attr-defined]
    shares_of: dict[tuple, dict[str, float]] = {}

    def shares(function: tuple, seen: frozenset) -> dict[str, float]:
        if function in shares_of:
            return shares_of[function]
        stage = stage_of(function[0], function[2])
        if stage is not None:
            result = {stage: 1.0}
        else:
            callers = {caller: timing[2] for caller, timing in table[function][4].items()
                       if caller in table and caller not in seen and caller != function}
            total = sum(callers.values())
            result = {}
            for caller, seconds in callers.items():
                weight = seconds / total if total > 0 else 1 / len(callers)
                for caller_stage, share in shares(caller, seen | {function}).items():
                    result[caller_stage] = result.get(caller_stage, 0.0) + weight * share
            result = result or {"other": 1.0}
        shares_of[function] = result
        return result

    by_stage = {stage: 0.0 for stage in STAGES}
    functions: dict[str, list[tuple[float, str]]] = {stage: [] for stage in STAGES}
    for function, (_, _, own, _, _) in table.items():
        for stage, share in shares(function, frozenset()).items():
            by_stage[stage] += own * share
            functions[stage].append((own * share, short_name(function)))
    for listed in functions.values():
        listed.sort(reverse=True)
    return by_stage, functions


def profile(run: Callable[[], object], before_pass: Callable[[], None], passes: int) -> dict:
    """Stage shares of ``passes`` runs under cProfile, the garbage collector's time, and the run's
    seconds without the profiler (whose overhead inflates Python-heavy stages)."""
    before_pass()
    started = time.perf_counter()
    run()
    plain = time.perf_counter() - started
    collecting: list[float] = []
    gc_seconds = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting.append(time.perf_counter())
        elif collecting:
            gc_seconds[0] += time.perf_counter() - collecting.pop()

    profiler = cProfile.Profile()
    gc.callbacks.append(on_gc)
    try:
        for _ in range(passes):
            before_pass()
            profiler.enable()
            run()
            profiler.disable()
    finally:
        gc.callbacks.remove(on_gc)
    by_stage, functions = stage_seconds(pstats.Stats(profiler))
    total = sum(by_stage.values())
    return {"seconds_per_pass": plain, "profiled_seconds_per_pass": total / passes,
            "gc_share": gc_seconds[0] / total,
            "stages": {stage: {"share": seconds / total,
                               "top": [{"function": name, "share": own / total} for own, name in functions[stage][:3]]}
                       for stage, seconds in by_stage.items() if seconds > 0}}


def profiles(pages: dict[str, list[str]]) -> dict[str, dict]:
    from filterkit import ContentFilter

    content_filter = ContentFilter()
    html, chinese = pages["html"], pages["zh"]
    content_filter.filter(html[0], format="html")
    warm_segmenter(content_filter, chinese)
    return {"HTML (wcxb-dev)": {"pages": len(html), **profile(
                lambda: list(content_filter.filter_many(html, format="html")), forget_seen_pages, 1)},
            "Chinese text (magic-html zh)": {"pages": len(chinese), **profile(
                lambda: list(content_filter.filter_many(chinese, format="text")), forget_seen_pages, 5)}}


def profile_tables(found: dict[str, dict]) -> list[str]:
    names = list(found)
    lines = ["", "where the time goes (cProfile, own time by stage; % of the profiled time)", "",
             "| stage | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for stage in STAGES:
        cells = []
        for name in names:
            entry = found[name]["stages"].get(stage)
            cells.append(f"{100 * entry['share']:.0f}%" if entry else "–")
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append("| of which gc (in the rows above) | "
                 + " | ".join(f"{100 * found[name]['gc_share']:.0f}%" for name in names) + " |")
    lines.append("| ms/page without / with the profiler | " + " | ".join(
        f"{1000 * found[n]['seconds_per_pass'] / found[n]['pages']:.1f} / "
        f"{1000 * found[n]['profiled_seconds_per_pass'] / found[n]['pages']:.1f}" for n in names) + " |")
    for name in names:
        lines += ["", f"{name}: the costliest functions of each stage (own time, % of the profiled time)", ""]
        for stage, entry in found[name]["stages"].items():
            top = "; ".join(f"{item['function']} {100 * item['share']:.1f}%" for item in entry["top"]
                            if item["share"] >= 0.002)
            if top:
                lines.append(f"- {stage} ({100 * entry['share']:.0f}%): {top}")
    return lines


# --- the command ---------------------------------------------------------------------------------

def machine() -> dict:
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip() if shutil.which("uptime") else ""
    import trafilatura

    import filterkit

    return {"uptime": uptime, "load_average": list(os.getloadavg()), "cpus": os.cpu_count(),
            "python": platform.python_version(), "filterkit": filterkit.__version__,
            "trafilatura": trafilatura.__version__, "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def run_all(args: argparse.Namespace) -> dict:
    """Measure what ``args`` asks for and print it as it comes; every figure, for ``--json``."""
    conditions = ("idle",) if args.no_busy else CONDITIONS
    figures: dict = {"machine_before": machine(), "command": " ".join(["python3 -m benchmarks.speed", *args.argv])}
    print(f"machine before the run: {figures['machine_before']['uptime']}", flush=True)
    pages = inputs(args.pages)
    if args.profile:
        figures["profile"] = profiles(pages)
        print("\n".join(profile_tables(figures["profile"])))
    else:
        measured = jobs(pages)
        speeds = throughput(measured, args.rounds, conditions)
        colds: dict = {}
        if args.cold_runs:
            with tempfile.TemporaryDirectory() as scratch:
                html_page, text_page = Path(scratch) / "page.html", Path(scratch) / "page.txt"
                html_page.write_text(pages["html"][0], encoding="utf-8")
                text_page.write_text(pages["en"][0], encoding="utf-8")
                colds = cold_starts(cold_commands(html_page, text_page), args.cold_runs, conditions)
        figures.update(summary(speeds, colds))
        figures["pages"] = {name: job.pages for name, job in measured.items()}
        print("\n".join(tables(figures)))
    figures["machine_after"] = machine()
    print(f"\nmachine after the run: {figures['machine_after']['uptime']}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of every measurement (default {ROUNDS})")
    parser.add_argument("--pages", type=int, help="only the first N pages of each set (a quick run)")
    parser.add_argument("--cold-runs", type=int, default=COLD_RUNS,
                        help=f"runs of every cold-start command (default {COLD_RUNS}; 0 for none)")
    parser.add_argument("--no-busy", action="store_true", help="measure idle only, without the busy processes")
    parser.add_argument("--profile", action="store_true",
                        help="only profile the HTML and Chinese text tracks (cProfile, by stage)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every figure to FILE as JSON")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else list(argv)
    if args.rounds < 1 or (args.pages is not None and args.pages < 1) or args.cold_runs < 0:
        parser.error("--rounds and --pages must be at least 1, --cold-runs at least 0")
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found (set FILTERKIT_SHARED)")
    if importlib.util.find_spec("trafilatura") is None:  # a benchmark-only dependency
        parser.error("trafilatura is not installed: pip install -e '.[train,compare]'")
    # a SIGTERM unwinds like Ctrl-C, so that the busy processes are ended on the way out
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    figures = run_all(args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
