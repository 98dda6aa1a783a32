"""Paragraph features: shape, lexical, language agreement and context within the page.

Everything here is computed for a whole ``Batch`` at once. Three kinds of features:

* shape, from one paragraph alone: length, how it ends (a teaser is cut mid-word or
  mid-sentence), digits, bullets, indentation, separators, dates, copyright marks;
* lexical: hashed token uni- and bigrams (``HASH_FEATURES`` buckets), so a model
  stores weights of buckets and never the text it was trained on;
* context: position in the page, agreement with the page's language, neighbours'
  features, and topical coherence, the cosine between a paragraph's TF-IDF vector and
  the rest of the page's: a teaser is fluent prose about another subject, and its low
  similarity to the page's longest (later: best-scored) paragraphs gives it away.

HTML pages add the markup features of ``dom_features``; text pages add their own context
(``line_marks``: list leads and cut copies; the share of a line's words found in the
page's likely main text). Changing any feature's definition changes
``FEATURE_SET_VERSION`` (or ``DOM_FEATURE_SET_VERSION`` for the markup ones,
``TEXT_FEATURE_SET_VERSION`` for the text track's own), which a model records and is
checked against when it is loaded.
"""
from __future__ import annotations

import re
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from filterkit.analysis import Batch
from filterkit.characters import (BULLET, CLOSER, COLON, COMMA, DIGIT, FULL_STOP, HAN, HANGUL, KANA, LETTER, PUNCT,
                                  QUOTE, SEPARATOR, SPACE, TERMINAL, UPPER)
from filterkit.dom_features import (DOM_FEATURE_SET_VERSION, block_link_density, container_means, copy_margin,
                                    core_distance, dom_terms, structure_features)
from filterkit.hashing import token_hashes
from filterkit.language import UNDETERMINED
from filterkit.line_marks import line_marks

if TYPE_CHECKING:  # scipy.sparse is imported where a batch is scored: a process that only checks a
    from scipy import sparse  # model's feature set (a batch's main process) never pays its 0.1-0.3 s

FEATURE_SET_VERSION = 4
TEXT_FEATURE_SET_VERSION = 1  # the text track's own context features (1: list leads, cut copies, shared words)
HASH_FEATURES = 2 ** 19
TOP_LONGEST = 5  # the page's longest paragraphs stand for its topic before any scoring
MIN_PREFIX_CHARS = 16  # a shorter paragraph is not called a truncated copy of another
NEIGHBOUR_OFFSETS = (-2, -1, 1, 2)
SPAN_BARS = (0.5, 0.7)  # score bars of the best-run features (second pass)
SHARED_BARS = (0.5, 0.8)  # text track, second pass: a line's words shared with the lines scored this high
LONG_PARAGRAPH_TOKENS = 25  # a paragraph this long is prose; pages without any are lists
MISSING = -1.0  # the value of a neighbour feature past the page's edge

# Regexes are run over all paragraphs of a batch at once, so they are written to let the
# engine skip ahead on their first character: no IGNORECASE, no leading \b.
_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DATE = re.compile(r"\d(?:\d\d\d[-/.年]\s?\d|\d?[-/.月]\s?\d|\d?\s" + _MONTH + ")|" + _MONTH + r"[a-z]*\.?\s\d")
_TIME = re.compile(r"\d:\d\d")
_URL = re.compile(r"https?://|www\.|WWW\.|\.(?:com|org|net|cn)\b|@\w")
_COPYRIGHT = re.compile("©|版权|备案|\\(c\\)|\\(C\\)|Copyright|copyright|COPYRIGHT|Rights Reserved|rights reserved|"
                        "RIGHTS RESERVED|ICP|icp")
SHORT_LINE_CHARS = 300  # URL and copyright marks are looked for in lines up to this long (footers, bylines)
WIDE_GAP_CHARS, WIDE_GAP_LENGTH = " \t\u3000\xa0", 3  # this many blanks in a row lay out columns (a menu, a byline)
_PREFIX_TAIL = " \t\u3000.。…,，"  # stripped from a paragraph's end before comparing it with others


def feature_set_version(track: str) -> int | str:
    """The version a model of ``track`` ("text" or "html") records and is checked against."""
    if track == "text":
        return f"{FEATURE_SET_VERSION}+text{TEXT_FEATURE_SET_VERSION}"
    return f"{FEATURE_SET_VERSION}+dom{DOM_FEATURE_SET_VERSION}"


