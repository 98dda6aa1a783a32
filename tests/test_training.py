"""Corpus, labels by alignment, augmentation, and a real (small) training run."""
import collections
from dataclasses import replace

import numpy as np
import pytest

from conftest import needs_shared
from filterkit.analysis import analyse
from filterkit.model_io import load_model, save_model
from training.align import label_blocks
from training.augment import recombine
from training.corpus import CorpusFormatError, parse_page, read_corpus
from training.examples import from_corpus
from training.scoring import page_scores
from training.train import fingerprint, train


def test_corpus_is_large_valid_and_mixed():
    pages = read_corpus()
    kinds = collections.Counter(page.lang for page in pages)
    assert len(pages) >= 150
    assert kinds["en"] >= 30 and kinds["zh"] >= 30 and kinds["mixed"] >= 30


def test_corpus_format_errors_name_the_line():
    with pytest.raises(CorpusFormatError, match=":4:"):
        parse_page("# id: x\n# lang: en\n# kind: k\n* bad label\n")


def test_alignment_labels_long_blocks_by_coverage_and_short_ones_by_whole_lines():
    gold = "Ferry begins service\n\nThe new ferry carried its first passengers on Thursday morning across the bay."
    blocks = ["Home", "Ferry begins service", "The new ferry carried its first passengers on Thursday morning across",
              "Share", "Ferry fares rise again next month for all passengers on the bay routes"]
    assert label_blocks(blocks, gold) == [False, True, True, False, False]


def test_scoring_counts_han_characters_as_tokens():
    assert page_scores("新闻 news", "新闻 news") == (1.0, 1.0, 1.0)
    precision, recall, _ = page_scores("新闻", "新闻报道")
    assert precision == 1.0 and recall == 0.5


def test_augmentation_moves_tails_between_pages():
    examples = [from_corpus(page) for page in read_corpus()[:20]]
    augmented = recombine(examples)
    assert len(augmented) == len(examples)
    for page in augmented:
        lines = [line for line in page.text.splitlines() if line.strip()]
        assert len(lines) == len(page.labels)
        assert page.labels[-1] is False


def test_small_training_run_round_trips(tmp_path):
    examples = [from_corpus(page) for page in read_corpus()[::4]]
    model = train(examples)
    assert model.page_type_ is None  # the text track goes without the page-type step
    save_model(model, tmp_path / "m", {"training_data": {"fingerprint": fingerprint(examples)}})
    loaded, meta = load_model(tmp_path / "m")
    batch = analyse([examples[0].text])
    assert np.array_equal(loaded.predict_proba(batch), model.predict_proba(batch))
    assert meta["training_data"]["fingerprint"] == fingerprint(examples)


@needs_shared
def test_benchmark_readers_and_domain_split():
    from training.benchmarks import read_magic_html, read_wcxb
    from training.evaluation import held_out_sets

    wcxb, magic = read_wcxb(), read_magic_html()
    assert len(wcxb) > 1400 and len(magic) == 261
    held = [p for p in wcxb + magic if p.held_out]
    train_part = [p for p in wcxb + magic if not p.held_out]
    assert not {p.domain for p in train_part} & {p.domain for p in held}
    assert 0.15 < len(held) / (len(held) + len(train_part)) < 0.3
    assert sum(p.lang == "zh" for p in magic) > 60
    assert sorted((p.dataset, p.id) for pages in held_out_sets().values() for p in pages) == \
        sorted((p.dataset, p.id) for p in held)


def test_predict_applies_the_threshold():
    from filterkit.model_io import load_model

    model, _ = load_model()
    batch = analyse(["Title of a page\nA long paragraph of prose, written for this test, ends here."])
    assert (model.predict(batch) == (model.predict_proba(batch) >= model.threshold)).all()


def test_small_html_training_run_makes_a_model_set_with_the_text_model(tmp_path):
    """An HTML model trained on corpus pages in neutral markup, saved beside a text model, serves both tracks."""
    import shutil

    from filterkit import ContentFilter, ModelError
    from filterkit.model_io import DEFAULT_MODEL_DIR
    from training.examples import as_html
    from training.train import analyse_examples

    # Page kinds given to some pages (the rest unknown), so the HTML track's page-type step learns.
    examples = [replace(as_html(from_corpus(page)), page_type=("article", "forum", "")[i % 3])
                for i, page in enumerate(read_corpus()[::4])]
    assert all(len(analyse_examples([e])) == len(e.labels) for e in examples[:5])
    model = train(examples)
    assert model.track == "html" and model.page_type_.classes_ == ["article", "forum"]
    save_model(model, tmp_path / "set" / "html", {})
    batch = analyse_examples(examples[:2])
    assert np.allclose(load_model(tmp_path / "set" / "html", "html")[0].predict_proba(batch), model.predict_proba(batch))
    shutil.copytree(DEFAULT_MODEL_DIR / "text", tmp_path / "set" / "text")
    content_filter = ContentFilter(tmp_path / "set")
    assert content_filter.filter(examples[0].text).format == "html"
    assert content_filter.filter("A line of text.\nAnother line.").format == "text"
    html_only = ContentFilter(tmp_path / "set" / "html")
    with pytest.raises(ModelError, match="text"):
        html_only.filter("A line of text.", format="text")
    with pytest.raises(ModelError, match="html track"):
        model.predict_proba(analyse(["A line of text."]))


