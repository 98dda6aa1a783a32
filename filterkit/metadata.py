"""Page metadata: what a page says about itself — title, author, dates, site, description, URL, image.

Read from the page, never invented: a field the page does not state is None. An HTML page
is read from its markup (meta tags, JSON-LD, ``<link rel="canonical">``, ``<time>``,
``<title>``, ``<h1>``) and, where the markup is silent, from the labelled lines of its
blocks (``发布时间：``, ``来源：``, ``作者：``, "By …", "Published …"); a text page from its
lines only. Each field takes the first source that gives it, in the order of its
``*_META`` constant (most specific first), the markup before the lines.

Which rule wins, chosen on the training split of wcxb-dev (pages whose gold gives the field)
and measured on its held-out split by ``benchmarks/metadata.py``:

- title: the first ``<h1>`` where it shares at least half its words with ``og:title`` or
  ``<title>`` (then it is the headline, not a logo); else ``og:title`` (``twitter:title``,
  JSON-LD ``headline``); else the ``<h1>``; else ``<title>``; the site's name after a
  separator ("Headline | Site") is cut off. Training split: 0.752 of titles matched, against
  0.691 for ``og:title`` first and 0.561 for ``<title>`` first.
- date: the date shown beside the headline (a short block holding a date, from
  ``SHOWN_DATE_BEFORE`` blocks before the first kept block to ``SHOWN_DATE_AFTER`` after it),
  where the markup gives another day or none: a page revised and republished keeps its first
  date in its markup and shows the new one (training split 0.860, markup first 0.717); the
  markup's where both give the same day, as it states the time too.
- a text page's title is its first kept line (the filter's title is part of the main
  content) when it is at most ``TEXT_TITLE_CHARS`` long.

Dates are given in ISO 8601: ``YYYY-MM-DD``, with the time (``THH:MM[:SS]``) and zone
where the page states them.

The markup is parsed by lexbor (selectolax), the HTML track's own parser, on the first
``METADATA_CHARS`` characters of the page (the head and the top of the body, where
metadata lives): about 4 ms a page, against 90 ms for filtering it.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Iterator

METADATA_CHARS = 1_000_000  # characters of a page read for its metadata (a bound on hostile pages' cost)
MAX_TITLE_CHARS = 300  # a longer line or field is no title
TEXT_TITLE_CHARS = 150  # a text page's first kept line is its title if it is at most this long
MAX_AUTHOR_CHARS = 100  # a longer byline is prose, not a name
SHOWN_DATE_BEFORE, SHOWN_DATE_AFTER = 5, 20  # blocks searched around the first kept block for a date
SHOWN_DATE_CHARS = 80  # a longer block is prose that mentions a date, not the date shown beside the headline
LABEL_LINES = 400  # blocks (from the top) searched for labelled lines: bylines and dates sit near the title
LABEL_LINE_CHARS = 120  # a longer block is prose, not a labelled line
MAX_JSON_LD_CHARS = 200_000  # a longer JSON-LD script is not parsed (a page's whole state, not its metadata)

# Meta names and properties per field, most specific first (lower-cased; itemprop values too).
TITLE_META = ("og:title", "twitter:title", "dc.title", "citation_title")
AUTHOR_META = ("author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator",
               "citation_author", "twitter:creator")
DATE_META = ("article:published_time", "og:published_time", "datepublished", "publishdate", "publish-date",
             "pubdate", "date", "dc.date.issued", "dc.date", "dcterms.created", "citation_publication_date",
             "parsely-pub-date", "sailthru.date", "article.published", "published_time", "release_date")
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
SITE_META = ("og:site_name", "application-name", "twitter:site", "publisher")
DESCRIPTION_META = ("og:description", "description", "twitter:description", "dc.description")
URL_META = ("og:url", "twitter:url")
IMAGE_META = ("og:image", "og:image:url", "twitter:image", "twitter:image:src", "image")
# JSON-LD types that describe the page's own content (the first such object is read).
CONTENT_TYPES = frozenset("""article newsarticle blogposting reportagenewsarticle analysisnewsarticle
    opinionnewsarticle report scholarlyarticle techarticle socialmediaposting discussionforumposting
    liveblogposting webpage itempage aboutpage qapage faqpage product recipe review event medicalwebpage
    collectionpage""".split())

# Between a title and the site's name: "Headline | Site", "Headline - Site", "标题_网站".
_SEPARATOR = re.compile(r"\s+[|\-–—:·•»/]\s+|\s*[|｜_]\s*|\s+[-–—]\s*")
_SPACE = re.compile(r"\s+")
_MONTHS = {name: number for number, names in enumerate((
    "jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
    "sep sept september", "oct october", "nov november", "dec december"), start=1) for name in names.split()}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?)?")
_YMD = re.compile(r"(\d{4})\s*[/.年]\s*(\d{1,2})\s*[/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
# 24/2/2026, 2/24/2026, 12.12.2025: day and month told apart only where one of them is over 12, or by the
# dots, which European pages write day first; "03/10/2023" is left unread.
_NUMERIC = re.compile(r"\b(\d{1,2})([/.])(\d{1,2})\2(\d{4})\b")
_COMPACT = re.compile(r"\b(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?\b")
_MDY = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_DMY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(\d{4})", re.I)
_A_DIGIT = re.compile(r"\d")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|[^\d])")
# Labelled lines of a page's text (Chinese portals' 发布时间/来源/作者 lines, English bylines).
_DATE_LABEL = re.compile(r"(?:发布时间|发表时间|发布日期|时间|日期|published|posted|posted on|date)\s*[：:]?\s*(.+)",
                         re.I)
_SOURCE_LABEL = re.compile(r"来源\s*[：:]\s*([^\s|｜/，,]+)")
# A byline: "By Ann Lee", "Written by Ann Lee | …", "Published 7 May 2024 by Ann Lee": capitalised words
# after "by" opening a short line (prose lines that open with "by" are lower-case after it).
_NAME = r"[A-Z][\w'’.-]*(?: (?:[A-Z][\w'’.-]*|van|von|de|der|da|la|le|bin))*"
_AUTHOR_LABEL = re.compile(r"(?:作者|记者|文)\s*[：:/]\s*([^\s|｜/，,]+)"
                           r"|^(?:(?i:written|posted|published)\b[^|•·]{0,40}?\s)?(?i:by):?\s+(" + _NAME + ")")
BYLINE_CHARS = 100  # a longer line that opens with "By" is a sentence
# A word every one of the three labels above holds, searched in the lower-cased line: a line without one
# is not searched by them (a case-blind alternation costs several times more per line).
_LABEL_WORD = re.compile("时间|日期|来源|作者|记者|文|published|posted|date|by")
_BY = re.compile(r"^\s*(?:by|von|par|por)\s+", re.I)


@dataclass(frozen=True)
class Metadata:
    """What a page states about itself; a field the page does not give is None.

    ``language`` and ``page_type`` come from filterkit's own reading of the page: the
    language of most of its text (``language_probability``: the share of its text in that
    language) and the page-type model's most likely kind with its probability (HTML track
    only; the text track has no page-type model).
    """

    title: str | None = None
    author: str | None = None  # several authors joined by ", "
    date: str | None = None  # published, ISO 8601
    date_modified: str | None = None  # ISO 8601
    site_name: str | None = None
    source: str | None = None  # the publication a Chinese page credits (来源：…)
    description: str | None = None
    url: str | None = None  # canonical URL (<link rel="canonical">, else og:url, else JSON-LD url)
    image: str | None = None
    language: str | None = None
    language_probability: float | None = None
    page_type: str | None = None
    page_type_probability: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_metadata(html: str | None, lines: list[str], kept: list[bool], language: str | None = None,
                  language_probability: float | None = None, page_type: str | None = None,
                  page_type_probability: float | None = None) -> Metadata:
    """The metadata of one page: ``html`` its markup (None for a text page), ``lines`` its blocks or lines
    and ``kept`` which of them are main content."""
    fields: dict[str, str | None] = markup_fields(html) if html else {}
    fields["date"] = _date_of_page(shown_date(lines, kept), fields.get("date"))
    labelled = labelled_fields(lines[:LABEL_LINES])
    for name, value in labelled.items():
        if not fields.get(name):
            fields[name] = value
    if not fields.get("title") and html is None:
        first = next((line for line, keep in zip(lines, kept) if keep), None)
        if first and len(first) <= TEXT_TITLE_CHARS:
            fields["title"] = first.strip()
    return Metadata(**fields, language=language, language_probability=language_probability,  # type: ignore[arg-type]
                    page_type=page_type, page_type_probability=page_type_probability)


def markup_fields(html: str) -> dict[str, str | None]:
    """The fields an HTML page's markup gives (title … image), None where it gives none."""
    from selectolax.lexbor import LexborHTMLParser

    from filterkit.html_blocks import bounded_pieces

    # the <head> and the headline are in the first piece
    tree = LexborHTMLParser(bounded_pieces(html[:METADATA_CHARS].encode("utf-8", "ignore"))[0])
    meta = _meta_values(tree)
    ld = _json_ld(tree)
    site = _first(meta, SITE_META) or _text(ld.get("publisher_name"))
    if site and site.startswith("@"):  # twitter:site is a handle, not a name
        site = None
    title = _headline(_node_text(tree.css_first("h1")),
                      _clean_title(_first(meta, TITLE_META) or _text(ld.get("headline")), site),
                      _clean_title(_node_text(tree.css_first("title")), site))
    canonical = tree.css_first('link[rel="canonical"]')
    url = (canonical.attributes.get("href") if canonical is not None else None) or _first(meta, URL_META) \
        or _text(ld.get("url"))
    date = _first_date([*(meta.get(name) for name in DATE_META), ld.get("datePublished"), *_time_values(tree),
                        *_url_dates(url)])
    return {
        "title": title if title and len(title) <= MAX_TITLE_CHARS else None,
        "author": _author([ld.get("author"), *(meta.get(name) for name in AUTHOR_META), *_author_nodes(tree)]),
        "date": date,
        "date_modified": _first_date([*(meta.get(name) for name in MODIFIED_META), ld.get("dateModified")]),
        "site_name": site,
        "description": _first(meta, DESCRIPTION_META) or _text(ld.get("description")),
        "url": url.strip() if url else None,
        "image": _first(meta, IMAGE_META) or _image(ld.get("image")),
    }


