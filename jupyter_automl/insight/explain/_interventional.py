"""Interventional TreeSHAP in probability space, so boosting members of an ensemble combine by weight.

Path-dependent TreeSHAP (``_treeshap``) explains a boosting classifier in log-odds, and log-odds of
different members do not add up to the ensemble's averaged probability. Interventional TreeSHAP
(Lundberg et al. 2020, "independent" algorithm) explains the game of one row ``x`` against one
background row ``b``: a leaf counts for the columns on its path where ``x`` and ``b`` go different
ways, with the Shapley weights of "all columns of A from x, all of B from b". Each (x, b) game adds
up exactly to ``m(x) - m(b)`` in margin space; it is rescaled by ``(p(x) - p(b)) / (m(x) - m(b))``
(what ``shap.TreeExplainer(model_output="probability")`` does) and averaged over the background,
so the values add up exactly to ``p(x) - mean p(b)``.

The games of one row against all background rows are computed in one walk of each tree that
carries the set of background rows in each state (``_sets``), so the cost grows with the distinct
states of the walk, not with rows x background rows: on adult's boosting models about ten times
less than one walk per pair.

The way a row goes at each split comes from ``hot_left`` (``_treeshap``), so categorical bitsets
and missing values follow the model (SHAP's own explainer misreads scikit-learn's categorical
splits, shap/shap#3436).
"""

from __future__ import annotations

from math import factorial

import numpy as np
from numba import njit, prange

from ._treeshap import FlatTrees, TreeModel


