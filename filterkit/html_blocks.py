"""HTML to blocks: one block per paragraph-level element, with what the markup says about it.

The HTML track's counterpart of ``paragraphs``: a page's DOM (parsed by lexbor through
selectolax, which is about twice as fast as lxml here and, unlike libxml2, has no depth
limit: 10,000 nested ``<div>``s parse whole) is walked in document order, and the text
between two block boundaries (the start or end of a paragraph-level element, or a
``<br>``) becomes one block, its white space folded as a browser folds it. Scripts,
styles, templates, the head and form widgets are dropped.

Each block also carries its structure (``Structure``): the tag that owns it, the class
and id words of its ancestors sorted into families (navigation, footer, related
stories, comments, content…), how much of it is link text, its depth, and the
container it sits in, so that the classifier can weigh siblings in the same container
(a teaser list is a run of similar blocks in one container).

Two facts tie a block to the rest of the page: its copies (the same words in another
block: a print or mobile copy, a hidden duplicate, a headline repeated in a breadcrumb or
in metadata rendered as text) and its overlap with the head's ``<title>`` (the headline
is most of the title; the site's name, shown as a page heading, is its tail).

Some units span several elements or keep their white space (issue 18's "units that belong
together"): a table row is one block, its cells joined with a tab, unless a cell holds block
elements or line breaks (a layout table: its cells' blocks are read as anywhere else); a
``<pre>``, or a ``<code>`` that starts a block and runs over several lines, keeps its line
breaks and indentation verbatim. Each block also carries its unit (``Structure.units``: a
heading, a list item with its depth and number, a table row, code, its block-quote depth), which
``filterkit.markdown`` renders.

The walk is iterative, so no page is deep enough to exhaust Python's stack.

``<noscript>`` is dropped, as what it holds is not what a browser shows, except on a
page that shows next to nothing without it: forum software such as Discourse serves
its whole thread to crawlers inside ``<noscript>``, and there it is the page.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from typing import Any
import numpy as np

from filterkit.paragraphs import Segment

# Elements whose start and end break the text into blocks (the paragraph-level ones).
BLOCK_TAGS = frozenset("""
    address article aside blockquote body caption center dd details dialog dir div dl dt fieldset figcaption figure
    footer form frame h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p pre section summary
    table tbody td tfoot th thead title tr ul
""".split())
# Elements whose content is never visible text of the page.
SKIP_TAGS = frozenset("""
    head script style template noscript iframe object embed svg math canvas select option optgroup datalist
    textarea audio video source track map param input
