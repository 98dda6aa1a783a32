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
extractor on the same pages beside it, and the figures of the pages with reader comments under
an article, with repeated copies of their text and with teaser lists after the article follow
the sets' (``training.page_subsets``), with the words wrongly kept in those regions. Generated
region pages (``training.region_pages``, ``--region-pages``) are trained on with their host's
bucket and never scored. ``--train-buckets 1`` or ``2`` trains each model
on fewer of the other buckets, scoring the same pages: how F1 grows with the training
data says whether more of it, or a better design, is what a target needs.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from filterkit import ContentFilter, FilterResult
from filterkit.decision import describe
from training import benchmarks
from training.benchmarks import HELD_OUT_BUCKETS, domain_bucket
from training.corpus import CORPUS_DIR
from training import teasers
from training.evaluation import BATCH_SIZE, SETS, page_type_table, set_name
from training.examples import TRACKS, Example
from benchmarks.html_track import BASELINES, extract_each
from training import region_pages
from training.page_subsets import report_line, subset_report
from training.scoring import Score, macro_score, page_scores
from training.train import TEASER_WEIGHT, add_generated_page_arguments, train, training_examples

TRAINING_BUCKETS = tuple(range(1, HELD_OUT_BUCKETS))  # bucket 0 is the held-out part
GENERATED_SET = "teasers (gen.)"  # the text track's generated content-farm pages (training.teasers)
CV_SETS = SETS + (GENERATED_SET,)


def cross_validate(examples: list[Example], buckets: tuple[int, ...] = TRAINING_BUCKETS,
                   train_buckets: int = len(TRAINING_BUCKETS) - 1,
                   teaser_weight: float = TEASER_WEIGHT) -> tuple[list[Example], list[str]]:
    """(the benchmark examples of ``buckets``, each one's main text by a model trained without its bucket).

    Each model learns from the corpus (and its variants) and ``train_buckets`` of the other
    buckets (fewer than all three: a point of the learning curve, on the same scored pages).
    """
    scored, results = cross_validate_results(examples, buckets, train_buckets, teaser_weight)
    return scored, [result.text for result in results]


def cross_validate_results(examples: list[Example], buckets: tuple[int, ...] = TRAINING_BUCKETS,
                           train_buckets: int = len(TRAINING_BUCKETS) - 1,
                           teaser_weight: float = TEASER_WEIGHT) -> tuple[list[Example], list[FilterResult]]:
    """As ``cross_validate``, with each scored page's whole result (its paragraphs' scores and labels)."""
    # generated region pages go with their host's bucket: trained on with it, never scored
    bucketed = [cv_set_name(e) is not None or e.source == region_pages.SOURCE for e in examples]
    scored, results = [], []
    for bucket in buckets:
        others = [other for other in TRAINING_BUCKETS if other != bucket][:train_buckets]
        model = train([e for e, in_bucket in zip(examples, bucketed)
                       if not in_bucket or domain_bucket(e.domain) in others], teaser_weight=teaser_weight)
        pages = [e for e, in_bucket in zip(examples, bucketed) if in_bucket and domain_bucket(e.domain) == bucket
                 and cv_set_name(e) is not None]
        print(f"bucket {bucket}: {len(pages)} pages, model trained on buckets {others}, "
              f"{describe(model.track, model.threshold)}", file=sys.stderr)
        found = list(ContentFilter(model).filter_many([e.text for e in pages], batch_size=BATCH_SIZE, format=model.track))
        for name, score in set_scores(pages, [result.text for result in found]).items():
            if score.pages:  # each bucket's figures as it is done: a long run stopped early still says something
                print(f"bucket {bucket}: {name:14s} {score}", file=sys.stderr)
        results += found
        scored += pages
    return scored, results


def cv_set_name(example: Example) -> str | None:
    """The cross-validated set (``CV_SETS``) an example is scored in; None for one that is not scored."""
    if example.source == region_pages.SOURCE:
        return None
    return GENERATED_SET if example.source == teasers.SOURCE else set_name(example.source, example.lang)


def set_scores(examples: list[Example], extracted: list[str]) -> dict[str, Score]:
    """Macro scores per set (``CV_SETS``) of examples scored out of fold."""
    return {name: macro_score([(text, e.gold) for e, text in zip(examples, extracted)
                               if cv_set_name(e) == name]) for name in CV_SETS}


