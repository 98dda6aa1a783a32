"""HTML training pages that carry the regions around an article: ``python -m training.region_pages``.

The benchmark pages hold too few teaser lists, comment threads, copies and asides to teach
the region evidence (``filterkit.regions``). Each generated page is a real training page
(its own template and article, its own labels) with regions put in after the article's last
main block, every block of them labelled not main:

* a card list of OTHER training stories (their title and first sentence, as links to other
  URLs) under a heading such as "More from …" or "相关阅读";
* a comment thread: author–date headers and short replies (the replies, names and headings
  are written here);
* a print, mobile or hidden copy of the article's first paragraphs;
* an aside box (about the site, a newsletter prompt: written here).

Language follows the host (English, Chinese) with a share of mixed pages; markup varies page
by page (lists or cards, class words that name the region or say nothing, headings as
``<h2>``, ``<h3>`` or a styled ``<div>``). The other stories come from the host's own domain
bucket (``training.benchmarks.domain_bucket``) and a page carries the host's domain, so a
cross-validation fold that scores a bucket never trains on a page made from it
(``training.crossval`` leaves them out with their bucket). Deterministic for a seed.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import replace
from html import escape

from training.examples import Example

SOURCE = "regions"  # generated pages: trained on with their host's bucket, never scored
SEED = 18
HOST_TYPES = ("article",)  # the regions this makes are boilerplate under an article, content elsewhere
MAX_SENTENCE_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")

_EN_CARD_HEADINGS = ("More from {site}", "Related stories", "You might also like", "Read next", "Popular now",
                     "More in this section", "Recommended for you", "Latest news", "Editors' picks", "Around the web")
_ZH_CARD_HEADINGS = ("相关阅读", "热门推荐", "猜你喜欢", "延伸阅读", "更多新闻", "相关文章", "推荐阅读", "大家都在看", "最新资讯")
_EN_COMMENT_HEADINGS = ("{count} comments", "Leave a reply", "Join the discussion", "Comments ({count})",
                        "What readers say", "{count} responses")
_ZH_COMMENT_HEADINGS = ("网友评论", "评论（{count}）", "发表评论", "全部回复", "读者留言", "{count}条评论")
_EN_REPLIES = (
    "Thanks for writing this up, it answered the question I had all week.",
    "I am not sure the numbers add up, but the overall point stands.",
    "Great read. Sharing it with my team tomorrow.",
    "This happened in our town too and nobody reported it.",
    "Does anyone know where the original figures can be found?",
    "Agree with the comment above, the second half is the strongest part.",
    "Interesting, though I would have liked more on the costs.",
    "My grandfather used to say the same thing about the river.",
    "Finally someone explains it in plain words.",
    "Lol, the last paragraph made my day.",
    "I disagree. The older approach worked fine for decades.",
    "Bookmarked. Will read it again this weekend.",
    "Could you do a follow-up on what happens next year?",
    "The photo at the top is not from the same place, is it?",
    "Well said, and long overdue.",
    "Second time this month I have seen this topic, something is going on.",
)
_ZH_REPLIES = (
    "写得很清楚，终于看明白了。", "支持一下，希望后续继续报道。", "这个数据从哪里来的？有没有原始出处？",
    "我们这边也是这样，没人管。", "楼上说得对，后半部分更有意思。", "收藏了，周末再仔细看。",
    "不太同意，老办法其实也挺好用的。", "哈哈，最后一段太真实了。", "希望相关部门能重视起来。",
    "看完有点感慨，以前完全不知道这些。", "能不能出一期后续？很想知道结果。", "配图好像不是同一个地方吧？",
    "说得好，早就该有人讲讲了。", "转给家里人看看。", "这个月第二次看到这个话题了。",
)
_EN_NAMES = ("Sam", "Priya", "J. Walker", "kettle_fan", "Marta L.", "Ben", "Oluwa", "rivertown77", "Chen W.", "Ines")
_ZH_NAMES = ("小风", "网友8823", "阿明", "山水之间", "李先生", "老王", "晨光", "一只猫", "路人甲", "海边的鱼")
_EN_ASIDES = (
    ("About this site", "We cover local stories, science and the things people ask us about. Tips are welcome."),
    ("Newsletter", "Get the week's best reads in your inbox every Friday. No spam, unsubscribe any time."),
    ("Support our work", "Independent reporting takes time. Readers like you keep it going."),
    ("Follow us", "Find us on the usual networks for daily updates and behind-the-scenes notes."),
)
_ZH_ASIDES = (
    ("关于本站", "我们关注本地新闻、科技与生活话题，欢迎提供线索。"),
    ("订阅周刊", "每周五把精选文章送到你的邮箱，随时可以退订。"),
    ("关注我们", "扫码关注公众号，获取每日更新与幕后故事。"),
    ("免责声明", "本站部分内容来自网络，仅供参考，如有侵权请联系删除。"),
)
_SIDE_WORDS = ("related", "more", "recommend", "cards", "stream", "box", "module", "panel", "x-list", "c7", "blk",
               "grid", "popular", "wrap")
_COMMENT_WORDS = ("comments", "comment-list", "replies", "discussion", "thread", "responses", "box", "c-area",
                  "feedback", "module", "talk")


def _stories(examples: list[Example]) -> dict[int, list[tuple[str, str, str]]]:
    """Per domain bucket, (language, title, first sentence) of the training articles' gold texts."""
    from training.benchmarks import domain_bucket

    stories: dict[int, list[tuple[str, str, str]]] = {}
    for example in examples:
        lines = [line.strip() for line in example.gold.splitlines() if line.strip()]
        if example.page_type not in HOST_TYPES or len(lines) < 2:
            continue
        title, body = lines[0], next((line for line in lines[1:] if len(line) >= 40), "")
        sentence = _SENTENCE_END.split(body, maxsplit=1)[0][:MAX_SENTENCE_CHARS]
        if 8 <= len(title) <= 120 and sentence:
            stories.setdefault(domain_bucket(example.domain), []).append((example.lang, title, sentence))
    return stories


