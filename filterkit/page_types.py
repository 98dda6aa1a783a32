"""Page type: what kind of page a whole page is (article, forum, product…), as probabilities.

What counts as a page's main content depends on its kind: an article's is the article
without its comments, a forum thread's is every post, a product page's is its product
panel, short lines and all. A block's own features cannot say which convention applies;
the page's words and class names can ("add to cart", "reply", "posted by"). A linear
model over the page's whole bag of terms gives P(type) per page, and these probabilities
become features of every block of the page.

Pages of unknown type (the hand-written corpus) are scored but not learnt from.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import sparse

from filterkit.analysis import Batch

PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")
# Settings measured by site-grouped cross-validation of the page types of the benchmarks' training
# pages (HTML track; log loss): a page's terms folded into 2^14 buckets 0.685, unfolded 0.775 (and a
# model of 7 × 2^14 weights, not 7 × 1.6 M); alpha 3e-5 0.685, 1e-4 0.742; balanced class weights
# 0.775 against 0.797 without.
PAGE_HASH_FEATURES = 2 ** 14
PAGE_TYPE_ALPHA = 3e-5
PAGE_TYPE_CLASS_WEIGHT = "balanced"  # the kinds other than article are few, and are what the feature is for


def page_rows(rows: sparse.csr_matrix, batch: Batch) -> sparse.csr_matrix:
    """One row per page: the sum of its paragraphs' term rows folded into PAGE_HASH_FEATURES buckets, unit length.

    ``rows`` are the lexical model's rows; their columns for the neighbours' terms fold onto
    the same buckets as the paragraph's own, so the bag is the page's terms and class words.
    """
    n_pages = len(batch.offsets) - 1
    membership = sparse.csr_matrix((np.ones(len(batch), dtype=np.float32), (batch.page_index, np.arange(len(batch)))),
                                   shape=(n_pages, len(batch)))
    paged = (membership @ rows).tocsr()
    summed = sparse.csr_matrix((paged.data, paged.indices % PAGE_HASH_FEATURES, paged.indptr),
                               shape=(n_pages, PAGE_HASH_FEATURES))
    summed.sum_duplicates()
    norms = np.sqrt(np.asarray(summed.multiply(summed).sum(axis=1)).ravel())
    return sparse.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ summed


class PageTypeModel:
    """fit(page rows, type names) / predict_proba(page rows) → (pages × PAGE_TYPES) probabilities."""

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, rows: sparse.csr_matrix, types: Sequence[str]) -> "PageTypeModel":
        from sklearn.linear_model import SGDClassifier

        known = np.array([kind in PAGE_TYPES for kind in types], dtype=bool)
        labels = np.array(types, dtype=object)[known]
        self.classes_ = sorted(set(labels))
        self.model_ = None
        if len(self.classes_) >= 2:  # with one kind or none there is nothing to tell apart
            self.model_ = SGDClassifier(loss="log_loss", alpha=PAGE_TYPE_ALPHA, class_weight=PAGE_TYPE_CLASS_WEIGHT,
                                        max_iter=30, tol=None, random_state=self.random_state).fit(rows[known], labels)
        return self

    def predict_proba(self, rows: sparse.csr_matrix) -> np.ndarray:
        probabilities = np.zeros((rows.shape[0], len(PAGE_TYPES)))
        if self.model_ is not None and rows.shape[0]:
            columns = [PAGE_TYPES.index(kind) for kind in self.model_.classes_]
            probabilities[:, columns] = self.model_.predict_proba(rows)
        elif len(self.classes_) == 1:
            probabilities[:, PAGE_TYPES.index(self.classes_[0])] = 1.0
        return probabilities
