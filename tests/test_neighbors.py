"""The exact neighbour search against scikit-learn's brute-force search.

scikit-learn scans the fit points into a bounded heap, and which of several
equally distant points survive depends on its parallel strategy: it works
query by query ("parallel_on_X") when the fit set is smaller than the query
set or the queries exceed 4 * 256 * n_threads, and fit chunk by fit chunk
otherwise. mnistlab replays the first. The reference runs on two OpenMP
threads at most, so that the sizes below (4500 queries against 4000 fit
points, folds of 2200 images against 4400) pick it on any machine.
"""

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from threadpoolctl import threadpool_limits

from mnistlab import InputError
from mnistlab.neighbors import fold_kneighbors, kneighbors, vote

KS = (1, 4)


def sklearn_kneighbors(X_query, X_fit, n_neighbors):
    """The reference: ``NearestNeighbors`` on float64 pixels, as the chapter.

    With a list of ``n_neighbors``, a dict of one search per number.
    """
    ks = [n_neighbors] if np.isscalar(n_neighbors) else n_neighbors
    X_query, X_fit = X_query.astype(np.float64), X_fit.astype(np.float64)
    with threadpool_limits(limits=2, user_api="openmp"):
        found = {
            k: NearestNeighbors(n_neighbors=k).fit(X_fit).kneighbors(X_query)
            for k in ks
        }
    return found[n_neighbors] if np.isscalar(n_neighbors) else found


def assert_same_neighbours(found, expected):
    """Same distances bit for bit and the same neighbour set in every row.

    scikit-learn's final sort is not stable, so the order of equally distant
    neighbours is compared as a set; rows without ties match exactly.
    """
    dist, ind = found
    dist_ref, ind_ref = expected
    np.testing.assert_array_equal(dist, dist_ref)
    np.testing.assert_array_equal(np.sort(ind, axis=1), np.sort(ind_ref, axis=1))
    distinct = (np.diff(dist_ref, axis=1) > 0).all(axis=1)
    np.testing.assert_array_equal(ind[distinct], ind_ref[distinct])


def with_copies(X, n_sources, *, seed):
    """``X`` with ``n_sources`` of its images copied over two others each."""
    X = X.copy()
    rng = np.random.RandomState(seed)
    rows = rng.choice(len(X), size=3 * n_sources, replace=False)
    sources, copies = rows[:n_sources], rows[n_sources:].reshape(2, -1)
    X[copies[0]] = X[sources]
    X[copies[1]] = X[sources]
    return X, sources


@pytest.fixture(scope="module")
def tied_data(mnist):
    """4000 fit images holding 25 images three times, 4500 queries.

    The queries are test images and copies of the tripled fit images, so
    that several rows tie at the k-th place.
    """
    X_fit, sources = with_copies(mnist.X_train[:4000], 25, seed=0)
    X_query = np.concatenate([mnist.X_test[: 4500 - len(sources)], X_fit[sources]])
    return X_query, X_fit


@pytest.fixture(scope="module")
def tied_found(tied_data):
    X_query, X_fit = tied_data
    return kneighbors(X_query, X_fit, [*KS, max(KS) + 1])


@pytest.mark.parametrize("k", KS)
def test_kneighbors_equals_sklearn_with_ties(tied_data, tied_found, k):
    X_query, X_fit = tied_data
    next_dist = tied_found[max(KS) + 1][0]

    expected = sklearn_kneighbors(X_query, X_fit, k)

    assert_same_neighbours(tied_found[k], expected)
    tied = next_dist[:, k] == next_dist[:, k - 1]
    assert tied.sum() >= 10


