"""filterkit's metadata beside trafilatura's: ``python -m benchmarks.metadata``.

On the held-out wcxb-dev pages (``training.evaluation``), whose gold gives the title of every
page and the author and publication date where known, prints per field the share of pages
(among those whose gold gives the field) where each extractor's value matches the gold:
filterkit's ``FilterResult.metadata`` (HTML track) and ``trafilatura.bare_extraction(html,
with_metadata=True)``. Both are given the page's HTML only, not its URL.

Matching: titles and authors after Unicode folding, lower-casing, and folding quotes,
dashes and white space (authors as a set of names, "By" dropped); dates on their day
(YYYY-MM-DD). Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from typing import Any, Callable

from training import benchmarks
from training.evaluation import BATCH_SIZE, held_out_sets

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", type=int, default=0, metavar="N",
                        help="also print N pages per field where filterkit misses the gold")
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