def _headline(h1: str | None, declared: str | None, title: str | None) -> str | None:
    """The first <h1> where it shares at least half its words with og:title or <title> (then it is the
    headline, not a logo or a section's name), else og:title, else the <h1>, else <title>."""
    if h1 and len(h1) <= MAX_TITLE_CHARS:
        words = set(h1.lower().split())
        for other in (declared, title):
            if other and len(words & set(other.lower().split())) * 2 >= len(words):
                return h1
    return declared or h1 or title


def shown_date(lines: list[str], kept: list[bool]) -> str | None:
    """The date a page shows beside its headline: the first block of at most SHOWN_DATE_CHARS characters
    that holds a date, from SHOWN_DATE_BEFORE blocks before the first kept one to SHOWN_DATE_AFTER after it."""
    first = next((i for i, keep in enumerate(kept) if keep), None)
    if first is None:
        return None
    for line in lines[max(first - SHOWN_DATE_BEFORE, 0):first + SHOWN_DATE_AFTER]:
        if len(line) <= SHOWN_DATE_CHARS:
            date = iso_date(line)
            if date:
                return date
    return None


def _date_of_page(shown: str | None, stated: str | None) -> str | None:
    """The date shown beside the headline, where there is one (a page revised and republished keeps its
    first date in its markup and shows the new one); the markup's where both give the same day, as it
    states the time too."""
    if shown and stated and shown[:10] == stated[:10]:
        return max(shown, stated, key=len)
    return shown or stated