def _weights(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``plus[a, b]``: weight of a column taken from x when a columns come from x, b from the
    background; ``minus[a, b]``: weight of a column taken from the background."""
    plus, minus = np.zeros((n + 1, n + 1)), np.zeros((n + 1, n + 1))
    for a in range(n + 1):
        for b in range(n + 1 - a):
            if a >= 1:
                plus[a, b] = factorial(a - 1) * factorial(b) / factorial(a + b)
            if b >= 1:
                minus[a, b] = factorial(a) * factorial(b - 1) / factorial(a + b)
    return plus, minus


def pair_values(trees: FlatTrees, hot_x: np.ndarray, hot_b: np.ndarray, scale: np.ndarray,
                n_groups: int) -> np.ndarray:
    """Mean over background rows of ``scale[i, r, k]`` times the margin values of game (x_i, b_r).

    ``hot_x`` (n_x, n_nodes) and ``hot_b`` (n_b, n_nodes) say where each row goes; returns
    (n_x, n_groups, n_outputs) for the outputs ``k`` of ``scale``.
    """
    n = min(trees.max_depth + 1, n_groups)
    plus, minus = _weights(n)
    left_sets, everyone = _left_sets(np.asarray(hot_b, dtype=np.bool_))
    return _sets(trees.left, trees.right, trees.group, trees.value, trees.roots,
                 np.ascontiguousarray(hot_x, dtype=np.bool_), left_sets, everyone,
                 np.ascontiguousarray(scale, dtype=float), n_groups, trees.max_depth + 2, plus, minus,
                 LOWEST_BIT)


LOWEST_BIT = np.array([0] + [(v & -v).bit_length() - 1 for v in range(1, 256)], dtype=np.int64)


def _left_sets(hot_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Background rows as bit sets: ``left_sets[node]`` holds the rows that go left at ``node``
    (words of 64 rows, row r is bit r % 64 of word r // 64); ``everyone`` holds all rows."""
    n_b, n_nodes = hot_b.shape
    n_words = (n_b + 63) // 64
    padded = np.zeros((64 * n_words, n_nodes), dtype=np.bool_)
    padded[:n_b] = hot_b
    packed = np.packbits(padded, axis=0, bitorder="little")  # (8 * n_words, n_nodes) bytes
    left_sets = np.ascontiguousarray(packed.T).view("<u8").astype(np.uint64)
    all_rows = np.packbits(np.arange(64 * n_words) < n_b, bitorder="little")
    return left_sets, all_rows.view("<u8").astype(np.uint64)


@njit(cache=True, parallel=True, error_model="numpy")
def _sets(left, right, group, value, roots, hot_x, left_sets, everyone, scale, n_groups, depth,
          plus, minus, lowest_bit):
    # All background rows play against x at once. The pair games of x with two background rows
    # walk the same nodes with the same column assignments until the rows go different ways at
    # a split, so one walk carries the *set* of rows in that state (bit words): a split on a
    # free column sends the rows that agree with x on one way, and the rows that disagree down
    # both branches (the column from x, or from the background); a split on a column taken from
    # the background splits the set by where each row goes. At a leaf every row of the set gets
    # the same contribution, weighted by the sum of its scales (byte tables make that sum 8
    # lookups per word). The work is the distinct states of the walk, not rows x background rows.
    n_x, n_b, n_out = hot_x.shape[0], scale.shape[1], scale.shape[2]
    n_words = everyone.shape[0]
    n_bytes = 8 * n_words
    phi = np.zeros((n_x, n_groups, n_out))
    for i in prange(n_x):
        table = np.zeros((n_out, n_bytes, 256))  # table[k, c, v]: sum of scales of byte c's rows in v
        for k in range(n_out):
            for c in range(n_bytes):
                for v in range(1, 256):
                    r = 8 * c + lowest_bit[v]
                    table[k, c, v] = table[k, c, v & (v - 1)] + (scale[i, r, k] if r < n_b else 0.0)
        side = np.zeros(n_groups, dtype=np.int8)  # 0 free, 1 from x, 2 from the background
        assigned = np.empty(depth + 2, dtype=np.int64)
        n_stack = 3 * depth + 6
        s_node = np.empty(n_stack, dtype=np.int64)
        s_len = np.empty(n_stack, dtype=np.int64)
        s_feat = np.empty(n_stack, dtype=np.int64)
        s_side = np.empty(n_stack, dtype=np.int8)
        s_a = np.empty(n_stack, dtype=np.int64)
        s_b = np.empty(n_stack, dtype=np.int64)
        s_rows = np.empty((n_stack, n_words), dtype=np.uint64)
        rows = np.empty(n_words, dtype=np.uint64)
        agree = np.empty(n_words, dtype=np.uint64)
        split = np.empty(n_words, dtype=np.uint64)
        total = np.empty(n_out)
        for t in range(roots.shape[0]):
            top = 0
            s_node[0], s_len[0], s_feat[0], s_side[0], s_a[0], s_b[0] = roots[t], 0, -1, 0, 0, 0
            s_rows[0, :] = everyone
            n_assigned = 0
            while top >= 0:
                node, plen, f, sd, a, b = s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top]
                rows[:] = s_rows[top]
                top -= 1
                # depth-first: the current assignments beyond the parent's are a sibling's
                while n_assigned > plen:
                    n_assigned -= 1
                    side[assigned[n_assigned]] = 0
                if f >= 0:
                    side[f] = sd
                    assigned[n_assigned] = f
                    n_assigned += 1
                if left[node] < 0:
                    if a + b > 0:
                        for k in range(n_out):
                            total[k] = 0.0
                        for w in range(n_words):
                            word = rows[w]
                            for j in range(8):
                                byte = (word >> np.uint64(8 * j)) & np.uint64(255)
                                if byte:
                                    for k in range(n_out):
                                        total[k] += table[k, 8 * w + j, byte]
                        v = value[node]
                        for m in range(n_assigned):
                            g = assigned[m]
                            coef = v * plus[a, b] if side[g] == 1 else -v * minus[a, b]
                            for k in range(n_out):
                                phi[i, g, k] += coef * total[k]
                    continue
                g = group[node]
                gx = hot_x[i, node]
                cx = left[node] if gx else right[node]
                other = right[node] if gx else left[node]
                if side[g] == 1:  # the column comes from x: every row follows x
                    top += 1
                    s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = cx, n_assigned, -1, 0, a, b
                    s_rows[top, :] = rows
                    continue
                any_agree, any_split = False, False
                for w in range(n_words):  # agree: the rows that go x's way here
                    agree[w] = rows[w] & left_sets[node, w] if gx else rows[w] & ~left_sets[node, w]
                    split[w] = rows[w] & ~agree[w]
                    any_agree = any_agree or agree[w] != 0
                    any_split = any_split or split[w] != 0
                if side[g] == 2:  # the column comes from the background: each row goes its own way
                    if any_split:
                        top += 1
                        s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = other, n_assigned, -1, 0, a, b
                        s_rows[top, :] = split
                    if any_agree:
                        top += 1
                        s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = cx, n_assigned, -1, 0, a, b
                        s_rows[top, :] = agree
                    continue
                if any_split:  # a free column where x and these rows differ: both assignments
                    top += 1
                    s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = other, n_assigned, g, 2, a, b + 1
                    s_rows[top, :] = split
                    top += 1
                    s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = cx, n_assigned, g, 1, a + 1, b
                    s_rows[top, :] = split
                if any_agree:
                    top += 1
                    s_node[top], s_len[top], s_feat[top], s_side[top], s_a[top], s_b[top] = cx, n_assigned, -1, 0, a, b
                    s_rows[top, :] = agree
            while n_assigned > 0:  # the last leaf's assignments, before the next tree
                n_assigned -= 1
                side[assigned[n_assigned]] = 0
        for g in range(n_groups):
            for k in range(n_out):
                phi[i, g, k] /= n_b
    return phi


