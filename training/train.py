"""Train a filterkit model: ``python -m training.train --out DIR``.

A model serves one track (``--track``): text pages, or HTML pages, whose blocks carry
the markup features too. The shipped model set holds one of each, in
``filterkit/models/default/text`` and ``…/html``.

Data: the hand-written pages of ``corpus/`` (plus any ``--corpus DIR`` of pages in the same
format) with their recombined variants (for the HTML track wrapped in neutral markup),
and, with ``--benchmarks``, the training part of the public benchmark pages in
``../shared/data`` (the text track reads their text rendering, the HTML track their HTML;
both labelled by alignment with the gold text). The held-out part, by domain, is never
trained on: it is scored after training, and the figures go into the model's metadata.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from filterkit import ContentFilter
from filterkit.analysis import Batch, analyse, analyse_blocks
from filterkit.decision import describe
from filterkit.html_blocks import parse_blocks
from filterkit.model import DEFAULT_THRESHOLD, ParagraphClassifier
from filterkit.model_io import save_model
from training import benchmarks
from training.augment import recombine
from training.corpus import CORPUS_DIR, CorpusFormatError, read_corpus
from training.evaluation import held_out_sets, score_pages
from training.examples import TRACKS, Example, as_html, from_benchmark, from_corpus
from training import teasers
from training.region_pages import region_examples
from training.teasers import teaser_examples

# Generated content-farm pages (``training.teasers``) the text model learns from beside the real ones,
# each weighing TEASER_WEIGHT of a real page: both chosen by cross-validation (see docs/training.md).
TEASER_PAGES = 300  # --teaser-pages
TEASER_WEIGHT = 0.3  # --teaser-weight
GENERATED_SOURCES = (teasers.SOURCE, teasers.CORPUS_SOURCE)
# Generated HTML pages with teaser lists, comments, copies and asides (``training.region_pages``) for the
# HTML track: none by default, as no cross-validation has shown them to help yet (docs/training.md).
REGION_PAGES = 0  # --region-pages

def _progress(iterable, **kwargs):
    from tqdm import tqdm

    return tqdm(iterable, file=sys.stderr, **kwargs)


def training_examples(corpus_dirs: list[Path], use_benchmarks: bool, track: str = "text",
                      teaser_pages: int = TEASER_PAGES, all_pages: bool = False,
                      region_pages: int = REGION_PAGES) -> list[Example]:
    """The corpus, its variants, the training benchmark pages (``all_pages``: the held-out part too) and
    generated pages: (text track) ``teaser_pages``, (HTML track, made from the benchmark pages) ``region_pages``."""
    corpus = [from_corpus(page) for directory in corpus_dirs for page in read_corpus(directory)]
    examples = corpus + recombine(corpus)
    if track == "html":
        examples = [as_html(example) for example in examples]
    if use_benchmarks:
        train_pages = [page for page in benchmarks.read_all() if all_pages or not page.held_out]
        examples += [from_benchmark(page, track) for page in _progress(train_pages, desc="read and label", unit="page")]
    if track == "html" and use_benchmarks and region_pages:
        examples += region_examples(region_pages, examples)
    if track == "text" and teaser_pages:
        examples += teaser_examples(teaser_pages, corpus_dirs, use_benchmarks)
    return examples


def analyse_examples(examples: list[Example]) -> Batch:
    """One batch of all examples' paragraphs (all examples of one track)."""
    texts = [example.text for example in examples]
    if examples and examples[0].track == "html":
        return analyse_blocks([parse_blocks(text) for text in _progress(texts, desc="parse", unit="page")])
    return analyse(texts)


def fingerprint(examples: list[Example]) -> str:
    """SHA-256 over every training page's id, text and labels: equal iff the data is."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.source}\0{example.id}\0".encode())
        digest.update(example.text.encode("utf-8"))
        digest.update(bytes(example.labels))
    return digest.hexdigest()


def train(examples: list[Example], threshold: float = DEFAULT_THRESHOLD,
          teaser_weight: float = TEASER_WEIGHT) -> ParagraphClassifier:
    """A model of the examples' track; a generated page's paragraphs weigh ``teaser_weight`` of a real page's."""
    print(f"analyse: {len(examples)} pages", file=sys.stderr)
    batch = analyse_examples(examples)
    labels = np.concatenate([np.asarray(example.labels, dtype=bool) for example in examples])
    if len(labels) != len(batch):
        raise RuntimeError("labels and paragraphs differ in number: a reader and the segmenter disagree")
    started = time.perf_counter()
    model = ParagraphClassifier(threshold=threshold).fit(
        batch, labels, progress=lambda m: print(f"fit: {m}", file=sys.stderr),
        page_sites=[example.domain for example in examples], page_types=[example.page_type for example in examples],
        page_weights=[teaser_weight if example.source in GENERATED_SOURCES else 1.0 for example in examples])
    print(f"fit: done in {time.perf_counter() - started:.0f} s on {len(batch)} paragraphs", file=sys.stderr)
    return model