def test_heavy_ties_replay_sklearns_heap(mnist):
    # Six images five times each: every k but 5, 10, ... splits a group of
    # equal distances, and which copies survive depends on the heap's layout,
    # not on the index. With fewer fit points than queries scikit-learn
    # searches query by query whatever the sizes.
    rng = np.random.RandomState(1)
    X_fit = mnist.X_train[rng.permutation(np.repeat(np.arange(6), 5))]
    X_query = mnist.X_train[100:160]
    ks = list(range(1, 31))
    found = kneighbors(X_query, X_fit, ks)
    squared = ((X_query[:, None].astype(int) - X_fit[None].astype(int)) ** 2).sum(2)
    by_index = np.argsort(squared, axis=1, kind="stable")
    not_lowest_index = 0

    expected = sklearn_kneighbors(X_query, X_fit, ks)

    for k in ks:
        assert_same_neighbours(found[k], expected[k])
        lowest = np.sort(by_index[:, :k], axis=1)
        kept = np.sort(expected[k][1], axis=1)
        not_lowest_index += (lowest != kept).any(axis=1).sum()
    assert not_lowest_index > 0


def test_small_query_sets_differ_only_where_ties_cross_the_kth_place(tied_data):
    # 500 queries against 4000 fit points: scikit-learn scans fit chunks in
    # parallel and may keep another of equally distant points. Distances
    # still agree; sets differ only in rows tied across the k-th place.
    X_query, X_fit = tied_data
    X_query = X_query[-500:]
    found = kneighbors(X_query, X_fit, [5, 6])

    dist_ref, ind_ref = sklearn_kneighbors(X_query, X_fit, 5)

    np.testing.assert_array_equal(found[5][0], dist_ref)
    differ = (np.sort(found[5][1], axis=1) != np.sort(ind_ref, axis=1)).any(axis=1)
    tied = found[6][0][:, 5] == found[6][0][:, 4]
    assert not (differ & ~tied).any()


def test_kneighbors_single_k_on_real_images(mnist):
    X_query, X_fit = mnist.X_test[:300], mnist.X_train[:2000]

    dist, ind = kneighbors(X_query, X_fit, 4)

    dist_ref, ind_ref = sklearn_kneighbors(X_query, X_fit, 4)
    np.testing.assert_array_equal(dist, dist_ref)
    np.testing.assert_array_equal(ind, ind_ref)
    assert dist.dtype == np.float64
    assert ind.dtype == np.int64


def test_list_of_ks_equals_separate_searches(tied_data):
    X_query, X_fit = tied_data[0][-300:], tied_data[1][:2000]

    found = kneighbors(X_query, X_fit, [5, 1, 3], chunk_rows=64, chunk_cols=700)

    assert sorted(found) == [1, 3, 5]
    for k in (1, 3, 5):
        dist, ind = kneighbors(X_query, X_fit, k)
        np.testing.assert_array_equal(found[k][0], dist)
        np.testing.assert_array_equal(found[k][1], ind)


@pytest.fixture(scope="module")
def fold_data(mnist):
    """6600 images with 20 of them tripled, in three interleaved folds."""
    X, _ = with_copies(mnist.X_train[:6600], 20, seed=2)
    test_folds = np.random.RandomState(3).permutation(np.arange(len(X)) % 3)
    return X, test_folds


@pytest.fixture(scope="module")
def fold_found(fold_data):
    X, test_folds = fold_data
    return fold_kneighbors(X, test_folds, [4, 5])


@pytest.mark.parametrize("fold", [0, 1, 2])
def test_fold_kneighbors_equals_sklearn_per_fold(fold_data, fold_found, fold):
    X, test_folds = fold_data
    test = np.flatnonzero(test_folds == fold)
    train = np.flatnonzero(test_folds != fold)

    dist_ref, ind_ref = sklearn_kneighbors(X[test], X[train], 4)

    dist, ind = fold_found[4][0][test], fold_found[4][1][test]
    assert_same_neighbours((dist, ind), (dist_ref, train[ind_ref]))
    next_dist = fold_found[5][0][test]
    assert (next_dist[:, 4] == next_dist[:, 3]).sum() >= 5