""".split())
# Owners whose blocks a text rendering sets apart with blank lines (html_text's layout), for the gap features.
GAP_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 pre blockquote title table ul ol dl".split())
MAX_PATH_TAGS = 8  # a block's tag path names at most this many of its nearest block ancestors
NOSCRIPT_FALLBACK_CHARS = 200  # a page with less visible text than this is read from its <noscript> instead
CONTAINER_LEVELS = 4  # containers whose contents are summed up per block: the owner's parent, grandparent…
ANCESTOR_LEVELS = 8  # ancestors remembered per block, to find where two blocks' branches meet
FAR_TERM_LEVELS = 12  # class/id words of ancestors up to this far become terms (the nearest three apart)

# Families of class/id words and of semantic tags: one bit each, set on an element and inherited by its blocks.
FAMILIES = ("nav", "footer", "header", "sidebar", "related", "comment", "share", "ad", "meta", "content", "title",
            "listing", "overlay", "form", "list", "table", "hidden", "figure", "alternate")
_BIT = {name: 1 << i for i, name in enumerate(FAMILIES)}
# Whole class/id words (short ones would match inside others: "ad" in "header").
_FAMILY_WORDS = {
    "nav": "nav navi navbar menu menus breadcrumb breadcrumbs crumbs topnav subnav",
    "footer": "footer foot bottom copyright colophon",
    "header": "header head masthead topbar top",
    "sidebar": "sidebar side aside widget widgets rail sidebox",
    "related": "related recommend recommended more also similar popular hot trending latest next prev read news",
    "comment": "comment comments reply replies discuss discussion respond responses disqus feedback guestbook "
               "reactions talkback",
    "share": "share sharing social sns follow",
    "ad": "ad ads adv advert advertisement sponsor sponsored promo banner dfp gpt",
    "meta": "meta byline author date time info tag tags category categories source dateline",
    "content": "content article post entry body text story main detail details maincontent",
    "title": "title headline heading subtitle",
    "listing": "list item items card cards teaser teasers feed grid tile",
    "overlay": "cookie cookies consent modal popup subscribe newsletter login signup signin register gdpr",
    "hidden": "hidden hide invisible collapsed offscreen sr",
    "alternate": "print printable printer mobile amp",
}
# Substrings that mark a family inside longer words ("relatedPosts", "article-body", "文章内容").
_FAMILY_PARTS = {
    "nav": ("navigation", "breadcrumb", "导航", "菜单"),
    "footer": ("footer", "copyright", "版权"),
    "header": ("header", "masthead"),
    "sidebar": ("sidebar", "widget"),
    "related": ("related", "recommend", "popular", "trending", "相关", "推荐", "热门", "猜你"),
    "comment": ("comment", "discuss", "respond", "评论", "回复", "留言", "跟帖"),
    "share": ("share", "social", "分享"),
    "ad": ("advert", "sponsor", "广告"),
    "meta": ("byline", "author", "dateline", "作者", "来源"),
    "content": ("content", "article", "正文", "文章"),
    "title": ("headline",),
    "listing": ("teaser",),
    "overlay": ("cookie", "consent", "newsletter", "subscribe", "popup"),
}
_TAG_FAMILY = {"nav": "nav", "footer": "footer", "header": "header", "aside": "sidebar", "article": "content",
               "main": "content", "form": "form", "fieldset": "form", "ul": "list", "ol": "list", "dl": "list",
               "li": "list", "menu": "nav", "table": "table", "figure": "figure", "figcaption": "figure",
               "address": "meta", "h1": "title", "dialog": "overlay"}
_TAG_BITS = {tag: _BIT[family] for tag, family in _TAG_FAMILY.items()}
_WORD_BITS: dict[str, int] = {}
for _family, _words in _FAMILY_WORDS.items():
    for _word in _words.split():
        _WORD_BITS[_word] = _WORD_BITS.get(_word, 0) | _BIT[_family]
_PART_BITS: dict[str, int] = {}
for _family, _parts in _FAMILY_PARTS.items():
    for _part in _parts:
        _PART_BITS[_part] = _PART_BITS.get(_part, 0) | _BIT[_family]
_PARTS = re.compile("|".join(map(re.escape, sorted(_PART_BITS, key=len, reverse=True))))
_WORD = re.compile(r"[a-z]+|[\u4e00-\u9fff]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
# The owner tag's kind, one feature column each.
OWNER_KINDS = ("p", "li", "cell", "div", "heading", "pre", "quote", "definition", "title", "other")
_OWNER_KIND: dict[str, str] = {"p": "p", "li": "li", "td": "cell", "th": "cell", "tr": "cell", "caption": "cell",
               "pre": "pre",
               "blockquote": "quote", "dd": "definition", "dt": "definition", "title": "title",
               **{f"h{level}": "heading" for level in range(1, 7)},
               **{tag: "div" for tag in "div section article main center body html details summary".split()}}


_KIND_INDEX = {tag: OWNER_KINDS.index(kind) for tag, kind in _OWNER_KIND.items()}
_OTHER_KIND = OWNER_KINDS.index("other")
_HEADING = {f"h{level}": level for level in range(1, 7)}
_HIDDEN_BIT = _BIT["hidden"]

# A block's unit (``Structure.units``' columns: UNIT_KIND, UNIT_LEVEL, UNIT_NUMBER, UNIT_GROUP, UNIT_QUOTE).
UNIT_KINDS = ("text", "heading", "item", "item text", "row", "header row", "code")
TEXT, HEADING, ITEM, ITEM_TEXT, ROW, HEADER_ROW, CODE = range(len(UNIT_KINDS))
UNIT_KIND, UNIT_LEVEL, UNIT_NUMBER, UNIT_GROUP, UNIT_QUOTE = range(5)
CELL_SEPARATOR = "\t"  # between the cells of a row block
_NO_LINK = ("#", "javascript:")  # hrefs that lead nowhere off the page are not links to Markdown
_CELL_MARK = "\x00"  # marks a cell's start in the walk's pieces: the parser never leaves a NUL in text


@lru_cache(maxsize=65536)
def attribute_words(value: str) -> tuple[int, tuple[str, ...]]:
    """(family bits, words) of a class/id value; cached, as a site repeats its class names on every block."""
    lowered = value.lower()
    words = tuple(dict.fromkeys(_WORD.findall(lowered)))
    bits = 0
    for word in words:
        bits |= _WORD_BITS.get(word, 0)
    for part in _PARTS.findall(lowered):
        bits |= _PART_BITS[part]
    return bits, words


@dataclass
class Structure:
    """Per-block markup facts of one page or of a batch of pages (rows align with the blocks)."""

    owner_kind: np.ndarray  # index into OWNER_KINDS
    heading: np.ndarray  # 1-6 for h1-h6, else 0
    depth: np.ndarray  # block elements between the root and the block's owner
    link_chars: np.ndarray  # characters of the block inside <a>
    tags: np.ndarray  # inline elements inside the block
    bits: np.ndarray  # family bits of the owner and all its ancestors
    near_bits: np.ndarray  # family bits of the owner and its two nearest block ancestors
    ancestors: np.ndarray  # (n, 1 + ANCESTOR_LEVELS): ids of the owner and its block ancestors, nearest first
    terms: list[tuple[str, ...]]  # tags and class/id words of the owner and its ancestors (^word: three or more up)
    paths: list[str]  # the owner's tag path, for the JSON output
    copies: np.ndarray  # other blocks of the page with the same words (``copy_key``)
    copy_rank: np.ndarray  # how many of those come before this one
    copy_hidden: np.ndarray  # 1 where another copy is hidden and this one is not, -1 the other way round
    copy_key: np.ndarray  # where a block has copies, 1 + the page's first copy's index, else 0
    in_title: np.ndarray  # the block's share of the <title>'s words where the title holds them, else 0
    holds_title: np.ndarray  # the <title>'s share of the block's words where the block holds them, else 0
    # (n, 5) int32, per block: its unit kind (UNIT_KINDS), level (heading level, or list depth of an item),
    # number (an ordered list item's), group (its table or list: rows of one table share it), block-quote depth
    units: np.ndarray
    links: list[tuple[tuple[str, str], ...]]  # per block: (text, href) of the links inside it, in order

    def __len__(self) -> int:
        return len(self.paths)

    @cached_property
    def container_groups(self) -> list[tuple[np.ndarray, int]]:
        """Per container level (CONTAINER_LEVELS): each block's container as a dense id, and the number
        of containers; computed once, as both passes of the classifier group blocks by them."""
        groups = []
        for level in range(1, CONTAINER_LEVELS + 1):
            unique, dense = np.unique(self.ancestors[:, level], return_inverse=True)
            groups.append((dense.ravel(), len(unique)))
        return groups

    def widened(self) -> "Structure":
        """The structure with int64 columns (``Blocks`` keeps a long page's numbers as int32)."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        widened: dict[str, Any] = {name: value.astype(np.int64) if isinstance(value, np.ndarray)
                                   and value.dtype.kind == "i" else value for name, value in values.items()}
        return Structure(**widened)

    def take(self, rows: slice) -> "Structure":
        """The structure of a run of blocks (a window of a long page)."""
        per_block: dict[str, Any] = {name: getattr(self, name)[rows] for name in _PER_BLOCK}
        return Structure(self.owner_kind[rows], self.heading[rows], self.depth[rows], self.link_chars[rows],
                         self.tags[rows], self.bits[rows], self.near_bits[rows], self.ancestors[rows],
                         self.terms[rows], self.paths[rows], links=self.links[rows], **per_block)

    @staticmethod
    def concatenate(parts: list["Structure"]) -> "Structure":
        """One structure for a batch; container ids are renumbered so no two pages share one."""
        shift = 0
        ancestors = []
        for part in parts:
            ancestors.append(part.ancestors + shift)
            shift += int(part.ancestors.max()) + 1 if len(part) else 0
        arrays = {name: np.concatenate([getattr(part, name) for part in parts]) if parts else np.zeros(0, np.int64)
                  for name in ("owner_kind", "heading", "depth", "link_chars", "tags", "bits", "near_bits",
                               *_PER_BLOCK)}
        if not parts:
            arrays["units"] = np.zeros((0, len(_NO_UNIT)), np.int32)
        empty = np.zeros((0, 1 + ANCESTOR_LEVELS), np.int64)
        return Structure(**arrays, ancestors=np.concatenate(ancestors) if parts else empty,
                         terms=[t for part in parts for t in part.terms], paths=[p for part in parts for p in part.paths],
                         links=[t for part in parts for t in part.links])