def write_pages(path: str, examples: list[Example], extracted: list[str]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for example, text in zip(examples, extracted):
            precision, recall, f1 = page_scores(text, example.gold)
            out.write(json.dumps({"source": example.source, "id": example.id,
                                  "set": cv_set_name(example), "precision": precision,
                                  "recall": recall, "f1": f1, "extracted": text}, ensure_ascii=False) + "\n")


def record_figures(model_dir: Path, track: str, scores: dict[str, dict[str, Score]]) -> None:
    """Write the cross-validated figures into a model's meta.json (beside any extractor compared on the
    same pages): the figures of a model trained on every page can only be its design's."""
    meta_path = model_dir / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["figures"] = {f"{track} track, cross-validated word F1 (every training page scored by a model that "
                       f"never saw its site; {extractor})": {
                           name: {"f1": round(score.f1, 4), "precision": round(score.precision, 4),
                                  "recall": round(score.recall, 4), "pages": score.pages}
                           for name, score in by_set.items() if score.pages}
                       for extractor, by_set in scores.items()}
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.crossval", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--track", choices=TRACKS, default="text", help="the pages the models are for (default: text)")
    parser.add_argument("--buckets", default=",".join(map(str, TRAINING_BUCKETS)),
                        help="the training buckets to score, comma-separated (default: all four)")
    parser.add_argument("--train-buckets", type=int, choices=range(1, len(TRAINING_BUCKETS)),
                        default=len(TRAINING_BUCKETS) - 1, metavar="N",
                        help="each model learns from the corpus and N of the other buckets (default: all three; "
                             "1 or 2 for the learning curve)")
    parser.add_argument("--no-default-corpus", action="store_true",
                        help="train on the benchmark pages alone, without the pages of corpus/")
    parser.add_argument("--compare", choices=sorted(BASELINES), action="append", default=[],
                        help="HTML track: also score this established extractor on the same pages (repeatable)")
    add_generated_page_arguments(parser)
    parser.add_argument("--record-in", metavar="MODEL_DIR", type=Path,
                        help="record filterkit's figures per set in that model's meta.json (the model of this design "
                             "trained on every page: training.train --all-pages)")
    parser.add_argument("--pages-out", metavar="FILE",
                        help="write one JSON line per scored page (source, id, set, precision, recall, F1, "
                             "extracted text) to FILE, to compare two designs page by page")
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

    corpus_dirs = [] if args.no_default_corpus else [CORPUS_DIR]
    examples, results = cross_validate_results(training_examples(corpus_dirs, True, args.track, args.teaser_pages,
                                                                 region_pages=args.region_pages),
                                               buckets, args.train_buckets, args.teaser_weight)
    outputs = {"filterkit": [result.text for result in results]}
    for name, extract in baselines.items():
        outputs[name] = extract_each(extract, [e.text for e in examples], [e.lang for e in examples])
    scores = {extractor: set_scores(examples, texts) for extractor, texts in outputs.items()}
    if args.pages_out:
        write_pages(args.pages_out, examples, outputs["filterkit"])
    if args.record_in:
        record_figures(args.record_in, args.track, scores)
    for name in CV_SETS:
        chosen = [i for i, e in enumerate(examples) if cv_set_name(e) == name]
        if name == GENERATED_SET and not chosen:
            continue  # the HTML track has no generated pages
        for extractor in outputs:
            print(f"cross-validated {name:14s} {extractor:12s} {scores[extractor][name]}")
        for line in page_type_table(name, [examples[i] for i in chosen],
                                    {extractor: [texts[i] for i in chosen] for extractor, texts in outputs.items()}):
            print(line)
    generated = [(e, result) for e, result in zip(examples, results) if cv_set_name(e) == GENERATED_SET]
    if generated:
        print(teasers.drop_report(generated))
    if args.track == "html":
        for extractor, texts in outputs.items():
            for name, (score, words, kept) in subset_report(examples, texts).items():
                print(report_line(f"{name:26s} {extractor:12s}", score, words, kept))
    return 0


if __name__ == "__main__":
    sys.exit(main())
