"""Character statistics of many paragraphs at once, with numpy instead of per-paragraph regexes.

All paragraphs of a batch are laid end to end as one array of code points; a lookup
table gives each code point its classes, and per-paragraph counts are sums over slices.
This is what lets shape features and script-based language decisions keep up with a
crawler's throughput.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np

from filterkit import scripts

# Class bits of a code point.
(HAN, KANA, HANGUL, LETTER, UPPER, DIGIT, SPACE, PUNCT, TERMINAL, FULL_STOP, CLOSER, COLON, COMMA, BULLET, QUOTE,
 SEPARATOR) = (1 << i for i in range(16))
_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane; astral code points are Han or other letters
# Per-character work is done this many characters at a time, so that a page's one huge
# paragraph costs its arrays, not temporaries of 8 bytes a character on top of them.
CHUNK_CHARS = 1 << 20


def _ranges(spec: str) -> list[tuple[int, int]]:
    """'a-bc-d' character-class spans (as in scripts.py) to code-point ranges."""
    spans, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            spans.append((ord(spec[i]), ord(spec[i + 2])))
            i += 3
        else:
            spans.append((ord(spec[i]), ord(spec[i])))
            i += 1
    return spans


def build_table() -> np.ndarray:
    table = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    for code in range(_TABLE_SIZE):
        char = chr(code)
        category = unicodedata.category(char)
        if category.startswith("L"):
            table[code] |= LETTER | (UPPER if category == "Lu" else 0)
        elif category == "Nd":
            table[code] |= DIGIT
        elif char.isspace():
            table[code] |= SPACE
        elif category[0] in "PS":
            table[code] |= PUNCT
    for bit, spec in ((HAN, scripts.HAN), (KANA, scripts.KANA), (HANGUL, scripts.HANGUL)):
        for low, high in _ranges(spec):
            if low < _TABLE_SIZE:
                table[low:min(high, _TABLE_SIZE - 1) + 1] |= bit
    for bit, chars in ((TERMINAL, ".!?。！？…"), (FULL_STOP, "。！？"), (CLOSER, "\"'’”»)）」』"), (COLON, ":："), (COMMA, ",，、;；"),
                       (BULLET, "•·▪◦‣●○■□►▶»›>*+-–—|◆▸→~"), (QUOTE, "\"'“‘「『«"), (SEPARATOR, "|｜·»›")):
        for char in chars:
            table[ord(char)] |= bit
    return table


TABLE_FILE = Path(__file__).resolve().parent / "data" / "character_classes.npz"
_table: np.ndarray | None = None


def _shipped_table() -> np.ndarray | None:
    """The table as ``training.tables`` stored it, if it was built from this Python's Unicode version:
    building it walks 65,536 code points through unicodedata, 70 ms of every cold start."""
    try:
        with np.load(TABLE_FILE, allow_pickle=False) as stored:
            if str(stored["unidata_version"]) == unicodedata.unidata_version and stored["table"].shape == (_TABLE_SIZE,):
                return stored["table"].astype(np.uint32)
    except (OSError, KeyError, ValueError):
        pass
    return None


def classes(codes: np.ndarray) -> np.ndarray:
    """Class bits of each code point."""
    global _table
    if _table is None:
        shipped = _shipped_table()
        _table = shipped if shipped is not None else build_table()
    bits = np.zeros(len(codes), dtype=np.uint32)
    for start in range(0, len(codes), CHUNK_CHARS):
        chunk, out = codes[start:start + CHUNK_CHARS], bits[start:start + CHUNK_CHARS]
        bmp = chunk < _TABLE_SIZE
        if bmp.all():
            np.take(_table, chunk, out=out)
            continue
        out[bmp] = _table[chunk[bmp]]
        astral = chunk[~bmp]
        out[~bmp] = LETTER | np.where((astral >= 0x20000) & (astral <= 0x2FA1F), HAN, 0).astype(np.uint32)
    return bits


class CharStats:
    """Per-paragraph character counts and first/last characters of a list of texts.

    The texts are joined with a newline after each, so that a regex run over ``joined``
    never matches across two paragraphs; the newline is each paragraph's last slot.
    """

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
        self.starts = np.cumsum(self.lengths + 1) - (self.lengths + 1)
        self.joined = "\n".join(texts) + "\n" if texts else ""
        # A view of the UTF-32 bytes (4 bytes a character), not a copy widened to 8.
        self.codes = np.frombuffer(self.joined.encode("utf-32-le"), dtype=np.uint32)
        self.bits = classes(self.codes)

    def count(self, bit: int) -> np.ndarray:
        """Characters of each paragraph having the class ``bit``."""
        if not len(self.starts):
            return np.zeros(0)
        counts = np.zeros(len(self.starts), dtype=np.int64)
        for start, owners, local_starts in self._chunks():
            has = (self.bits[start:start + CHUNK_CHARS] & bit) != 0
            counts[owners] += np.add.reduceat(has, local_starts, dtype=np.int64)
        return counts.astype(np.float64)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Per-paragraph sums of a per-character array."""
        if not len(self.starts):
            return np.zeros(0)
        if values.dtype.kind not in "biu":  # fractions: summed in one go, in the order they always were
            return np.add.reduceat(values.astype(np.float64), self.starts)
        # Whole numbers sum exactly in any order: a chunk at a time, as integers.
        sums = np.zeros(len(self.starts), dtype=np.int64)
        for start, owners, local_starts in self._chunks():
            sums[owners] += np.add.reduceat(values[start:start + CHUNK_CHARS], local_starts, dtype=np.int64)
        return sums.astype(np.float64)

    def _chunks(self):
        """(start, paragraphs, their starts within the chunk) of each CHUNK_CHARS characters.

        The paragraphs are those whose text the chunk holds part of: the one it opens
        inside (if any), then each that starts in it.
        """
        for start in range(0, len(self.codes), CHUNK_CHARS):
            first = int(np.searchsorted(self.starts, start, side="right")) - 1
            last = int(np.searchsorted(self.starts, start + CHUNK_CHARS, side="left"))
            owners = np.arange(first, last)
            local_starts = np.maximum(self.starts[first:last] - start, 0)
            yield start, owners, local_starts

    def _index(self, offset: int) -> tuple[np.ndarray, np.ndarray]:
        if offset >= 0:
            return self.starts + offset, offset < self.lengths
        return self.starts + self.lengths + offset, -offset <= self.lengths

    def at(self, offset: int) -> np.ndarray:
        """Class bits of the character at ``offset`` from each paragraph's start (negative: from its end); 0 past it."""
        index, inside = self._index(offset)
        return np.where(inside, self.bits[np.minimum(index, len(self.bits) - 1)], 0) if len(index) else index

    def code_at(self, offset: int) -> np.ndarray:
        """The code point at ``offset`` (as in ``at``); 0 past the paragraph."""
        index, inside = self._index(offset)
        return np.where(inside, self.codes[np.minimum(index, len(self.codes) - 1)], 0) if len(index) else index

    def word_starts(self) -> np.ndarray:
        """Per character: a letter that follows a non-letter (paragraphs are newline-separated)."""
        letter = (self.bits & LETTER) != 0
        return letter & ~np.concatenate([[False], letter[:-1]])

    def has_run(self, chars: str, length: int) -> np.ndarray:
        """1 for each paragraph holding ``length`` or more consecutive characters out of ``chars``.

        The newline after each paragraph is never one of them, so a run never spans two.
        """
        member = np.zeros(len(self.codes), dtype=bool)
        for char in chars:
            member |= self.codes == ord(char)
        run = member.copy()
        for shift in range(1, length):
            run[:-shift] &= member[shift:]
            run[-shift:] = False
        return (self.sum(run) > 0).astype(np.float64)

    def flag_matches(self, pattern, among: np.ndarray | None = None) -> np.ndarray:
        """1 for each paragraph in which the compiled regex ``pattern`` matches.

        ``among`` (a boolean mask) limits the search to those paragraphs: a regex scan costs
        time at every character, so patterns that need digits are only run where digits are.
        """
        flags = np.zeros(len(self.starts))
        chosen = np.arange(len(self.starts)) if among is None else np.flatnonzero(among)
        if among is None:
            text, starts = self.joined, self.starts
        else:
            text = "\n".join(self.texts[i] for i in chosen.tolist())
            lengths = self.lengths[chosen] + 1
            starts = np.cumsum(lengths) - lengths
        positions = [match.start() for match in pattern.finditer(text)]
        if positions:
            flags[chosen[np.searchsorted(starts, positions, side="right") - 1]] = 1.0
        return flags
