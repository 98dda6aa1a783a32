"""scikit-learn's fitted models as plain arrays, and their probabilities computed from them with numpy.

scikit-learn stays the trainer and the reference; serving needs only what prediction reads
(tree nodes, thresholds, leaf values, linear weights), so a model can be stored as arrays
that cannot run code when loaded, and scored without importing scikit-learn (half a second
to a second of every cold start). The ``from_sklearn`` constructors read fitted estimators
without importing scikit-learn themselves; nothing in this module does.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

# Rows × trees walked together, and levels walked between droppings of finished walks: measured
# fastest on the shipped HTML model (16,000 rows, 200 trees of average depth 6 and up to 23).
CHUNK_ELEMENTS = 1 << 15
COMPACT_EVERY = 2


def _expit(raw: np.ndarray) -> np.ndarray:
    if raw.dtype == np.float32:
        # scikit-learn's expit for float32 is scipy's 1 / (1 + expf(-x)) in float32, with the C
        # library's expf; numpy's own float32 exp differs from it by an ulp on about one value in
        # six (through float64: one in 4,000). So: the C library's expf itself, on the few values
        # that come here (page-type scores: pages × kinds), and numpy's float32 add and divide,
        # which round as C's do. Importing scipy.special instead costs 70 ms of every cold start.
        expf = _c_expf()
        if expf is None:
            from scipy.special import expit

            return expit(raw)
        exps = np.fromiter(map(expf, (-raw).ravel().tolist()), dtype=np.float32, count=raw.size)
        return (np.float32(1) / (np.float32(1) + exps)).reshape(raw.shape)
    return 1.0 / (1.0 + np.exp(-raw))


@functools.cache
def _c_expf() -> Callable[[float], float] | None:
    """The C library's expf (the one scipy calls), or None where there is no glibc."""
    try:
        import ctypes

        function = ctypes.CDLL("libm.so.6").expf
    except (OSError, AttributeError):
        return None
    function.argtypes, function.restype = [ctypes.c_float], ctypes.c_float
    return function


