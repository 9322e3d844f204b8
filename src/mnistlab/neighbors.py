"""Exact nearest-neighbour search for pixel data, shared by every KNN stage.

The chapter's KNN experiments spend nearly all their time finding the
nearest training images of each query image. scikit-learn computes the
squared distances as ``|x|^2 - 2 x.y + |y|^2`` with a float64 matrix product;
for pixels 0..255 every term is an integer below 2**53, so its distances are
exact. Which of several equally distant points it keeps is decided by a
bounded heap that it fills in index order, not simply by the lower index.
Here the matrix product runs in float32 (twice the speed), which is not
exact; a rigorous bound on its rounding error selects a small candidate set
per query that is sure to contain the true neighbours, and the candidates
are then re-scored in exact integer arithmetic. The result (neighbours and
distances) is the one scikit-learn returns, tie-breaking included, when it
searches query by query: it does so when there are fewer fit points than
queries or more than 4 * 256 queries per thread. With fewer queries it
searches chunks of fit points in parallel and may keep another of equally
distant points; the distances are the same either way.

:func:`fold_kneighbors` serves cross-validation: each image's neighbours
among the images of the other folds, computing each pair of folds once and
using it for both directions.
"""

import numpy as np

from .exceptions import InputError
from .validation import check_images

__all__ = ["kneighbors", "fold_kneighbors", "vote"]

# Unit roundoff of float32 and the classical bound gamma_n = n u / (1 - n u)
# on the relative error of an n-term dot product of non-negative numbers.
_U32 = 2.0**-24
_INT_INF = np.iinfo(np.int64).max
_SAMPLE = 512


def _gamma(n):
    return n * _U32 / (1 - n * _U32)


class _TopK:
    """The k best (score, index) pairs seen so far for each query row."""

    def __init__(self, n_rows, k):
        self.k = k
        self.scores = np.full((n_rows, k), _INT_INF, dtype=np.int64)
        self.indices = np.full((n_rows, k), -1, dtype=np.int64)

    def kth(self, rows):
        return self.scores[rows, self.k - 2]

    def merge(self, rows, q_local, c_index, c_score):
        """Fold candidates (query ``rows[q_local]``, index, score) into the state."""
        k = self.k
        n = len(rows)
        all_q = np.concatenate([np.repeat(np.arange(n), k), q_local])
        all_s = np.concatenate([self.scores[rows].ravel(), c_score])
        all_i = np.concatenate([self.indices[rows].ravel(), c_index])
        order = np.lexsort((all_i, all_s, all_q))
        counts = np.bincount(q_local, minlength=n) + k
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        take = order[starts[:, None] + np.arange(k)]
        self.scores[rows] = all_s[take]
        self.indices[rows] = all_i[take]


