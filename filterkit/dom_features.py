"""Features of the HTML track: what a block's markup and its container say about it.

Added to the text features of ``features`` when a batch carries a ``Structure``:

* the block's own markup: the kind of element that owns it, heading level, depth, how
  much of it is link text (navigation and teaser lists are links), inline tags per token;
* the families of its ancestors' class/id words and semantic tags (``html_blocks.FAMILIES``),
  inherited from all ancestors and from the nearest three apart, and the share of the
  page's text under each family (a forum thread is mostly under "comment"; an article
  with a comment section is not, and there the comments are not its content);
* its containers (the owner's parent and the ancestors above it): how many blocks
  and tokens they hold, their link density, the block's share of them, and, as context
  (jusText's neighbours, taken along the DOM), the mean of other scores over the container
  and how far up the block's branch meets the page's best-scored block (``core_distance``);
* reader comments' shape: a short block that carries a date, a time, "said:", "2 days
  ago" or "回复" (a comment's header), whether the block before it is one (a comment's
  body follows its header) and how many of them its containers hold (a comment list is
  a run of them; an article has one byline), and where the block lies against the page's
  text under content and under comment containers: past the end of the one, inside or
  past the start of the other;
* its copies elsewhere on the page (``html_blocks``): how many, whether it comes first,
  whether the other copy is hidden; and, in the second pass, its score against its
  best-scored copy (``copy_margin``), so that of a print copy and the article, or of a
  headline and its breadcrumb, one comes out;
* its overlap with the head's ``<title>``: the headline is most of it, the site's name
  shown as a heading is its tail;
* hashed class/id words and tags of the nearest elements and of the ancestors further up,
  for the lexical model: ``entry-content`` or ``related-posts`` recur across sites.

The link density of the neighbouring blocks is added in ``features`` beside the other
neighbour features.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from filterkit.analysis import Batch
from filterkit.hashing import token_hashes
from filterkit.html_blocks import FAMILIES, OWNER_KINDS

if TYPE_CHECKING:  # imported where a batch is scored (see filterkit.features)
    from scipy import sparse

DOM_FEATURE_SET_VERSION = 8  # part of the HTML track's feature-set version (8: comment headers, copies, title)
DOM_HASH_FEATURES = 2 ** 16
HEADER_CHARS = 120  # a comment's header (who, when) is a short line
# What a comment's header says besides its author: when, how long ago, "said:", a reply count, a floor number.
# No IGNORECASE and no leading \b: the scan runs over all short blocks of a batch at once.
_COMMENT_HEADER = re.compile(r"\d:\d\d|\d\d\d\d[-/.年]\d|\d[-/.]\d\d?[-/.]\d\d|\d\s?(?:minutes?|hours?|days?|weeks?|"
                             r"months?|years?) ago|(?:said|says|wrote|writes):|[Rr]eply|REPLY|回复|\d楼|楼主|"
                             r"\d\s?(?:分钟|小时|天|周|个月|年)前|[Vv]otes?\b|#\s?\d")


def _group_sum(values: np.ndarray, group: tuple[np.ndarray, int]) -> np.ndarray:
    dense, count = group
    return np.bincount(dense, values, minlength=count)[dense]


def container_means(values: np.ndarray, batch: Batch, weights: np.ndarray) -> list[np.ndarray]:
    """Per container level, the ``weights``-weighted mean of ``values`` over the block's container."""
    means = []
    for group in batch.dom.container_groups:
        total = _group_sum(weights, group)
        means.append(np.divide(_group_sum(values * weights, group), total, out=np.zeros(len(values)), where=total > 0))
    return means


def core_distance(values: np.ndarray, batch: Batch) -> list[np.ndarray]:
    """How far each block's branch is from the page's core block (its block of largest ``values``).

    Two columns: the levels from the block up to the lowest ancestor it shares with the
    core, and from the core up to that ancestor (ANCESTOR_LEVELS + 1 where they share
    none that near). The article's paragraphs meet the core at once; a teaser list beside
    it meets it only high up; this is the one-container idea of readability and
    trafilatura, as features rather than a rule.
    """
    chains = batch.dom.ancestors
    core = np.zeros(len(values), dtype=np.int64)
    for where in batch.page_slices():
        if where.stop > where.start:
            core[where] = where.start + int(np.argmax(values[where]))
    shared = chains[:, :, None] == chains[core][:, None, :]
    levels = chains.shape[1]
    from_block, from_core = shared.any(axis=2), shared.any(axis=1)
    return [np.where(side.any(axis=1), side.argmax(axis=1), levels).astype(np.float64)
            for side in (from_block, from_core)]