SHAPE_NAMES = (
    "log_tokens", "log_chars", "ends_terminal", "ends_colon", "ends_comma", "ends_word", "ends_ellipsis",
    "digit_share", "upper_share", "punct_share", "bullet", "indent", "sentences", "mean_word_len",
    "titlecase_share", "separators", "date", "time", "url", "cjk_share", "comma_rate", "quote_start",
    "copyright", "gap_before", "gap_after",
)


def shape_features(batch: Batch) -> np.ndarray:
    """The context-free shape of every paragraph (columns as SHAPE_NAMES)."""
    c = batch.chars
    n_tokens = batch.token_counts.astype(np.float64)
    chars = np.maximum(c.lengths, 1)
    letters = c.count(LETTER)
    digits = c.count(DIGIT)
    short = c.lengths <= SHORT_LINE_CHARS
    cjk = c.count(HAN | KANA | HANGUL)
    word_starts = c.word_starts()
    words = np.maximum(c.sum(word_starts & ((c.bits & (HAN | KANA | HANGUL)) == 0)), 1)
    latin_letters = letters - cjk
    last, before_last = c.at(-1), c.at(-2)
    ends_terminal = ((last & TERMINAL) != 0) | (((last & CLOSER) != 0) & ((before_last & TERMINAL) != 0))
    ellipsis = (c.code_at(-1) == ord("…")) | ((c.code_at(-1) == 46) & (c.code_at(-2) == 46) & (c.code_at(-3) == 46))
    first = c.at(0)
    numbered = ((first & DIGIT) != 0) & np.isin(c.code_at(1), [ord(x) for x in ".)、"])
    sentence_end = ((c.bits & TERMINAL) != 0) & ((np.concatenate([c.bits[1:], [SPACE]]) & (SPACE | CLOSER)) != 0)
    sentence_end |= (c.bits & FULL_STOP) != 0
    commas = c.count(COMMA)
    indent = np.fromiter((s.indent for s in batch.segments), dtype=np.float64, count=len(batch))
    return np.column_stack([
        np.log1p(n_tokens), np.log1p(c.lengths),
        ends_terminal, (last & COLON) != 0, (last & COMMA) != 0, (last & (LETTER | DIGIT)) != 0, ellipsis,
        digits / chars, c.count(UPPER) / np.maximum(letters, 1), c.count(PUNCT) / chars,
        ((first & BULLET) != 0) | numbered, np.minimum(indent, 8), np.log1p(c.sum(sentence_end)),
        latin_letters / words, c.sum(word_starts & ((c.bits & UPPER) != 0)) / words,
        np.log1p(c.count(SEPARATOR) + c.has_run(WIDE_GAP_CHARS, WIDE_GAP_LENGTH)),
        c.flag_matches(_DATE, digits >= 2), c.flag_matches(_TIME, digits >= 3), c.flag_matches(_URL, short),
        cjk / np.maximum(letters, 1), commas / np.maximum(n_tokens, 1), (first & QUOTE) != 0, c.flag_matches(_COPYRIGHT, short),
        [s.gap_before for s in batch.segments], [s.gap_after for s in batch.segments],
    ]).astype(np.float64).reshape(len(batch), len(SHAPE_NAMES))


class HashedTerms:
    """Presence of hashed uni- and bigrams in each paragraph (``matrix``: paragraphs × HASH_FEATURES).

    Each distinct token is hashed once (murmurhash3, as scikit-learn's HashingVectorizer
    does) and remembered; bigram buckets are combined from their tokens' hashes with
    numpy, and a paragraph's first and last tokens also form bigrams with edge markers
    ("< by", "says >"): how a line starts and ends says more about boilerplate than the
    words in its middle.
    """

    def __init__(self, batch: Batch):
        lengths = batch.token_counts
        hashes = token_hashes(list(chain.from_iterable(batch.tokens)))
        n = len(lengths)
        # Each paragraph as <edge> tokens <edge>, end to end, for its bigrams.
        bounded = lengths + 2
        starts = np.cumsum(bounded) - bounded
        sequence = np.full(int(bounded.sum()), _EDGE, dtype=np.int64)
        inner = np.ones(len(sequence), dtype=bool)
        inner[starts] = False
        inner[starts + bounded - 1] = False
        sequence[inner] = hashes
        owner = np.repeat(np.arange(n), bounded)
        pair = owner[:-1] == owner[1:]
        bigrams = (sequence[:-1][pair] * _BIGRAM_MIX + sequence[1:][pair]) % HASH_FEATURES
        rows = np.concatenate([np.repeat(np.arange(n), lengths), owner[:-1][pair]])
        columns = np.concatenate([hashes % HASH_FEATURES, bigrams])
        from scipy import sparse

        matrix = sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), (rows, columns)), shape=(n, HASH_FEATURES))
        matrix.data[:] = 1.0  # presence: a term said twice counts once
        self.matrix = matrix
        last = starts + bounded - 2  # each paragraph's last token (its left edge marker when it has none)
        self.last_bucket = np.where(lengths > 0, sequence[last] % HASH_FEATURES, -1)