_PAGE_FACTS = ("copies", "copy_rank", "copy_hidden", "copy_key", "in_title", "holds_title")
_PER_BLOCK = (*_PAGE_FACTS, "units")  # the arrays after the markup facts, cut and joined alike
_NO_UNIT = (TEXT, 0, 0, 0, 0)
_KEY_WORD = re.compile(r"\w+")


def _key(text: str) -> str:
    """A block's words, lower-cased, without punctuation: what two copies of it share."""
    return " ".join(_KEY_WORD.findall(text.lower()))


# What the walk does with a node: its kind, told by lexbor's numeric tag id (no tag name is built per node).
_TEXT, _SKIP, _NOSCRIPT, _BREAK, _BLOCK, _LINK, _INLINE, _DEEP, _UNIT, _CELL, _CODE = range(11)
# Block elements that open or close a unit (a table row, a list item, code…), handled apart in the walk.
UNIT_TAGS = frozenset("table thead tr td th ul ol menu dir li blockquote pre".split())
_LISTS = frozenset("ul ol menu dir".split())
MAX_START_DIGITS = 9  # an <ol start> longer than this is ignored (the numbers are kept as 64-bit integers)
# An open row's fields (the walk's ``context`` holds rows and list items, innermost last).
_ROW_TABLE, _ROW_HEADER, _ROW_SPLIT, _ROW_CELLS, _ROW_TH = range(1, 6)
# An open list item's fields.
_ITEM_DEPTH, _ITEM_NUMBER, _ITEM_GROUP, _ITEM_USED = range(1, 5)
MAX_DEPTH = 512  # block elements deeper than this own no blocks: their text goes to the deepest one above


_SPACE = re.compile(r"\s")
FOLD_CHARS = 1 << 20  # a longer text has its white space folded this many characters at a time


def _folded(text: str) -> str:
    """``" ".join(text.split())``, without a list of the millions of words of a huge text node."""
    if len(text) <= FOLD_CHARS:
        return " ".join(text.split())
    parts, start = [], 0
    while start < len(text):
        space = _SPACE.search(text, start + FOLD_CHARS)  # each piece ends before a white space: no word is cut
        end = space.start() if space else len(text)
        part = " ".join(text[start:end].split())
        if part:
            parts.append(part)
        start = end
    return " ".join(parts)


def _kind_of(tag: str | None) -> int:
    """A node's kind from its tag name (``LexborNode.tag``)."""
    if tag == "-text":
        return _TEXT
    if tag is None or tag[0] == "-" or tag in SKIP_TAGS:
        return _NOSCRIPT if tag == "noscript" else _SKIP
    if tag == "br":
        return _BREAK
    if tag in BLOCK_TAGS:
        return _BLOCK
    return _LINK if tag == "a" else _INLINE


@lru_cache(maxsize=1)
def _tag_ids() -> tuple[dict[int, int], dict[int, str]]:
    """(kind, block tag name) by tag id for the tags the walk tells apart. lexbor numbers the standard tags the
    same in every document; a custom element gets a number of its own per document, so it is looked up by name."""
    from selectolax.lexbor import LexborHTMLParser

    parser = LexborHTMLParser("<p>x<!--c--></p>")
    text = parser.css_first("p").child  # type: ignore[union-attr]  # the document above has them
    kinds = {text.tag_id: _TEXT, text.next.tag_id: _SKIP}  # type: ignore[union-attr]
    names = {}
    for tag in (*SKIP_TAGS, *BLOCK_TAGS, "br", "a", "code"):
        tag_id = parser.create_node(tag).tag_id
        kinds[tag_id] = _kind_of(tag)
        names[tag_id] = tag
    return kinds, names


@lru_cache(maxsize=1)
def _unit_ids() -> tuple[dict[int, str], int]:
    """(unit tag name by tag id, the id of <code>), as ``_tag_ids``."""
    _, names = _tag_ids()
    by_name = {name: tag_id for tag_id, name in names.items()}
    return {by_name[tag]: tag for tag in UNIT_TAGS}, by_name["code"]


# lexbor's tree builder takes time quadratic in the number of attributes of one element (100,000
# take 80 s) and in the depth of the tree (100,000 nested <div>s take 30 s): a page beyond these
# bounds is cut down to them before it is parsed (``bounded_pieces``), which changes no ordinary page.
MAX_ATTRIBUTES = 512  # attributes kept per start tag; the rest are dropped
MAX_PARSE_DEPTH = 1024  # elements nested deeper than this lose their tags (a block element's become <br>s)
PIECE_TAGS = 100_000  # a page with more tags is parsed a piece of about this many tags at a time
DEPTH_CHECK_TAGS = 32768  # a page with fewer '<' than this cannot nest deep enough to be slow (2.5 s at most)
_ATTRIBUTE = rb"""[\t\n\f\r /]*+(?>[^\t\n\f\r />][^\t\n\f\r /=>]*+)""" \
             rb"""(?>[\t\n\f\r ]*+=[\t\n\f\r ]*+(?>"[^"]*+"|'[^']*+'|[^\t\n\f\r >]++))?+"""
_LONG_TAG = re.compile(rb"<[A-Za-z][^>]{%d}" % (2 * MAX_ATTRIBUTES))
_MANY_ATTRIBUTES = re.compile(rb"(<[A-Za-z][^\t\n\f\r />]*+(?:%s){%d})(?:%s)*+"
                              % (_ATTRIBUTE, MAX_ATTRIBUTES, _ATTRIBUTE))
# Comments and elements whose content is text, not markup.
_TEXT_ONLY = rb"<!--.*?(?:-->|\Z)|<(script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext)\b.*?(?:</\1|\Z)"
_TEXT_ONLY_SPANS = re.compile(_TEXT_ONLY, re.S | re.I)
_MARKUP = re.compile(_TEXT_ONLY + rb"|<(/?)([A-Za-z][^\t\n\f\r />]*)[^>]*+>?", re.S | re.I)
_VOID = frozenset(b"area base br col embed hr img input link meta param source track wbr keygen basefont bgsound frame"
                  b" image".split())
