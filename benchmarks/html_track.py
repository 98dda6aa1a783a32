"""filterkit's HTML track beside the established extractors: ``python -m benchmarks.html_track``.

Runs filterkit and trafilatura, readability-lxml and jusText (benchmark-only
dependencies: ``pip install -e '.[train,compare]'``) on the same held-out pages, as
decoded HTML strings, one extractor after another in this process, and prints word F1,
precision, recall and pages/s per data set and language (each extractor timed over at
least ``training.evaluation.MIN_TIMED_SECONDS``, repeating a small set), with filterkit's
margin over trafilatura. Each extractor runs with its default settings; readability's summary (HTML)
is turned into text by html-text, and jusText uses its English stoplist on English pages
and its documented language-independent mode (no stoplist) on Chinese ones, for which it
has none. Then, unless ``--skip-cli``, the command's cold start on an HTML page and its
time and peak memory on a 20 MB HTML page. Needs ``../shared``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Callable

from filterkit import ContentFilter
from filterkit.decision import describe
from training import benchmarks
from benchmarks.text_track import BIG_PAGE_BYTES, COLD_RUNS, cli_run
from training.evaluation import held_out_sets, measure, page_type_table, timed, warm_up
from training.scoring import Score, macro_score

WARM_UP_PAGES = 8  # pages each extractor sees once before its clock starts (imports, dictionaries, caches)


def _trafilatura() -> Callable[[str, str], str]:
    import trafilatura

    return lambda html, lang: trafilatura.extract(html) or ""


def _readability() -> Callable[[str, str], str]:
    import html_text
    from readability import Document

    return lambda html, lang: html_text.extract_text(Document(html).summary(html_partial=True))


def _justext() -> Callable[[str, str], str]:
    import justext

    english = justext.get_stoplist("English")

    def extract(html: str, lang: str) -> str:
        if lang == "en":
            paragraphs = justext.justext(html, english)
        else:  # no Chinese stoplist: jusText's language-independent mode
            paragraphs = justext.justext(html, frozenset(), stopwords_low=0, stopwords_high=0)
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return extract


BASELINES = {"trafilatura": _trafilatura, "readability": _readability, "jusText": _justext}


def extract_each(extract: Callable[[str, str], str], htmls: list[str], langs: list[str]) -> list[str]:
    """An established extractor's text of each page; a page it fails on counts as an empty extraction."""
    def one(html: str, lang: str) -> str:
        try:
            return extract(html, lang)
        except Exception:  # an established extractor's crash is its score's business, not the benchmark's end
            return ""

    return [one(html, lang) for html, lang in zip(htmls, langs)]


def _run_each(extract: Callable[[str, str], str], htmls: list[str], langs: list[str]) -> tuple[list[str], float]:
    """(extractions, pages/s), after a warm-up on the first pages."""
    extract_each(extract, htmls[:WARM_UP_PAGES], langs[:WARM_UP_PAGES])
    out, passes_per_second = timed(lambda: extract_each(extract, htmls, langs))
    return out, len(htmls) * passes_per_second


def _row(set_name: str, extractor: str, score: Score, speed: float) -> str:
    return (f"{set_name:15s} {extractor:12s} {score.f1:6.3f} {score.precision:6.3f} {score.recall:6.3f} "
            f"{score.pages:6d} {speed:8.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.html_track", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: the shipped model set)")
    parser.add_argument("--skip-cli", action="store_true", help="leave out the cold-start and 20 MB runs")
    parser.add_argument("--only", choices=sorted(BASELINES), action="append",
                        help="run only these established extractors (repeatable; default: all)")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found")
    try:
        extractors = {name: BASELINES[name]() for name in (args.only or BASELINES)}
    except ImportError as error:
        parser.error(f"{error.name} is not installed: pip install -e '.[train,compare]'")
    content_filter = ContentFilter(args.model)
    warm_up()

    html_model = content_filter.load("html")
    print(f"HTML track, held-out pages ({benchmarks.HELD_OUT_RULE}), "
          f"{describe(html_model.track, html_model.threshold)}")
    print(f"{'set':15s} {'extractor':12s} {'F1':>6s} {'P':>6s} {'R':>6s} {'pages':>6s} {'pages/s':>8s}")
    for set_name, pages in held_out_sets().items():
        htmls, langs, golds = [p.html() for p in pages], [p.lang for p in pages], [p.gold for p in pages]
        results: dict[str, tuple[Score, float]] = {}
        list(content_filter.filter_many(htmls[:WARM_UP_PAGES], format="html"))
        ours = measure(content_filter, pages, "html")
        results["filterkit"] = ours.score, ours.pages_per_second
        outputs = {"filterkit": ours.extracted}
        for name, extract in extractors.items():
            outputs[name], speed = _run_each(extract, htmls, langs)
            results[name] = macro_score(list(zip(outputs[name], golds))), speed
        for name, (score, speed) in results.items():
            print(_row(set_name, name, score, speed))
        for line in page_type_table(set_name, pages, outputs):
            print(line)
        if "trafilatura" in results:
            ours, theirs = results["filterkit"], results["trafilatura"]
            print(f"{set_name:15s} filterkit - trafilatura: F1 {ours[0].f1 - theirs[0].f1:+.4f}, "
                  f"speed x{ours[1] / theirs[1]:.2f}")
        sys.stdout.flush()
    if not args.skip_cli:
        _cli_figures(["--model", args.model] if args.model else [], held_out_sets()["wcxb-dev"])
    return 0


def _cli_figures(model_args: list[str], pages: list[benchmarks.BenchmarkPage]) -> None:
    """Cold start on one HTML page; time and peak memory on a 20 MB page made of many pages' bodies."""
    with tempfile.TemporaryDirectory() as scratch:
        one = Path(scratch) / "page.html"
        one.write_text(pages[0].html(), encoding="utf-8")
        best = min(cli_run(model_args, one)[0] for _ in range(COLD_RUNS))
        print(f"cold start, filterkit < an English HTML page: {best:.2f} s (best of {COLD_RUNS})")
        big = Path(scratch) / "big.html"
        with big.open("w", encoding="utf-8") as stream:
            stream.write("<html><body>")
            written = 0
            while written < BIG_PAGE_BYTES:
                for page in pages:
                    html = page.html()
                    body = html[html.lower().find("<body"):]
                    stream.write(f"<div>{body}</div>")
                    written += len(body.encode("utf-8"))
                    if written >= BIG_PAGE_BYTES:
                        break
            stream.write("</body></html>")
        elapsed, peak = cli_run(["--format", "html", *model_args], big)
        print(f"20 MB HTML page ({big.stat().st_size / 1e6:.1f} MB): {elapsed:.1f} s, peak memory {peak} MB")


if __name__ == "__main__":
    sys.exit(main())