NODES, WEIGHTS = np.polynomial.legendre.leggauss(16)


def _link_slopes(m_x: np.ndarray, m_b: np.ndarray) -> np.ndarray:
    """``C[i, r, k, j]`` with ``p_k(x_i) - p_k(b_r) = sum_j C[i, r, k, j] (m_j(x_i) - m_j(b_r))``.

    One margin (sigmoid): the secant slope. Several (softmax, where p_k moves with every margin):
    the mean Jacobian of the softmax along the segment from m(b) to m(x) (integrated gradients,
    Gauss-Legendre), with the quadrature's residual spread over the margins so that every pair
    adds up exactly.
    """
    dm = m_x[:, None, :] - m_b[None, :, :]  # (n_x, n_b, K)
    p_x, p_b = _probabilities(m_x), _probabilities(m_b)
    dp = p_x[:, None, :] - p_b[None, :, :]
    if m_x.shape[1] == 1:
        close = np.abs(dm) < 1e-9
        slope = np.where(close, (p_x * (1 - p_x))[:, None, :], dp / np.where(close, 1.0, dm))
        return slope[..., None]
    C = np.zeros(dm.shape + (dm.shape[2],))
    for t, w in zip((NODES + 1) / 2, WEIGHTS / 2, strict=True):
        p = _probabilities((m_b[None, :, :] + t * dm).reshape(-1, dm.shape[2])).reshape(dm.shape)
        C += w * (p[..., :, None] * (np.eye(dm.shape[2]) - p[..., None, :]))
    residual = dp - np.einsum("irkj,irj->irk", C, dm)
    norm = np.maximum(np.sum(dm * dm, axis=2), 1e-300)[..., None, None]
    C += residual[..., :, None] * dm[..., None, :] / norm
    return C


def _probabilities(margins: np.ndarray) -> np.ndarray:
    """Sigmoid of one margin column, softmax of several (scikit-learn's log-loss links)."""
    if margins.shape[1] == 1:
        return 1.0 / (1.0 + np.exp(-margins))
    e = np.exp(margins - margins.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _margins(estimator, Z: np.ndarray) -> np.ndarray:
    return np.asarray(estimator.decision_function(Z), dtype=float).reshape(len(Z), -1)


def _as_classes(out: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary models have one margin (of classes_[1]): give class 0 its mirror image."""
    if out.shape[2] == 1:
        return np.concatenate([-out, out], axis=2), np.concatenate([1 - base, base])
    return out, base


def probability_values(estimator, groups: np.ndarray, n_groups: int, Z: np.ndarray,
                       Zb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values (n_rows, n_groups, n_classes) and base (n_classes,) of a HistGradientBoosting
    classifier's probabilities on the rows of ``Z``, against the background rows ``Zb``."""
    model = TreeModel(estimator, groups, n_groups)
    m_x, m_b = _margins(estimator, Z), _margins(estimator, Zb)
    C = _link_slopes(m_x, m_b)
    out = np.zeros((len(Z), n_groups, m_x.shape[1]))
    for j, trees in enumerate(model.trees):  # margin j moves every class's probability
        out += pair_values(trees, model.hot_left(Z, j), model.hot_left(Zb, j), C[:, :, :, j], n_groups)
    return _as_classes(out, _probabilities(m_b).mean(axis=0))


def linear_probability_values(estimator, groups: np.ndarray, n_groups: int, Z: np.ndarray,
                              Zb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same for a logistic regression: the margin game of (x, b) gives column g
    ``sum_j in g coef_j (x_j - b_j)``, so the mean over the background is two matrix products."""
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=float))  # (n_margins, n_inputs)
    m_x, m_b = _margins(estimator, Z), _margins(estimator, Zb)
    C = _link_slopes(m_x, m_b)
    out = np.zeros((len(Z), n_groups, m_x.shape[1]))
    for j in range(m_x.shape[1]):
        c_x = np.zeros((len(Z), n_groups))
        c_b = np.zeros((len(Zb), n_groups))
        np.add.at(c_x.T, groups, (Z * coef[j]).T)
        np.add.at(c_b.T, groups, (Zb * coef[j]).T)
        scale = C[:, :, :, j]  # (n_x, n_b, K)
        out += c_x[:, :, None] * scale.mean(axis=1)[:, None, :] - np.einsum("irk,rg->igk", scale, c_b) / len(Zb)
    return _as_classes(out, _probabilities(m_b).mean(axis=0))
