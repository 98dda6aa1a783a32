"""Reader and checker for the hand-written labeled pages in ``corpus/pages``.

The format is documented in ``corpus/README.md``: a ``# key: value`` header, then one
block per line behind a ``+`` (main) or ``-`` (noise) label; empty lines are empty.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "pages"
REQUIRED_HEADER = ("id", "lang", "kind")
PAGE_LANGS = ("en", "zh", "mixed")


class CorpusFormatError(ValueError):
    """A corpus file that does not follow corpus/README.md."""


@dataclass(frozen=True)
class LabeledPage:
    """One page: its text as a scraper gives it, and the main content as gold text."""

    id: str
    lang: str
    kind: str
    text: str
    gold: str
    lines: tuple[tuple[str, bool], ...]  # (block text, is main) for every non-empty block


def parse_page(source: str, name: str = "<page>") -> LabeledPage:
    header: dict[str, str] = {}
    lines: list[tuple[str, bool]] = []
    page_lines: list[str] = []
    for number, raw in enumerate(source.splitlines(), 1):
        where = f"{name}:{number}"
        if not lines and not page_lines and raw.startswith("#"):
            key, sep, value = raw[1:].partition(":")
            if not sep:
                raise CorpusFormatError(f"{where}: header line needs 'key: value'")
            header[key.strip()] = value.strip()
            continue
        if not raw.strip():
            page_lines.append("")
            continue
        label, text = raw[:1], raw[2:]
        if label not in "+-" or raw[1:2] != " " or not text.strip():
            raise CorpusFormatError(f"{where}: a block is '+ text' or '- text', got {raw[:40]!r}")
        lines.append((text, label == "+"))
        page_lines.append(text)
    missing = [key for key in REQUIRED_HEADER if not header.get(key)]
    if missing:
        raise CorpusFormatError(f"{name}: header lacks {', '.join(missing)}")
    if header["lang"] not in PAGE_LANGS:
        raise CorpusFormatError(f"{name}: lang must be one of {PAGE_LANGS}, got {header['lang']!r}")
    if not any(main for _, main in lines) or all(main for _, main in lines):
        raise CorpusFormatError(f"{name}: a page needs both main (+) and noise (-) blocks")
    gold = "\n\n".join(text.strip() for text, main in lines if main)
    return LabeledPage(header["id"], header["lang"], header["kind"],
                       "\n".join(page_lines) + "\n", gold, tuple(lines))


def read_page(path: Path) -> LabeledPage:
    page = parse_page(path.read_text(encoding="utf-8"), path.name)
    if page.id != path.stem:
        raise CorpusFormatError(f"{path.name}: header id {page.id!r} differs from the file name")
    return page


def read_corpus(directory: Path = CORPUS_DIR) -> list[LabeledPage]:
    """Every page of the corpus, sorted by id; a malformed file raises CorpusFormatError."""
    return [read_page(path) for path in sorted(directory.glob("*.txt"))]


def main(argv: list[str]) -> int:
    if argv[:1] != ["check"]:
        print("usage: python -m training.corpus check [FILE ...]", file=sys.stderr)
        return 2
    paths = [Path(p) for p in argv[1:]] or sorted(CORPUS_DIR.glob("*.txt"))
    bad = 0
    for path in paths:
        try:
            read_page(path)
        except (CorpusFormatError, UnicodeDecodeError) as error:
            print(error, file=sys.stderr)
            bad += 1
    print(f"{len(paths) - bad} pages ok, {bad} bad")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