def labelled_fields(lines: Iterable[str]) -> dict[str, str]:
    """Fields stated by labelled lines of a page's text: 发布时间/日期 or "Published" lines, 来源, 作者 or "By"."""
    found: dict[str, str] = {}
    for line in lines:
        if len(line) > LABEL_LINE_CHARS:  # a sentence, not a labelled line
            continue
        if not _LABEL_WORD.search(line.lower()):
            continue
        if "date" not in found:
            for match in _DATE_LABEL.finditer(line):
                date = iso_date(match.group(1))
                if date:
                    found["date"] = date
                    break
        if "source" not in found:
            source = _SOURCE_LABEL.search(line)
            if source:
                found["source"] = source.group(1)
        if "author" not in found:
            author = _AUTHOR_LABEL.search(line.strip()) if len(line) <= BYLINE_CHARS or "：" in line else None
            if author:
                name = _author([author.group(1) or author.group(2)])
                if name:
                    found["author"] = name
                    date = iso_date(line) if "date" not in found else None
                    if date:  # a byline's date: "By Ann Lee | 14 March 2026"
                        found["date"] = date
    return found


def iso_date(value: Any) -> str | None:
    """An ISO 8601 date (with its time and zone where given) for a date as pages write it, else None."""
    if not isinstance(value, str) or not _A_DIGIT.search(value):  # every date form below has digits
        return None
    text = value.strip()[:200]
    for pattern in (_ISO, _YMD):
        match = pattern.search(text)
        if match:
            year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups()[:6])
            zone = match.group(7) if pattern is _ISO else None
            return _format(year, month, day, hour, minute, second, zone)
    match = _MDY.search(text)
    if match:
        return _format(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
    match = _DMY.search(text)
    if match:
        return _format(int(match.group(3)), _MONTHS[match.group(2).lower()], int(match.group(1)))
    match = _NUMERIC.search(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if first > 12 or (match.group(2) == "." and second <= 12):
            return _format(year, second, first)
        if second > 12:
            return _format(year, first, second)
    match = _COMPACT.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else None for g in match.groups())
        return _format(year, month, day, hour, minute, second)
    return None


def _format(year: int | None, month: int | None, day: int | None, hour: int | None = None,
            minute: int | None = None, second: int | None = None, zone: str | None = None) -> str | None:
    if year is None or month is None or day is None or not (1900 <= year <= 2100 and 1 <= month <= 12
                                                              and 1 <= day <= 31):
        return None
    date = f"{year:04d}-{month:02d}-{day:02d}"
    if hour is None or hour > 23 or (minute or 0) > 59:
        return date
    time = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second is not None else "")
    if zone and zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    return f"{date}T{time}{zone or ''}"