# How the HTML standard's tree builder nests what the markup leaves open, as far as depth goes:
# "special" elements (its list), formatting elements (closed by the adoption agency), the scope
# that stops a <p> from closing an outer one, the table parts that close their own kind within a
# table, and the elements an <rb>/<rt> closes when they are the current node.
_SPECIAL = frozenset(b"""address applet area article aside base basefont bgsound blockquote body br button caption center
    col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6
    head header hgroup hr html iframe img input keygen li link listing main marquee menu meta nav noembed noframes
    noscript object ol p param plaintext pre script search section select source style summary table tbody td template
    textarea tfoot th thead title tr track ul wbr xmp""".split())
_FORMATTING = frozenset(b"a b big code em font i nobr s small strike strong tt u".split())
_BUTTON_SCOPE = (b"applet", b"caption", b"html", b"table", b"td", b"th", b"marquee", b"object", b"template", b"button")
_LIST_ITEMS = {b"li": (b"li",), b"dd": (b"dd", b"dt"), b"dt": (b"dd", b"dt")}
_LIST_PASSES = frozenset((b"address", b"div", b"p"))  # special elements a list item's start looks past
_TABLE_PARTS = frozenset(b"tr td th thead tbody tfoot".split())
_IMPLIED_END = frozenset(b"dd dt li optgroup option p rb rp rt rtc".split())
_BLOCK_NAMES = frozenset(tag.encode() for tag in BLOCK_TAGS)


def bounded_pieces(data: bytes) -> list[bytes]:
    """The page, in pieces of about PIECE_TAGS tags each (usually one), with no start tag over
    MAX_ATTRIBUTES attributes and no element nested deeper than MAX_PARSE_DEPTH; cheap (a count and a
    regex search) for a page within the bounds, returned as it is."""
    if np.count_nonzero(np.frombuffer(data, np.uint8) == 60) > DEPTH_CHECK_TAGS:  # (60: '<')
        return [_few_attributes(piece) for piece in _flattened(data)]
    return [_few_attributes(data)]


def _few_attributes(data: bytes) -> bytes:
    """The page with no start tag over MAX_ATTRIBUTES attributes."""
    # a start tag with more than MAX_ATTRIBUTES attributes runs at least twice as many bytes (unless
    # its quoted values hide '>')
    spans: list[tuple[int, int]] | None = None
    parts, done = [], 0
    for long in _LONG_TAG.finditer(data):
        start = long.start()
        match = _MANY_ATTRIBUTES.match(data, start) if start >= done else None
        if match is None:
            continue
        if spans is None:  # found once on the rare page that needs them
            spans = [(text.start(), text.end()) for text in _TEXT_ONLY_SPANS.finditer(data)]
            starts = [begin for begin, _ in spans]
        at = bisect_right(starts, start) - 1
        if at < 0 or start >= spans[at][1]:  # (inside a script, a comment… it is no tag)
            parts.append(data[done:match.end(1)])
            done = match.end()
    return b"".join(parts) + data[done:] if parts else data


def _flattened(data: bytes) -> list[bytes]:
    """The page without the tags of elements nested deeper than MAX_PARSE_DEPTH, as a tag-by-tag scan
    estimates the depth (``_OpenElements``), cut into pieces of about PIECE_TAGS tags.

    lexbor's tree takes about 20 times a page's size when the page is all tags (a million ``<br>``s
    take 330 MB): a page is parsed a piece at a time instead, each piece cut before a block-level tag
    and opening with the start tags of the elements open there, so that its blocks keep their
    ancestors' tags, classes and ids."""
    stack = _OpenElements()
    pieces: list[bytes] = []
    parts: list[bytes] = []
    prefix, done, tags = b"", 0, 0
    for match in _MARKUP.finditer(data):
        name = match.group(3)
        if name is None:
            continue
        name = name.lower()
        tags += 1
        if tags >= PIECE_TAGS and (name in _BLOCK_NAMES or name == b"br"):
            pieces.append(prefix + b"".join(parts) + data[done:match.start()])
            prefix, done, tags = stack.reopened(data), match.start(), 0
            parts = []
        if match.group(2):
            if stack.close(name):
                parts += [data[done:match.start()], b"<br>" if name in _BLOCK_NAMES else b""]
                done = match.end()
        elif name not in _VOID and stack.open(name, match.span()):
            parts += [data[done:match.start()], b"<br>" if name in _BLOCK_NAMES else b""]
            done = match.end()
    if not pieces and not parts:
        return [data]
    return [*pieces, prefix + b"".join(parts) + data[done:]]