def _heading(rng: random.Random, text: str) -> str:
    tag = rng.choice(("h2", "h3", "h4", "div", "span"))
    return f"<{tag} class=\"{rng.choice(('title', 'hd', 'head', 'label', 'k2'))}\">{escape(text)}</{tag}>"


def _card_list(rng: random.Random, lang: str, site: str, donors: list[tuple[str, str, str]]) -> str:
    heading = rng.choice(_ZH_CARD_HEADINGS if lang == "zh" else _EN_CARD_HEADINGS).format(site=site)
    cards = []
    for number, (_, title, sentence) in enumerate(donors):
        url = f"/{rng.choice(('news', 'story', 'p', 'a', '2025'))}/{rng.randrange(10 ** 5, 10 ** 7)}"
        link = f"<a href=\"{url}\">{escape(title)}</a>"
        snippet = escape(sentence) if rng.random() < 0.8 else ""
        shape = rng.randrange(4)
        if shape == 0:
            cards.append(f"<li>{link}{f'<p>{snippet}</p>' if snippet else ''}</li>")
        elif shape == 1:
            cards.append(f"<div class=\"{rng.choice(('card', 'item', 'tile', 'c', 'entry'))}\"><h3>{link}</h3>"
                         f"{f'<div>{snippet}</div>' if snippet else ''}</div>")
        elif shape == 2:
            cards.append(f"<li><a href=\"{url}\"><div>{escape(title)}</div>{f'<div>{snippet}</div>' if snippet else ''}"
                         f"</a></li>")
        else:
            cards.append(f"<article><h4>{link}</h4>{f'<p>{snippet}</p>' if snippet else ''}"
                         f"<span>{rng.randrange(1, 28)} {rng.choice(('min read', 'hours ago', 'comments'))}</span>"
                         f"</article>")
    wrapper = "ul" if cards[0].startswith("<li>") else "div"
    inner = f"<{wrapper}>{''.join(cards)}</{wrapper}>"
    return f"<section class=\"{rng.choice(_SIDE_WORDS)}\">{_heading(rng, heading)}{inner}</section>"


