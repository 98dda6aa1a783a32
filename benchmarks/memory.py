"""Peak memory of the CLI per page: ``python -m benchmarks.memory`` (issue 14, must-hold 2).

For pages of 1, 10, 50 and 100 MiB of each shape — English and Chinese prose text pages, an
HTML page of many paragraphs, an HTML page whose one <p> holds all its text, one line of
letters without spaces, one run of Han characters without punctuation — the real command
(``python -m filterkit``, the page on stdin, the main text to a file) runs in a subprocess,
and its peak resident memory (``wait4``'s ``ru_maxrss``) is held against the bound

    10 × the bytes it analyses + the bytes it read beyond those + 400 MiB (the model and interpreter)

which is 10 × the page + 400 MiB for a page within ``--max-page-bytes``, and for a page cut to
that limit (the default, 20 MiB) the page as read + 10 × 20 MiB + 400 MiB. Each size runs with
the default limit and with ``--max-page-bytes`` just above the page (limit "none": the
option takes no 0). Then the 1,000,000-deep nested <div>s and one element with 1,000,000
attributes, each answering in under 30 s.

Inputs are generated from a few sentences written for this script, shuffled with a fixed
seed, in a temp folder, by a separate process: ``ru_maxrss`` of a child counts the memory
its parent had at the fork, so this process never holds a page.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "filterkit"]
MIB = 1024 * 1024
SIZES_MIB = (1, 10, 50, 100)
DEFAULT_LIMIT = 20 * MIB  # the CLI's default --max-page-bytes
MODEL_MIB = 400  # the models and the interpreter, issue 14's allowance
MEMORY_FACTOR = 10
TIME_LIMIT = 30.0  # seconds, for the deep and wide pages
RUN_TIMEOUT = 900.0

EN_SENTENCES = [
    "The ferry across the estuary starts running again on Monday after a winter of repairs to its landing stage.",
    "Engineers replaced the rotten timber piles with steel ones and raised the deck by half a metre.",
    "Commuters who drove the long way round the bay for four months will save almost forty minutes each morning.",
    "The operator says the first boat leaves at six and the last one returns shortly before midnight.",
    "Tickets cost the same as last year, and children under twelve travel free when they ride with an adult.",
    "A small cafe on the quay, closed since the autumn storms, will open its doors on the same day.",
    "Its owner spent the quiet months painting the walls and building new benches from driftwood.",
    "Birdwatchers have asked the council to keep the northern shore closed until the geese leave in April.",
    "The harbour master expects the busiest summer in a decade if the weather holds.",
    "Local schools plan a trip for pupils to learn how the tides shape the mudflats around the crossing.",
]
ZH_SENTENCES = [
    "海湾对岸的渡轮在冬季维修之后，将于下周一恢复运行。",
    "工程师把腐烂的木桩换成了钢桩，并把码头的甲板抬高了半米。",
    "过去四个月绕路开车上班的居民，每天早上可以节省将近四十分钟。",
    "运营公司表示，第一班船早上六点出发，最后一班在午夜前返回。",
    "票价与去年相同，十二岁以下的儿童由成人陪同可以免费乘船。",
    "码头边那家在秋天风暴后关门的小咖啡馆，也会在同一天重新开业。",
    "店主利用冬天的空闲时间粉刷了墙壁，还用漂流木做了几张新长椅。",
    "观鸟爱好者希望镇政府在大雁四月离开之前继续关闭北岸。",
    "港务长预计，如果天气稳定，今年夏天将是十年来最繁忙的一个夏天。",
    "当地学校计划组织学生参观渡口，了解潮汐如何塑造周围的滩涂。",
]
SHAPES = ("en-text", "zh-text", "html-paragraphs", "html-one-node", "line-no-spaces", "han-run")


def _paragraphs(sentences: list[str], joiner: str, rng: random.Random) -> Iterator[str]:
    while True:
        yield joiner.join(rng.sample(sentences, rng.randint(2, 5)))


def _chunks(shape: str, rng: random.Random) -> tuple[str, Iterator[str], str]:
    """(head, endless body chunks, tail) of a page of ``shape``."""
    if shape == "en-text":
        return "Ferry news\n\n", (p + "\n" for p in _paragraphs(EN_SENTENCES, " ", rng)), ""
    if shape == "zh-text":
        return "渡轮新闻\n\n", (p + "\n" for p in _paragraphs(ZH_SENTENCES, "", rng)), ""
    if shape == "html-paragraphs":
        return ("<!DOCTYPE html><html><head><title>Ferry news</title></head><body><h1>The ferry returns</h1>\n",
                (f"<p>{p}</p>\n" for p in _paragraphs(EN_SENTENCES, " ", rng)), "</body></html>\n")
    if shape == "html-one-node":
        return ("<!DOCTYPE html><html><head><title>Ferry news</title></head><body><h1>The ferry returns</h1><p>",
                (p + " " for p in _paragraphs(EN_SENTENCES, " ", rng)), "</p></body></html>\n")
    if shape == "line-no-spaces":
        letters = ["".join(c for c in s if c.isalpha()) for s in EN_SENTENCES]
        return "", (p for p in _paragraphs(letters, "", rng)), "\n"
    if shape == "han-run":
        han = ["".join(c for c in s if "\u4e00" <= c <= "\u9fff") for s in ZH_SENTENCES]
        return "", (p for p in _paragraphs(han, "", rng)), "\n"
    raise ValueError(shape)


def write_page(path: Path, shape: str, size: int) -> None:
    """A page of ``shape`` of ``size`` bytes (UTF-8, cut at a character), written in pieces."""
    head, body, tail = _chunks(shape, random.Random(f"{shape}-{size}"))
    with path.open("wb") as out:
        written = out.write(head.encode()) + len(tail.encode())
        while written < size:
            piece = "".join(next(body) for _ in range(200)).encode()
            piece = piece[:size - written].decode("utf-8", "ignore").encode()
            if not piece:
                break
            written += out.write(piece)
        out.write(tail.encode())


def write_deep(path: Path) -> None:
    path.write_bytes(("<html><body>" + "<div>" * 1_000_000 + "<p>" + EN_SENTENCES[0] + "</p>"
                      + "</div>" * 1_000_000 + "</body></html>").encode())


def write_wide(path: Path) -> None:
    attributes = " ".join(f'a{i}="{i}"' for i in range(1_000_000))
    path.write_bytes(f"<html><body><div {attributes}><p>{EN_SENTENCES[0]}</p></div></body></html>".encode())


def _generate(jobs: list[tuple[str, str, int]]) -> None:
    for path, shape, size in jobs:
        if shape == "deep-divs":
            write_deep(Path(path))
        elif shape == "wide-attributes":
            write_wide(Path(path))
        else:
            write_page(Path(path), shape, size)


def generate(jobs: list[tuple[Path, str, int]]) -> None:
    """Write the pages in a spawned process (this one must stay small: see the module's note)."""
    process = multiprocessing.get_context("spawn").Process(target=_generate,
                                                            args=([(str(p), s, n) for p, s, n in jobs],))
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"generating the pages failed (exit {process.exitcode})")


