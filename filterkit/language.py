"""Language of each paragraph and of the page, as ISO 639-1 codes ("und" when unknown).

Script decides wherever it can, without the statistical detector: Han → zh, kana → ja,
hangul → ko. Alphabetic paragraphs are settled for the whole page at once (see
``paragraph_languages``): plain English prose by its function words, anything else by one
langdetect call; only when that call is unsure (a page mixing, say, English and German)
are the longest alphabetic paragraphs detected one by one. langdetect is seeded, so the same page always gets the same languages.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np

UNDETERMINED = "und"
MIN_CJK_CHARS = 2  # fewer Han/kana/hangul characters than this: too short to call
MIN_LETTERS = 12  # fewer letters than this in an alphabetic paragraph: "und"
MIN_DETECT_LETTERS = 40  # shorter alphabetic paragraphs are not worth a langdetect call of their own
CJK_LETTER_WEIGHT = 3  # a CJK character carries about as much as three letters of a word
PAGE_SAMPLE_CHARS = 300  # text given to one langdetect call: enough for it to converge
PAGE_LANG_CONFIDENCE = 0.9  # below this the page-level call leaves long alphabetic paragraphs open
MAX_DETECT_CALLS = 24  # on a page of several languages, paragraphs detected one by one (the longest)
DETECT_TRIALS = 2  # langdetect's random restarts: two agree on almost every text, at a third of the default's cost
SURE_TRIALS = 7  # langdetect's default, for the texts on which two restarts disagree

ENGLISH_MIN_WORDS = 30  # a sample shorter than this is left to langdetect
ENGLISH_FUNCTION_SHARE = 0.3  # share of English function words that marks a sample as English prose
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the and of to that is was for with this are from have has had been be by it its not which were their they his her "
    "he she we you our a an in on at as but or would will said who there than".split())
ENGLISH_MAX_FOREIGN = 0.01  # share of letters outside a-z (é, ß, ł…) above which it is not plain English
_WORD = re.compile(r"[a-z']+")
_FOREIGN_LETTER = re.compile(r"[^\W\da-zA-Z_]")

_factory = None


def _detect(text: str) -> tuple[str, float]:
    """langdetect's best language and its probability, deterministically.

    Two random restarts settle most texts; where they disagree (a short line full of
    names, or a page of two languages) the answer is asked again with the default seven,
    so that one unlucky restart does not name a headline's language (two restarts call
    "Riverside market reopens after the floods of last year, traders say." Danish).
    """
    lang, probability = _detect_with(text, DETECT_TRIALS)
    if lang != UNDETERMINED and probability < PAGE_LANG_CONFIDENCE:
        lang, probability = _detect_with(text, SURE_TRIALS)
    return lang, probability


def _detect_with(text: str, trials: int) -> tuple[str, float]:
    global _factory
    from langdetect.detector_factory import PROFILES_DIRECTORY
    from langdetect.lang_detect_exception import LangDetectException

    from filterkit.language_profiles import load_factory

    if _factory is None:
        factory = load_factory(PROFILES_DIRECTORY)
        factory.set_seed(0)
        _factory = factory
    detector = _factory.create()
    detector.n_trial = trials
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    return best.lang.split("-")[0], best.prob  # zh-cn → zh: ISO 639-1 codes only


def _plainly_english(sample: str) -> bool:
    """English prose, told by its function words, which no other language shares so densely.

    Most of the pages a crawler meets are English; settling them this way spares the
    detector's profiles (0.3 s to load) and a call per page. Anything less plain goes to
    langdetect.
    """
    words = _WORD.findall(sample.lower())
    if len(words) < ENGLISH_MIN_WORDS or len(_FOREIGN_LETTER.findall(sample)) > ENGLISH_MAX_FOREIGN * len(sample):
        return False
    return sum(word in _ENGLISH_FUNCTION_WORDS for word in words) >= ENGLISH_FUNCTION_SHARE * len(words)


def script_language(han: int, kana: int, hangul: int, letters: int) -> str | None:
    """The language a paragraph's script counts decide; None when only a detector can tell.

    ``letters`` counts the other (alphabetic) letters.
    """
    cjk = han + kana + hangul
    if cjk < MIN_CJK_CHARS and letters < MIN_LETTERS:
        return UNDETERMINED
    if cjk * CJK_LETTER_WEIGHT >= letters:
        if kana:
            return "ja"
        return "ko" if hangul > han else "zh"
    return None


def paragraph_languages(texts: list[str], han: np.ndarray, kana: np.ndarray, hangul: np.ndarray,
                        letters: np.ndarray) -> list[str]:
    """A language code for every paragraph of one page, given its per-paragraph script counts.

    One decision settles the page's alphabetic paragraphs, on a sample that is half the
    longest such paragraph and half the others (English function words, else langdetect):
    a page in one language gets a confident answer that every alphabetic paragraph takes;
    a page of two languages gets an unsure one, and then its longest paragraphs are
    detected one by one.
    """
    letter_counts = letters.tolist()
    langs = [script_language(*counts) for counts in zip(han.tolist(), kana.tolist(), hangul.tolist(), letter_counts)]
    open_ = sorted((i for i, lang in enumerate(langs) if lang is None), key=lambda i: -letter_counts[i])
    if not open_:
        return langs  # type: ignore[return-value]
    half = PAGE_SAMPLE_CHARS // 2
    rest = " ".join(texts[i][:half] for i in open_[1:4])[:half]
    sample = f"{texts[open_[0]][:half]} {rest}"
    page_lang, confidence = ("en", 1.0) if _plainly_english(sample) else _detect(sample)
    if confidence >= PAGE_LANG_CONFIDENCE:
        for i in open_:
            langs[i] = page_lang
        return langs  # type: ignore[return-value]
    detected = {i: _detect(texts[i][:PAGE_SAMPLE_CHARS])[0]
                for i in open_[:MAX_DETECT_CALLS] if letter_counts[i] >= MIN_DETECT_LETTERS} or {open_[0]: page_lang}
    places = np.array(sorted(detected))
    for i in open_:
        # Languages change by blocks of a page: the rest take their nearest detected neighbour's.
        langs[i] = detected.get(i) or detected[int(places[np.argmin(np.abs(places - i))])]
    return langs  # type: ignore[return-value]


def page_language(langs: list[str], weights: np.ndarray) -> str:
    """The language holding most of the page's text (``weights``: letters, CJK characters weighed as words)."""
    total: Counter[str] = Counter()
    for lang, weight in zip(langs, weights.tolist()):
        if lang != UNDETERMINED:
            total[lang] += weight
    return total.most_common(1)[0][0] if total else UNDETERMINED
