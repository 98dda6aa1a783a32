"""Content-farm pages in the seed page's shape, made from the training gold texts: ``python -m training.teasers``.

A content farm republishes an article between its own chrome: a byline line, the page's
own summary cut short (ending in `` 。`` or ``…``), the article, a tag line (often bare:
``• Tag:``), then bullet-led teasers of other stories in both languages, cut inside a
word or a sentence, then a footer. Each generated page takes one story (the host) for its
article and title, and other stories of the same group (the donors) for its teasers, and
dresses them in templates and phrases written here, varied page by page: bullets, indents,
cut points, orders, counts, tag lines, bylines, summaries, footers and noise lines.

Stories come from the training gold texts only: benchmark pages outside the held-out
bucket, grouped by their domain's bucket (``training.benchmarks.domain_bucket``), and the
pages of ``corpus/``, a group of their own. A page's host and donors share a group, so a
cross-validation fold that scores a bucket's generated pages never trained on a page made
from any of their sources (``SOURCE``'s pages carry the host's domain and are scored by
its bucket; ``CORPUS_SOURCE``'s are always trained on, like the corpus).

Generation is deterministic: the same stories and seed give the same pages.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from filterkit.scripts import cjk_share
from training.examples import Example

SOURCE = "teasers"  # pages made from benchmark stories: scored by their host's domain bucket
CORPUS_SOURCE = "teasers-corpus"  # pages made from corpus stories: trained on in every fold
SEED = 12
MAIN_KINDS = ("title", "article")
MUST_DROP_KINDS = ("teaser", "tag", "summary")  # the lines: every one must fall under the threshold
MAX_ARTICLE_PARAGRAPHS = 14
MIN_PARAGRAPHS = 3
MAX_TITLE_CHARS = 110

# --- stories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    group: str  # "1".."4" (benchmark domain bucket) or "corpus"
    id: str
    domain: str
    lang: str  # "en" or "zh"
    title: str  # "" where the gold text has none
    paragraphs: tuple[str, ...]


_ENGLISH_WORDS = re.compile(r"\b(?:the|and|of|to|in|is|that|for)\b")


def _is_english(text: str) -> bool:
    """Plain English prose: at least one of its commonest words in every 60 characters."""
    return len(_ENGLISH_WORDS.findall(text[:3000].lower())) * 60 >= min(len(text), 3000)


def _story(group: str, id: str, domain: str, title: str, lines: list[str]) -> Story | None:
    paragraphs = [line.strip() for line in lines if line.strip()]
    if not title and paragraphs and len(paragraphs[0]) <= MAX_TITLE_CHARS and paragraphs[0][-1] not in ".。!?！？":
        title, paragraphs = paragraphs[0], paragraphs[1:]
    text = "\n".join(paragraphs)
    lang = "zh" if cjk_share(text) >= 0.3 else "en" if _is_english(text) else ""
    long_enough = 40 if lang == "zh" else 100
    if not lang or sum(len(p) >= long_enough for p in paragraphs) < MIN_PARAGRAPHS:
        return None  # too little prose to be an article, or another language
    return Story(group, id, domain, lang, " ".join(title.split()), tuple(paragraphs))


def benchmark_stories() -> list[Story]:
    """The article stories of the training benchmark pages (never the held-out ones)."""
    from training.benchmarks import domain_bucket, read_all

    stories = []
    for page in read_all():
        if page.held_out or page.page_type != "article":
            continue
        story = _story(str(domain_bucket(page.domain)), f"{page.dataset}:{page.id}", page.domain, page.title,
                       page.gold.splitlines())
        if story:
            stories.append(story)
    return stories


def corpus_stories(directories: list[Path]) -> list[Story]:
    from training.corpus import read_corpus

    stories = []
    for directory in directories:
        for page in read_corpus(directory):
            main = [text for text, is_main in page.lines if is_main]
            story = _story("corpus", page.id, f"corpus:{page.id}", main[0] if main else "", main[1:])
            if story:
                stories.append(story)
    return stories


# --- phrases (invented for this generator) -------------------------------------------------

EN_NAMES = ("Dana Whitlock", "Marcus Oyelaran", "Priya Venkataraman", "Tomas Ferreira", "Elin Haugstad",
            "Grace Abernathy", "Kenji Moriyama", "Olu Adebanjo", "Sofia Lindqvist", "Rafael Quintero")
ZH_NAMES = ("玩站小弟", "编辑部", "小编", "网络编辑", "本站记者", "李晓峰", "王悦", "张明远", "陈静", "刘思远", "采编中心")
EN_SITES = ("DailyBuzz Hub", "NewsPoint Now", "The Morning Ledger", "Clickwire", "TrendWatch Daily", "InfoStream 24")
ZH_SITES = ("快讯资讯网", "天天热点", "城市生活网", "新闻速递", "今日看点", "第一资讯站", "百姓头条")
EN_TAGS = ("news", "world", "politics", "health", "business", "tech", "science", "travel", "local", "opinion")
ZH_TAGS = ("新闻", "国际", "社会", "财经", "科技", "健康", "教育", "本地", "热点", "生活")
BULLETS = ("•", "·", "-", "*", "►", "》", "▪", "◆", "→", "○")
EN_HEADINGS = ("Related", "Related stories", "You may also like", "More stories", "Recommended", "Read more",
               "Most popular")
ZH_HEADINGS = ("相关阅读", "推荐阅读", "猜你喜欢", "热门文章", "延伸阅读", "相关新闻", "热点推荐")
EN_NOISE = ("Share: Facebook   Twitter   Email", "Advertisement", "Print  |  Email  |  Comments (0)",
            "Click here to subscribe to our newsletter", "Share this article", "Sponsored")
ZH_NOISE = ("分享到：微信  微博  QQ空间", "广告", "我要评论", "（本文来源于网络，如有侵权请联系删除）", "点击量：{n}",
            "[责任编辑：{zh_name}]", "打印本页  关闭窗口")
EN_FOOTERS = ("© {year} {site}. All rights reserved.", "About us | Contact | Privacy policy | Terms of use",
              "Back to top", "{site} — news you can use", "Contact: editor@{slug}.com")
ZH_FOOTERS = ("© {year} {site} 版权所有", "关于我们 | 联系我们 | 免责声明 | 网站地图", "返回顶部",
              "京ICP备{n}号-1", "联系邮箱：{slug}@163.com", "{site} - 关注热点，关注生活")
EN_BYLINES = ("By {name} | {en_date}, {time}", "Posted on {en_date} by {name} · {n} comments",
              "{name}, staff writer — updated {en_date}", "{en_date}  {time}   Source: {site}   Views: {n}")
ZH_BYLINES = ("发布时间:{date} {time}   作者:{zh_name}   我要评论", "来源：{site}  编辑：{zh_name}  {date}",
              "{date} {time} 来源: {site} 阅读: {n}", "时间：{date}  来源：互联网  点击：{n}次")
EN_TAG_LINES = ("Tag:", "Tags:", "Tags: {tags}", "Filed under: {tags}", "TAGS", "Topics: {tags}")
ZH_TAG_LINES = ("标签：", "标签：{tags}", "关键词：{tags}", "分类：{tags}", "Tag:", "本文标签：")
EN_MORE = ("…", "...", " [more]", " Read more")
ZH_MORE = ("…", "...", "[详细]", "阅读全文")
SUMMARY_ENDS = (" 。", "…", "...", " …", " ...", "。。。")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

# --- page assembly -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str  # the line as the page shows it, indentation included; "" for a blank line
    kind: str  # "title", "article" (main) or a kind of noise: "summary", "tag", "teaser", "byline"...


@dataclass(frozen=True)
class TeaserExample(Example):
    kinds: tuple[str, ...] = ()  # per paragraph (non-blank line), its Line.kind


class _Page:
    """One page's random choices and its lines."""

    def __init__(self, rng: random.Random, host: Story, donors: list[Story]):
        self.rng = rng
        self.host = host
        self.donors = donors
        self.chrome = host.lang if rng.random() < 0.6 else rng.choice(("en", "zh"))  # the site's language
        self.site = rng.choice(EN_SITES if self.chrome == "en" else ZH_SITES)
        self.lines: list[Line] = []

    def fill(self, template: str) -> str:
        r = self.rng
        year = r.randint(2016, 2025)
        return template.format(
            name=r.choice(EN_NAMES), zh_name=r.choice(ZH_NAMES), site=self.site, n=r.randint(3, 98000),
            date=f"{year}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            time=f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
            en_date=f"{r.choice(MONTHS)} {r.randint(1, 28)}, {year}", year=year,
            slug=f"news{r.randint(10, 999)}",
            tags=self._tags())

    def _tags(self) -> str:
        words = ZH_TAGS if self.chrome == "zh" else EN_TAGS
        return (" " if self.chrome == "zh" else ", ").join(self.rng.sample(words, self.rng.randint(1, 4)))

    def add(self, text: str, kind: str, indent: str = "", blank_after: bool = False) -> None:
        self.lines.append(Line(indent + text, kind))
        if blank_after:
            self.lines.append(Line("", "blank"))

    def blank(self, count: int = 1) -> None:
        self.lines.extend(Line("", "blank") for _ in range(count))

    def phrase(self, en: tuple[str, ...], zh: tuple[str, ...]) -> str:
        return self.fill(self.rng.choice(en if self.chrome == "en" else zh))

    def indent(self) -> str:
        return self.rng.choice(("", "", "  ", "    ", "\t", "\u3000\u3000"))


