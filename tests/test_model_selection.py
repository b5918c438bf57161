"""RNNClassifier and its pipelines inside scikit-learn's model-selection tools."""

import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
    cross_val_score,
    cross_validate,
    learning_curve,
)
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequencePadder, SequenceScaler, TextTokenizer
from tests.conftest import FAST_PARAMS, make_numeric_task, make_token_task

FAST = {**FAST_PARAMS, "epochs": 1}
#: One stratified train/test split: searches fit each candidate once, since
#: compiling a network costs about a second whatever its size.
ONE_SPLIT = StratifiedShuffleSplit(n_splits=1, test_size=0.5, random_state=0)

GOOD = ["good", "great", "fine", "nice", "lovely"]
BAD = ["bad", "awful", "poor", "sad", "grim"]
FILLER = ["the", "film", "was", "plot", "very", "and", "a", "story"]


def make_docs(n_docs=20, seed=0):
    """Tiny inline reviews: the label is whether a good or a bad word appears."""
    rng = np.random.RandomState(seed)
    y = np.array(["pos", "neg"] * (n_docs // 2))
    docs = []
    for label in y:
        words = list(rng.choice(FILLER, size=rng.randint(2, 6)))
        words.insert(rng.randint(len(words) + 1), rng.choice(GOOD if label == "pos" else BAD))
        docs.append(" ".join(words))
    return docs, y


def make_ragged(n_samples=24, seed=0):
    """Ragged 2-feature sequences; the class is the sign of feature 0's mean."""
    rng = np.random.RandomState(seed)
    y = np.arange(n_samples) % 2
    X = [
        rng.normal(loc=(0.8 if label else -0.8, 0.0), size=(rng.randint(2, 7), 2))
        for label in y
    ]
    return X, y


@pytest.fixture(scope="module")
def small_tokens():
    return make_token_task(n_samples=40, n_steps=8)


def test_rnn_classifier_gets_stratified_folds(small_tokens):
    _, y = small_tokens
    assert is_classifier(RNNClassifier())
    # cross_val_score(cv=5) and the searches call check_cv with classifier=True.
    assert isinstance(check_cv(5, y, classifier=True), StratifiedKFold)
    pipe = make_pipeline(TextTokenizer(), RNNClassifier())
    assert is_classifier(pipe)


def test_cross_val_score(small_tokens):
    X, y = small_tokens
    scores = cross_val_score(RNNClassifier(**FAST), X, y, cv=2)
    assert scores.shape == (2,)
    assert np.all((scores >= 0) & (scores <= 1))


class _SplitRecorder(RNNClassifier):
    """RNNClassifier that records which rows early stopping held out."""

    def fit(self, X, y, sample_weight=None):
        self._row_ids = np.asarray(X)[:, 0, -1].astype(int)  # global row id
        return super().fit(X, y, sample_weight=sample_weight)

    def _split(self, codes, rng):
        train_rows, val_rows = super()._split(codes, rng)
        self._held_out = self._row_ids[train_rows], self._row_ids[val_rows]
        return train_rows, val_rows


@pytest.mark.slow
def test_early_stopping_holds_out_from_fold_training_data_only():
    # 80 training rows per fold: a 25% validation set of 20 (the minimum size).
    X, y = make_numeric_task(n_samples=160, n_steps=5, n_features=2)
    ids = np.broadcast_to(np.arange(len(X), dtype=np.float32)[:, None], X.shape[:2])
    X = np.concatenate([X, ids[:, :, None]], axis=2)  # last feature: row id
    X[np.isnan(X[:, :, 0])] = np.nan  # keep padded steps all-NaN
    cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    clf = _SplitRecorder(**FAST, early_stopping=True, validation_fraction=0.25)

    result = cross_validate(clf, X, y, cv=cv, return_estimator=True)

    for estimator, (fold_train, fold_test) in zip(result["estimator"], cv.split(X, y)):
        train_ids, val_ids = estimator._held_out
        assert set(val_ids) <= set(fold_train)
        assert not set(val_ids) & set(fold_test)
        assert sorted(np.concatenate([train_ids, val_ids])) == sorted(fold_train)
        # Stratified: each class gets its share of the validation rows.
        for label in (0, 1):
            n_fold = np.sum(y[fold_train] == label)
            n_val = np.sum(y[val_ids] == label)
            assert abs(n_val - 0.25 * n_fold) <= 1
        assert "val_loss" in estimator.history_


@pytest.mark.slow
def test_grid_search_over_text_pipeline():
    docs, y = make_docs()
    pipe = make_pipeline(TextTokenizer(), RNNClassifier(**FAST))
    search = GridSearchCV(pipe, {"rnnclassifier__units": [2, 4]}, cv=ONE_SPLIT)
    search.fit(docs, y)
    assert search.best_params_["rnnclassifier__units"] in (2, 4)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert search.best_estimator_[0].vocabulary_  # the tokenizer was refitted too
    assert set(search.predict(["a good film", "a bad film"])) <= {"pos", "neg"}


def test_randomized_search_over_ragged_sequence_pipeline():
    X, y = make_ragged()
    pipe = make_pipeline(SequencePadder(), SequenceScaler(), RNNClassifier(**FAST))
    search = RandomizedSearchCV(
        pipe,
        {"rnnclassifier__cell": ["gru", "lstm", "rnn"], "sequencepadder__padding": ["pre", "post"]},
        n_iter=2,
        cv=ONE_SPLIT,
        refit=False,
        random_state=0,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


@pytest.mark.slow
@pytest.mark.parametrize(
    "resource, max_resources, resources",
    [("n_samples", "auto", [20, 40]), ("epochs", 2, [1, 2])],
)
def test_halving_grid_search(small_tokens, resource, max_resources, resources):
    X, y = small_tokens
    search = HalvingGridSearchCV(
        RNNClassifier(**FAST), {"units": [2, 4]}, cv=ONE_SPLIT, factor=2, resource=resource,
        max_resources=max_resources, refit=False, random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    assert search.n_iterations_ == 2
    assert list(search.n_candidates_) == [2, 1]
    assert list(search.n_resources_) == resources


@pytest.mark.slow
def test_learning_curve(small_tokens):
    X, y = small_tokens
    sizes, train_scores, test_scores = learning_curve(
        RNNClassifier(**FAST), X, y, train_sizes=[0.5, 1.0], cv=ONE_SPLIT
    )
    assert list(sizes) == [10, 20]
    assert train_scores.shape == test_scores.shape == (2, 1)


def test_permutation_importance_on_2d_numeric_input():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6))
    y = (X[:, 0] > 0).astype(int)
    clf = RNNClassifier(**FAST).fit(X, y)
    result = permutation_importance(clf, X, y, n_repeats=2, random_state=0)
    assert result.importances.shape == (6, 2)


def test_calibrated_classifier(fitted_token_clf):
    X, y = make_token_task(seed=1)  # held out from the network's training data
    # The usual recipe: calibrate an already trained network on held-out data.
    calibrated = CalibratedClassifierCV(FrozenEstimator(fitted_token_clf)).fit(X, y)
    proba = calibrated.predict_proba(X[:5])
    assert proba.shape == (5, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.slow
def test_soft_voting_and_stacking(small_tokens):
    X, y = small_tokens
    estimators = [("rnn", RNNClassifier(**FAST)), ("lr", LogisticRegression())]
    voting = VotingClassifier(estimators, voting="soft").fit(X, y)
    assert voting.predict_proba(X[:3]).shape == (3, 2)

    stacking = StackingClassifier(estimators, final_estimator=LogisticRegression(), cv=2)
    stacking.fit(X, y)
    assert stacking.predict(X[:3]).shape == (3,)


def test_confusion_matrix_display(fitted_token_clf, token_data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = token_data
    display = ConfusionMatrixDisplay.from_estimator(fitted_token_clf, X, y)
    assert display.confusion_matrix.sum() == len(y)
    plt.close(display.figure_)


_PARALLEL_SEARCH = """
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn_rnn import RNNClassifier
from tests.conftest import make_token_task

def thread_pools():
    from sklearn_rnn._backend import tf
    threading = tf.config.threading
    return threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()

X, y = make_token_task(n_samples=40, n_steps=8)
clf = RNNClassifier(units=4, embedding_dim=4, epochs=1, batch_size=64, random_state=0)
search = GridSearchCV(clf, {"units": [2, 4]}, cv=2, n_jobs=2, refit=False).fit(X, y)
print(search.cv_results_["mean_test_score"].shape)
# Fitted networks come back pickled; loading them imports TensorFlow here.
fitted = cross_validate(clf, X, y, cv=2, n_jobs=2, return_estimator=True)["estimator"]
print(fitted[0].predict(X[:3]).shape)
# The same (reused) loky workers, then this main process.
print(sorted(set(Parallel(n_jobs=2)(delayed(thread_pools)() for _ in range(4)))))
print(thread_pools())
"""


@pytest.mark.slow
def test_parallel_search_is_quiet_and_sizes_worker_thread_pools():
    import joblib

    from sklearn_rnn._backend import BACKEND

    if BACKEND != "tensorflow":  # the search itself: tests/test_backends.py
        pytest.skip("sizes TensorFlow's thread pools: TensorFlow backend only")

    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", _PARALLEL_SEARCH],
        capture_output=True, text=True, cwd=os.getcwd(), env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # Loky workers write to this subprocess's standard error: nothing there.
    assert done.stderr == ""
    # joblib gives each of 2 workers cpu_count() // 2 threads (or the parent's
    # OMP_NUM_THREADS); the main process keeps TensorFlow's defaults (0).
    n_threads = int(os.environ.get("OMP_NUM_THREADS", max(joblib.cpu_count() // 2, 1)))
    assert done.stdout.splitlines() == [
        "(2,)",
        "(3,)",
        f"[({n_threads}, {n_threads})]",
        "(0, 0)",
    ]


@pytest.mark.slow
def test_grid_search_on_dask_cluster(small_tokens):
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = small_tokens
    search = GridSearchCV(RNNClassifier(**FAST), {"units": [2, 4]}, cv=2, n_jobs=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            host="127.0.0.1",
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_backend("dask"),
    ):  # fmt: skip
        search.fit(X, y)
        # Fitted networks travel back from the worker processes.
        fitted = cross_validate(RNNClassifier(**FAST), X, y, cv=2, return_estimator=True)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert search.best_estimator_.predict(X[:3]).shape == (3,)
    assert [clf.predict(X[:3]).shape for clf in fitted["estimator"]] == [(3,), (3,)]


@pytest.mark.slow
def test_pretrained_embeddings_in_grid_search_with_fixed_vocabulary():
    """The tokenizer is refitted per fold; a fixed vocabulary keeps ids = matrix rows."""
    from sklearn_rnn import TextTokenizer, embedding_matrix

    words = ["good", "great", "fine", "bad", "awful", "poor"]
    rng = np.random.RandomState(0)
    vectors = {w: rng.normal(size=4) for w in words}
    docs = [" ".join(rng.choice(words[:3] if i % 2 else words[3:], 3)) for i in range(24)]
    y = np.arange(24) % 2
    matrix = embedding_matrix(vectors, words)
    pipe = make_pipeline(
        TextTokenizer(vocabulary=words),
        RNNClassifier(units=4, epochs=2, embeddings=matrix, freeze_embeddings=True, random_state=0),
    )
    search = GridSearchCV(pipe, {"rnnclassifier__head": ["last", "mean"]}, cv=2).fit(docs, y)
    clf = search.best_estimator_[-1]
    np.testing.assert_array_equal(clf.model_.get_layer("embedding").get_weights()[0], matrix)
    assert clf.vocab_size_ == len(matrix)
