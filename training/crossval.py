"""Cross-validate the model design on the training pages: ``python -m training.crossval``.

The held-out pages give the figures the README states; a change to the features, the
model or the decision rule has to be judged on other pages, or the held-out figures stop
meaning "pages never tuned to". This script gives those other figures. The training
pages' domains fall in four buckets (``training.benchmarks.domain_bucket`` 1 to 4); for
each bucket it trains a model on the corpus and the other three buckets and scores that
bucket's pages with it, so every training page is scored once by a model that never saw
its site. That is four times the held-out part's pages (about 1,160 of wcxb-dev, 150
English and 60 Chinese magic-html pages), where the held-out Chinese set's 26 pages
alone move by several points between equally good models.

It trains four models: about 6 minutes on the text track, 25 on the HTML track. On the
HTML track, ``--compare trafilatura`` (or readability, jusText) scores an established
extractor on the same pages beside it.
"""
from __future__ import annotations

import argparse
import sys

from filterkit import ContentFilter
from filterkit.decision import describe
from training import benchmarks
from training.benchmarks import HELD_OUT_BUCKETS, domain_bucket
from training.corpus import CORPUS_DIR
from training.evaluation import SETS, extract_texts, page_type_table, set_name
from training.examples import TRACKS, Example
from training.html_benchmark import BASELINES, extract_each
from training.scoring import Score, macro_score
from training.train import train, training_examples

TRAINING_BUCKETS = tuple(range(1, HELD_OUT_BUCKETS))  # bucket 0 is the held-out part


def cross_validate(examples: list[Example], buckets: tuple[int, ...] = TRAINING_BUCKETS
                   ) -> tuple[list[Example], list[str]]:
    """(the benchmark examples of ``buckets``, each one's main text by the model trained without its bucket).

    Examples of other sources (the corpus and its variants) are always trained on.
    """
    scored, extracted = [], []
    for bucket in buckets:
        held = [domain_bucket(e.domain) == bucket and set_name(e.source, e.lang) is not None for e in examples]
        model = train([e for e, out in zip(examples, held) if not out])
        pages = [e for e, out in zip(examples, held) if out]
        print(f"bucket {bucket}: {len(pages)} pages, {describe(model.track, model.threshold)}", file=sys.stderr)
        extracted += extract_texts(ContentFilter(model), [e.text for e in pages], model.track)
        scored += pages
    return scored, extracted


def set_scores(examples: list[Example], extracted: list[str]) -> dict[str, Score]:
    """Macro scores per set (``training.evaluation.SETS``) of examples scored out of fold."""
    return {name: macro_score([(text, e.gold) for e, text in zip(examples, extracted)
                               if set_name(e.source, e.lang) == name]) for name in SETS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.crossval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--track", choices=TRACKS, default="text", help="the pages the models are for (default: text)")
    parser.add_argument("--buckets", default=",".join(map(str, TRAINING_BUCKETS)),
                        help="the training buckets to score, comma-separated (default: all four)")
    parser.add_argument("--compare", choices=sorted(BASELINES), action="append", default=[],
                        help="HTML track: also score this established extractor on the same pages (repeatable)")
    args = parser.parse_args(argv)
    if args.compare and args.track != "html":
        parser.error("--compare: the established extractors take HTML: add --track html")
    try:
        baselines = {name: BASELINES[name]() for name in args.compare}
    except ImportError as error:
        parser.error(f"{error.name} is not installed: pip install -e '.[train,compare]'")
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found (set FILTERKIT_SHARED to the shared folder)")
    try:
        buckets = tuple(int(part) for part in args.buckets.split(","))
    except ValueError:
        parser.error(f"--buckets: not a comma-separated list of numbers: {args.buckets}")
    if not set(buckets) <= set(TRAINING_BUCKETS):
        parser.error(f"--buckets: the training buckets are {TRAINING_BUCKETS} (0 is the held-out part)")

    examples, extracted = cross_validate(training_examples([CORPUS_DIR], True, args.track), buckets)
    outputs = {"filterkit": extracted}
    for name, extract in baselines.items():
        outputs[name] = extract_each(extract, [e.text for e in examples], [e.lang for e in examples])
    scores = {extractor: set_scores(examples, texts) for extractor, texts in outputs.items()}
    for name in SETS:
        chosen = [i for i, e in enumerate(examples) if set_name(e.source, e.lang) == name]
        for extractor in outputs:
            print(f"cross-validated {name:14s} {extractor:12s} {scores[extractor][name]}")
        for line in page_type_table(name, [examples[i] for i in chosen],
                                    {extractor: [texts[i] for i in chosen] for extractor, texts in outputs.items()}):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
