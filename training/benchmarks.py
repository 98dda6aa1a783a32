"""Readers for the public benchmark sets in ``../shared/data`` (never copied into the repo).

Each page comes out as a ``BenchmarkPage``: its HTML bytes on demand, its gold main text,
its domain (for the held-out split) and its language. The text track's input, the page's
visible text as ``html_text.extract_text(html, guess_layout=True)`` renders it, is cached
under ``FILTERKIT_CACHE`` (default ``~/.cache/filterkit``) because rendering all pages
takes minutes and every training or benchmark run needs it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from filterkit.decoding import decode
from filterkit.scripts import cjk_share

SHARED_DATA = Path(os.environ.get("FILTERKIT_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "data"
CACHE_DIR = Path(os.environ.get("FILTERKIT_CACHE", Path.home() / ".cache" / "filterkit"))
HELD_OUT_BUCKETS = 5  # domains fall in this many buckets by hash; bucket 0 (20% of domains) is held out
HELD_OUT_RULE = f"domain's SHA-1 first byte % {HELD_OUT_BUCKETS} == 0"  # domain_bucket's rule, in words for reports
RENDERING_VERSION = "html-text-guess-layout-1"
# Second-level labels under which a registrable domain takes three labels (bbc.co.uk, gov.cn).
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "edu", "ac", "or", "ne", "go"}


@dataclass(frozen=True)
class BenchmarkPage:
    dataset: str  # "wcxb-dev", "magic-html/article", "magic-html/forum"
    id: str
    url: str
    gold: str
    page_type: str
    html_path: Path
    title: str = ""

    @property
    def domain(self) -> str:
        labels = (urlsplit(self.url).hostname or "").lower().removeprefix("www.").split(".")
        keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
        return ".".join(labels[-keep:])

    @property
    def lang(self) -> str:
        """'zh' where the gold text is mostly Han characters, else 'en' (the sets' other language)."""
        return "zh" if cjk_share(self.gold) >= 0.3 else "en"

    @property
    def held_out(self) -> bool:
        return domain_bucket(self.domain) == 0

    def html(self) -> str:
        data = gzip.decompress(self.html_path.read_bytes())
        return decode(data, html=True)[0]

    def rendering(self) -> str:
        """The text track's input for this page, rendered once and cached."""
        key = hashlib.sha1(f"{RENDERING_VERSION}:{self.html_path}".encode()).hexdigest()
        path = CACHE_DIR / "renderings" / f"{key}.txt"
        if path.exists():
            return path.read_text(encoding="utf-8")
        import html_text  # benchmark-only dependency

        text = html_text.extract_text(self.html(), guess_layout=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return text


def domain_bucket(domain: str) -> int:
    """The domain's bucket, 0 to HELD_OUT_BUCKETS - 1; bucket 0 is the held-out part."""
    return hashlib.sha1(domain.encode("utf-8")).digest()[0] % HELD_OUT_BUCKETS


def available() -> bool:
    return SHARED_DATA.is_dir()


def read_wcxb(root: Path | None = None) -> list[BenchmarkPage]:
    """The pages of wcxb-dev that have a gold main text."""
    root = root or SHARED_DATA / "wcxb-dev"
    pages = []
    for truth in sorted((root / "ground-truth").glob("*.json")):
        record = json.loads(truth.read_text(encoding="utf-8"))
        gold = record["ground_truth"]
        if not (gold.get("main_content") or "").strip():
            continue  # 21 pages carry no gold main text: nothing to learn or score
        pages.append(BenchmarkPage(
            "wcxb-dev", truth.stem, record.get("url", ""), gold["main_content"],
            record.get("_internal", {}).get("page_type", {}).get("primary", "unknown"),
            root / "html" / f"{truth.stem}.html.gz", gold.get("title") or ""))
    return pages


def read_magic_html(root: Path | None = None) -> list[BenchmarkPage]:
    root = root or SHARED_DATA / "magic-html"
    pages = []
    for kind in ("article", "forum"):
        base = json.loads((root / kind / "base.json").read_text(encoding="utf-8"))
        for page_id, record in sorted(base.items()):
            pages.append(BenchmarkPage(f"magic-html/{kind}", page_id, record["url"], record["content"],
                                       kind, root / kind / "htmls" / f"{page_id}.html.gz"))
    return pages


def read_all() -> list[BenchmarkPage]:
    return read_wcxb() + read_magic_html()
