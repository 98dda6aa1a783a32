"""The command's batch mode in parallel: ``python -m benchmarks.parallel``.

Writes the held-out benchmark pages (HTML track, ``training.evaluation.held_out_sets``) as
JSON Lines, runs ``filterkit --jsonl --jobs 1`` and ``--jobs 2`` on them, one after the
other (``--rounds`` times, alternating), and prints pages/s of each, their ratio and
whether the outputs are identical. Then, with ``--memory``, it repeats the pages up to
30, 120 (about every page once) and 300 MB of JSON Lines and reports the peak memory of all the run's
processes together (the sum of their proportional set sizes, PSS, sampled every
``SAMPLE_SECONDS``: shared pages of the model count once). Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from training import benchmarks
from training.evaluation import held_out_sets

SAMPLE_SECONDS = 0.2
SEED = 0
MEMORY_SIZES_MB = (30, 120, 300)  # 120: about every held-out page once


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def _pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run(jsonl: Path, jobs: int, output: Path) -> tuple[float, float]:
    """(seconds, peak MB of all processes) of one run of the command."""
    peak = [0.0]
    with jsonl.open("rb") as stdin, output.open("wb") as stdout:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "filterkit", "--jsonl", "--jobs", str(jobs), "--quiet"],
                                   stdin=stdin, stdout=stdout)

        def sample() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], _pss_mb(_tree(process.pid)))
                time.sleep(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        process.wait()
        elapsed = time.perf_counter() - started
        sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"filterkit exited with status {process.returncode}")
    return elapsed, peak[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.parallel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each job count, alternating (default 3; 0: the memory runs only)")
    parser.add_argument("--memory", action="store_true", help="also the 30, 120 and 300 MB memory runs")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found")
    pages = [page for pages in held_out_sets().values() for page in pages]
    lines = [json.dumps({"id": f"{page.dataset}/{page.id}", "html": page.html()}, ensure_ascii=False) + "\n"
             for page in pages]
    random.Random(SEED).shuffle(lines)  # every prefix (the 30 MB file) mixes the sets as the whole does
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        jsonl = folder / "pages.jsonl"
        jsonl.write_text("".join(lines), encoding="utf-8")
        print(f"{len(lines)} held-out HTML pages, {jsonl.stat().st_size / 1e6:.1f} MB of JSON Lines")
        speeds: dict[int, list[float]] = {1: [], 2: []}
        outputs = {}
        for _ in range(args.rounds):
            for jobs in (1, 2):
                seconds, _ = run(jsonl, jobs, folder / f"out-{jobs}.jsonl")
                speeds[jobs].append(len(lines) / seconds)
                outputs[jobs] = (folder / f"out-{jobs}.jsonl").read_bytes()
        for jobs, values in speeds.items() if args.rounds else ():
            print(f"--jobs {jobs}: median {statistics.median(values):.1f} pages/s "
                  f"(runs: {', '.join(f'{v:.1f}' for v in values)})")
        ratios = [two / one for one, two in zip(speeds[1], speeds[2])]
        if ratios:
            print(f"--jobs 2 / --jobs 1: median {statistics.median(ratios):.2f}x "
                  f"(each round: {', '.join(f'{r:.2f}' for r in ratios)})")
            lines_out, errors = outputs[1].count(b"\n"), outputs[1].count(b'"error": ')
            print(f"outputs identical: {outputs[1] == outputs[2]} ({lines_out} lines; {errors} with an error)")
        if args.memory:
            for size in MEMORY_SIZES_MB:
                big = folder / f"pages-{size}.jsonl"
                with big.open("w", encoding="utf-8") as stream:
                    written = 0
                    while written < size * 1e6:
                        for line in lines:
                            stream.write(line)
                            written += len(line.encode("utf-8"))
                            if written >= size * 1e6:
                                break
                seconds, peak = run(big, 2, folder / "big-out.jsonl")
                count = (folder / "big-out.jsonl").read_bytes().count(b"\n")
                print(f"--jobs 2 over {big.stat().st_size / 1e6:.0f} MB ({count} pages): {seconds:.0f} s, "
                      f"peak memory of all processes {peak:.0f} MB (PSS)")
                big.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