def cut(text: str, rng: random.Random, limit: int | None = None) -> str:
    """``text`` cut short as scrapers cut it: inside a word, after a word, or after a Han character."""
    zh = cjk_share(text) >= 0.3
    limit = limit or (rng.randint(25, 100) if zh else rng.randint(40, 160))
    if len(text) <= limit + 5:
        limit = max(len(text) * 2 // 3, 8)
    piece = text[:limit]
    if not zh and rng.random() < 0.35 and " " in piece:
        piece = piece[:piece.rindex(" ")]  # after a whole word, still inside the sentence
    return piece.rstrip(" ,，、")


def _title_head(page: _Page) -> None:
    r, host = page.rng, page.host
    if r.random() < 0.4:
        page.add(page.site, "nav")
    if r.random() < 0.3:
        crumbs = ("Home", "News", r.choice(EN_TAGS).title()) if page.chrome == "en" else ("首页", "新闻", r.choice(ZH_TAGS))
        page.add(r.choice((" > ", " › ", " / ")).join(crumbs), "nav")
    parts = []
    if host.title:
        parts.append(lambda: page.add(host.title, "title", blank_after=r.random() < 0.6))
    parts.append(lambda: page.add(page.phrase(EN_BYLINES, ZH_BYLINES), "byline", page.indent()))
    if r.random() < 0.8:
        prefix = r.choice(("", "", "", "摘要：" if page.chrome == "zh" else "Summary: "))
        summary = cut(host.paragraphs[0], r) + r.choice(SUMMARY_ENDS)
        parts.append(lambda: page.add(prefix + summary, "summary", page.indent() if r.random() < 0.2 else ""))
    if r.random() < 0.2:
        r.shuffle(parts)  # most pages: title, byline, summary; some in another order
    for part in parts:
        part()


def _article(page: _Page) -> None:
    r = page.rng
    paragraphs = page.host.paragraphs[:r.randint(MIN_PARAGRAPHS, MAX_ARTICLE_PARAGRAPHS)]
    indent = r.choice(("", "", "", "\u3000\u3000" if page.host.lang == "zh" else "  "))
    spaced = r.random() < 0.7
    noise_at = r.randrange(1, len(paragraphs)) if r.random() < 0.25 else -1
    for index, paragraph in enumerate(paragraphs):
        if index == noise_at:
            page.add(page.phrase(EN_NOISE, ZH_NOISE), "noise", blank_after=spaced)
        page.add(paragraph, "article", indent, blank_after=spaced)
    if r.random() < 0.3:
        page.add(page.phrase(EN_NOISE, ZH_NOISE), "noise")


def _tag_line(page: _Page, bullet: str) -> None:
    r = page.rng
    text = page.phrase(EN_TAG_LINES, ZH_TAG_LINES)
    lead = f"{bullet} " if bullet and r.random() < 0.5 else ""
    page.add(lead + text, "tag", r.choice(("", "  ", "    ")))
    page.blank(r.randint(0, 2))


def _teasers(page: _Page, bullet: str) -> None:
    r = page.rng
    if r.random() < 0.5:
        page.add(r.choice(EN_HEADINGS if page.chrome == "en" else ZH_HEADINGS), "heading")
    style = r.choice(("title+snippet", "title+snippet", "one-line", "numbered", "indent-only"))
    indent, snippet_indent = r.choice((("  ", "    "), ("", "  "), ("    ", "      "), ("", "")))
    more = r.random() < 0.3
    for number, donor in enumerate(page.donors, 1):
        lead = {"numbered": f"{number}{r.choice(('.', '、', ')'))} ", "indent-only": ""}.get(style, f"{bullet} ")
        snippet = cut(donor.paragraphs[0] if r.random() < 0.8 else r.choice(donor.paragraphs), r)
        if more:
            snippet += r.choice(ZH_MORE if donor.lang == "zh" else EN_MORE)
        title = donor.title or cut(donor.paragraphs[0], r, 40)
        if style == "one-line" or not donor.title:
            page.add(lead + snippet, "teaser", indent, blank_after=r.random() < 0.3)
            continue
        page.add(lead + title, "teaser", indent, blank_after=r.random() < 0.5)
        if r.random() < 0.8:
            page.add(snippet, "teaser", snippet_indent if style != "indent-only" else indent + "  ")


def _tail(page: _Page) -> None:
    r = page.rng
    if r.random() < 0.3 and len(page.donors) >= 2:
        labels = ("Previous: ", "Next: ") if page.chrome == "en" else ("上一篇：", "下一篇：")
        for label, donor in zip(labels, r.sample(page.donors, 2)):
            page.add(label + (donor.title or cut(donor.paragraphs[0], r, 30)), "noise")
    page.blank(r.randint(0, 2))
    footers = EN_FOOTERS if page.chrome == "en" else ZH_FOOTERS
    for template in r.sample(footers, r.randint(0, 3)):
        page.add(page.fill(template), "footer")


def make_page(host: Story, donors: list[Story], rng: random.Random) -> list[Line]:
    """The lines of one page: the host's title and article, the donors' teasers, the chrome around them."""
    page = _Page(rng, host, donors)
    bullet = rng.choice(BULLETS)
    _title_head(page)
    _article(page)
    page.blank(rng.randint(0, 2))
    tag_first = rng.random() < 0.8
    if tag_first and rng.random() < 0.85:
        _tag_line(page, bullet)
    _teasers(page, bullet)
    if not tag_first:
        _tag_line(page, bullet)
    _tail(page)
    return page.lines


def _pick_donors(host: Story, group: list[Story], mode: str, rng: random.Random) -> list[Story]:
    wanted = rng.randint(2, 10)
    pool = [s for s in group if s.id != host.id and s.domain != host.domain
            and (mode == "mixed" or s.lang == mode)]
    return rng.sample(pool, min(wanted, len(pool)))


def generate(stories: list[Story], count: int, seed: int = SEED) -> list[TeaserExample]:
    """``count`` pages (fewer where the stories run short), spread over the groups by their sizes."""
    rng = random.Random(seed)
    groups: dict[str, list[Story]] = {}
    for story in stories:
        groups.setdefault(story.group, []).append(story)
    examples = []
    total = len(stories) or 1
    for name in sorted(groups):
        group = groups[name]
        hosts = rng.sample(group, min(len(group), round(count * len(group) / total)))
        for host in hosts:
            mode = rng.choice((host.lang, "mixed", "mixed"))
            donors = _pick_donors(host, group, mode, rng)
            if len(donors) < 2:
                continue
            examples.append(to_example(host, make_page(host, donors, rng)))
    return examples


def to_example(host: Story, lines: list[Line]) -> TeaserExample:
    """An ``Example`` of the page's lines: title and article main, every other line not."""
    blocks = [line for line in lines if line.text.strip()]
    gold = "\n\n".join(line.text.strip() for line in blocks if line.kind in MAIN_KINDS)
    source = CORPUS_SOURCE if host.group == "corpus" else SOURCE
    return TeaserExample(source, f"{SOURCE}:{host.id}", host.domain, host.lang,
                         "\n".join(line.text for line in lines) + "\n",
                         tuple(line.kind in MAIN_KINDS for line in blocks), gold, kinds=tuple(line.kind for line in blocks))


def teaser_examples(count: int, corpus_dirs: list[Path], use_benchmarks: bool, seed: int = SEED) -> list[TeaserExample]:
    """About ``count`` generated pages from the training stories (the corpus alone without benchmarks)."""
    stories = corpus_stories(corpus_dirs) + (benchmark_stories() if use_benchmarks else [])
    return generate(stories, count, seed)


def kept_noise(example: TeaserExample, result) -> list[str]:
    """The kinds (``MUST_DROP_KINDS``) of the page's lines that ``result`` (a FilterResult) kept, one per line."""
    if len(result.paragraphs) != len(example.kinds):
        raise ValueError(f"{example.id}: {len(result.paragraphs)} paragraphs for {len(example.kinds)} lines")
    return [kind for paragraph, kind in zip(result.paragraphs, example.kinds)
            if kind in MUST_DROP_KINDS and paragraph.label]


def drop_report(pairs: list[tuple[TeaserExample, object]]) -> str:
    """One line: on how many pages every teaser, tag line and self-summary fell under the threshold."""
    kept = [kept_noise(example, result) for example, result in pairs]
    clean = sum(not kinds for kinds in kept)
    counts = {kind: sum(kinds.count(kind) for kinds in kept) for kind in MUST_DROP_KINDS}
    total = {kind: sum(e.kinds.count(kind) for e, _ in pairs) for kind in MUST_DROP_KINDS}
    return (f"generated pages with every teaser, tag line and self-summary dropped: {clean} of {len(pairs)} "
            f"({clean / max(len(pairs), 1):.1%}); lines kept: "
            + ", ".join(f"{kind} {counts[kind]} of {total[kind]}" for kind in MUST_DROP_KINDS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.teasers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=3, help="pages to print (default: 3)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--benchmarks", action="store_true", help="also use the training benchmark pages' stories")
    args = parser.parse_args(argv)
    from training.corpus import CORPUS_DIR

    for example in teaser_examples(args.count, [CORPUS_DIR], args.benchmarks, args.seed)[:args.count]:
        print(f"# {example.id} ({example.lang})")
        blocks = iter(zip(example.labels, example.kinds))
        for line in example.text.splitlines():
            label, kind = next(blocks) if line.strip() else (None, "")
            print(f"{'+' if label else '-' if label is not None else ' '} {kind:8s}|{line}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