def _first_date(values: Iterable[Any]) -> str | None:
    return next((date for date in map(iso_date, values) if date), None)


def _meta_values(tree) -> dict[str, str]:
    """The first non-empty content of each meta name, property or itemprop, lower-cased keys."""
    values: dict[str, str] = {}
    for node in tree.css("meta"):
        attributes = node.attributes
        content = attributes.get("content")
        if not content or not content.strip():
            continue
        for key in ("property", "name", "itemprop"):
            name = attributes.get(key)
            if name:
                values.setdefault(name.strip().lower(), _SPACE.sub(" ", content).strip())
    return values


def _json_ld(tree) -> dict[str, Any]:
    """The fields of the first JSON-LD object that describes the page's content (``CONTENT_TYPES``)."""
    for node in tree.css('script[type="application/ld+json"]'):
        raw = node.text(deep=True)
        if not raw or len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # broken, or nested past Python's stack
            continue
        for item in _ld_objects(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(kind, str) and kind.lower() in CONTENT_TYPES for kind in kinds):
                publisher = item.get("publisher")
                return {**item, "publisher_name": publisher.get("name") if isinstance(publisher, dict) else None}
    return {}


def _ld_objects(data: Any) -> Iterator[dict]:
    """Every object of a JSON-LD document, its ``@graph`` and lists opened, in document order (a loop, not
    recursion: a document may nest as deep as the JSON parser allows)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if graph is not None:
                stack.append(graph)


def _time_values(tree) -> list[str]:
    """``datetime`` of the page's <time> elements, a published one first."""
    published: list[str] = []
    others: list[str] = []
    for node in tree.css("time[datetime], [itemprop=datePublished]"):
        attributes = node.attributes
        value = attributes.get("datetime") or attributes.get("content") or node.text(deep=True)
        if not value:
            continue
        marks = f"{attributes.get('class') or ''} {attributes.get('itemprop') or ''} {'pubdate' in attributes}"
        (published if re.search(r"publish|pubdate|True|posted", marks, re.I) else others).append(value)
    return published + others[:1]


def _url_dates(url: str | None) -> list[str]:
    match = _URL_DATE.search(url or "")
    return [f"{match.group(1)}-{match.group(2)}-{match.group(3)}"] if match else []


def _author_nodes(tree) -> list[str]:
    """Author names the markup marks: rel="author" links and itemprop="author" elements."""
    names = []
    for node in tree.css('[rel="author"], [itemprop="author"]'):
        name = node.css_first('[itemprop="name"]')
        names.append((name if name is not None else node).text(deep=True))
    return names


def _author(candidates: list[Any]) -> str | None:
    """The first candidate that reads as names (a JSON-LD author, a meta value, a byline): a URL or
    a handle is no name."""
    for candidate in candidates:
        names = [_BY.sub("", _SPACE.sub(" ", name)).strip() for name in _names(candidate)]
        names = [name for name in names if name and len(name) <= MAX_AUTHOR_CHARS and "://" not in name
                 and not name.startswith(("@", "/", "www."))]
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _first(values: dict[str, str], names: Iterable[str]) -> str | None:
    return next((values[name] for name in names if values.get(name)), None)


def _text(value: Any) -> str | None:
    return _SPACE.sub(" ", value).strip() or None if isinstance(value, str) else None


def _node_text(node) -> str | None:
    return _text(node.text(deep=True)) if node is not None else None


def _clean_title(title: str | None, site: str | None) -> str | None:
    """The title without the site's name that follows (or leads) it after a separator: the part that
    is the site's name where it is known, else a last part less than half as long as the rest."""
    if not title:
        return None
    separators = list(_SEPARATOR.finditer(title))
    if not separators:
        return title
    bounds = [0, *(at for match in separators for at in match.span()), len(title)]
    parts = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    if site:
        kept = [(start, end) for start, end in parts if _key(title[start:end]) != _key(site)]
        if kept and len(kept) < len(parts):
            return title[kept[0][0]:kept[-1][1]].strip()
    head, tail = title[:separators[-1].start()], title[separators[-1].end():]
    return head.strip() if len(tail) * 2 < len(head) else title


def _key(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())