def _comment_thread(rng: random.Random, lang: str) -> str:
    count = rng.randrange(3, 9)
    pool = list(_ZH_REPLIES if lang == "zh" else _EN_REPLIES)
    names = _ZH_NAMES if lang == "zh" else _EN_NAMES
    heading = rng.choice(_ZH_COMMENT_HEADINGS if lang == "zh" else _EN_COMMENT_HEADINGS).format(count=count)
    items = []
    for _ in range(count):
        when = rng.choice((f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} {rng.randrange(24):02d}:"
                           f"{rng.randrange(60):02d}", f"{rng.randrange(2, 12)} days ago",
                           f"{rng.randrange(1, 24)}小时前" if lang == "zh" else f"{rng.randrange(1, 24)} hours ago",
                           f"March {rng.randrange(1, 29)}, 2025 at {rng.randrange(1, 13)}:{rng.randrange(60):02d} pm"))
        name = escape(rng.choice(names))
        header = rng.choice((f"<div class=\"meta\"><b>{name}</b> <time>{when}</time></div>",
                             f"<div><span>{name}</span> <span>{when}</span></div>",
                             f"<p class=\"author\">{name} {'says' if lang != 'zh' else '说'}: {when}</p>",
                             f"<div>{name} · {when} · {rng.choice(('Reply', '回复'))}</div>"))
        reply = escape(rng.choice(pool))
        items.append(f"<li class=\"{rng.choice(('comment', 'c-item', 'item', 'post'))}\">{header}<p>{reply}</p></li>"
                     if rng.random() < 0.6 else f"<div class=\"{rng.choice(('reply', 'entry', 'row'))}\">{header}"
                                                 f"<div>{reply}</div></div>")
    wrapper = "ol" if items[0].startswith("<li") else "div"
    return (f"<div id=\"{rng.choice(_COMMENT_WORDS)}\">{_heading(rng, heading)}<{wrapper}>{''.join(items)}"
            f"</{wrapper}></div>")


def _copy(rng: random.Random, paragraphs: list[str]) -> str:
    chosen = "".join(f"<p>{escape(text)}</p>" for text in paragraphs[:rng.randrange(1, 4)])
    return rng.choice((f"<div class=\"print-only\" style=\"display:none\">{chosen}</div>",
                       f"<div hidden>{chosen}</div>", f"<div class=\"amp-copy\">{chosen}</div>",
                       f"<div class=\"mobile-version\">{chosen}</div>", f"<div aria-hidden=\"true\">{chosen}</div>"))


def _aside(rng: random.Random, lang: str) -> str:
    title, text = rng.choice(_ZH_ASIDES if lang == "zh" else _EN_ASIDES)
    tag = rng.choice(("aside", "div", "section"))
    return f"<{tag} class=\"{rng.choice(('box', 'widget', 'promo', 'about', 'panel'))}\">{_heading(rng, title)}" \
           f"<p>{escape(text)}</p></{tag}>"


def _insert_after_last_main(html: str, blocks: list[str], labels: tuple[bool, ...], fragment: str,
                            inside: bool) -> str | None:
    """The page with ``fragment`` after the element that owns its last main block (or after that
    element's parent: the article's container), None where that element cannot be found."""
    from selectolax.lexbor import LexborHTMLParser

    last = max(i for i, main in enumerate(labels) if main)
    target = blocks[last]
    parser = LexborHTMLParser(html)
    found = None
    for node in parser.css("p, li, div, h1, h2, h3, h4, h5, h6, td, blockquote, pre, dd, section, article, span"):
        if " ".join(node.text(deep=True).split()) == target:
            found = node
    if found is None:
        return None
    anchor = found.parent if not inside and found.parent is not None and found.parent.tag not in ("body", "html") \
        else found
    for child in reversed(list(LexborHTMLParser(f"<body>{fragment}</body>").body.iter())):
        anchor.insert_after(child)
    return parser.html


