"""The multiclass section against the chapter's code in plain scikit-learn.

On 1500 images the SGD would run its 1000 epochs without converging, for
minutes; both sides cap it at a few epochs (``max_iter``), which changes the
numbers but not whether they agree.
"""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_predict, cross_val_score
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from mnistlab import InputError
from mnistlab.multiclass import run_multiclass

N_SAMPLES = 1500
N_SVC = 1000
MAX_ITER = 8
RTOL = 1e-9

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=0)


@pytest.fixture(scope="module")
def data(mnist):
    return mnist.X_train[:N_SAMPLES], mnist.y_train[:N_SAMPLES]


@pytest.fixture(scope="module")
def result(data):
    X, y = data
    return run_multiclass(X, y, n_svc_samples=N_SVC, max_iter=MAX_ITER, n_jobs=2)


@pytest.fixture(scope="module")
def reference(data):
    """The chapter's calls, on the same slice."""
    X, y = data
    X_train, y_train = X.astype(np.float64), y
    some_digit = X_train[:1]
    ref = {}

    svm_clf = SVC(random_state=42).fit(X_train[:N_SVC], y_train[:N_SVC])
    ref["svc_prediction"] = svm_clf.predict(some_digit)[0]
    ref["svc_scores"] = svm_clf.decision_function(some_digit)[0]
    ref["svc_classes"] = svm_clf.classes_
    ovr_clf = OneVsRestClassifier(SVC(random_state=42))
    ovr_clf.fit(X_train[:N_SVC], y_train[:N_SVC])
    ref["ovr"] = ovr_clf.predict(some_digit)[0], len(ovr_clf.estimators_)
    ovo_clf = OneVsOneClassifier(SVC(random_state=42))
    ovo_clf.fit(X_train[:N_SVC], y_train[:N_SVC])
    ref["ovo"] = ovo_clf.predict(some_digit)[0], len(ovo_clf.estimators_)

    sgd_clf = SGDClassifier(random_state=42, max_iter=MAX_ITER)
    sgd_clf.fit(X_train, y_train)
    ref["sgd_prediction"] = sgd_clf.predict(some_digit)[0]
    ref["sgd_scores"] = sgd_clf.decision_function(some_digit)[0]

    X_train_scaled = StandardScaler().fit_transform(X_train)
    with parallel_config(backend="threading", n_jobs=2):
        ref["cv"] = cross_val_score(sgd_clf, X_train, y_train, cv=3)
        ref["cv_scaled"] = cross_val_score(sgd_clf, X_train_scaled, y_train, cv=3)
        ref["y_train_pred"] = cross_val_predict(sgd_clf, X_train_scaled, y_train, cv=3)
    return ref


def test_svc(result, reference):
    assert result.n_svc_samples == N_SVC
    assert result.svc_prediction == reference["svc_prediction"]
    assert_close(result.svc_decision_scores, reference["svc_scores"])
    assert result.svc_classes == reference["svc_classes"].tolist()


def test_one_vs_rest_and_one_vs_one(result, reference):
    assert (result.ovr_prediction, result.ovr_n_estimators) == reference["ovr"]
    assert (result.ovo_prediction, result.ovo_n_estimators) == reference["ovo"]
    assert result.ovr_n_estimators == 10
    assert result.ovo_n_estimators == 45


def test_sgd_on_all_data(result, reference):
    assert result.sgd_prediction == reference["sgd_prediction"]
    assert_close(result.sgd_decision_scores, reference["sgd_scores"])


def test_sgd_cross_val_score_raw_and_scaled(result, reference):
    assert_close(result.sgd_cv_accuracy, reference["cv"])
    assert_close(result.sgd_scaled_cv_accuracy, reference["cv_scaled"])


def test_scaled_predictions_for_error_analysis(result, reference):
    np.testing.assert_array_equal(result.y_train_pred, reference["y_train_pred"])
    assert result.n_samples == N_SAMPLES


def test_metrics_are_plain_values(result):
    metrics = result.metrics()

    assert metrics["svc_classes"] == list(range(10))
    assert all(type(s) is float for s in metrics["sgd_decision_scores"])
    assert metrics["sgd_cv_accuracy"] == result.sgd_cv_accuracy


@pytest.mark.parametrize("scaled", [False, True])
def test_sgd_threads_give_the_same_model(data, scaled):
    # The section trains the ten one-vs-rest problems in parallel threads and
    # compares with scikit-learn's default single job: the seeds are drawn
    # before the problems start, so the models must be bit for bit equal.
    X, y = data
    X = X.astype(np.float64)
    if scaled:
        X = StandardScaler().fit_transform(X)

    parallel = SGDClassifier(random_state=42, max_iter=MAX_ITER, n_jobs=2).fit(X, y)
    single = SGDClassifier(random_state=42, max_iter=MAX_ITER).fit(X, y)

    np.testing.assert_array_equal(parallel.coef_, single.coef_)
    np.testing.assert_array_equal(parallel.intercept_, single.intercept_)


def test_a_single_digit_is_refused(mnist):
    X = mnist.X_train[:30]

    with pytest.raises(InputError, match="at least two different digits"):
        run_multiclass(X, np.full(30, 3), n_svc_samples=10, max_iter=2)