def _sample_bound(S, k, axis):
    """Per query, the k-th smallest approximate score over a column sample."""
    size = S.shape[1 - axis] if axis == 0 else S.shape[1]
    if size < k:
        return np.full(S.shape[axis], np.inf, dtype=np.float64)
    step = max(1, size // _SAMPLE)
    sample = S[:, ::step] if axis == 0 else S[::step, :].T
    return np.partition(sample, k - 1, axis=1)[:, k - 1].astype(np.float64)


class _Search:
    """One exact search: pixels, squared norms, error bounds and the state."""

    def __init__(self, X_query, X_fit, k):
        self.Xq, self.Xf = X_query, X_fit
        self.nq, self.nf = _sq_norms(X_query), _sq_norms(X_fit)
        self.nf32 = self.nf.astype(np.float32)
        gamma = _gamma(X_query.shape[1])
        # |fl(s) - s| <= 2 gamma |x| |y| + 2 (rounding of the norm, below 2**26)
        # + 4 (rounding of the subtraction, below 2**27), with |y| at its largest.
        self.err = 2 * gamma * np.sqrt(self.nq) * np.sqrt(self.nf.max()) + 8.0
        # One entry more than asked, to see ties across the k-th place.
        self.state = _TopK(len(X_query), k + 1)
        self.k = k

    def update(self, Q, C, G, *, queries_on_rows=True):
        """Offer fit points ``C`` to queries ``Q``.

        ``G`` holds ``-2 x.y`` in float32 for a block of rows by columns:
        queries on its rows and fit points on its columns, or the reverse.
        """
        k, err = self.k, self.err[Q]
        kth = self.state.kth(Q).astype(np.float64) + err
        add = self.nf32[C]
        axis = 1 if queries_on_rows else 0
        step = max(1, G.shape[axis] // _SAMPLE)
        if queries_on_rows:
            sample = G[:, ::step] + add[::step]
            approx = G + add
        else:
            sample = (G[::step] + add[::step, None]).T
            approx = G + add[:, None]
        if sample.shape[1] >= k:
            kth = np.minimum(kth, _kth_smallest(sample, k) + 2 * err)
        bound = kth.astype(np.float32)
        # flatnonzero is much faster than a 2-D nonzero on a sparse mask.
        if queries_on_rows:
            flat = np.flatnonzero(approx <= bound[:, None])
            q_local, c_local = np.divmod(flat, approx.shape[1])
        else:
            flat = np.flatnonzero(approx <= bound[None, :])
            c_local, q_local = np.divmod(flat, approx.shape[1])
        values = approx.ravel()[flat]
        if len(q_local) == 0:
            return
        # The k-th smallest approximate score of the block is now known for
        # each query: tighten its bound and drop the candidates beyond it.
        order = np.lexsort((values, q_local))
        q_local, c_local, values = q_local[order], c_local[order], values[order]
        counts = np.bincount(q_local, minlength=len(Q))
        starts = np.cumsum(counts) - counts
        full = counts >= k
        block_kth = np.full(len(Q), np.inf)
        block_kth[full] = values[starts[full] + k - 1]
        bound = np.minimum(kth, block_kth + 2 * err)
        keep = values <= bound[q_local]
        q_local, c_local = q_local[keep], c_local[keep]
        c_index = C[c_local]
        dots = _pair_dots(self.Xq, Q[q_local], self.Xf, c_index)
        self.state.merge(Q, q_local, c_index, self.nf[c_index] - 2 * dots)

    def result(self, ks, scan_order=None):
        """Distances and indices of the ``k`` nearest, for each ``k`` in ``ks``.

        Ties across the k-th place are resolved as scikit-learn's scan
        resolves them; ``scan_order(q)`` gives the fit points that query
        ``q`` is searched among, in scikit-learn's order (all by default).
        """
        found = {}
        for k in ks:
            scores = self.state.scores[:, :k].copy()
            indices = self.state.indices[:, :k].copy()
            tied = np.flatnonzero(self.state.scores[:, k] == scores[:, k - 1])
            for q in tied:
                cand = np.arange(len(self.Xf)) if scan_order is None else scan_order(q)
                dots = self.Xf[cand].astype(np.int64) @ self.Xq[q].astype(np.int64)
                cand_scores = self.nf[cand] - 2 * dots
                keep = _heap_select(cand_scores, k)
                order = np.lexsort((cand[keep], cand_scores[keep]))
                indices[q] = cand[keep][order]
                scores[q] = cand_scores[keep][order]
            dist2 = self.nq[:, None] + scores
            found[k] = (np.sqrt(dist2.astype(np.float64)), indices)
        return found


def _heap_select(scores, k):
    """Positions of the k points that a bounded max-heap keeps from a scan.

    scikit-learn scans the fit points in index order, pushing each onto a
    max-heap of size k that rejects a value not below its top; among equal
    scores the survivor depends on the heap's layout, so it is replayed here.
    """
    values = [np.inf] * k
    positions = [-1] * k
    top = np.inf
    for pos, val in enumerate(scores.tolist()):
        if val >= top:
            continue
        node = 0
        while True:
            left = 2 * node + 1
            right = left + 1
            if left >= k:
                break
            if right >= k:
                child = left if values[left] > val else -1
            elif values[left] >= values[right]:
                child = left if val < values[left] else -1
            else:
                child = right if val < values[right] else -1
            if child < 0:
                break
            values[node], positions[node] = values[child], positions[child]
            node = child
        values[node], positions[node] = val, pos
        top = values[0]
    return np.array(positions)


def _kth_smallest(sample, k):
    """Per row, the k-th smallest value of an approximate score sample.

    At least k true scores lie within one error bound of it, so no point
    whose approximate score exceeds it by two bounds can be a neighbour.
    """
    sample = np.ascontiguousarray(sample)
    return np.partition(sample, k - 1, axis=1)[:, k - 1].astype(np.float64)


def _sq_norms(X, *, batch=16384):
    """Exact squared norms of uint8 rows, a batch at a time (no wide copy)."""
    out = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), batch):
        rows = X[start : start + batch].astype(np.int32)
        out[start : start + batch] = np.einsum("ij,ij->i", rows, rows)
    return out