class TreeEnsemble:
    """A binary HistGradientBoostingClassifier's trees: P(class 1) = expit(baseline + the sum of one leaf per tree).

    Every internal node of every tree is a slot in flat tables (its feature, its threshold,
    whether a missing value goes left) and a pair of child codes: an internal child's slot,
    or ``~leaf`` for a leaf. All trees walk a chunk of rows together, level by level, as
    one array of (tree, row) states, so that numpy's per-call cost is paid per level and
    not per tree. (Binning the inputs to bytes by the model's thresholds measured slower:
    the binning cost more than the smaller gathers saved.)
    """

    def __init__(self, baseline: float, feature: np.ndarray, threshold: np.ndarray, missing_left: np.ndarray,
                 children: np.ndarray, leaf_value: np.ndarray, roots: np.ndarray, n_features: int):
        self.baseline = float(baseline)
        self.feature = np.asarray(feature, dtype=np.int32)
        self.threshold = np.asarray(threshold, dtype=np.float64)
        self.missing_left = np.asarray(missing_left, dtype=bool)
        self.children = np.asarray(children, dtype=np.int32)
        self.leaf_value = np.asarray(leaf_value, dtype=np.float64)
        self.roots = np.asarray(roots, dtype=np.int32)
        self.n_features = int(n_features)
        self._prepare()

    # -- conversion -----------------------------------------------------------------------
    @classmethod
    def from_sklearn(cls, estimator: Any) -> "TreeEnsemble":
        """From a fitted binary ``HistGradientBoostingClassifier`` (numerical splits only)."""
        if getattr(estimator, "n_trees_per_iteration_", None) != 1:
            raise ValueError("TreeEnsemble converts a fitted binary HistGradientBoostingClassifier only")
        feature, threshold, missing_left, children, leaf_value, roots = [], [], [], [], [], []  # type: list[int], list[float], list[bool], list[int], list[float], list[int]
        for (predictor,) in estimator._predictors:
            nodes = predictor.nodes
            if nodes["is_categorical"][~nodes["is_leaf"].astype(bool)].any():
                raise ValueError("TreeEnsemble cannot convert a model with categorical splits")
            internal = np.flatnonzero(~nodes["is_leaf"].astype(bool))
            leaves = np.flatnonzero(nodes["is_leaf"].astype(bool))
            slot = np.full(len(nodes), -1, dtype=np.int64)
            slot[internal] = len(feature) + np.arange(len(internal))
            slot[leaves] = ~(len(leaf_value) + np.arange(len(leaves)))
            feature.extend(nodes["feature_idx"][internal])
            threshold.extend(nodes["num_threshold"][internal])
            missing_left.extend(nodes["missing_go_to_left"][internal].astype(bool))
            children.extend(np.stack([slot[nodes["left"][internal]], slot[nodes["right"][internal]]], axis=1).ravel())
            leaf_value.extend(nodes["value"][leaves])
            roots.append(slot[0])
        return cls(np.asarray(estimator._baseline_prediction).ravel()[0], np.array(feature, dtype=np.int32),
                   np.array(threshold, dtype=np.float64), np.array(missing_left, dtype=bool),
                   np.array(children, dtype=np.int32), np.array(leaf_value, dtype=np.float64),
                   np.array(roots, dtype=np.int32), estimator.n_features_in_)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"baseline": np.array(self.baseline), "feature": self.feature, "threshold": self.threshold,
                "missing_left": self.missing_left, "children": self.children, "leaf_value": self.leaf_value,
                "roots": self.roots, "n_features": np.array(self.n_features)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "TreeEnsemble":
        # The scalars come as 0-d arrays; __init__ converts every argument.
        named: dict[str, Any] = {name: arrays[name] for name in ("baseline", "feature", "threshold", "missing_left",
                                                                 "children", "leaf_value", "roots", "n_features")}
        return cls(**named)

    def _prepare(self) -> None:
        """Walk tables indexed by state = 2 × slot, leaves included as slots that lead to themselves.

        State + go-right picks the child in ``_next``; a leaf's threshold is +inf and its
        missing values go left, so a walk that reached it stays there until the chunk is
        compacted, and the walk need not test for leaves at every level.
        """
        n_internal, n_leaves = len(self.feature), len(self.leaf_value)
        if (len(self.threshold) != n_internal or len(self.missing_left) != n_internal
                or len(self.children) != 2 * n_internal):
            raise ValueError("tree tables of different lengths")
        codes = np.concatenate([self.children, self.roots])
        if codes.size and (codes.max() >= n_internal or (~codes[codes < 0]).max(initial=-1) >= n_leaves):
            raise ValueError("tree nodes point outside the tables")
        if self.feature.size and not (0 <= self.feature.min() and self.feature.max() < self.n_features):
            raise ValueError("tree nodes name features the model does not have")
        if (self.children.reshape(-1, 2) <= np.arange(n_internal)[:, None])[self.children.reshape(-1, 2) >= 0].any():
            raise ValueError("a tree node points back to itself or above it")  # a walk could loop for ever

        def state(code: np.ndarray) -> np.ndarray:
            return np.where(code >= 0, 2 * code, 2 * (n_internal + ~code)).astype(np.int32)

        self._feature2 = np.concatenate([np.repeat(self.feature, 2), np.zeros(2 * n_leaves, np.int32)])
        self._threshold2 = np.concatenate([np.repeat(self.threshold, 2), np.full(2 * n_leaves, np.inf)])
        self._missing_right2 = np.concatenate([np.repeat(~self.missing_left, 2), np.zeros(2 * n_leaves, bool)])
        self._next = np.concatenate([state(self.children), np.repeat(state(~np.arange(n_leaves)), 2)])
        self._root_state = state(self.roots)
        self._first_leaf_state = 2 * n_internal
        self._state_value = np.concatenate([np.zeros(n_internal), self.leaf_value])  # by state // 2

    # -- prediction -----------------------------------------------------------------------
    def raw_predict(self, X: np.ndarray) -> np.ndarray:
        """baseline + the sum of the trees' leaf values, per row of X (rows × n_features)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"X has shape {X.shape}; this model expects {self.n_features} features per row")
        n_rows, n_trees = X.shape[0], len(self._root_state)
        raw = np.empty(n_rows)
        missing = bool(np.isnan(X).any())
        chunk = max(1, CHUNK_ELEMENTS // max(n_trees, 1))
        for start in range(0, n_rows, chunk):
            stop = min(start + chunk, n_rows)
            raw[start:stop] = self._walk(np.ascontiguousarray(X[start:stop].T), missing)
        return raw

    def _walk(self, columns: np.ndarray, missing: bool) -> np.ndarray:
        """Leaf sums of a chunk of rows (given feature-major); all trees walk together, tree-major.

        Intermediate arrays are preallocated (``out=``): fresh ones of this size cost page
        faults on every level. Finished walks are dropped every COMPACT_EVERY levels.
        """
        n_rows, n_trees = columns.shape[1], len(self._root_state)
        size = n_rows * n_trees
        flat = columns.ravel()
        index_type = np.int32 if columns.size < 2 ** 31 else np.int64
        offset = self._feature2.astype(index_type) * n_rows
        state = np.repeat(self._root_state, n_rows)
        row = np.tile(np.arange(n_rows, dtype=np.int32), n_trees)
        element = np.arange(size, dtype=np.int32)
        final = np.empty(size, np.int32)
        index, value, threshold, go_right = (np.empty(size, index_type), np.empty(size), np.empty(size),
                                             np.empty(size, bool))
        while len(state):
            alive = len(state)
            at, x, bar, right = index[:alive], value[:alive], threshold[:alive], go_right[:alive]
            for _ in range(COMPACT_EVERY):
                np.take(offset, state, out=at, mode="clip")  # indices are valid by construction
                np.add(at, row, out=at)
                np.take(flat, at, out=x, mode="clip")
                np.take(self._threshold2, state, out=bar, mode="clip")
                np.greater(x, bar, out=right)
                if missing:  # x > threshold is False for NaN: send it where the node says
                    nan = np.isnan(x)
                    right[nan] = self._missing_right2[state[nan]]
                np.add(state, right, out=at)
                np.take(self._next, at, out=state, mode="clip")
            done = state >= self._first_leaf_state
            final[element[done]] = state[done]
            kept = np.flatnonzero(~done)
            state, row, element = state[kept], row[kept], element[kept]
        # Summed tree by tree after the baseline, in scikit-learn's order.
        values = np.empty((n_trees + 1, n_rows))
        values[0] = self.baseline
        values[1:] = self._state_value[final >> 1].reshape(n_trees, n_rows)
        return np.add.reduce(values, axis=0)

    def predict_proba_positive(self, X: np.ndarray) -> np.ndarray:
        """P(class 1) per row of X."""
        return _expit(self.raw_predict(X))


class LinearModel:
    """A fitted ``SGDClassifier(loss="log_loss")``: expit(X @ coef + intercept), one-vs-rest normalised beyond two classes."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray):
        # The weights keep their dtype: scikit-learn fits float32 weights to float32 rows and
        # scores in float32 before adding its float64 intercepts, and so must this.
        self.coef = np.asarray(coef)
        self.intercept = np.asarray(intercept)
        self.classes = np.asarray(classes)
        if self.coef.dtype.kind != "f" or self.intercept.dtype.kind != "f":
            raise ValueError("coef and intercept must be floating-point arrays")
        if self.coef.ndim != 2 or self.intercept.shape != (self.coef.shape[0],):
            raise ValueError("coef must be (classes or 1) × features, with one intercept per row")

    @classmethod
    def from_sklearn(cls, estimator: Any) -> "LinearModel":
        if getattr(estimator, "loss", None) != "log_loss":
            raise ValueError("LinearModel converts a fitted SGDClassifier(loss='log_loss') only")
        return cls(estimator.coef_, estimator.intercept_, np.asarray(estimator.classes_))

    def to_arrays(self) -> dict[str, np.ndarray]:
        classes = self.classes.astype(str) if self.classes.dtype == object else self.classes
        return {"coef": self.coef, "intercept": self.intercept, "classes": classes}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "LinearModel":
        return cls(arrays["coef"], arrays["intercept"], arrays["classes"])

    def predict_proba(self, X) -> np.ndarray:
        """(rows × classes) probabilities, as scikit-learn's ``_predict_proba_lr`` computes them; X: CSR or dense."""
        scores = np.asarray(X @ self.coef.T) + self.intercept
        if scores.shape[1] == 1:
            positive = _expit(scores[:, 0])
            return np.stack([1 - positive, positive], axis=1)
        probabilities = _expit(scores)
        total = probabilities.sum(axis=1)
        all_zero = total == 0
        if all_zero.any():  # every class at zero: uniform, as scikit-learn makes it
            probabilities[all_zero, :] = 1
            total[all_zero] = probabilities.shape[1]
        probabilities /= total[:, None]
        return probabilities

    def predict_proba_positive(self, X) -> np.ndarray:
        """P(classes[1]) of a binary model."""
        return self.predict_proba(X)[:, 1]


