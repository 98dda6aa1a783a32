"""Language-aware tokens: jieba words for Chinese, word tokens for alphabetic scripts.

A paragraph is split into script runs, so a Chinese sentence quoting an English name
gets jieba words for the Chinese and a word token for the name. jieba is brought in only
for a page that has Han text, with its dictionary from filterkit's own cache
(``filterkit.chinese_dictionary``); where rjieba is installed (``filterkit-content[fast]``) and uses the
same dictionary, it takes over in long runs: its words were checked identical to jieba's.
Digits are folded to 0 so that dates and counts share their tokens across pages.
"""
from __future__ import annotations

import importlib.util
import re
import sys
import threading
from functools import lru_cache, partial
from typing import Callable

from filterkit.scripts import CJK, SCRIPT_RUN

_DIGIT = re.compile(r"\d")
_WORD = re.compile(f"[^\\W{CJK}]+")
HAN_RUN_CACHE = 50_000  # distinct Han runs whose words are remembered (a bounded LRU: memory stays flat)
CACHED_RUN_CHARS = 64  # longer runs are cut afresh: they are prose, which rarely repeats, and would fill the cache
# A longer run (no punctuation for pages on end: generated or broken text, never prose) is cut
# in pieces of this many characters: jieba's graph of a run costs about 500 bytes a character.
HAN_PIECE_CHARS = 2_000
# rjieba's import builds its dictionary (0.3-0.6 s), which its faster cutting (3 µs a run against
# jieba's 25-50) pays back after about ten thousand runs: a one-page process never imports it.
RJIEBA_AFTER_RUNS = 10_000
# The dictionary (jieba 0.42.1's) on which rjieba's words were checked identical to jieba's on every
# Chinese benchmark page; with any other dictionary jieba's own words could differ, so jieba cuts.
RJIEBA_CHECKED_DICTIONARY = "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8"

_cut: Callable[[str], list[str]] | None = None
_runs_cut = 0
_rjieba_due = False
_segmenter_lock = threading.Lock()


def jieba_cutter() -> tuple[Callable[[str], list[str]], str]:
    """jieba's cut without its HMM, on filterkit's own tokenizer, and the SHA-256 of its dictionary.

    An own ``jieba.Tokenizer`` leaves the application's ``jieba.dt`` alone (and its words added
    there out of filterkit's tokens); given its frequencies, it never reads or writes jieba's
    cache in the temp folder.
    """
    from filterkit.chinese_dictionary import load

    jieba = _import_jieba()
    table = load(jieba)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = table.freq, table.total, True

    def cut(run: str) -> list[str]:
        table.cover(run)
        return tokenizer.lcut(run, HMM=False)

    return cut, table.dictionary_sha256


def _import_jieba():
    """jieba, imported without pkg_resources where nothing has imported that yet.

    jieba asks pkg_resources (90 ms of jieba's 110 ms import, and deprecated) only for the paths
    of its own data files, and finds them with plain paths when it cannot import it.
    """
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        import jieba

        return jieba
    sys.modules["pkg_resources"] = None  # an ImportError for jieba's import only: removed right after
    try:
        import jieba
    finally:
        if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    return jieba


def rjieba_cutter() -> Callable[[str], list[str]]:
    """rjieba's cut without its HMM, on an own instance (words added to rjieba's default stay out)."""
    import rjieba

    return partial(rjieba.Jieba().cut, hmm=False)


def _han_cut(run: str) -> list[str]:
    """The words of one Han run: jieba, or rjieba once enough runs were cut where it is installed."""
    global _cut, _runs_cut, _rjieba_due
    if _cut is None:
        with _segmenter_lock:
            if _cut is None:
                cut, dictionary_sha256 = jieba_cutter()
                _rjieba_due = (dictionary_sha256 == RJIEBA_CHECKED_DICTIONARY
                               and importlib.util.find_spec("rjieba") is not None)
                _cut = cut
    if _rjieba_due:
        _runs_cut += 1  # racy between threads, harmlessly: it only times the switch
        if _runs_cut >= RJIEBA_AFTER_RUNS:
            with _segmenter_lock:
                if _rjieba_due:
                    _rjieba_due = False
                    try:
                        _cut = rjieba_cutter()
                    except ImportError:  # an install that find_spec sees but cannot load: jieba goes on
                        pass
    return _cut(run)


@lru_cache(maxsize=HAN_RUN_CACHE)
def _han_words(run: str) -> tuple[str, ...]:
    """The words of one run of Han characters, remembered: menus, bylines and footers repeat."""
    return tuple(_han_cut(run))


def tokenize(text: str, has_cjk: bool = True, has_digits: bool = True) -> list[str]:
    """Lower-cased tokens of one paragraph, in order.

    ``has_cjk=False`` and ``has_digits=False`` are promises (the batch's character counts
    know them) that take faster paths.
    """
    if not has_cjk:
        lowered = text.lower()
        return _WORD.findall(_DIGIT.sub("0", lowered) if has_digits else lowered)
    tokens: list[str] = []
    for match in SCRIPT_RUN.finditer(text.lower()):
        run = match.group()
        if match.lastgroup == "han":
            if len(run) <= CACHED_RUN_CHARS:
                tokens.extend(_han_words(run))
            else:
                for start in range(0, len(run), HAN_PIECE_CHARS):
                    tokens.extend(_han_cut(run[start:start + HAN_PIECE_CHARS]))
        elif match.lastgroup == "word":
            tokens.append(_DIGIT.sub("0", run))
        else:  # kana and hangul: characters, which no dictionary here segments better
            tokens.extend(run)
    return tokens