_EDGE = 2 ** 31 + 11  # outside murmurhash's range, so no token hashes to it
_BIGRAM_MIX = 1_000_003


def tfidf(terms: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Rows of ``terms`` weighted by ``idf`` and scaled to unit length (empty rows stay zero)."""
    from scipy import sparse

    weighted = terms.multiply(idf).tocsr()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    return sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ weighted


def lexical_rows(rows: sparse.csr_matrix, batch: Batch) -> sparse.csr_matrix:
    """Each paragraph's terms beside its previous and next paragraph's (zero past the page's edge).

    The words around a line say what it is as much as its own: the line after "Related
    stories" or before "Reply" is rarely the article.
    """
    from scipy import sparse

    n = rows.shape[0]
    page_index = batch.page_index
    sides = []
    for offset in (-1, 1):
        source = np.clip(np.arange(n) + offset, 0, max(n - 1, 0))
        valid = (np.arange(n) + offset >= 0) & (np.arange(n) + offset < n)
        valid[valid] &= page_index[source[valid]] == page_index[valid]
        sides.append(sparse.diags(valid.astype(np.float32)) @ rows[source])
    markup = [dom_terms(batch)] if batch.structure is not None else []
    return sparse.hstack([rows, *sides, *markup], format="csr")


class PageTerms:
    """TF-IDF rows with columns made page-local, for similarities to the rest of the page.

    Each (page, term) pair gets its own column, so a page's weighted term sum is one
    sparse product for the whole batch, and a paragraph's similarity to "its page
    without itself" costs time linear in the batch's size however long a page is.
    """

    def __init__(self, rows: sparse.csr_matrix, page_index: np.ndarray, n_pages: int):
        from scipy import sparse

        coo = rows.tocoo()
        keys = page_index[coo.row].astype(np.int64) * HASH_FEATURES + coo.col
        unique, local = np.unique(keys, return_inverse=True)
        self.matrix = sparse.csr_matrix((coo.data, (coo.row, local)), shape=(rows.shape[0], len(unique)))
        self.column_page = (unique // HASH_FEATURES).astype(np.int64)
        self.rows = rows
        self.page_index = page_index
        self.n_pages = n_pages
        self.self_norm2 = np.asarray(rows.multiply(rows).sum(axis=1)).ravel()

    def similarity(self, weights: np.ndarray) -> np.ndarray:
        """Cosine of each paragraph with the ``weights``-weighted sum of the other paragraphs of its page."""
        page_sum = self.matrix.T @ weights
        dot_all = self.matrix @ page_sum
        sum_norm2 = np.bincount(self.column_page, page_sum ** 2, minlength=self.n_pages)[self.page_index]
        dot = dot_all - weights * self.self_norm2
        rest_norm2 = np.maximum(sum_norm2 - 2 * weights * dot_all + weights ** 2 * self.self_norm2, 0.0)
        denominator = np.sqrt(self.self_norm2 * rest_norm2)
        return np.divide(dot, denominator, out=np.zeros_like(dot), where=denominator > 1e-12)

    def shared(self, chosen: np.ndarray) -> np.ndarray:
        """Share of each paragraph's term weight (TF-IDF) that occurs in another ``chosen`` paragraph of its page.

        Unlike the cosine, a short line counts as foreign when few of its words are in the
        chosen text, however common the page's words are in it: a teaser title of three
        words shares none with the article it stands under.
        """
        matrix, chosen = self.matrix, chosen.astype(np.float64)
        owner, weight, total = self._term_weights
        chosen_owner = chosen[owner]
        present = np.bincount(matrix.indices, chosen_owner, minlength=matrix.shape[1])  # chosen paragraphs per term
        elsewhere = present[matrix.indices] - chosen_owner > 0.5
        found = np.bincount(owner, weight * elsewhere, minlength=matrix.shape[0])
        return np.divide(found, total, out=np.full(matrix.shape[0], MISSING), where=total > 0)

    @cached_property
    def _term_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per stored term: its paragraph and |weight|; per paragraph: its total (the same for every ``shared``)."""
        matrix = self.matrix
        owner = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        weight = np.abs(matrix.data)
        return owner, weight, np.bincount(owner, weight, minlength=matrix.shape[0])


def shift(values: np.ndarray, offset: int, page_index: np.ndarray) -> np.ndarray:
    """values[i + offset] within the same page, MISSING past the page's edge."""
    shifted = np.full_like(values, MISSING, dtype=np.float64)
    n = len(values)
    if abs(offset) >= n:
        return shifted
    source = np.arange(n) + offset
    valid = (source >= 0) & (source < n)
    valid[valid] &= page_index[source[valid]] == page_index[valid]
    shifted[valid] = values[source[valid]]
    return shifted


def window_mean(values: np.ndarray, radius: int, page_index: np.ndarray) -> np.ndarray:
    """Mean of values over i-radius..i+radius, within the page."""
    total = values.astype(np.float64).copy()
    count = np.ones_like(total)
    for offset in range(-radius, radius + 1):
        if offset:
            neighbour = shift(values, offset, page_index)
            present = neighbour != MISSING
            total += np.where(present, neighbour, 0.0)
            count += present
    return total / count


def page_reduce(values: np.ndarray, offsets: np.ndarray, ufunc: np.ufunc) -> np.ndarray:
    """ufunc.reduceat over each page, broadcast back to its paragraphs."""
    sizes = np.diff(offsets)
    if not len(values):
        return values
    reduced = ufunc.reduceat(values, offsets[:-1][sizes > 0])
    return np.repeat(reduced, sizes[sizes > 0])


def _truncated_copies(texts: list[str], offsets: np.ndarray) -> np.ndarray:
    """1 where a paragraph repeats another, or is the start of a longer one (a cut summary)."""
    flags = np.zeros(len(texts))
    for start, end in zip(offsets[:-1], offsets[1:]):
        keys = sorted((key, i) for i in range(start, end)
                      if len(key := texts[i].rstrip(_PREFIX_TAIL).lower()) >= MIN_PREFIX_CHARS)
        for (key, i), (following, j) in zip(keys, keys[1:]):
            if following.startswith(key):
                flags[i] = 1.0
                if following == key:
                    flags[j] = 1.0
    return flags


def first_pass_features(batch: Batch, terms: HashedTerms, idf: np.ndarray, lexical_score: np.ndarray,
                        page_kind: np.ndarray) -> tuple[np.ndarray, PageTerms]:
    """The context-free features, the page-level context, and the neighbours' shapes.

    ``page_kind``: per page, P(type) (``filterkit.page_types``), which every paragraph of it carries
    (no columns on the text track).
    """
    n = len(batch)
    page_index = batch.page_index
    n_pages = len(batch.offsets) - 1
    n_tokens = batch.token_counts.astype(np.float64)
    shape = shape_features(batch)

    page_lang = np.array(batch.page_langs, dtype=object)[page_index] if n else np.array([], dtype=object)
    langs = np.array(batch.langs, dtype=object)
    lang_und = langs == UNDETERMINED
    lang_agrees = (langs == page_lang) & ~lang_und

    idf_sum = terms.matrix @ idf
    term_count = np.diff(terms.matrix.indptr)
    mean_idf = np.divide(idf_sum, term_count, out=np.zeros(n), where=term_count > 0)
    last_idf = np.where(terms.last_bucket >= 0, idf[np.maximum(terms.last_bucket, 0)], 0.0)

    page_terms = PageTerms(tfidf(terms.matrix, idf), page_index, n_pages)
    position = np.arange(n) - batch.offsets[page_index] if n else np.zeros(0)
    page_size = np.diff(batch.offsets)[page_index].astype(np.float64)
    page_tokens = page_reduce(n_tokens, batch.offsets, np.add)

    coherence_page = page_terms.similarity(np.ones(n))
    longest = _top_per_page(n_tokens, batch.offsets, TOP_LONGEST)
    coherence_longest = page_terms.similarity(longest)

    long_prose = (n_tokens >= LONG_PARAGRAPH_TOKENS).astype(np.float64)
    page_profile = [page_reduce(column, batch.offsets, np.add) / page_size
                    for column in (shape[:, 0], shape[:, 2], shape[:, 10], long_prose, lang_agrees.astype(float))]
    page_longest = page_reduce(shape[:, 0], batch.offsets, np.maximum)
    with_next = _similarity_with_next(page_terms.rows, page_index)
    ranks = [_rank_within_pages(column, batch.offsets) for column in (shape[:, 0], coherence_longest, lexical_score)]
    base = np.column_stack([
        shape, lang_und, lang_agrees, mean_idf, last_idf, *page_profile, page_longest, shape[:, 0] - page_longest, *ranks,
        with_next, shift(with_next, -1, page_index),
        position / np.maximum(page_size - 1, 1), np.log1p(position), np.log1p(page_size - 1 - position),
        np.log1p(page_size), n_tokens / np.maximum(page_tokens, 1), _truncated_copies(batch.texts, batch.offsets),
        coherence_page, coherence_longest, lexical_score,
    ])
    log_tokens = shape[:, 0]
    followed = [log_tokens, shape[:, 2], shape[:, 5], shape[:, 10], shape[:, 11], lang_agrees.astype(float),
                coherence_longest, lexical_score]
    neighbours = [shift(column, offset, page_index) for column in followed for offset in NEIGHBOUR_OFFSETS]
    windows = [window_mean(column, 3, page_index) for column in (log_tokens, shape[:, 2], lexical_score)]
    markup = []
    if batch.structure is None:
        markup = _text_context(batch, shape, page_terms, longest, lexical_score)
    else:
        links = block_link_density(batch)
        markup = [structure_features(batch), *container_means(lexical_score, batch, n_tokens),
                  *core_distance(lexical_score * n_tokens, batch), copy_margin(lexical_score, batch),
                  *(shift(links, offset, page_index) for offset in NEIGHBOUR_OFFSETS), window_mean(links, 3, page_index)]
    return np.column_stack([base, *neighbours, *windows, *markup, page_kind[page_index]]), page_terms


def second_pass_features(first: np.ndarray, scores: np.ndarray, batch: Batch, page_terms: PageTerms) -> np.ndarray:
    """The first pass's features plus its scores in context: neighbours, page, coherence with the best."""
    page_index = batch.page_index
    offsets = batch.offsets
    n_tokens = batch.token_counts.astype(np.float64)
    around = [shift(scores, offset, page_index) for offset in (-3, -2, -1, 1, 2, 3)]
    windows = [window_mean(scores, radius, page_index) for radius in (2, 5)]
    page_max = page_reduce(scores, offsets, np.maximum)
    page_mean = page_reduce(scores * n_tokens, offsets, np.add) / np.maximum(page_reduce(n_tokens, offsets, np.add), 1)
    mass = scores * n_tokens
    mass_before = _cumulative_within_pages(mass, offsets) - mass
    mass_total = page_reduce(mass, offsets, np.add)
    share_before = np.divide(mass_before, mass_total, out=np.zeros_like(mass), where=mass_total > 0)
    share_after = np.divide(mass_total - mass_before - mass, mass_total, out=np.zeros_like(mass), where=mass_total > 0)
    coherence_best = page_terms.similarity(scores * np.sqrt(n_tokens))
    coherence_sure = page_terms.similarity((scores > 0.8).astype(np.float64))
    rank = _rank_within_pages(scores, offsets)
    spans = [feature for bar in SPAN_BARS for feature in _best_span(scores, n_tokens, bar, offsets)]
    if batch.structure is None:
        open_end = 1.0 - first[:, SHAPE_NAMES.index("ends_terminal")]
        markup = [feature for bar in SHARED_BARS for feature in _foreignness(page_terms.shared(scores >= bar), open_end)]
    else:
        markup = [*container_means(scores, batch, n_tokens), *core_distance(scores * n_tokens, batch),
                  copy_margin(scores, batch)]
    return np.column_stack([first, scores, *around, *windows, page_max, page_mean, scores - page_mean,
                            share_before, share_after, coherence_best, coherence_sure, rank, *spans, *markup])


def _text_context(batch: Batch, shape: np.ndarray, page_terms: PageTerms, longest: np.ndarray,
                  lexical_score: np.ndarray) -> list[np.ndarray]:
    """Text pages: a line's list lead (its own and its neighbours'), cut copies, and the words it shares.

    The words are those of the page's likely main text before any pass has scored it: its
    longest lines, and the lines the lexical model likes.
    """
    marks = line_marks(batch.texts, batch.offsets)
    lead = np.maximum(marks[:, 0], marks[:, 1])
    open_end = 1.0 - shape[:, SHAPE_NAMES.index("ends_terminal")]
    return [marks, *(shift(lead, offset, batch.page_index) for offset in (-1, 1)),
            *_foreignness(page_terms.shared(longest), open_end),
            *_foreignness(page_terms.shared(lexical_score >= 0.5), open_end)]


def _foreignness(shared: np.ndarray, open_end: np.ndarray) -> list[np.ndarray]:
    """The share of a line's words found in the main text, and its lack of them on a line with no closing mark."""
    return [shared, (1.0 - np.maximum(shared, 0.0)) * open_end]


def _best_span(scores: np.ndarray, n_tokens: np.ndarray, bar: float, offsets: np.ndarray) -> list[np.ndarray]:
    """Where each paragraph lies relative to its page's best run of paragraphs.

    The best run is the contiguous span maximising the sum of (score - bar) * sqrt(tokens)
    (the maximum-subarray idea of body-text extraction): an article is one run, and
    comments or "more from this author" after it are separated from it by a gap of noise.
    Returns: inside the run (0/1), paragraphs from the run's start to it, and from it to the run's end.
    """
    gain = (scores - bar) * np.sqrt(np.maximum(n_tokens, 1))
    inside, before, after = np.zeros(len(scores)), np.zeros(len(scores)), np.zeros(len(scores))
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist()):
        if end == start:
            continue
        running = np.concatenate([[0.0], np.cumsum(gain[start:end])])
        lowest_before = np.minimum.accumulate(running)
        last = int(np.argmax(running[1:] - lowest_before[:-1]))  # the run ends at this paragraph
        first = int(np.argmin(running[:last + 1]))  # and starts after the lowest prefix before it
        index = np.arange(end - start)
        inside[start:end] = (index >= first) & (index <= last)
        before[start:end] = np.log1p(np.maximum(first - index, 0))
        after[start:end] = np.log1p(np.maximum(index - last, 0))
    return [inside, before, after]


def _similarity_with_next(rows: sparse.csr_matrix, page_index: np.ndarray) -> np.ndarray:
    """Cosine of each (unit-length) row with the next row of its page; MISSING at the page's end.

    Shifted by one, the same values are each row's similarity with the previous row.
    """
    n = rows.shape[0]
    following = np.minimum(np.arange(n) + 1, max(n - 1, 0))
    similarity = np.asarray(rows.multiply(rows[following]).sum(axis=1)).ravel() if n else np.zeros(0)
    last_of_page = (np.arange(n) + 1 >= n) | (page_index[following] != page_index)
    return np.where(last_of_page, MISSING, similarity)


def _top_per_page(values: np.ndarray, offsets: np.ndarray, k: int) -> np.ndarray:
    """1 for the k largest values of each page, 0 elsewhere."""
    chosen = np.zeros(len(values))
    for start, end in zip(offsets[:-1], offsets[1:]):
        chosen[start + np.argsort(-values[start:end], kind="stable")[:k]] = 1.0
    return chosen


def _cumulative_within_pages(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    running = np.cumsum(values)
    before_page = np.concatenate([[0.0], running])[offsets[:-1]]
    return running - np.repeat(before_page, np.diff(offsets))


def _rank_within_pages(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each value's rank within its page, 0 (lowest) to 1 (highest)."""
    ranks = np.zeros(len(values))
    for start, end in zip(offsets[:-1], offsets[1:]):
        if end - start > 1:
            ranks[start:end] = np.argsort(np.argsort(values[start:end], kind="stable"), kind="stable") / (end - start - 1)
    return ranks