class Run(NamedTuple):
    status: int | None
    peak_mib: float
    seconds: float
    error: str


def run_cli(page: Path, args: list[str], out: Path) -> Run:
    """The CLI on ``page`` (stdin), its peak resident memory and wall time."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with page.open("rb") as stdin, out.open("wb") as stdout, (out.with_suffix(".err")).open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen([*COMMAND, *args], stdin=stdin, stdout=stdout, stderr=stderr, cwd=ROOT,
                                   env=environment)
        deadline = started + RUN_TIMEOUT
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    error = out.with_suffix(".err").read_text(errors="replace").strip().splitlines()
    return Run(process.returncode, usage.ru_maxrss / 1024, seconds, error[-1] if error else "")


def bound_mib(size: int, limit: int) -> float:
    analysed = min(size, limit)
    return (MEMORY_FACTOR * analysed + (size - analysed)) / MIB + MODEL_MIB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES_MIB), metavar="MIB")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--limits", nargs="+", default=["default", "none"], choices=("default", "none"),
                        help="--max-page-bytes: the default (20 MiB) and/or above the page (none)")
    parser.add_argument("--no-deep", action="store_true", help="leave out the deep and wide pages")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="filterkit-memory-") as scratch:
        folder = Path(scratch)
        failed = 0
        print(f"{'shape':16s} {'size':>8s} {'limit':>8s} {'peak MiB':>9s} {'bound MiB':>10s} {'result':>6s} "
              f"{'seconds':>8s}", flush=True)
        for size_mib in args.sizes:
            size = size_mib * MIB
            pages = [(folder / f"{shape}-{size_mib}.page", shape, size) for shape in args.shapes]
            generate(pages)
            for path, shape, _ in pages:
                size = path.stat().st_size
                for limit_name in args.limits:
                    limit = DEFAULT_LIMIT if limit_name == "default" else max(size, DEFAULT_LIMIT) + MIB
                    options = [] if limit_name == "default" else ["--max-page-bytes", str(limit)]
                    run = run_cli(path, options, folder / "out.txt")
                    bound = bound_mib(size, limit)
                    ok = run.status == 0 and run.peak_mib <= bound
                    failed += not ok
                    shown = "default" if limit_name == "default" else "none"
                    row = (f"{shape:16s} {size_mib:>4d} MiB {shown:>8s} {run.peak_mib:9.0f} {bound:10.0f} "
                           f"{'PASS' if ok else 'FAIL':>6s} {run.seconds:8.1f}")
                    if run.status != 0:
                        row += f"  exit {run.status}: {run.error[:120]}"
                    print(row, flush=True)
                path.unlink()
        if not args.no_deep:
            pages = [(folder / "deep.html", "deep-divs", 0), (folder / "wide.html", "wide-attributes", 0)]
            generate(pages)
            for path, shape, _ in pages:
                size = path.stat().st_size
                run = run_cli(path, [], folder / "out.txt")
                bound = bound_mib(size, DEFAULT_LIMIT)
                ok = run.status == 0 and run.peak_mib <= bound and run.seconds < TIME_LIMIT
                failed += not ok
                row = (f"{shape:16s} {size / MIB:>4.0f} MiB {'default':>8s} {run.peak_mib:9.0f} {bound:10.0f} "
                       f"{'PASS' if ok else 'FAIL':>6s} {run.seconds:8.1f}")
                if run.status != 0:
                    row += f"  exit {run.status}: {run.error[:120]}"
                print(row, flush=True)
    print(f"{failed} over the bound (or failed)" if failed else "all within the bound")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