def test_timing_repeats_a_quick_run_and_keeps_the_first_result(monkeypatch):
    import time

    from training import evaluation

    monkeypatch.setattr(evaluation, "MIN_TIMED_SECONDS", 0.1)
    calls = []

    def run():
        calls.append(None)
        time.sleep(0.01)
        return len(calls)

    resets = []
    first, rate = evaluation.timed(run, lambda: resets.append(len(calls)))
    assert first == 1 and len(calls) >= 5
    assert resets == list(range(len(calls)))  # before every pass
    assert 0.5 * len(calls) / 0.1 < rate <= 100


def test_page_type_table_scores_each_extractor_per_type():
    from types import SimpleNamespace

    from training.evaluation import page_type_table

    pages = [SimpleNamespace(page_type="article", gold="a b c"), SimpleNamespace(page_type="forum", gold="x y"),
             SimpleNamespace(page_type="article", gold="d")]
    lines = page_type_table("set", pages, {"one": ["a b c", "x", ""], "two": ["", "x y", "d"]})
    assert [line.split()[-4:] for line in lines[1:]] == [["article", "2", "0.500", "0.500"],
                                                         ["forum", "1", "0.667", "1.000"]]
    assert page_type_table("set", pages[:1], {"one": ["a"]}) == []


def test_cross_validation_scores_each_bucket_with_a_model_that_never_saw_it(monkeypatch):
    from training import crossval
    from training.benchmarks import domain_bucket

    domains = {bucket: next(f"site{i}.example" for i in range(1000) if domain_bucket(f"site{i}.example") == bucket)
               for bucket in (0, 1, 2, 3)}
    pages = [from_corpus(page) for page in read_corpus()[::5]]
    # Corpus pages posing as benchmark pages of four sites, one per bucket; the rest stay corpus pages.
    examples = [replace(e, source="wcxb-dev", domain=domains[i % 4]) if i < 12 else e for i, e in enumerate(pages)]
    trained_on = []

    def spy(chosen, **options):
        trained_on.append({(e.source, e.id) for e in chosen})
        return train(chosen, **options)

    monkeypatch.setattr(crossval, "train", spy)
    scored, extracted = crossval.cross_validate(examples, buckets=(1, 2), train_buckets=1)
    assert [domain_bucket(e.domain) for e in scored] == [1] * 3 + [2] * 3
    of_bucket = {bucket: {(e.source, e.id) for e in examples[:12] if domain_bucket(e.domain) == bucket}
                 for bucket in domains}
    # One other training bucket each (the first of the others): 2 for bucket 1, 1 for bucket 2; never the held-out 0.
    for seen, bucket, other in zip(trained_on, (1, 2), (2, 1)):
        assert of_bucket[other] <= seen
        assert not seen & (of_bucket[bucket] | of_bucket[0] | of_bucket[3])
        assert {("corpus", e.id) for e in pages[12:]} <= seen  # corpus pages always train
    assert len(extracted) == len(scored) and sum(bool(text) for text in extracted) >= 4
    figures = crossval.set_scores(scored, extracted)
    assert figures["wcxb-dev"].pages == 6 and figures["magic-html zh"].pages == 0


def test_generated_pages_weigh_the_teaser_weight_of_a_real_page(monkeypatch):
    from filterkit.model import ParagraphClassifier
    from training import teasers

    real = [from_corpus(page) for page in read_corpus()[:6]]
    generated = [replace(e, source=source) for e, source in zip(real[:2], (teasers.SOURCE, teasers.CORPUS_SOURCE))]
    seen = {}

    def fit(self, batch, labels, progress=None, page_sites=None, page_types=None, page_weights=None):
        seen["weights"] = list(page_weights)
        return self

    monkeypatch.setattr(ParagraphClassifier, "fit", fit)
    train(real + generated, teaser_weight=0.25)
    assert seen["weights"] == [1.0] * 6 + [0.25, 0.25]


def test_page_weights_scale_each_page_in_training():
    from filterkit.model import ParagraphClassifier

    examples = [from_corpus(page) for page in read_corpus()[::6]]
    batch = analyse([e.text for e in examples])
    labels = np.concatenate([e.labels for e in examples])
    light = [1.0] * (len(examples) - 1) + [1e-6]  # the last page all but left out
    weighed = ParagraphClassifier().fit(batch, labels, page_weights=light).predict_proba(batch)
    plain = ParagraphClassifier().fit(batch, labels).predict_proba(batch)
    assert not np.allclose(weighed, plain)