def region_page(host: Example, donors: list[tuple[str, str, str]], rng: random.Random) -> Example | None:
    """One generated page from ``host`` (an HTML-track example), or None where the host will not take one."""
    from filterkit.html_blocks import parse_blocks

    if not any(host.labels):
        return None
    blocks = [segment.text for segment in parse_blocks(host.text)[0]]
    main = [text for text, keep in zip(blocks, host.labels) if keep and len(text) >= 40]
    lang = host.lang if rng.random() < 0.8 else rng.choice(("en", "zh"))  # a share of mixed pages
    site = host.domain.split(".")[0].capitalize()
    parts = [_card_list(rng, lang, site, donors)]
    if rng.random() < 0.7:
        parts.append(_comment_thread(rng, lang if rng.random() < 0.8 else host.lang))
    if main and rng.random() < 0.4:
        parts.append(_copy(rng, main))
    if rng.random() < 0.4:
        parts.append(_aside(rng, lang))
    rng.shuffle(parts)
    html = _insert_after_last_main(host.text, blocks, host.labels, "".join(parts), rng.random() < 0.3)
    if html is None:
        return None
    new_blocks = [segment.text for segment in parse_blocks(html)[0]]
    added = len(new_blocks) - len(blocks)
    at = next((i for i, (old, new) in enumerate(zip(blocks, new_blocks)) if old != new), len(blocks))
    if added <= 0 or new_blocks[:at] != blocks[:at] or new_blocks[at + added:] != blocks[at:]:
        return None  # the regions merged with the page's own text: no clean labels
    labels = host.labels[:at] + (False,) * added + host.labels[at:]
    return replace(host, source=SOURCE, id=f"{host.source}:{host.id}", text=html, labels=labels)


def region_examples(count: int, examples: list[Example], seed: int = SEED) -> list[Example]:
    """About ``count`` generated pages from the HTML-track benchmark ``examples`` (article pages), each
    host's cards taken from other stories of its domain bucket."""
    from training.benchmarks import domain_bucket

    rng = random.Random(seed)
    stories = _stories(examples)
    hosts = [e for e in examples if e.source != "corpus" and e.page_type in HOST_TYPES and e.track == "html"]
    rng.shuffle(hosts)
    made = []
    for host in hosts:
        if len(made) >= count:
            break
        own = [story for story in stories.get(domain_bucket(host.domain), []) if story[1] not in host.gold]
        if len(own) < 3:
            continue
        page = region_page(host, rng.sample(own, min(len(own), rng.randrange(3, 9))), rng)
        if page is not None:
            made.append(page)
    return made


def main(argv: list[str] | None = None) -> int:
    from training import benchmarks
    from training.examples import from_benchmark

    parser = argparse.ArgumentParser(prog="python -m training.region_pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=2, help="pages to print (default: 2)")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        parser.error(f"{benchmarks.SHARED_DATA} not found (set FILTERKIT_SHARED to the shared folder)")
    pages = [page for page in benchmarks.read_all() if not page.held_out and page.page_type in HOST_TYPES]
    examples = [from_benchmark(page, "html") for page in random.Random(SEED).sample(pages, min(len(pages), 60))]
    from filterkit.html_blocks import parse_blocks

    for page in region_examples(args.count, examples):
        print(f"== {page.id}")
        for segment, main in zip(parse_blocks(page.text)[0], page.labels):
            print(f"{'+' if main else '-'} {segment.text[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
