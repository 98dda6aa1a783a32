"""Generated content-farm pages (training.teasers), and a page of that shape through the shipped text model."""
from dataclasses import replace
from types import SimpleNamespace

import pytest

from conftest import PAGES, needs_shared
from filterkit.paragraphs import split_paragraphs
from training import teasers
from training.corpus import CORPUS_DIR


@pytest.fixture(scope="module")
def stories():
    # Three groups of corpus stories, standing for the benchmark's domain buckets.
    return [replace(story, group=str(i % 3)) for i, story in enumerate(teasers.corpus_stories([CORPUS_DIR]))]


@pytest.fixture(scope="module")
def pages(stories):
    return teasers.generate(stories, 120, seed=5)


def test_generation_is_deterministic(stories, pages):
    again = teasers.generate(stories, 120, seed=5)
    assert [(e.id, e.text, e.labels) for e in again] == [(e.id, e.text, e.labels) for e in pages]
    other = teasers.generate(stories, 120, seed=6)
    assert [e.text for e in other] != [e.text for e in pages]


def test_labels_follow_the_filter_segmentation_and_main_is_title_and_article(pages):
    assert len(pages) >= 100
    for example in pages:
        blocks = [segment.text for segment in split_paragraphs(example.text)]
        assert len(blocks) == len(example.labels) == len(example.kinds)
        assert example.labels == tuple(kind in ("title", "article") for kind in example.kinds)
        assert example.gold == "\n\n".join(text for text, main in zip(blocks, example.labels) if main)
        assert sum(kind == "article" for kind in example.kinds) >= teasers.MIN_PARAGRAPHS
        assert example.kinds.count("teaser") >= 2


def test_pages_have_the_seed_shape_in_varied_forms(pages):
    kinds = [set(example.kinds) for example in pages]
    assert sum("summary" in k for k in kinds) > len(pages) / 2
    assert sum("tag" in k for k in kinds) > len(pages) / 2
    assert sum("byline" in k for k in kinds) == len(pages)
    teaser_lines = [line for e in pages for line, kind in zip(e.text.splitlines(), _line_kinds(e)) if kind == "teaser"]
    leads = {line.strip()[0] for line in teaser_lines}
    assert len(leads & set(teasers.BULLETS)) >= 6 and any(lead.isdigit() for lead in leads)
    assert any(line.startswith("    ") and line.strip()[0] not in teasers.BULLETS for line in teaser_lines)
    summaries = [b for e in pages for b, k in zip(_blocks(e), e.kinds) if k == "summary"]
    assert any(s.endswith(" 。") for s in summaries) and any(s.endswith("…") for s in summaries)
    # Cut inside a word, after a whole word, after a Han character.
    ends = [line.strip()[-1] for line in teaser_lines]
    assert any(end.isascii() and end.isalpha() for end in ends) and any("\u4e00" <= end <= "\u9fff" for end in ends)
    langs = [{("zh" if any("\u4e00" <= ch <= "\u9fff" for ch in line) else "en") for line, kind
              in zip(_blocks(e), e.kinds) if kind == "teaser"} for e in pages]
    assert sum(len(found) == 2 for found in langs) > len(pages) / 3  # mixed teaser lists
    assert {e.lang for e in pages} == {"en", "zh"}


def test_teasers_come_from_other_stories_of_the_hosts_group(stories, pages):
    text_of = {group: "\n".join(s.title + "\n" + "\n".join(s.paragraphs) for s in stories if s.group == group)
               for group in {s.group for s in stories}}
    by_id = {f"{teasers.SOURCE}:{s.id}": s for s in stories}
    for example in pages:
        host = by_id[example.id]
        for block, kind in zip(_blocks(example), example.kinds):
            if kind == "teaser" and len(block) >= 32:  # a probe clear of any "[more]" after the cut
                probe = block[4:20]  # past any bullet or number
                assert probe in text_of[host.group] and probe not in "\n".join(host.paragraphs), block


def test_drop_report_counts_pages_with_every_teaser_tag_and_summary_dropped(pages):
    example = next(e for e in pages if {"teaser", "tag", "summary"} <= set(e.kinds))
    dropped = SimpleNamespace(paragraphs=[SimpleNamespace(label=k in ("title", "article")) for k in example.kinds])
    leaky = SimpleNamespace(paragraphs=[SimpleNamespace(label=k != "footer") for k in example.kinds])
    assert teasers.kept_noise(example, dropped) == []
    assert set(teasers.kept_noise(example, leaky)) == {"teaser", "tag", "summary"}
    report = teasers.drop_report([(example, dropped), (example, leaky)])
    assert "1 of 2 (50.0%)" in report


@needs_shared
def test_benchmark_stories_are_training_pages_only():
    from training.benchmarks import domain_bucket

    stories = teasers.benchmark_stories()
    assert len(stories) > 300 and {s.lang for s in stories} == {"en", "zh"}
    assert all(domain_bucket(s.domain) != 0 and s.group == str(domain_bucket(s.domain)) for s in stories)


def test_own_seed_shaped_page_comes_out_exactly(content_filter):
    page = (PAGES / "river-school-bus.txt").read_text(encoding="utf-8")
    expected = (PAGES / "river-school-bus.expected.txt").read_text(encoding="utf-8")
    result = content_filter.filter(page)
    assert result.text == expected.strip()
    kept = {p.text for p in result.paragraphs if p.label}
    assert not kept & {"• 标签：", "三月第一个星期一清晨六点半，一辆黄色校车从青石镇西岭村的晒谷场出发，沿着河边的乡道驶向镇中心学校…"}


def _blocks(example):
    return [segment.text for segment in split_paragraphs(example.text)]


def _line_kinds(example):
    """Each line's kind, "" for blank lines."""
    kinds = iter(example.kinds)
    return [next(kinds) if line.strip() else "" for line in example.text.splitlines()]