def _pair_dots(A, rows_a, B, rows_b, *, batch=16384):
    """Exact integer dot products A[rows_a[t]] . B[rows_b[t]] for every t."""
    out = np.empty(len(rows_a), dtype=np.int64)
    for start in range(0, len(rows_a), batch):
        stop = start + batch
        a = A[rows_a[start:stop]].astype(np.int32)
        b = B[rows_b[start:stop]].astype(np.int32)
        out[start:stop] = np.einsum("ij,ij->i", a, b)
    return out


def _check_pixels(X, name):
    X = check_images(X, name=name, allow_single=False)
    if X.dtype != np.uint8:
        raise InputError(
            f"{name} must hold whole pixel values 0..255 for the exact search, "
            "got non-integer values"
        )
    return X


def _check_k(n_neighbors, n_fit):
    """Return the list of k asked for (one or several)."""
    ks = [n_neighbors] if np.isscalar(n_neighbors) else list(n_neighbors)
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise InputError(f"n_neighbors must be positive integers, got {k!r}")
        if k > n_fit:
            raise InputError(
                f"n_neighbors={k} is more than the {n_fit} points searched"
            )
    if not ks:
        raise InputError("n_neighbors must name at least one number of neighbours")
    return [int(k) for k in ks]


def _answer(found, n_neighbors):
    return found[int(n_neighbors)] if np.isscalar(n_neighbors) else found


def kneighbors(X_query, X_fit, n_neighbors, *, chunk_rows=2048, chunk_cols=32768):
    """Find the ``n_neighbors`` nearest fit images of each query image.

    Gives the result of ``NearestNeighbors(n_neighbors).fit(X_fit)
    .kneighbors(X_query)`` with the default brute-force Euclidean search,
    neighbour sets and distances alike (for the choice among equally distant
    points, see the module's notes), in about half the time. Equally distant
    neighbours are listed by index; scikit-learn's final sort is not stable
    and may list them in another order.

    Parameters
    ----------
    X_query : array-like of shape (n_queries, 784)
        Query images, whole pixel values 0..255.
    X_fit : array-like of shape (n_fit, 784)
        The images searched.
    n_neighbors : int or list of int
        Neighbours per query. With a list, the searches for each number are
        done at once and a dict ``{k: (distances, indices)}`` is returned.
    chunk_rows, chunk_cols : int
        Block sizes of the matrix product (memory: 4 bytes per cell).

    Returns
    -------
    distances : ndarray of shape (n_queries, n_neighbors), float64
        Euclidean distances, ascending.
    indices : ndarray of shape (n_queries, n_neighbors), int64
        Row indices into ``X_fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistlab.neighbors import kneighbors
    >>> X = np.array([[0] * 784, [1] * 784, [3] * 784], dtype=np.uint8)
    >>> kneighbors(X[:1], X, 2)[1]
    array([[0, 1]])
    """
    X_query = _check_pixels(X_query, "X_query")
    X_fit = _check_pixels(X_fit, "X_fit")
    ks = _check_k(n_neighbors, len(X_fit))
    search = _Search(X_query, X_fit, max(ks))
    q32 = X_query.astype(np.float32)
    f32 = X_fit.astype(np.float32)
    f32 *= -2
    for r0 in range(0, len(X_query), chunk_rows):
        r1 = min(r0 + chunk_rows, len(X_query))
        for c0 in range(0, len(X_fit), chunk_cols):
            c1 = min(c0 + chunk_cols, len(X_fit))
            # Slices, not index arrays: no copy of the operands.
            G = q32[r0:r1] @ f32[c0:c1].T
            search.update(np.arange(r0, r1), np.arange(c0, c1), G)
    return _answer(search.result(ks), n_neighbors)


