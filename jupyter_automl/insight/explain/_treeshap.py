"""Path-dependent TreeSHAP over grouped features, for trees SHAP cannot read correctly.

``shap.TreeExplainer`` reads the categorical splits of scikit-learn's
HistGradientBoosting (``categorical_features=...``) as numeric thresholds, so its values are
wrong, by several log-odds on adult (shap/shap#3436). This module runs the same algorithm as SHAP's
C++ ``tree_shap_recursive`` (Lundberg et al. 2020, Algorithm 2, ``feature_perturbation=
"tree_path_dependent"``), but the way a row goes at each split is decided outside the algorithm
(``hot_left``), so categorical bitsets and missing values follow exactly what the model does.

Players are *groups* of model columns (one group per original column): a split on any column of
a group is a split on that player, and the algorithm's unwinding of repeated features makes the
result the exact Shapley values of the grouped game, not a sum of per-column values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

MAX_HOT_CELLS = 20_000_000  # rows x nodes decided at once (bounds the memory of hot_left)


@dataclass(frozen=True)
class FlatTrees:
    """Trees of one model output, flattened into arrays (node ids are global, leaves have left=-1)."""

    left: np.ndarray  # int64 (n_nodes,)
    right: np.ndarray  # int64
    group: np.ndarray  # int64 player of the split, -1 at leaves
    cover: np.ndarray  # float64 training rows through the node
    value: np.ndarray  # float64 leaf values (0 at internal nodes)
    roots: np.ndarray  # int64 (n_trees,)
    max_depth: int
    work: float  # sum over leaves of (depth + 1) squared: TreeSHAP's cost per row, up to a constant

    def expected_value(self) -> float:
        """Sum over trees of the cover-weighted mean leaf value (the TreeSHAP base value)."""
        total = 0.0
        for root in self.roots:
            stop = _tree_end(self.roots, root, len(self.left))
            leaves = np.arange(root, stop)[self.left[root:stop] < 0]
            total += float(np.sum(self.value[leaves] * self.cover[leaves]) / self.cover[root])
        return total


def _tree_end(roots: np.ndarray, root: int, n: int) -> int:
    later = roots[roots > root]
    return int(later.min()) if len(later) else n


def tree_shap(trees: FlatTrees, hot_left: np.ndarray, n_groups: int) -> np.ndarray:
    """SHAP values, shape (n_rows, n_groups); ``hot_left[i, node]`` says row i goes left at node."""
    hot = np.ascontiguousarray(np.asarray(hot_left).T, dtype=np.bool_)
    phi = _shap_block(trees.left, trees.right, trees.group, trees.cover, trees.value, trees.roots,
                      hot, n_groups, trees.max_depth + 2)
    return phi.T


@njit(cache=True, error_model="numpy")
def _shap_block(left, right, group, cover, value, roots, hot, n_groups, depth):
    # SHAP's C++ tree_shap_recursive, turned inside out: every row visits every node (TreeSHAP
    # always follows both children), so the traversal is the same for all rows and only the
    # "one fractions" and path weights differ. Rows are the inner, contiguous loop.
    # An explicit stack replaces the recursion: numba cannot cache recursive functions
    # (numba/numba#6061, a segfault on the second run). Depth-first order keeps each parent's
    # path slice intact until both of its children are done.
    n_rows = hot.shape[1]
    phi = np.zeros((n_groups, n_rows))
    size = (depth + 2) * (depth + 3)
    feat = np.empty(size, dtype=np.int64)
    zero = np.empty(size)
    one = np.empty((size, n_rows))
    pw = np.empty((size, n_rows))
    n_stack = 2 * depth + 4
    s_node = np.empty(n_stack, dtype=np.int64)
    s_off = np.empty(n_stack, dtype=np.int64)
    s_depth = np.empty(n_stack, dtype=np.int64)
    s_feature = np.empty(n_stack, dtype=np.int64)
    s_zero = np.empty(n_stack)
    s_one = np.empty((n_stack, n_rows))
    w = np.empty(n_rows)
    scratch = np.empty(n_rows)
    for t in range(roots.shape[0]):
        top = 0
        s_node[0], s_off[0], s_depth[0], s_feature[0], s_zero[0] = roots[t], 0, 0, -1, 1.0
        s_one[0, :] = 1.0
        while top >= 0:
            node, parent_off, d = s_node[top], s_off[top], s_depth[top]
            off = parent_off + d + 1
            # each level works on its own copy of the path, right after its parent's
            for k in range(d + 1):
                feat[off + k] = feat[parent_off + k]
                zero[off + k] = zero[parent_off + k]
                one[off + k] = one[parent_off + k]
                pw[off + k] = pw[parent_off + k]
            _extend(feat, zero, one, pw, off, d, s_zero[top], s_one[top], s_feature[top])
            top -= 1
            if left[node] < 0:
                for k in range(1, d + 1):
                    _unwound_sum(zero, one, pw, off, d, k, w, scratch)
                    row_phi = phi[feat[off + k]]
                    for r in range(n_rows):
                        row_phi[r] += w[r] * (one[off + k, r] - zero[off + k]) * value[node]
                continue
            split = group[node]
            incoming_zero = 1.0
            # a player already on the path: undo its earlier split and redo it here
            path_index = d + 1
            for k in range(d + 1):
                if feat[off + k] == split:
                    path_index = k
                    break
            l_child, r_child = left[node], right[node]
            go_left = hot[node]
            if path_index != d + 1:
                incoming_zero = zero[off + path_index]
                incoming = one[off + path_index].copy()
                _unwind(feat, zero, one, pw, off, d, path_index)
                d -= 1
            else:
                incoming = np.ones(n_rows)
            for child, is_left in ((r_child, False), (l_child, True)):
                top += 1
                s_node[top], s_off[top], s_depth[top], s_feature[top] = child, off, d + 1, split
                s_zero[top] = cover[child] / cover[node] * incoming_zero
                for r in range(n_rows):
                    s_one[top, r] = incoming[r] if go_left[r] == is_left else 0.0
    return phi


@njit(cache=True, error_model="numpy")
def _extend(feat, zero, one, pw, off, depth, zero_fraction, one_fraction, feature):
    feat[off + depth] = feature
    zero[off + depth] = zero_fraction
    one[off + depth] = one_fraction
    pw[off + depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        a = (i + 1) / (depth + 1)
        b = zero_fraction * (depth - i) / (depth + 1)
        up = pw[off + i + 1]
        cur = pw[off + i]
        for r in range(up.shape[0]):
            up[r] += one_fraction[r] * cur[r] * a
            cur[r] *= b


@njit(cache=True, error_model="numpy")
def _unwind(feat, zero, one, pw, off, depth, path_index):
    # one fractions are 0 or 1 here (products of "the row follows this split" indicators),
    # which spares the divisions of SHAP's general version
    one_fraction = one[off + path_index].copy()
    zero_fraction = zero[off + path_index]
    next_one = pw[off + depth].copy()
    for i in range(depth - 1, -1, -1):
        cur = pw[off + i]
        a = (depth + 1) / (i + 1)
        b = zero_fraction * (depth - i) / (depth + 1)
        c = (depth + 1) / (zero_fraction * (depth - i))
        for r in range(cur.shape[0]):
            if one_fraction[r] != 0:
                tmp = cur[r]
                cur[r] = next_one[r] * a
                next_one[r] = tmp - cur[r] * b
            else:
                cur[r] = cur[r] * c
    for i in range(path_index, depth):
        feat[off + i] = feat[off + i + 1]
        zero[off + i] = zero[off + i + 1]
        one[off + i] = one[off + i + 1]


@njit(cache=True, error_model="numpy")
def _unwound_sum(zero, one, pw, off, depth, path_index, out, next_one):
    one_fraction = one[off + path_index]
    zero_fraction = zero[off + path_index]
    n = out.shape[0]
    for r in range(n):
        out[r] = 0.0
        next_one[r] = pw[off + depth, r]
    for i in range(depth - 1, -1, -1):
        a = 1.0 / (i + 1)
        b = zero_fraction * (depth - i)
        c = 1.0 / (zero_fraction * (depth - i))
        cur = pw[off + i]
        for r in range(n):
            if one_fraction[r] != 0:
                tmp = next_one[r] * a
                out[r] += tmp
                next_one[r] = cur[r] - tmp * b
            else:
                out[r] += cur[r] * c
    for r in range(n):
        out[r] *= depth + 1


# -- scikit-learn HistGradientBoosting -------------------------------------------------------



def hgb_trees(model, output: int, groups: np.ndarray) -> FlatTrees:
    """Flatten the trees of one output of a fitted HistGradientBoosting model.

    Reads ``model._predictors`` (private, as ``shap`` itself does): scikit-learn has no public
    view of the fitted trees. The additivity test in ``tests/unit/insight`` guards against changes.
    """
    lefts, rights, grps, covers, values, roots = [], [], [], [], [], []
    offset, max_depth, work = 0, 0, 0.0
    for per_output in model._predictors:
        nodes = per_output[output].nodes
        leaf = nodes["is_leaf"].astype(bool)
        work += float(np.sum((nodes["depth"][leaf].astype(float) + 1) ** 2))
        lefts.append(np.where(leaf, -1, nodes["left"].astype(np.int64) + offset))
        rights.append(np.where(leaf, -1, nodes["right"].astype(np.int64) + offset))
        grps.append(np.where(leaf, -1, groups[nodes["feature_idx"]]))
        covers.append(nodes["count"].astype(float))
        values.append(np.where(leaf, nodes["value"], 0.0))
        roots.append(offset)
        max_depth = max(max_depth, int(nodes["depth"].max()))
        offset += len(nodes)
    return FlatTrees(np.concatenate(lefts), np.concatenate(rights), np.concatenate(grps).astype(np.int64),
                     np.concatenate(covers), np.concatenate(values).astype(float),
                     np.asarray(roots, dtype=np.int64), max_depth, work)


def _in_bitsets(bitsets: np.ndarray, rows: np.ndarray, codes: np.ndarray) -> np.ndarray:
    words = bitsets[rows, codes // 32]
    return ((words >> (codes % 32).astype(np.uint32)) & 1).astype(bool)


def hgb_hot_left(model, output: int, Z: np.ndarray) -> np.ndarray:
    """``hot_left[i, node]``: row i of ``Z`` goes left at node (same node order as ``hgb_trees``).

    Follows ``sklearn/ensemble/_hist_gradient_boosting/_predictor.pyx``: NaN and negative
    categories go the missing way; known categories outside the left bitset go right; unknown
    categories go the missing way.
    """
    known, f_idx_map = model._bin_mapper.make_known_categories_bitsets()
    parts = []
    for per_output in model._predictors:
        predictor = per_output[output]
        nodes = predictor.nodes
        feats = nodes["feature_idx"].astype(np.intp)
        x = Z[:, feats]
        missing = np.isnan(x)
        go = x <= nodes["num_threshold"]
        cat = nodes["is_categorical"].astype(bool) & ~nodes["is_leaf"].astype(bool)
        if cat.any():
            xc = x[:, cat]
            bad = np.isnan(xc) | (xc < 0)
            codes = np.clip(np.nan_to_num(xc, nan=0.0), 0, 255).astype(np.intp)
            rows_left = np.broadcast_to(nodes["bitset_idx"][cat].astype(np.intp), codes.shape)
            rows_known = np.broadcast_to(f_idx_map[feats[cat]].astype(np.intp), codes.shape)
            in_left = _in_bitsets(predictor.raw_left_cat_bitsets, rows_left, codes)
            is_known = _in_bitsets(known, rows_known, codes)
            missing[:, cat] = bad | (~in_left & ~is_known)
            go[:, cat] = in_left
        parts.append(np.where(missing, nodes["missing_go_to_left"].astype(bool), go))
    return np.concatenate(parts, axis=1)


# -- scikit-learn decision trees (random forest, extra trees) --------------------------------


def forest_trees(model, output: int, groups: np.ndarray) -> FlatTrees:
    """Flatten the trees of a fitted forest for one output (a class, or the regression value).

    Leaf values are divided by the number of trees, so the sum over trees is the forest's
    average (``predict_proba`` for classifiers: scikit-learn stores class fractions in leaves).
    """
    lefts, rights, grps, covers, values, roots = [], [], [], [], [], []
    offset, max_depth, work = 0, 0, 0.0
    n_trees = len(model.estimators_)
    for est in model.estimators_:
        tree = est.tree_
        leaf = tree.children_left < 0
        work += float(np.sum(tree.compute_node_depths()[leaf].astype(float) ** 2))  # root is 1
        lefts.append(np.where(leaf, -1, tree.children_left + offset))
        rights.append(np.where(leaf, -1, tree.children_right + offset))
        grps.append(np.where(leaf, -1, groups[np.maximum(tree.feature, 0)]))
        covers.append(tree.weighted_n_node_samples.astype(float))
        v = tree.value[:, 0, output] if tree.value.ndim == 3 else tree.value[:, output]
        values.append(np.where(leaf, v / n_trees, 0.0))
        roots.append(offset)
        max_depth = max(max_depth, int(tree.max_depth))
        offset += tree.node_count
    return FlatTrees(np.concatenate(lefts), np.concatenate(rights), np.concatenate(grps).astype(np.int64),
                     np.concatenate(covers), np.concatenate(values).astype(float),
                     np.asarray(roots, dtype=np.int64), max_depth, work)


def forest_hot_left(model, Z: np.ndarray) -> np.ndarray:
    """``hot_left[i, node]`` for every node of every tree of a forest (order of ``forest_trees``)."""
    parts = []
    for est in model.estimators_:
        tree = est.tree_
        feats = np.maximum(tree.feature, 0)
        x = Z[:, feats]
        go = x <= tree.threshold
        missing_left = getattr(tree, "missing_go_to_left", None)
        if missing_left is not None:
            go = np.where(np.isnan(x), missing_left.astype(bool), go)
        parts.append(go)
    return np.concatenate(parts, axis=1)


# -- one interface over both ------------------------------------------------------------------

HGB = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
FORESTS = ("RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier",
           "ExtraTreesRegressor")


class TreeModel:
    """The trees of a fitted model, one ``FlatTrees`` per output, and how rows go through them.

    Outputs: HistGradientBoosting gives raw scores (log-odds of ``classes_[1]`` for binary, one
    logit per class for multiclass, the prediction for squared-error regression); forests give
    class probabilities (one output per class) or the prediction.
    """

    def __init__(self, estimator, groups: np.ndarray, n_groups: int):
        self.estimator = estimator
        self.n_groups = n_groups
        self.kind = "hgb" if type(estimator).__name__ in HGB else "forest"
        if self.kind == "hgb":
            n_out = len(estimator._predictors[0])
            self.trees = [hgb_trees(estimator, k, groups) for k in range(n_out)]
            baseline = np.asarray(estimator._baseline_prediction, dtype=float).ravel()
        else:
            classes = getattr(estimator, "classes_", None)
            n_out = 1 if classes is None else len(classes)
            self.trees = [forest_trees(estimator, k, groups) for k in range(n_out)]
            baseline = np.zeros(n_out)
        self.base = baseline + np.array([t.expected_value() for t in self.trees])
        self.n_nodes = len(self.trees[0].left)
        self.work = float(sum(t.work for t in self.trees))  # ~ cost per row

    def hot_left(self, Z: np.ndarray, output: int) -> np.ndarray:
        if self.kind == "hgb":
            return hgb_hot_left(self.estimator, output, Z)
        return forest_hot_left(self.estimator, Z)

    def shap_values(self, Z: np.ndarray) -> np.ndarray:
        """Values of shape (n_rows, n_groups, n_outputs)."""
        out = np.zeros((len(Z), self.n_groups, len(self.trees)))
        step = max(1, MAX_HOT_CELLS // max(self.n_nodes, 1))
        for start in range(0, len(Z), step):
            block = Z[start:start + step]
            hot = None
            for k, trees in enumerate(self.trees):
                if hot is None or self.kind == "hgb":
                    hot = self.hot_left(block, k)
                out[start:start + step, :, k] = tree_shap(trees, hot, self.n_groups)
        return out


def is_tree_model(estimator) -> bool:
    name = type(estimator).__name__
    if name in FORESTS:
        return True
    # other losses (poisson, gamma, quantile...) have a link: raw scores are not predictions
    return name in HGB and getattr(estimator, "loss", "") in ("log_loss", "squared_error")


def tree_work(estimator) -> float:
    """TreeSHAP's cost per row, up to a constant, without flattening (see ``FlatTrees.work``)."""
    if type(estimator).__name__ in HGB:
        return float(sum(np.sum((p.nodes["depth"][p.nodes["is_leaf"].astype(bool)] + 1.0) ** 2)
                         for per_output in estimator._predictors for p in per_output))
    n_out = len(getattr(estimator, "classes_", [0]))
    return float(n_out * sum(np.sum(e.tree_.compute_node_depths()[e.tree_.children_left < 0] ** 2.0)
                             for e in estimator.estimators_))