def block_link_density(batch: Batch) -> np.ndarray:
    """Share of each block's characters inside links (boilerpipe's strongest single cue)."""
    return batch.dom.link_chars / np.maximum(batch.chars.lengths, 1).astype(np.float64)


def comment_headers(batch: Batch) -> np.ndarray:
    """1 for each short block shaped like a comment's header (``_COMMENT_HEADER``)."""
    return batch.chars.flag_matches(_COMMENT_HEADER, (batch.chars.lengths <= HEADER_CHARS) & (batch.chars.lengths > 0))


def copy_margin(scores: np.ndarray, batch: Batch) -> np.ndarray:
    """Each block's score less the best score among its copies on the page (0 where it has none)."""
    copy_key = batch.dom.copy_key
    margin = np.zeros(len(scores))
    copied = np.flatnonzero(copy_key)
    if len(copied):
        _, group = np.unique(np.column_stack([batch.page_index[copied], copy_key[copied]]), axis=0,
                             return_inverse=True)
        group = group.ravel()
        best = np.full(group.max() + 1, -np.inf)
        np.maximum.at(best, group, scores[copied])
        margin[copied] = scores[copied] - best[group]
    return margin


def structure_features(batch: Batch) -> np.ndarray:
    """The markup features of every block (the batch must carry a Structure)."""
    structure = batch.dom
    n = len(batch)
    n_tokens = batch.token_counts.astype(np.float64)
    link_density = block_link_density(batch)
    kinds = np.zeros((n, len(OWNER_KINDS)))
    kinds[np.arange(n), structure.owner_kind] = 1.0
    families = [((bits >> i) & 1).astype(np.float64) for bits in (structure.bits, structure.near_bits)
                for i in range(len(FAMILIES))]
    columns = [kinds, structure.heading, np.log1p(structure.depth), link_density, np.log1p(structure.tags),
               structure.tags / np.maximum(n_tokens, 1), *families]
    whole_page = (batch.page_index, len(batch.offsets) - 1)
    page_tokens = np.maximum(_group_sum(n_tokens, whole_page), 1)
    columns += [_group_sum(family * n_tokens, whole_page) / page_tokens for family in families[:len(FAMILIES)]]
    headers = comment_headers(batch)
    header_before = np.zeros(n)
    header_before[1:] = headers[:-1] * (batch.page_index[1:] == batch.page_index[:-1])
    columns += [headers, header_before]
    for family in (FAMILIES.index("content"), FAMILIES.index("comment")):
        mass = families[family] * n_tokens
        total = _group_sum(mass, whole_page)
        before = np.cumsum(mass) - mass - (np.cumsum(mass) - mass)[batch.offsets[:-1]][batch.page_index]
        columns.append(np.divide(before, total, out=np.full(n, -1.0), where=total > 0))
    for group in structure.container_groups:
        blocks = _group_sum(np.ones(n), group)
        tokens = _group_sum(n_tokens, group)
        links = _group_sum(link_density * n_tokens, group)
        columns += [np.log1p(blocks), np.log1p(tokens), np.divide(links, tokens, out=np.zeros(n), where=tokens > 0),
                    n_tokens / np.maximum(tokens, 1), np.log1p(_group_sum(headers, group))]
    columns += [np.log1p(structure.copies), (structure.copies > 0) & (structure.copy_rank == 0),
                np.log1p(structure.copy_rank), structure.copy_hidden, structure.in_title, structure.holds_title]
    return np.column_stack(columns)


def dom_terms(batch: Batch) -> sparse.csr_matrix:
    """Presence of hashed class/id words and tags of each block's nearest elements, rows of unit length."""
    from scipy import sparse

    terms = batch.dom.terms
    lengths = np.fromiter((len(t) for t in terms), dtype=np.int64, count=len(terms))
    hashes = token_hashes([term for block in terms for term in block]) % DOM_HASH_FEATURES
    rows = np.repeat(np.arange(len(terms)), lengths)
    matrix = sparse.csr_matrix((np.ones(len(hashes), dtype=np.float32), (rows, hashes)),
                               shape=(len(terms), DOM_HASH_FEATURES))
    matrix.data[:] = 1.0
    norms = np.sqrt(np.asarray(matrix.sum(axis=1)).ravel())
    return sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0).astype(np.float32)) @ matrix