def add_generated_page_arguments(parser: argparse.ArgumentParser) -> None:
    """``--teaser-pages``, ``--teaser-weight`` and ``--region-pages``, as training and cross-validation take them."""
    parser.add_argument("--teaser-pages", type=_page_count, default=TEASER_PAGES, metavar="N",
                        help=f"text track: learn from about N generated content-farm pages (cross-validation also "
                             f"scores them as a set of their own; default: {TEASER_PAGES}; 0: none)")
    parser.add_argument("--teaser-weight", type=_weight, default=TEASER_WEIGHT, metavar="W",
                        help=f"text track: a generated page's training weight against a real page's "
                             f"(default: {TEASER_WEIGHT})")
    parser.add_argument("--region-pages", type=_page_count, default=REGION_PAGES, metavar="N",
                        help=f"HTML track, from the benchmark pages: learn from about N generated pages with teaser "
                             f"lists, comments, copies and asides, each with its host's domain bucket (default: "
                             f"{REGION_PAGES}: not yet chosen by cross-validation)")


def _page_count(text: str) -> int:
    if not text.isdecimal():
        raise argparse.ArgumentTypeError(f"{text!r}: a number of pages, 0 or more")
    return int(text)


def _weight(text: str) -> float:
    try:
        weight = float(text)
    except ValueError:
        weight = math.nan
    if not weight > 0 or math.isinf(weight):
        raise argparse.ArgumentTypeError(f"{text!r}: a weight above 0")
    return weight


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--track", choices=TRACKS, default="text", help="the pages the model is for (default: text)")
    parser.add_argument("--out", required=True, type=Path, help="model directory to write (e.g. filterkit/models/default/text)")
    parser.add_argument("--corpus", action="append", type=Path, default=[], metavar="DIR",
                        help="more labeled pages in the corpus/ format (repeatable)")
    parser.add_argument("--no-default-corpus", action="store_true", help="leave out the pages of corpus/")
    parser.add_argument("--benchmarks", action="store_true",
                        help=f"also train on the public benchmark pages in {benchmarks.SHARED_DATA} (training part), "
                             "and score the held-out part")
    add_generated_page_arguments(parser)
    parser.add_argument("--all-pages", action="store_true",
                        help="with --benchmarks: train on every labeled page, the held-out part too (the shipped "
                             "models); their figures come from cross-validation (training.crossval --record-in DIR)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help="the model's default threshold")
    args = parser.parse_args(argv)
    if args.all_pages and not args.benchmarks:
        parser.error("--all-pages: add --benchmarks (the labeled benchmark pages are what it adds)")

    corpus_dirs = ([] if args.no_default_corpus else [CORPUS_DIR]) + args.corpus
    if args.benchmarks and not benchmarks.available():
        parser.error(f"--benchmarks: {benchmarks.SHARED_DATA} not found (set FILTERKIT_SHARED to the shared folder)")
    use_benchmarks = args.benchmarks
    for directory in corpus_dirs:
        if not directory.is_dir():
            parser.error(f"--corpus: {directory} is not a directory")
    try:
        examples = training_examples(corpus_dirs, use_benchmarks, args.track, args.teaser_pages, args.all_pages,
                                     args.region_pages)
    except CorpusFormatError as error:
        parser.error(f"corpus page: {error}")
    if not examples:
        parser.error("no training pages: give --corpus DIR or make ../shared/data available")
    model = train(examples, args.threshold, args.teaser_weight)

    figures: dict = {}
    if use_benchmarks and not args.all_pages:
        content_filter = ContentFilter(model)
        for name, pages in held_out_sets().items():
            score = score_pages(content_filter, pages, args.track)
            figures[name] = {"f1": round(score.f1, 4), "precision": round(score.precision, 4),
                             "recall": round(score.recall, 4), "pages": score.pages}
            print(f"held-out {name:14s} {score}", file=sys.stderr)
    sources: dict[str, int] = {}
    for example in examples:
        sources[example.source] = sources.get(example.source, 0) + 1
    meta = {"name": args.out.name, "created": date.today().isoformat(),
            "command": "python -m training.train " + " ".join(argv if argv is not None else sys.argv[1:]),
            "training_data": {"pages": sources, "fingerprint": fingerprint(examples),
                              "held_out": "none: every labeled page is trained on" if args.all_pages
                              else f"benchmark pages whose {benchmarks.HELD_OUT_RULE}"},
            "figures": {f"{args.track} track, held-out word F1 ({describe(model.track, model.threshold)})": figures}
            if figures else {}}
    save_model(model, args.out, meta)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
