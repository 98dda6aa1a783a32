"""Language of each paragraph and of the page, as ISO 639-1 codes ("und" when unknown).

Script decides wherever it can, without the statistical detector: Han → zh, kana → ja,
hangul → ko, and a few one-language alphabets. Alphabetic paragraphs are settled by one
langdetect call on the page's alphabetic text; only when that call is unsure (a page
mixing, say, English and German) is each alphabetic paragraph detected on its own.
langdetect is seeded so that the same page always gets the same languages.
"""
from __future__ import annotations

import re
from collections import Counter

from filterkit.scripts import script_counts

UNDETERMINED = "und"
MIN_CJK_CHARS = 2  # fewer Han/kana/hangul characters than this: too short to call
MIN_LETTERS = 12  # fewer letters than this in an alphabetic paragraph: "und"
CJK_LETTER_WEIGHT = 3  # a CJK character carries about as much as three letters of a word
PAGE_SAMPLE_CHARS = 4000  # alphabetic text given to the page-level langdetect call
PAGE_LANG_CONFIDENCE = 0.9  # below this the page call leaves alphabetic paragraphs open
# Alphabets that belong to one language each.
_ALPHABETS = (("el", re.compile("[\u0370-\u03ff]")), ("he", re.compile("[\u0590-\u05ff]")),
              ("th", re.compile("[\u0e00-\u0e7f]")), ("hy", re.compile("[\u0530-\u058f]")),
              ("ka", re.compile("[\u10a0-\u10ff]")))
_LETTERS = re.compile(r"[^\W\d_]")

_detector_ready = False


def _detect(text: str) -> tuple[str, float]:
    """langdetect's best language and its probability, deterministically."""
    global _detector_ready
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    if not _detector_ready:
        DetectorFactory.seed = 0
        _detector_ready = True
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return UNDETERMINED, 0.0
    return best.lang.split("-")[0], best.prob  # zh-cn → zh: ISO 639-1 codes only


def script_language(text: str) -> str | None:
    """The language a paragraph's script decides; None when only a detector can tell."""
    counts = script_counts(text)
    cjk = counts["han"] + counts["kana"] + counts["hangul"]
    letters = len(_LETTERS.findall(text)) - cjk
    if cjk < MIN_CJK_CHARS and letters < MIN_LETTERS:
        return UNDETERMINED
    if cjk * CJK_LETTER_WEIGHT >= letters:
        if counts["kana"]:
            return "ja"
        return "ko" if counts["hangul"] > counts["han"] else "zh"
    for code, alphabet in _ALPHABETS:
        if len(alphabet.findall(text)) * 2 >= letters:
            return code
    return None


def paragraph_languages(texts: list[str]) -> list[str]:
    """A language code for every paragraph of one page."""
    langs: list[str | None] = [script_language(text) for text in texts]
    open_ = [i for i, lang in enumerate(langs) if lang is None]
    if open_:
        sample = " ".join(texts[i] for i in sorted(open_, key=lambda i: -len(texts[i])))[:PAGE_SAMPLE_CHARS]
        page_lang, confidence = _detect(sample)
        for i in open_:
            langs[i] = page_lang if confidence >= PAGE_LANG_CONFIDENCE else _detect(texts[i])[0]
    return langs  # type: ignore[return-value]


def page_language(texts: list[str], langs: list[str]) -> str:
    """The language holding most of the page's text, weighing CJK characters as words."""
    weight: Counter[str] = Counter()
    for text, lang in zip(texts, langs):
        if lang != UNDETERMINED:
            counts = script_counts(text)
            weight[lang] += counts["word"] + CJK_LETTER_WEIGHT * (counts["han"] + counts["kana"] + counts["hangul"])
    return weight.most_common(1)[0][0] if weight else UNDETERMINED