class _OpenElements:
    """The HTML standard's stack of open elements, as far as its depth goes: the elements a start tag
    closes (a list item its open sibling, a cell its row's, a <p> an open one in scope) and the end tags
    the tree builder ignores are followed, since a scan that closed more than a browser does would take
    a page lexbor nests 100,000 deep for a flat one. Each step costs time independent of the depth."""

    def __init__(self) -> None:
        self.names: list[bytes] = []  # outermost first
        self.dropped: list[bool] = []  # whether each one's tags are cut out (opened past MAX_PARSE_DEPTH)
        self.at: dict[bytes, list[int]] = {}  # where each name is open on the stack
        self.specials: list[int] = []  # where special elements are open
        self.fences: list[int] = []  # where special elements other than _LIST_PASSES are open
        self.tags: list[tuple[int, int]] = []  # where each one's start tag is in the page

    def reopened(self, data: bytes) -> bytes:
        """The start tags that open the elements open now (those not cut out), outermost first."""
        return b"".join(data[start:end] for (start, end), dropped in zip(self.tags, self.dropped) if not dropped)

    def open(self, name: bytes, tag: tuple[int, int]) -> bool:
        """A start tag: True if it opens past MAX_PARSE_DEPTH (its tag is to be cut out)."""
        items = _LIST_ITEMS.get(name)
        if items is not None:  # closes the nearest list item of its kind, unless a fence stands between
            if self.fences and self.names[self.fences[-1]] in items:
                self._pop_to(self.fences[-1])
        elif name in _TABLE_PARTS or name == b"p":
            open_at = self.at.get(name)
            if open_at:
                fences = (b"table",) if name != b"p" else _BUTTON_SCOPE
                fence = max((self.at[tag][-1] for tag in fences if self.at.get(tag)), default=-1)
                if open_at[-1] > fence:
                    self._pop_to(open_at[-1])
        elif name in (b"option", b"optgroup"):
            if self.names and self.names[-1] == b"option":
                self._pop()
            if name == b"optgroup" and self.names and self.names[-1] == b"optgroup":
                self._pop()
        elif name in (b"rb", b"rp", b"rt", b"rtc"):
            while self.names and self.names[-1] in _IMPLIED_END:
                self._pop()
        deep = len(self.names) >= MAX_PARSE_DEPTH
        self._push(name, deep, tag)
        return deep

    def close(self, name: bytes) -> bool:
        """An end tag: True if it closes an element whose tags are cut out (so is this one)."""
        open_at = self.at.get(name)
        if not open_at:
            return False
        top = open_at[-1]
        if self.specials and self.specials[-1] > top and name not in _SPECIAL:
            if name not in _FORMATTING:
                return False  # "any other end tag" below a special element is ignored
            # The adoption agency: the formatting element leaves the stack with the plain elements
            # between it and the nearest special one above it; that one and all above it stay, and a
            # copy of the formatting element opens on top.
            formatting_tag = self.tags[top]
            above = [self._pop() for _ in range(len(self.names) - top)][::-1]
            first_special = next(i for i, (tag, *_) in enumerate(above) if tag in _SPECIAL)
            for tag, dropped, span in above[first_special:]:
                self._push(tag, dropped, span)
            self._push(name, False, formatting_tag)
            return above[0][1]
        cut = False
        while len(self.names) > top:
            tag, dropped, _ = self._pop()
            cut = dropped and tag == name
        return cut

    def _push(self, name: bytes, dropped: bool, tag: tuple[int, int]) -> None:
        at = len(self.names)
        self.names.append(name)
        self.dropped.append(dropped)
        self.tags.append(tag)
        self.at.setdefault(name, []).append(at)
        if name in _SPECIAL:
            self.specials.append(at)
            if name not in _LIST_PASSES:
                self.fences.append(at)

    def _pop(self) -> tuple[bytes, bool, tuple[int, int]]:
        name = self.names.pop()
        at = len(self.names)
        self.at[name].pop()
        if self.specials and self.specials[-1] == at:
            self.specials.pop()
            if self.fences and self.fences[-1] == at:
                self.fences.pop()
        return name, self.dropped.pop(), self.tags.pop()

    def _pop_to(self, at: int) -> None:
        while len(self.names) > at:
            self._pop()


def parse_blocks(html: str | bytes) -> tuple[list[Segment], Structure]:
    """The blocks of an HTML page, in document order, and their structure."""
    blocks = page_blocks(html)
    return blocks.window(0, len(blocks))


def page_blocks(html: str | bytes) -> Blocks:
    """The blocks of an HTML page, in document order, with their structure (``parse_blocks``'s, compact)."""
    from selectolax.lexbor import LexborHTMLParser

    # the UTF-8 selectolax would make of a str (it drops what UTF-8 cannot encode, as here)
    data = html.encode("utf-8", "ignore") if isinstance(html, str) else html
    builder = _BlockBuilder()
    title_key = ""
    pieces = bounded_pieces(data)
    del data
    for number in range(len(pieces)):
        parser = LexborHTMLParser(pieces[number])
        pieces[number] = b""  # (each piece's tree and bytes are freed before the next is parsed)
        root = parser.root
        if number == 0 and root is not None:
            title = parser.css_first("head > title")
            title_key = _key(title.text(deep=True)) if title is not None else ""
        if root is not None:
            builder.walk(root)
        if builder.noscript and builder.visible_chars() >= NOSCRIPT_FALLBACK_CHARS:
            builder.noscript.clear()  # (its nodes would keep their piece's tree)
    if builder.noscript:
        hidden = _BlockBuilder()
        for element in builder.noscript:
            hidden.walk(element)
        if hidden.visible_chars() > builder.visible_chars():
            return hidden.result(title_key)
    return builder.result(title_key)


# A block element on the walk's path from the root, as a list (a page opens thousands):
# [tag, serial: its document-order number among block elements, its id; own family bits;
#  inherited: own bits | all block ancestors' bits; class/id words; the node].
# Bits and words are read from the markup only once a block below needs them (``_resolve``):
# many block elements hold no text at all.
_TAG, _SERIAL, _BITS, _INHERITED, _WORDS, _NODE = range(6)


