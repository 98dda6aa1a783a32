"""Plain-array predictors against scikit-learn, the reference: every step of small trained models, to 1e-9."""
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from filterkit import model as model_module
from filterkit.features import HashedTerms, first_pass_features, lexical_rows, second_pass_features, tfidf
from filterkit.model import ParagraphClassifier
from filterkit.page_types import PAGE_TYPES, page_rows
from filterkit.predictors import LinearModel, TreeEnsemble, step_arrays
from training.corpus import read_corpus
from training.examples import as_html, from_corpus
from training.train import analyse_examples

# Small trees and two folds: every step is fitted as in training, in seconds, not minutes.
SMALL_TREES = {"max_iter": 12, "learning_rate": 0.3, "max_leaf_nodes": 8, "min_samples_leaf": 5,
               "l2_regularization": 1.0}
KINDS = ("article", "forum", "product", "")  # three known kinds: the page-type model is one-vs-rest


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """scikit-learn's fits on one OpenMP thread: on a busy machine more threads made them several times slower."""
    with threadpool_limits(1):
        yield


def _trained(track: str):
    pages = read_corpus()
    examples = [from_corpus(page) for page in pages[::10]]
    if track == "html":
        examples = [replace(as_html(example), page_type=KINDS[i % len(KINDS)]) for i, example in enumerate(examples)]
    batch = analyse_examples(examples)
    labels = np.concatenate([np.asarray(example.labels, dtype=bool) for example in examples])
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(model_module.TREE_PARAMS, track, SMALL_TREES)
        classifier = ParagraphClassifier(folds=2).fit(batch, labels, page_sites=[e.domain for e in examples],
                                                      page_types=[e.page_type for e in examples])
    unseen = [from_corpus(page) for page in pages[5::10]]
    if track == "html":
        unseen = [as_html(example) for example in unseen]
    return classifier, analyse_examples(unseen)


@pytest.fixture(scope="module", params=["text", "html"])
def trained(request):
    return _trained(request.param)


def _restored(arrays: dict[str, np.ndarray], tmp_path) -> dict[str, np.ndarray]:
    """The arrays as a model file would give them back: no pickles allowed."""
    np.savez(tmp_path / "arrays.npz", **arrays)
    with np.load(tmp_path / "arrays.npz", allow_pickle=False) as stored:
        return dict(stored)


def _close(mine: np.ndarray, reference: np.ndarray) -> None:
    assert mine.shape == reference.shape
    assert np.abs(mine - reference).max(initial=0) <= 1e-9
    assert ((mine >= 0.5) == (reference >= 0.5)).all()


def test_every_step_scores_as_scikit_learn_does(trained, tmp_path):
    classifier, batch = trained
    arrays = _restored(classifier.steps_.arrays, tmp_path)
    assert np.array_equal(arrays["idf"], classifier.idf_)
    lexical_model = LinearModel.from_arrays(step_arrays(arrays, "lexical"))
    first = TreeEnsemble.from_arrays(step_arrays(arrays, "first"))
    revisions = [TreeEnsemble.from_arrays(step_arrays(arrays, f"revision{n}")) for n in range(int(arrays["revisions"]))]
    assert len(revisions) == len(classifier.revisions_) >= 1

    terms = HashedTerms(batch)
    rows = lexical_rows(tfidf(terms.matrix, arrays["idf"]), batch)
    lexical = lexical_model.predict_proba_positive(rows)
    _close(lexical, classifier.lexical_.predict_proba(rows)[:, 1])

    if classifier.track == "html":
        page_kind = classifier.page_type_.predict_proba(page_rows(rows, batch))
        known = list(arrays["page_type/known"])
        assert known == classifier.page_type_.classes_ == ["article", "forum", "product"]
        pages = page_rows(rows, batch)
        page_types = LinearModel.from_arrays(step_arrays(arrays, "page_type"))
        mine = np.zeros((pages.shape[0], len(PAGE_TYPES)))
        mine[:, [PAGE_TYPES.index(kind) for kind in page_types.classes]] = page_types.predict_proba(pages)
        _close(mine, page_kind)
    else:
        page_kind = np.zeros((len(batch.offsets) - 1, 0))
        assert "page_type/known" not in arrays

    features, page_terms = first_pass_features(batch, terms, arrays["idf"], lexical, page_kind)
    scores = first.predict_proba_positive(features)
    _close(scores, classifier.first_.predict_proba(features)[:, 1])
    for revision, reference in zip(revisions, classifier.revisions_):
        features_2 = second_pass_features(features, scores, batch, page_terms)
        expected = reference.predict_proba(features_2)[:, 1]
        scores = revision.predict_proba_positive(features_2)
        _close(scores, expected)
    _close(scores, classifier.predict_proba(batch))
    restored = ParagraphClassifier.from_arrays(arrays, classifier.track, classifier.threshold)
    assert np.array_equal(restored.predict_proba(batch), classifier.predict_proba(batch))


def test_missing_values_follow_each_node():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    y = (X[:, 0] + np.where(np.isnan(X[:, 1]), 2, X[:, 1]) > 0.5)
    X[rng.random(X.shape) < 0.2] = np.nan
    y ^= np.isnan(X[:, 2])  # missing values that decide, so some go left and some right
    reference = HistGradientBoostingClassifier(max_iter=15, random_state=0).fit(X, y)
    trees = TreeEnsemble.from_sklearn(reference)
    assert trees.missing_left.any() and not trees.missing_left.all()
    test = rng.normal(size=(400, 5))
    test[rng.random(test.shape) < 0.3] = np.nan
    test[:3] = [np.inf, -np.inf, np.nan, 0, 1e300]
    _close(trees.predict_proba_positive(test), reference.predict_proba(test)[:, 1])
    assert trees.predict_proba_positive(test[:0]).shape == (0,)


def test_refusals_are_one_clear_sentence():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import SGDClassifier

    rng = np.random.default_rng(1)
    X = np.column_stack([rng.integers(0, 4, 300), rng.normal(size=300)])
    y = X[:, 0] % 2 == 1
    categorical = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)
    with pytest.raises(ValueError, match="categorical"):
        TreeEnsemble.from_sklearn(categorical)
    with pytest.raises(ValueError, match="binary"):
        TreeEnsemble.from_sklearn(HistGradientBoostingClassifier(max_iter=5).fit(X, X[:, 0]))
    with pytest.raises(ValueError, match="log_loss"):
        LinearModel.from_sklearn(SGDClassifier(loss="hinge").fit(X, y))
    trees = TreeEnsemble.from_sklearn(HistGradientBoostingClassifier(max_iter=5).fit(X, y))
    with pytest.raises(ValueError, match="expects 2 features"):
        trees.predict_proba_positive(np.zeros((1, 3)))
    damaged = trees.to_arrays()
    damaged["children"] = damaged["children"] + 10_000
    with pytest.raises(ValueError, match="outside"):
        TreeEnsemble.from_arrays(damaged)
    looping = trees.to_arrays()
    looping["children"] = looping["children"].copy()
    looping["children"][1] = 0  # the first root's right child: the root itself
    with pytest.raises(ValueError, match="points back"):
        TreeEnsemble.from_arrays(looping)