def fold_kneighbors(X, test_folds, n_neighbors, *, chunk_rows=2048):
    """Each image's nearest neighbours among the images of the other folds.

    For cross-validation: the neighbours of a validation image among the
    training images of its fold, for every fold at once. Each pair of folds
    is multiplied once and serves both directions, which halves the work of
    one search per fold.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784)
        Images, whole pixel values 0..255.
    test_folds : array-like of shape (n_samples,)
        The fold in which each image is a validation image.
    n_neighbors : int or list of int
        Neighbours per image; with a list, a dict ``{k: (distances,
        indices)}`` as in :func:`kneighbors`.
    chunk_rows : int, default=2048
        Rows per block of the matrix product.

    Returns
    -------
    distances : ndarray of shape (n_samples, n_neighbors), float64
    indices : ndarray of shape (n_samples, n_neighbors), int64
        Row indices into ``X``, as found by a search among
        ``X[test_folds != test_folds[i]]`` but numbered in ``X``.
    """
    X = _check_pixels(X, "X")
    test_folds = np.asarray(test_folds)
    if test_folds.shape != (len(X),):
        raise InputError(
            f"test_folds must have one entry per image ({len(X)}), got shape "
            f"{test_folds.shape}"
        )
    folds = [np.flatnonzero(test_folds == f) for f in np.unique(test_folds)]
    ks = _check_k(n_neighbors, len(X) - max(len(f) for f in folds))
    search = _Search(X, X, max(ks))
    X32 = X.astype(np.float32)
    for a, fold_a in enumerate(folds):
        for fold_b in folds[a + 1 :]:
            # Scaling by -2 is exact in floating point.
            Xb = X32[fold_b] * np.float32(-2)
            for r0 in range(0, len(fold_a), chunk_rows):
                A = fold_a[r0 : r0 + chunk_rows]
                G = X32[A] @ Xb.T
                search.update(A, fold_b, G)
                search.update(fold_b, A, G, queries_on_rows=False)
    found = search.result(ks, lambda q: np.flatnonzero(test_folds != test_folds[q]))
    return _answer(found, n_neighbors)


def vote(neigh_labels, neigh_dist=None, *, weights="uniform", n_classes=None):
    """Class votes of neighbours, exactly as ``KNeighborsClassifier`` counts.

    Parameters
    ----------
    neigh_labels : ndarray of shape (n_queries, k) or (n_queries, k, n_outputs)
        Class index (0..n_classes-1) of each neighbour, nearest first.
    neigh_dist : ndarray of shape (n_queries, k), default=None
        Distances, needed for ``weights="distance"``.
    weights : {"uniform", "distance"}, default="uniform"
        Uniform votes, or votes weighted by the inverse distance (a
        neighbour at distance zero takes all the weight).
    n_classes : int, default=None
        Number of classes; by default one more than the largest label.

    Returns
    -------
    y_pred : ndarray of shape (n_queries,) or (n_queries, n_outputs)
        The winning class index; ties go to the smallest index.
    """
    labels = np.asarray(neigh_labels)
    squeeze = labels.ndim == 2
    if squeeze:
        labels = labels[:, :, None]
    n_queries, k, n_outputs = labels.shape
    if n_classes is None:
        n_classes = int(labels.max()) + 1
    if weights == "uniform":
        w = np.ones((n_queries, k))
    elif weights == "distance":
        with np.errstate(divide="ignore"):
            w = 1.0 / np.asarray(neigh_dist, dtype=np.float64)
        exact = np.isinf(w)
        rows = exact.any(axis=1)
        w[rows] = exact[rows]
    else:
        raise InputError(f"weights must be 'uniform' or 'distance', got {weights!r}")
    rows = np.arange(n_queries)
    y_pred = np.empty((n_queries, n_outputs), dtype=np.int64)
    for out in range(n_outputs):
        totals = np.zeros((n_queries, n_classes))
        # Added nearest first, as scikit-learn adds them, so the float sums
        # (and so the ties) are bit for bit the same.
        for i in range(k):
            totals[rows, labels[:, i, out]] += w[:, i]
        y_pred[:, out] = np.argmax(totals, axis=1)
    return y_pred[:, 0] if squeeze else y_pred