def test_fold_kneighbors_single_k_returns_arrays(mnist):
    X = mnist.X_train[:900]
    test_folds = np.arange(900) // 300

    dist, ind = fold_kneighbors(X, test_folds, 3, chunk_rows=128)

    assert dist.shape == ind.shape == (900, 3)
    assert (test_folds[ind] != test_folds[:, None]).all()
    for fold in range(3):
        train = np.flatnonzero(test_folds != fold)
        test = np.flatnonzero(test_folds == fold)
        _, ind_ref = sklearn_kneighbors(X[test], X[train], 3)
        np.testing.assert_array_equal(np.sort(ind[test]), np.sort(train[ind_ref]))


@pytest.fixture(scope="module")
def vote_data(mnist):
    """1500 fit images; 1600 queries, of which the first 200 are fit images
    themselves (at distance zero)."""
    X_fit, y_fit = mnist.X_train[:1500], mnist.y_train[:1500]
    X_query = np.concatenate([X_fit[:200], mnist.X_test[:1400]])
    return X_fit, y_fit, X_query


@pytest.mark.parametrize("weights", ["uniform", "distance"])
@pytest.mark.parametrize("k", [1, 4, 5])
def test_vote_equals_kneighbors_classifier(vote_data, weights, k):
    X_fit, y_fit, X_query = vote_data
    dist, ind = kneighbors(X_query, X_fit, k)

    y_pred = vote(y_fit[ind], dist, weights=weights, n_classes=10)

    with threadpool_limits(limits=2, user_api="openmp"):
        knn = KNeighborsClassifier(n_neighbors=k, weights=weights)
        knn.fit(X_fit.astype(np.float64), y_fit)
        expected = knn.predict(X_query.astype(np.float64))
    np.testing.assert_array_equal(y_pred, expected)
    assert (dist[:200, 0] == 0).all()
    if weights == "distance":
        np.testing.assert_array_equal(y_pred[:200], y_fit[:200])


def test_vote_zero_distance_takes_all_weight():
    labels = np.array([[2, 1, 1], [2, 1, 1]])
    dist = np.array([[0.0, 1.0, 1.0], [0.5, 1.0, 1.0]])

    y_pred = vote(labels, dist, weights="distance")

    np.testing.assert_array_equal(y_pred, [2, 1])


def test_vote_ties_go_to_the_smallest_class():
    labels = np.array([[7, 3, 3, 7], [9, 0, 0, 9]])

    y_pred = vote(labels, n_classes=10)

    np.testing.assert_array_equal(y_pred, [3, 0])


def test_vote_several_outputs():
    labels = np.array([[[0, 1], [1, 1], [1, 0]]])

    y_pred = vote(labels, n_classes=2)

    np.testing.assert_array_equal(y_pred, [[1, 1]])


@pytest.mark.parametrize("n_neighbors", [0, -1, True, 2.5, "3", [], [2, 0]])
def test_bad_n_neighbors(mnist, n_neighbors):
    X = mnist.X_train[:10]

    with pytest.raises(InputError, match="n_neighbors"):
        kneighbors(X, X, n_neighbors)


def test_more_neighbours_than_fit_points(mnist):
    X = mnist.X_train[:10]

    with pytest.raises(InputError, match=r"n_neighbors=11 is more than the 10 points"):
        kneighbors(X, X, 11)


def test_fractional_pixels_are_refused(mnist):
    X = mnist.X_train[:5] / 2

    with pytest.raises(InputError, match="whole pixel values 0..255"):
        kneighbors(X, mnist.X_train[:5], 1)


def test_fold_kneighbors_needs_one_fold_per_image(mnist):
    X = mnist.X_train[:10]

    with pytest.raises(InputError, match=r"one entry per image \(10\)"):
        fold_kneighbors(X, np.zeros(9, dtype=int), 1)


def test_vote_unknown_weights():
    with pytest.raises(InputError, match="weights must be 'uniform' or 'distance'"):
        vote(np.zeros((2, 3), dtype=int), weights="inverse")
