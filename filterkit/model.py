"""The paragraph classifier: P(main content) for every paragraph of a batch of pages.

A scikit-learn style estimator over analysed pages (dragnet's ``Extractor`` idea) in
four learned steps:

1. on the HTML track, a page-type model (``filterkit.page_types``), P(article, forum,
   product…) per page from all its terms and class names, which every paragraph of the
   page carries as features (on the text track it measured no better on the validation
   pages: wcxb-dev F1 0.825 against 0.824, magic-html English 0.737 against 0.756, Chinese
   0.867 against 0.842);
2. a lexical model, logistic regression on hashed uni- and bigrams (TF-IDF weighted) of
   the paragraph and of its two neighbours, whose score becomes one feature among the rest;
3. the context-free pass (jusText's first pass, learned): gradient-boosted trees over
   shape, language, position, coherence, page type and the neighbours' shapes — no scores yet;
4. the context-sensitive revision (jusText's second pass, learned): trees again, given
   the previous pass's scores of the neighbours and of the page, where the paragraph
   lies relative to the page's best run of paragraphs, and its similarity to the
   paragraphs the previous pass liked best. ``REVISIONS`` says how many such passes
   (one: a second measured no better).

Each step is trained on out-of-fold scores of the step before, so that it learns how far
those scores can be trusted on pages never seen. The page-type model (``page_types``) is
always folded by site where the trainer says which pages share one: a site's pages share
their kind and their class names, and a fold that saw the site's other pages would make
the page type look surer than it is on a new site. The passes are folded by site on the
HTML track for the same reason; on the text track folding them by page measured better
(validation wcxb-dev F1 0.824 against 0.810). Training weights are by paragraph size, as
in dragnet.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from filterkit.analysis import Batch
from filterkit.decision import ADAPTIVE_BAR, FAVOR_BETA, keep, with_title
from filterkit.features import (HASH_FEATURES, HashedTerms, first_pass_features, lexical_rows, second_pass_features,
                                tfidf)
from filterkit.page_types import PAGE_TYPES, PageTypeModel, page_rows
from filterkit.predictors import Steps

DEFAULT_THRESHOLD = 0.5
FOLD_PASSES_BY_SITE = {"text": False, "html": True}  # see above
USES_PAGE_TYPES = {"text": False, "html": True}  # see above
REVISIONS = 1  # context-sensitive passes, each over the previous pass's scores
FOLDS = 4  # pages are split in this many groups for the out-of-fold scores
LEXICAL_ALPHA = 2e-6  # L2 strength of the lexical model (SGD's alpha)
# Per track: the HTML track learns from four times as many blocks, with more features, and
# bigger trees measured better on its validation pages (wcxb-dev F1 0.840 against 0.837).
TREE_PARAMS: dict[str, dict[str, Any]] = {
    "text": {"max_iter": 100, "learning_rate": 0.12, "max_leaf_nodes": 32, "min_samples_leaf": 40,
             "l2_regularization": 1.0},
    "html": {"max_iter": 200, "learning_rate": 0.12, "max_leaf_nodes": 64, "min_samples_leaf": 20,
             "l2_regularization": 1.0},
}


def paragraph_weights(batch: Batch) -> np.ndarray:
    """Training weight per paragraph: by its size (the score counts tokens), each page summing to one unit.

    Weighing by tokens matches the word-level score (F1 0.838 against 0.833 with the square
    root of the size, in an early measurement on wcxb); normalising per page keeps a page
    of a thousand paragraphs from outweighing a hundred small ones, as the benchmark's
    macro average would not let it.
    """
    size = np.maximum(batch.token_counts, 1).astype(np.float64)
    sizes = np.diff(batch.offsets)
    page_total = np.add.reduceat(size, batch.offsets[:-1][sizes > 0])
    return size / np.repeat(page_total, sizes[sizes > 0]) * sizes.mean()


class ParagraphClassifier:
    """fit(batch, labels) / predict_proba(batch) → P(main) per paragraph.

    A model is fitted to one track, text or HTML (``track``), because the HTML track's
    blocks carry the markup features as well; it scores batches of that track only.
    """

    track = "text"  # set by fit; models of filterkit 0.1's first release were all text models
    page_type_ = None  # set by fit on a track that uses page types

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, folds: int = FOLDS, random_state: int = 0):
        self.threshold = threshold
        self.folds = folds
        self.random_state = random_state

    # -- training -------------------------------------------------------------------------
    def fit(self, batch: Batch, labels: np.ndarray, progress=None, page_sites: Sequence[str] | None = None,
            page_types: Sequence[str] | None = None,
            page_weights: Sequence[float] | None = None) -> "ParagraphClassifier":
        """Learn from paragraphs labelled True (main) or False; ``progress(str)`` hears of each step.

        ``page_sites``: per page, its site (pages of a site share a fold); default each page its own site.
        ``page_types``: per page, its kind (``filterkit.page_types.PAGE_TYPES``, anything else: unknown).
        ``page_weights``: per page, a factor on its paragraphs' training weights (default 1: generated
        pages can count for less than real ones).
        """
        say = progress or (lambda message: None)
        labels = np.asarray(labels, dtype=bool)
        self.track = batch.track
        weights = paragraph_weights(batch)
        if page_weights is not None:
            weights = weights * np.asarray(page_weights, dtype=np.float64)[batch.page_index]
        terms = HashedTerms(batch)
        self.idf_ = _idf(terms.matrix, batch)
        rows = lexical_rows(tfidf(terms.matrix, self.idf_), batch)
        site_fold = self._fold_of_page(batch, page_sites)
        fold = (site_fold if FOLD_PASSES_BY_SITE[self.track] else self._fold_of_page(batch, None))[batch.page_index]

        self.page_type_ = None
        if USES_PAGE_TYPES[self.track]:
            say("page types")
            pages = page_rows(rows, batch)
            kinds = np.array(list(page_types) if page_types is not None else [""] * pages.shape[0], dtype=object)
            every_page = np.ones(pages.shape[0])
            page_kind = self._out_of_fold(self._page_types, pages, kinds, every_page, site_fold)
            self.page_type_ = self._page_types(pages, kinds, every_page)
        else:
            page_kind = np.zeros((len(batch.offsets) - 1, 0))
        say("lexical model")
        lexical = self._out_of_fold(self._lexical, rows, labels, weights, fold)[:, 1]
        self.lexical_ = self._lexical(rows, labels, weights)
        first_features, page_terms = first_pass_features(batch, terms, self.idf_, lexical, page_kind)
        say("context-free pass")
        scores = self._out_of_fold(self._trees, first_features, labels, weights, fold)[:, 1]
        self.first_ = self._trees(first_features, labels, weights)
        self.revisions_ = []
        for number in range(1, REVISIONS + 1):
            say(f"context-sensitive revision {number} of {REVISIONS}")
            features = second_pass_features(first_features, scores, batch, page_terms)
            if number < REVISIONS:
                scores = self._out_of_fold(self._trees, features, labels, weights, fold)[:, 1]
            self.revisions_.append(self._trees(features, labels, weights))
        self.steps_ = Steps.from_classifier(self)
        return self

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], track: str, threshold: float) -> "ParagraphClassifier":
        """A model for prediction only, from a model file's arrays (``Steps``); ValueError if they are damaged."""
        model = cls(threshold)
        model.track = track
        model.steps_ = Steps(arrays)
        unknown = set(model.steps_.page_kinds_known or ()) - set(PAGE_TYPES)
        if unknown:
            raise ValueError(f"the page-type step names kinds filterkit does not know: {sorted(unknown)}")
        return model

    def _out_of_fold(self, make, features, labels, weights, fold) -> np.ndarray:
        """Probabilities from models trained without each fold, for that fold: what the model does on unseen pages.

        ``make(features, labels, weights)`` returns a fitted model; ``fold`` gives each row's fold.
        """
        scores: np.ndarray | None = None
        for k in range(self.folds):
            held = fold == k
            part = make(features[~held], labels[~held], weights[~held]).predict_proba(features[held])
            scores = np.zeros((len(labels), part.shape[1])) if scores is None else scores
            scores[held] = part
        if scores is None:
            raise ValueError("out-of-fold scores need at least one fold")
        return scores

    def _page_types(self, rows, kinds, weights):
        return PageTypeModel(self.random_state).fit(rows, kinds)  # every page weighs the same: weights are ones

    def _fold_of_page(self, batch: Batch, page_sites: Sequence[str] | None) -> np.ndarray:
        n_pages = len(batch.offsets) - 1
        groups = np.unique(np.asarray(page_sites), return_inverse=True)[1].ravel() if page_sites is not None \
            else np.arange(n_pages)
        rng = np.random.default_rng(self.random_state)
        group_fold = rng.permutation(int(groups.max()) + 1 if n_pages else 0) % self.folds
        return group_fold[groups]

    def _lexical(self, rows, labels, weights):
        from sklearn.linear_model import SGDClassifier

        model = SGDClassifier(loss="log_loss", alpha=LEXICAL_ALPHA, max_iter=15, tol=None,
                              random_state=self.random_state)
        return model.fit(rows, labels, sample_weight=weights)

    def _trees(self, features, labels, weights):
        from sklearn.ensemble import HistGradientBoostingClassifier

        model = HistGradientBoostingClassifier(random_state=self.random_state, early_stopping=False,
                                               **TREE_PARAMS[self.track])
        return model.fit(features, labels, sample_weight=weights)

    # -- prediction -----------------------------------------------------------------------
    def predict_proba(self, batch: Batch) -> np.ndarray:
        """P(main) for every paragraph of the batch, in order."""
        if not len(batch):
            return np.zeros(0)
        if batch.track != self.track:
            from filterkit.model_io import ModelError

            raise ModelError(f"this is a model of the {self.track} track; it cannot score {batch.track} pages")
        steps = self.steps_
        terms = HashedTerms(batch)
        rows = lexical_rows(tfidf(terms.matrix, steps.idf), batch)
        lexical = steps.lexical.predict_proba_positive(rows)
        page_kind = steps.page_kind_probabilities(page_rows(rows, batch), PAGE_TYPES) \
            if steps.page_kinds_known is not None else np.zeros((len(batch.offsets) - 1, 0))
        batch.page_kinds = page_kind  # kept for the results' metadata: the page-type model's answer
        first_features, page_terms = first_pass_features(batch, terms, steps.idf, lexical, page_kind)
        if first_features.shape[1] != steps.first.n_features:
            from filterkit.model_io import ModelError, retrain_command

            raise ModelError(f"this model expects {steps.first.n_features} features per paragraph, filterkit "
                             f"computes {first_features.shape[1]}: retrain it: "
                             f"{retrain_command(self.track)}")
        scores = steps.first.predict_proba_positive(first_features)
        for revision in steps.revisions:
            scores = revision.predict_proba_positive(second_pass_features(first_features, scores, batch, page_terms))
        return scores

    def predict(self, batch: Batch, threshold: float | None = None) -> np.ndarray:
        """Kept or not per paragraph: ``filterkit.decision``'s rule for this track, or a fixed ``threshold``."""
        return self.decide(batch, self.predict_proba(batch), threshold)

    def decide(self, batch: Batch, scores: np.ndarray, threshold: float | None = None,
               favor: str = "balanced") -> np.ndarray:
        """Labels for scores already computed: the model's rule (moved towards precision or recall by
        ``favor``, ``filterkit.decision.FAVOR_BETA``), or a fixed bar at ``threshold``."""
        if threshold is not None:
            return keep(scores, batch.token_counts, batch.offsets, threshold, False)
        kept = keep(scores, batch.token_counts, batch.offsets, self.threshold, ADAPTIVE_BAR[self.track],
                    FAVOR_BETA[favor])
        if self.track == "html":
            dom = batch.dom
            kept = with_title(kept, batch.offsets, dom.heading, dom.in_title, dom.holds_title)
        return kept


def _idf(terms, batch: Batch) -> np.ndarray:
    """Smoothed inverse document frequency of each hash bucket, a paragraph being a document."""
    document_frequency = np.bincount(terms.indices, minlength=HASH_FEATURES)
    return (np.log((1 + len(batch)) / (1 + document_frequency)) + 1).astype(np.float32)
