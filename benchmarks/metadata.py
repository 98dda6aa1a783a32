"""filterkit's metadata beside trafilatura's: ``python -m benchmarks.metadata``.

On the held-out wcxb-dev pages (``training.evaluation``), whose gold gives the title of every
page and the author and publication date where known, prints per field the share of pages
(among those whose gold gives the field) where each extractor's value matches the gold:
filterkit's ``FilterResult.metadata`` (HTML track) and ``trafilatura.bare_extraction(html,
with_metadata=True)``. Both are given the page's HTML only, not its URL.

Matching: titles and authors after Unicode folding, lower-casing, and folding quotes,
dashes and white space (authors as a set of names, "By" dropped); dates on their day
(YYYY-MM-DD).

Then what metadata costs: pages per CPU second of ``ContentFilter().filter_many`` on the same
pages (HTML, and their text renderings), with the metadata step and with it skipped,
``--rounds`` times, the two interleaved (so that the machine's drifting load hits both), the
median ratio, and the share of the CPU time spent in the metadata step.
Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from typing import Any, Callable

from training import benchmarks
from training.evaluation import BATCH_SIZE, forget_seen_pages, held_out_sets, page_input

FIELDS = ("title", "author", "date")
GOLD_FIELDS = {"title": "title", "author": "author", "date": "publish_date"}
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b|\|)\s*", re.I)


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return " ".join(text.split()).strip(" .:|-")


def names(text: str) -> frozenset[str]:
    text = re.sub(r"^\s*by\s+", "", normalised(text))
    return frozenset(name for name in _NAME_SEPARATORS.split(text) if name)


def matches(field: str, found: Any, gold: str) -> bool:
    if not found:
        return False
    if field == "title":
        return normalised(str(found)) == normalised(gold)
    if field == "author":
        return names(str(found)) == names(gold)
    return str(found)[:10] == gold[:10]


def gold_fields(page: benchmarks.BenchmarkPage) -> dict[str, str]:
    record = json.loads((page.html_path.parents[1] / "ground-truth" / f"{page.id}.json").read_text(encoding="utf-8"))
    truth = record["ground_truth"]
    return {field: (truth.get(key) or "").strip() for field, key in GOLD_FIELDS.items()}


def filterkit_fields(htmls: list[str]) -> list[dict[str, Any]]:
    from filterkit import ContentFilter

    results = ContentFilter().filter_many(htmls, batch_size=BATCH_SIZE, format="html")
    return [{field: getattr(result.metadata, field, None) for field in FIELDS} for result in results]


def trafilatura_fields(htmls: list[str]) -> list[dict[str, Any]]:
    import trafilatura

    found = []
    for html in htmls:
        document = trafilatura.bare_extraction(html, with_metadata=True)
        found.append({field: getattr(document, field, None) if document is not None else None for field in FIELDS})
    return found


EXTRACTORS: dict[str, Callable[[list[str]], list[dict[str, Any]]]] = {
    "filterkit": filterkit_fields, "trafilatura": trafilatura_fields}


def pages_per_cpu_second(inputs: list[str], track: str, with_metadata: bool) -> tuple[float, float]:
    """(pages per CPU second of ``ContentFilter().filter_many`` on ``inputs``, the share of that CPU time spent
    in the metadata step), with the metadata step or with it skipped. CPU time (``time.process_time``), not
    wall time: on a shared machine another process's load changes the wall time of a pass by a factor, its
    CPU time far less."""
    from filterkit import ContentFilter, filter as filter_module

    content_filter = ContentFilter()
    list(content_filter.filter_many(inputs[:4], format=track))  # the model loaded and warm
    forget_seen_pages()
    read = filter_module._metadata
    spent = [0.0]

    def timed_read(*args):
        started = time.process_time()
        try:
            return read(*args)
        finally:
            spent[0] += time.process_time() - started

    filter_module._metadata = timed_read if with_metadata else (lambda *args: None)
    try:
        started = time.process_time()
        for _ in content_filter.filter_many(inputs, batch_size=BATCH_SIZE, format=track):
            pass
        total = time.process_time() - started
        return len(inputs) / total, spent[0] / total
    finally:
        filter_module._metadata = read


def print_cost(pages: list[benchmarks.BenchmarkPage], rounds: int) -> None:
    for track in ("html", "text"):
        inputs = [page_input(page, track) for page in pages]
        speeds: dict[bool, list[float]] = {True: [], False: []}
        shares = []
        for number in range(rounds):
            for with_metadata in ((True, False) if number % 2 == 0 else (False, True)):
                speed, share = pages_per_cpu_second(inputs, track, with_metadata)
                speeds[with_metadata].append(speed)
                if with_metadata:
                    shares.append(share)
        ratios = [with_ / without for with_, without in zip(speeds[True], speeds[False])]
        print(f"{track}: pages per CPU second with metadata {statistics.median(speeds[True]):.1f}, without "
              f"{statistics.median(speeds[False]):.1f}; with/without per round "
              + " ".join(f"{ratio:.3f}" for ratio in ratios) + f", median {statistics.median(ratios):.3f}; "
              f"share of the CPU time in the metadata step, median {statistics.median(shares):.3f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", type=int, default=0, metavar="N",
                        help="also print N pages per field where filterkit misses the gold")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per condition (0: no timing)")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        print("needs the benchmark pages in ../shared/data", file=sys.stderr)
        return 1
    pages = held_out_sets()["wcxb-dev"]
    htmls = [page.html() for page in pages]
    golds = [gold_fields(page) for page in pages]
    found = {name: extract(htmls) for name, extract in EXTRACTORS.items()}
    print(f"held-out wcxb-dev pages: {len(pages)}; share of pages whose field matches the gold")
    print(f"{'field':8s} {'pages':>5s} " + " ".join(f"{name:>12s}" for name in EXTRACTORS))
    for field in FIELDS:
        known = [i for i, gold in enumerate(golds) if gold[field]]
        shares = [sum(matches(field, found[name][i][field], golds[i][field]) for i in known) / max(len(known), 1)
                  for name in EXTRACTORS]
        print(f"{field:8s} {len(known):5d} " + " ".join(f"{share:12.3f}" for share in shares))
        missed = [i for i in known if not matches(field, found["filterkit"][i][field], golds[i][field])]
        for i in missed[:args.misses]:
            print(f"  miss {pages[i].id}: ours {found['filterkit'][i][field]!r} gold {golds[i][field]!r} "
                  f"trafilatura {found['trafilatura'][i][field]!r}")
    if args.rounds:
        print_cost(pages, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