class _BlockBuilder:
    """The blocks of one walk over a tree (or of several, for the <noscript> fallback), with their facts."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.path: list[list] = []  # the open block elements, root first: the last one owns the current text
        self.serial = 0
        self.texts: list[str] = []
        # 8 + ANCESTOR_LEVELS numbers per block, flat and 32-bit: a page may have a million blocks
        self.rows = array("i")
        self.terms: list[tuple[str, ...]] = []
        self.paths: list[str] = []
        self.gaps: list[bool] = []  # whether each block's owner is set apart by blank lines (GAP_TAGS)
        self.noscript: list = []  # the <noscript> elements, kept for the fallback
        self.links: list[tuple[tuple[str, str], ...]] = []  # per block, as ``Structure.links``
        self.block_links: list[tuple[str, str]] = []  # those of the block being read
        self.last_owner: list | None = None  # the owner described by the four fields below
        self.owner_head: tuple[int, ...] = ()  # its row before the block's own two columns…
        self.owner_tail: tuple[int, ...] = ()  # …and after them
        self.last_terms: tuple[str, ...] = ()
        self.last_path = ""
        self.far_terms: dict[int, tuple[str, ...]] = {}
        self.shared: dict = {}  # one object per distinct terms tuple and tag path (siblings have the same)
        self.contexts: dict[int, tuple] = {}  # what a parent and its ancestors give its children, by its serial
        # Units open at the walk's place: rows and list items (innermost last), lists [ordered, next number,
        # serial], tables' serials, and how many <thead> and <blockquote> elements hold it.
        self.context: list[list] = []
        self.lists: list[list] = []
        self.tables: list[int] = []
        self.thead = self.quote = 0

    @staticmethod
    def _resolve(element: list, above: int) -> None:
        """What a block element's tag and class/id say, on top of what its ancestors say (``above``)."""
        tag = element[_TAG]
        bits = _TAG_BITS.get(tag, 0)
        attributes = element[_NODE].attributes
        if attributes:
            names, ident = attributes.get("class"), attributes.get("id")
            if names or ident:
                name_bits, element[_WORDS] = attribute_words(f"{names or ''} {ident or ''}")
                bits |= name_bits
            if "hidden" in attributes or attributes.get("aria-hidden") == "true" or \
                    _HIDDEN_STYLE.search(attributes.get("style") or "") or (tag == "dialog" and "open" not in attributes):
                bits |= _HIDDEN_BIT
        elif tag == "dialog":  # a dialog is shown only when open
            bits |= _HIDDEN_BIT
        element[_BITS] = bits
        element[_INHERITED] = bits | above
        element[_NODE] = None

    def walk(self, root) -> None:
        """Visit every node once, in document order.

        ``open_nodes`` holds every open element with children (to resume at its next
        sibling when it closes) and ``open_kinds`` their kinds; ``path`` only the block
        ones. An element without children is passed over where it stands. Inside a
        ``<pre>`` (``verbatim``) text is kept as it is and block boundaries are line breaks.
        """
        kinds, names = _tag_ids()
        unit_ids, code_id = _unit_ids()
        self.serial += 1
        top = [root.tag or "html", self.serial, None, 0, (), root]  # the root owns text outside any block
        # (after a first <noscript> walk, the next root inherits what the last root said)
        self._resolve(top, self.path[-1][_INHERITED] if self.path else 0)
        path = self.path = [top]
        context = self.context = []
        units: list[str] = []  # the open unit elements' tags, to undo what each one set when it closes
        link_starts: list[tuple[int, int]] = []  # per open link: where its text starts in pieces, blocks before it
        open_nodes = [root]
        open_kinds = [_BLOCK]
        pieces, texts = self.pieces, self.texts
        end_block = self._end_block
        link_chars = inline_tags = links_open = verbatim = 0
        node = root.child
        kind: int | None
        while True:
            if node is None:
                kind = open_kinds.pop()
                closed = open_nodes.pop()
                if kind == _INLINE:
                    pass
                elif kind == _LINK:
                    links_open -= 1
                    start, blocks = link_starts.pop()
                    if blocks == len(texts) and start < len(pieces) and not verbatim:
                        self._link(closed, pieces, start)
                elif kind == _CELL and not context[-1][_ROW_SPLIT]:  # the row's block goes on past its cell
                    path.pop()
                elif kind == _CODE:
                    verbatim -= 1
                    if pieces:
                        self._end_verbatim(link_chars, inline_tags)
                        link_chars = 0
                else:  # a block (or one past MAX_DEPTH) ends
                    if kind == _UNIT:
                        closing = units.pop()
                        if pieces:
                            self._end_unit(closing, link_chars, inline_tags)
                            link_chars = 0
                        verbatim -= self._leave(closing)
                    elif pieces:
                        end_block(link_chars, inline_tags)
                        link_chars = 0
                    inline_tags = 0
                    if not open_nodes:
                        return
                    if kind != _DEEP:
                        path.pop()
                node = closed.next
                continue
            tag_id = node.tag_id
            kind = kinds.get(tag_id)
            if kind is None:
                kind = _kind_of(node.tag)
            if kind == _TEXT:
                text = node.text_content
                if text and not text.isspace():
                    pieces.append(text)
                    if links_open:
                        link_chars += len(text) - text.count(" ")
                elif verbatim:  # white space as it is (a line break, an indentation)
                    if text:
                        pieces.append(text)
                elif text and pieces:  # white space between words; before any word it is nothing
                    pieces.append(" ")
            elif kind == _INLINE or kind == _LINK:
                inline_tags += 1
                child = node.child
                if child is not None:
                    if kind == _LINK:
                        links_open += 1
                        link_starts.append((len(pieces), len(texts)))
                    elif tag_id == code_id and not pieces and not verbatim and \
                            not (context and context[-1][0] == ROW) and self._code_block(node):
                        kind = _CODE
                        verbatim += 1
                    open_nodes.append(node)
                    open_kinds.append(kind)
                    node = child
                    continue
            elif kind == _BLOCK:
                child = node.child
                if verbatim:  # a block inside <pre> (a highlighter's line) starts a line
                    if pieces and not pieces[-1].endswith("\n"):
                        pieces.append("\n")
                    kind = _INLINE
                else:
                    unit = unit_ids.get(tag_id)
                    if context and context[-1][0] == ROW and not context[-1][_ROW_SPLIT]:
                        row = context[-1]
                        if (unit == "td" or unit == "th") and len(path) < MAX_DEPTH:  # a cell of a one-block row
                            if row[_ROW_CELLS]:
                                pieces.append(_CELL_MARK)
                            row[_ROW_CELLS] += 1
                            row[_ROW_TH] += unit == "th"
                            self.serial += 1
                            if child is not None:
                                path.append([names[tag_id], self.serial, None, 0, (), node])
                                open_nodes.append(node)
                                open_kinds.append(_CELL)
                                node = child
                                continue
                            node = node.next
                            continue
                        row[_ROW_SPLIT] = 1  # a cell holds blocks: a layout table, read block by block
                    if pieces:
                        end_block(link_chars, inline_tags)
                        link_chars = 0
                    inline_tags = 0
                    self.serial += 1
                    if child is not None:  # (an empty one is only a boundary)
                        if len(path) < MAX_DEPTH:
                            path.append([names[tag_id], self.serial, None, 0, (), node])
                            if unit is not None:
                                kind = _UNIT
                                units.append(unit)
                                verbatim += self._enter(unit, node)
                        else:
                            kind = _DEEP
                    elif unit == "li" and self.lists:  # an empty item still takes its number
                        self.lists[-1][1] += 1
                if child is not None:
                    open_nodes.append(node)
                    open_kinds.append(kind)
                    node = child
                    continue
            elif kind == _BREAK:
                if verbatim:
                    pieces.append("\n")
                else:
                    if context and context[-1][0] == ROW:  # a line break in a cell: a layout table
                        context[-1][_ROW_SPLIT] = 1
                    if pieces:
                        end_block(link_chars, inline_tags)
                        link_chars = 0
                    inline_tags = 0
            elif kind == _NOSCRIPT:
                self.noscript.append(node)
            node = node.next

    def _enter(self, unit: str, node) -> int:
        """Open a unit element; 1 if it keeps its text verbatim (``<pre>``)."""
        if unit == "tr":
            self.context.append([ROW, self.tables[-1] if self.tables else 0, self.thead > 0, 0, 0, 0])
        elif unit == "li":
            lists = self.lists
            number, group = 0, 0
            if lists:
                ordered_list = lists[-1]
                number = ordered_list[1] if ordered_list[0] else 0
                ordered_list[1] += 1
                group = ordered_list[2]
            self.context.append([ITEM, max(len(lists), 1), number, group, False])
        elif unit in _LISTS:
            start = node.attributes.get("start") if unit == "ol" else None
            first = int(start) if start and start.strip().isdigit() and len(start.strip()) <= MAX_START_DIGITS else 1
            self.lists.append([unit == "ol", first, self.serial])
        elif unit == "table":
            self.tables.append(self.serial)
        elif unit == "thead":
            self.thead += 1
        elif unit == "blockquote":
            self.quote += 1
        elif unit == "pre":
            return 1
        return 0

    def _leave(self, unit: str) -> int:
        """Close a unit element (its block, if any, has ended); 1 if it was verbatim."""
        if unit == "tr" or unit == "li":
            self.context.pop()
        elif unit in _LISTS:
            self.lists.pop()
        elif unit == "table":
            self.tables.pop()
        elif unit == "thead":
            self.thead -= 1
        elif unit == "blockquote":
            self.quote -= 1
        elif unit == "pre":
            return 1
        return 0

    def _link(self, node, pieces: list[str], start: int) -> None:
        """Note a link that closes with its text in the current block, for Markdown's links."""
        href = node.attributes.get("href")
        if href and not href.startswith(_NO_LINK):
            text = " ".join("".join(pieces[start:]).split())
            if text:
                self.block_links.append((text, href.strip()))

    @staticmethod
    def _code_block(node) -> bool:
        """Whether a <code> that starts a block is a code block: its text runs over several lines."""
        return "\n" in node.text(deep=True).strip()

    def _end_unit(self, unit: str, link_chars: int, inline_tags: int) -> None:
        """End the block of a unit element that closes with text in ``pieces``."""
        if unit == "pre":
            self._end_verbatim(link_chars, inline_tags)
        elif unit == "tr" and not self.context[-1][_ROW_SPLIT]:
            row = self.context[-1]
            cells = [" ".join(cell.split()) for cell in "".join(self.pieces).split(_CELL_MARK)]
            self.pieces.clear()
            if any(cells):
                header = row[_ROW_HEADER] or row[_ROW_TH] == row[_ROW_CELLS]
                self._add(CELL_SEPARATOR.join(cells), link_chars, inline_tags,
                          (HEADER_ROW if header else ROW, 0, 0, row[_ROW_TABLE], self.quote))
            else:
                self.block_links.clear()
        else:
            self._end_block(link_chars, inline_tags)

    def _end_verbatim(self, link_chars: int, inline_tags: int) -> None:
        """End a code block: its lines as they are, without the blank ones around them or trailing spaces."""
        lines = [line.rstrip() for line in "".join(self.pieces).split("\n")]
        self.pieces.clear()
        start, end = 0, len(lines)
        while start < end and not lines[start]:
            start += 1
        while end > start and not lines[end - 1]:
            end -= 1
        self.block_links.clear()  # (code is shown as it is, without links)
        if start < end:
            self._add("\n".join(lines[start:end]), link_chars, inline_tags, (CODE, 0, 0, 0, self.quote))

    def _end_block(self, link_chars: int, inline_tags: int) -> None:
        """End the current block (there is text in ``pieces``): keep it if any of it is visible."""
        pieces = self.pieces
        text = _folded("".join(pieces))
        pieces.clear()
        if not text:
            self.block_links.clear()
            return
        if _CELL_MARK in text:  # the cells of a row before one of them turned out to hold blocks
            text = " ".join(text.replace(_CELL_MARK, " ").split())
            if not text:
                self.block_links.clear()
                return
        self._add(text, link_chars, inline_tags, None)

    def _text_unit(self) -> tuple[int, ...]:
        """The unit of a block of text that ends at the current owner, with a quote, a list item or a heading
        around it (``_add`` reads the owner's heading level first)."""
        level = self.owner_head[1]
        if level:
            return HEADING, level, 0, 0, self.quote
        if self.context:
            item = self.context[-1]
            if item[0] == ITEM:
                kind = ITEM_TEXT if item[_ITEM_USED] else ITEM
                item[_ITEM_USED] = True
                return kind, item[_ITEM_DEPTH], item[_ITEM_NUMBER] if kind == ITEM else 0, item[_ITEM_GROUP], self.quote
        return TEXT, 0, 0, 0, self.quote

    def _add(self, text: str, link_chars: int, inline_tags: int, unit: tuple[int, ...] | None) -> None:
        """Add a block of the current owner, of ``unit`` (None: a block of text, ``_text_unit``)."""
        owner = self.path[-1]
        if self.last_owner is not owner:
            self._describe_owner()
        if unit is None:
            unit = self._text_unit() if self.context or self.quote or self.owner_head[1] else _NO_UNIT
        self.rows.extend(self.owner_head + (min(link_chars, len(text)), inline_tags) + self.owner_tail + unit)
        self.texts.append(text)
        self.gaps.append(owner[_TAG] in GAP_TAGS)
        if self.block_links:
            self.links.append(tuple(self.block_links))
            self.block_links.clear()
        else:
            self.links.append(())
        self.terms.append(self.last_terms)
        self.paths.append(self.last_path)

    def _describe_owner(self) -> None:
        """What the current block's owner and its block ancestors say, shared by all blocks of that owner."""
        path = self.path
        owner_at = len(path) - 1
        owner = path[owner_at]
        if owner[_BITS] is None:  # read the markup of the owner and of its ancestors not read yet, root first
            first = owner_at
            while path[first - 1][_BITS] is None:
                first -= 1
            for at in range(first, owner_at + 1):
                self._resolve(path[at], path[at - 1][_INHERITED])
        tag = owner[_TAG]
        if owner_at:
            parent = path[owner_at - 1]
            context = self.contexts.get(parent[_SERIAL])
            if context is None:
                context = self.contexts[parent[_SERIAL]] = self._context(owner_at - 1)
            near, serials, parent_term, above_terms, path_above = context
        else:  # the root: its own parent and grandparent
            near, serials = 0, (owner[_SERIAL],) * ANCESTOR_LEVELS
            parent_term, above_terms, path_above = f"<{tag}>", owner[_WORDS] + owner[_WORDS], ""
        self.owner_head = (_KIND_INDEX.get(tag, _OTHER_KIND), _HEADING.get(tag, 0), owner_at)
        self.owner_tail = (owner[_INHERITED], owner[_BITS] | near, owner[_SERIAL]) + serials
        terms, path_text = (f"<{tag}>", parent_term) + owner[_WORDS] + above_terms, path_above + tag
        self.last_terms = self.shared.setdefault(terms, terms)
        self.last_path = self.shared.setdefault(path_text, path_text)
        self.last_owner = owner

    def _context(self, at: int) -> tuple:
        """What the block element at ``at`` on the path and its ancestors say about any child of it:
        (near bits, ancestor serials, its tag term, terms, tag path up to it)."""
        path = self.path
        parent = path[at]
        grand = path[at - 1] if at else parent
        serials = [element[_SERIAL] for element in path[max(at + 1 - ANCESTOR_LEVELS, 0):at + 1]]
        serials.reverse()
        serials += [path[0][_SERIAL]] * (ANCESTOR_LEVELS - len(serials))
        far: tuple[str, ...] | None = ()
        if at >= 2:  # the words further up are those of the great-grandparent's line, shared by cousins
            top = path[at - 2][_SERIAL]
            far = self.far_terms.get(top)
            if far is None:
                far = self.far_terms[top] = tuple(dict.fromkeys(
                    ["^" + word for element in path[max(at + 1 - FAR_TERM_LEVELS, 0):at - 1]
                     for word in element[_WORDS]]))
        if at + 2 <= MAX_PATH_TAGS:
            path_above = ">".join([element[_TAG] for element in path[:at + 1]]) + ">"
        else:
            path_above = "…>" + ">".join([element[_TAG] for element in path[at + 2 - MAX_PATH_TAGS:at + 1]]) + ">"
        return (parent[_BITS] | grand[_BITS], tuple(serials), f"<{parent[_TAG]}>", parent[_WORDS] + grand[_WORDS] + far,
                path_above)

    def result(self, title_key: str = "") -> "Blocks":
        n = len(self.texts)
        units_at = 8 + ANCESTOR_LEVELS
        width = units_at + len(_NO_UNIT)
        rows = np.frombuffer(self.rows, dtype=np.int32).reshape(n, width) if n else np.zeros((0, width), np.int32)
        hidden = (rows[:, 5] & _HIDDEN_BIT) != 0
        structure = Structure(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4], rows[:, 5], rows[:, 6],
                              rows[:, 7:units_at], self.terms, self.paths, units=rows[:, units_at:], links=self.links,
                              **dict(zip(_PAGE_FACTS, _page_facts(self.texts, hidden, title_key))))
        return Blocks(self.texts, self.gaps, structure)

    def visible_chars(self) -> int:
        return sum(map(len, self.texts))


