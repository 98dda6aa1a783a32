"""How fast the DOM walk is, and proof that a change to it changed nothing: ``python -m benchmarks.dom_speed``.

Times ``html_blocks.parse_blocks`` alone (parse and walk, no features or model) over the
held-out wcxb-dev pages, decoded before the clock starts: the best of ``--passes`` passes,
each after clearing ``attribute_words``'s cache so every pass starts as a new process
would. ``--save REF.pkl`` writes the walk's whole output (texts, every ``Segment`` field,
every ``Structure`` array, terms and paths) for every page in ``../shared`` (HTML track);
``--check REF.pkl`` compares today's output with it page by page and names the first
difference. Save the reference from the code before a change, check after it.
"""
from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

from filterkit import html_blocks
from filterkit.html_blocks import parse_blocks
from training import benchmarks
from training.evaluation import held_out_sets

ARRAYS = ("owner_kind", "heading", "depth", "link_chars", "tags", "bits", "near_bits", "ancestors")


def output(html: str) -> dict:
    """Everything ``parse_blocks`` says about a page, in plain comparable values."""
    segments, structure = parse_blocks(html)
    return {"segments": [(s.text, s.indent, s.gap_before, s.gap_after) for s in segments],
            **{name: getattr(structure, name) for name in ARRAYS},
            "terms": [canonical(terms) for terms in structure.terms], "paths": structure.paths}


def canonical(terms: tuple[str, ...]) -> tuple[str, ...]:
    """A block's terms with the far ones (``^word``) sorted: they come from a set, whose order follows the
    process's string hashing, and the features count them as a set."""
    near = tuple(term for term in terms if not term.startswith("^"))
    return near + tuple(sorted(term for term in terms if term.startswith("^")))


def first_difference(expected: dict, actual: dict) -> str | None:
    for field, value in expected.items():
        other = actual[field]
        if isinstance(value, np.ndarray):
            if value.dtype != other.dtype or value.shape != other.shape or not np.array_equal(value, other):
                return f"{field}: {value.dtype}{value.shape} != {other.dtype}{other.shape} or values differ"
        elif value != other:
            at = next((i for i, (a, b) in enumerate(zip(value, other)) if a != b), min(len(value), len(other)))
            return f"{field}[{at}] (of {len(value)} / {len(other)})"
    return None


def all_outputs() -> dict[str, dict]:
    return {f"{page.dataset}/{page.id}": output(page.html()) for page in benchmarks.read_all()}


def check(reference: Path) -> int:
    expected = pickle.loads(reference.read_bytes())
    differing = 0
    for page in benchmarks.read_all():
        key = f"{page.dataset}/{page.id}"
        if key not in expected:
            print(f"{key}: not in the reference")
            differing += 1
            continue
        difference = first_difference(expected.pop(key), output(page.html()))
        if difference:
            print(f"{key}: {difference}")
            differing += 1
    for key in expected:
        print(f"{key}: in the reference only")
        differing += 1
    print(f"{'identical' if not differing else f'{differing} pages differ'}")
    return 1 if differing else 0


def speed(pages: int, passes: int) -> None:
    htmls = [page.html() for page in held_out_sets()["wcxb-dev"][:pages]]
    best = float("inf")
    for _ in range(passes):
        html_blocks.attribute_words.cache_clear()
        started = time.perf_counter()
        for html in htmls:
            parse_blocks(html)
        best = min(best, time.perf_counter() - started)
    print(f"parse_blocks: {len(htmls)} wcxb-dev held-out pages, best of {passes}: "
          f"{len(htmls) / best:.1f} pages/s, {1000 * best / len(htmls):.2f} ms/page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dom_speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10**9, help="time at most this many pages (default: all)")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--save", type=Path, metavar="REF.pkl", help="write every page's output to this file")
    parser.add_argument("--check", type=Path, metavar="REF.pkl", help="compare every page's output with this file")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        print(f"no benchmark data at {benchmarks.SHARED_DATA} (set FILTERKIT_SHARED)", file=sys.stderr)
        return 2
    if args.save:
        args.save.write_bytes(pickle.dumps(all_outputs(), protocol=pickle.HIGHEST_PROTOCOL))
        print(f"saved the output of every page to {args.save}")
        return 0
    if args.check:
        if not args.check.is_file():
            print(f"no reference at {args.check}", file=sys.stderr)
            return 2
        return check(args.check)
    speed(args.pages, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
