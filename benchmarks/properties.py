"""The long run of the property tests: ``python -m benchmarks.properties --examples 10000``.

Runs tests/test_properties.py's properties (the same strategies and checks as the test
suite) with ``--examples`` cases each, by setting ``FILTERKIT_HYPOTHESIS_EXAMPLES`` for
pytest, one pytest process per property so that each one's count and time are known
even if a later one is stopped. The command property carries 10 JSON Lines streams per
``filterkit --jsonl`` run, so ``--examples`` streams go through the real command in
``--examples``/10 runs (the slowest property: a model load per run). A seed (``--seed``) makes a run repeatable; a failure prints
Hypothesis's smallest failing example.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
MODULE = "tests/test_properties.py"
PROPERTIES = {
    "text": "test_any_text_page_gives_a_subsequence_of_its_lines",
    "html": "test_any_html_page_gives_a_subsequence_of_its_blocks",
    "bytes": "test_any_bytes_give_a_result_or_an_error_result",
    "worker": "test_the_jsonl_worker_writes_one_strict_line_per_line_in_order",
    "command": "test_the_command_writes_one_strict_line_per_line_in_order",
}
_COUNTS = re.compile(r"(\d+) passing examples?, (\d+) failing examples?, (\d+) invalid examples?")


def run_property(name: str, examples: int, seed: int) -> dict:
    """Run one property under pytest; its example counts (summed over Hypothesis's phases), status and time."""
    env = {**os.environ, "FILTERKIT_HYPOTHESIS_EXAMPLES": str(examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore",
               "--hypothesis-show-statistics", f"--hypothesis-seed={seed}", f"{MODULE}::{PROPERTIES[name]}"]
    started = time.monotonic()
    done = subprocess.run(command, cwd=CHECKOUT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    passing = failing = invalid = 0
    for match in _COUNTS.finditer(done.stdout):
        passing += int(match[1])
        failing += int(match[2])
        invalid += int(match[3])
    return {"name": name, "ok": done.returncode == 0, "passing": passing, "failing": failing, "invalid": invalid,
            "seconds": elapsed, "output": done.stdout + done.stderr}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="cases per property (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    parser.add_argument("--only", nargs="+", choices=PROPERTIES, default=list(PROPERTIES),
                        help="run these properties only")
    args = parser.parse_args(argv)
    if args.examples < 1:
        parser.error("--examples must be at least 1")
    print(f"{args.examples} examples per property, seed {args.seed}", flush=True)
    results = []
    for name in args.only:
        result = run_property(name, args.examples, args.seed)
        results.append(result)
        print(f"{name:8} {'pass' if result['ok'] else 'FAIL':4}  {result['passing']:6} passing  "
              f"{result['failing']:3} failing  {result['invalid']:5} invalid  {result['seconds']:7.1f} s", flush=True)
        if not result["ok"]:
            print(result["output"], flush=True)
    total = sum(result["seconds"] for result in results)
    failed = [result["name"] for result in results if not result["ok"]]
    print(f"{len(results) - len(failed)} of {len(results)} properties hold, {total:.1f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