class Blocks:
    """A page's blocks as ``parse_blocks`` finds them, kept compact (a page may hold a million): their
    texts, whether each one's owner is set apart by blank lines, and their structure (32-bit numbers).
    The ``Segment``s and the int64 ``Structure`` of a run of them are made when that run is analysed."""

    def __init__(self, texts: list[str], gaps: list[bool], structure: Structure) -> None:
        self.texts = texts
        self.gaps = gaps
        self.structure = structure

    def __len__(self) -> int:
        return len(self.texts)

    def window(self, start: int, stop: int) -> tuple[list[Segment], Structure]:
        """``parse_blocks``'s output for blocks ``start`` to ``stop``."""
        return self.segments(start, stop), self.structure.take(slice(start, stop)).widened()

    def segments(self, start: int = 0, stop: int | None = None) -> list[Segment]:
        """The segments of blocks ``start`` to ``stop``, as those of the whole page (its first and last
        block have a gap before and after)."""
        texts, gap, last = self.texts, self.gaps, len(self.texts) - 1
        return [Segment(texts[i], 0, gap[i] or i == 0 or gap[i - 1], gap[i] or i == last or gap[i + 1])
                for i in range(start, min(last + 1, len(texts) if stop is None else stop))]


def _page_facts(texts: list[str], hidden: np.ndarray, title_key: str) -> tuple[np.ndarray, ...]:
    """The ``_PAGE_FACTS`` of a page's blocks, from their words (``_key``) and visibility. Blocks are
    grouped by a hash of their words, not the words, which would double a long page's memory."""
    n = len(texts)
    hashes = np.zeros(n, np.int64)
    worded = np.zeros(n, bool)
    in_title, holds_title = np.zeros(n), np.zeros(n)
    for i, text in enumerate(texts):
        key = _key(text)
        if not key:
            continue
        hashes[i], worded[i] = hash(key), True
        if title_key:
            if key in title_key:
                in_title[i] = len(key) / len(title_key)
            if title_key in key:
                holds_title[i] = len(title_key) / len(key)
    copies, rank, copy_hidden, copy_key = (np.zeros(n, np.int64) for _ in range(4))
    at = np.flatnonzero(worded)
    if len(at):
        _, group, sizes = np.unique(hashes[at], return_inverse=True, return_counts=True)
        group = group.ravel()
        order = np.argsort(group, kind="stable")  # each group's blocks together, in document order
        starts = np.cumsum(sizes) - sizes
        ranks = np.empty(len(at), np.int64)
        ranks[order] = np.arange(len(at)) - np.repeat(starts, sizes)
        first = at[order[starts]]
        size = sizes[group]
        shown = ~hidden[at]
        shown_count = np.bincount(group, weights=shown, minlength=len(sizes))
        mixed = ((shown_count > 0) & (shown_count < sizes))[group]
        copied = size > 1
        where = at[copied]
        copies[where] = size[copied] - 1
        rank[where] = ranks[copied]
        copy_key[where] = first[group[copied]] + 1
        both = copied & mixed
        copy_hidden[at[both]] = np.where(shown[both], 1, -1)
    return copies, rank, copy_hidden, copy_key, in_title, holds_title