class Steps:
    """What a fitted ``filterkit.model.ParagraphClassifier`` reads to predict, as plain arrays.

    A model file holds these arrays under ``step/array`` names: ``idf``, ``lexical/…``,
    ``first/…``, ``revision0/…`` onwards (``revisions`` counts them) and, on a track with
    page types, ``page_type/known`` (the kinds it learnt) with, for two kinds or more, that
    step's linear model. A damaged or incomplete set of arrays is a ValueError.
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        try:
            self.idf = np.asarray(arrays["idf"], dtype=np.float32)
            self.lexical = LinearModel.from_arrays(step_arrays(arrays, "lexical"))
            self.first = TreeEnsemble.from_arrays(step_arrays(arrays, "first"))
            self.revisions = [TreeEnsemble.from_arrays(step_arrays(arrays, f"revision{number}"))
                              for number in range(int(arrays["revisions"]))]
            page_type = step_arrays(arrays, "page_type")
            self.page_kinds_known = [str(kind) for kind in page_type["known"]] if page_type else None
            self.page_type = LinearModel.from_arrays(page_type) if "coef" in page_type else None
        except KeyError as missing:
            raise ValueError(f"the model has no {missing} array") from None
        except TypeError as error:  # an array of the wrong shape for its role (a scalar where a table belongs)
            raise ValueError(f"an array has the wrong shape: {error}") from None
        self.arrays = dict(arrays)

    @classmethod
    def from_classifier(cls, classifier: Any) -> "Steps":
        """From a ``ParagraphClassifier`` fitted by scikit-learn (its estimators are read, not imported)."""
        arrays: dict[str, np.ndarray] = {"idf": np.asarray(classifier.idf_)}
        steps = {"lexical": LinearModel.from_sklearn(classifier.lexical_).to_arrays(),
                 "first": TreeEnsemble.from_sklearn(classifier.first_).to_arrays()}
        for number, revision in enumerate(classifier.revisions_):
            steps[f"revision{number}"] = TreeEnsemble.from_sklearn(revision).to_arrays()
        arrays["revisions"] = np.array(len(classifier.revisions_))
        page_type = classifier.page_type_
        if page_type is not None:
            steps["page_type"] = {"known": np.array(page_type.classes_, dtype=str)}
            if page_type.model_ is not None:
                steps["page_type"].update(LinearModel.from_sklearn(page_type.model_).to_arrays())
        for step, named in steps.items():
            arrays.update({f"{step}/{name}": value for name, value in named.items()})
        return cls(arrays)

    def page_kind_probabilities(self, rows: Any, kinds: Sequence[str]) -> np.ndarray:
        """P(kind) per page row, one column per name of ``kinds``, on a track with page types."""
        probabilities = np.zeros((rows.shape[0], len(kinds)))
        if self.page_type is not None and rows.shape[0]:
            columns = [kinds.index(str(kind)) for kind in self.page_type.classes]
            probabilities[:, columns] = self.page_type.predict_proba(rows)
        elif self.page_kinds_known is not None and len(self.page_kinds_known) == 1:  # one kind learnt: every page is of that kind
            probabilities[:, kinds.index(self.page_kinds_known[0])] = 1.0
        return probabilities


def step_arrays(arrays: dict[str, np.ndarray], step: str) -> dict[str, np.ndarray]:
    """The arrays of one step (``Steps``' ``step/array`` names), without the step's prefix."""
    prefix = f"{step}/"
    return {name[len(prefix):]: value for name, value in arrays.items() if name.startswith(prefix)}
