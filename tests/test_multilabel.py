"""Multilabel classification: a binary indicator y, as MLPClassifier takes it."""

import re

import numpy as np
import pytest
from imblearn.under_sampling import RandomUnderSampler
from scipy.sparse import csr_matrix
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_score

from sklearn_rnn import RNNClassifier

FAST = dict(units=8, embedding_dim=4, epochs=2, batch_size=64, random_state=0)


def make_multilabel_task(n_samples=120, seed=0):
    """Token sequences tagged with each marker token (2, 3, 4) they contain."""
    rng = np.random.RandomState(seed)
    X = rng.randint(5, 20, size=(n_samples, 8))
    Y = rng.randint(2, size=(n_samples, 3))
    for i, labels in enumerate(Y):
        for k in np.flatnonzero(labels):
            X[i, rng.randint(8)] = 2 + k
    Y = np.column_stack([(X == 2 + k).any(axis=1) for k in range(3)]).astype(int)
    return X, Y


@pytest.fixture(scope="module")
def task():
    return make_multilabel_task()


@pytest.fixture(scope="module")
def fitted(task):
    return RNNClassifier(**FAST).fit(*task)


def test_indicator_y_gives_sigmoid_outputs(fitted, task):
    X, Y = task
    assert fitted.classes_.tolist() == [0, 1, 2]
    assert fitted.model_.get_layer("probabilities").activation.__name__ == "sigmoid"
    # per-label binary cross-entropy, smoothed as label_smoothing="auto" does for token ids
    assert type(fitted.model_.loss).__name__ == "BinaryCrossentropy"
    assert fitted.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    plain = RNNClassifier(**FAST, label_smoothing=0.0).fit(*task)
    assert plain.model_.loss == "binary_crossentropy"
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 3) and ((proba >= 0) & (proba <= 1)).all()
    pred = fitted.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(int))


@pytest.mark.slow
def test_learns_and_scores_with_sample_averaged_f1(task):
    X, Y = task
    clf = RNNClassifier(units=16, embedding_dim=8, epochs=25, learning_rate=0.02,
                        random_state=0).fit(X[:90], Y[:90])  # fmt: skip
    # a row with no true and no predicted label is full agreement: zero_division=1
    assert f1_score(Y[90:], clf.predict(X[90:]), average="samples", zero_division=1.0) > 0.8


def test_cross_val_score_with_kfold(task):
    X, Y = task
    scores = cross_val_score(RNNClassifier(**FAST), X, Y, cv=KFold(2),
                             scoring="f1_samples")  # fmt: skip
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_early_stopping_partial_fit_and_sample_weight(task):
    X, Y = task
    # validation_fraction: 24 of 120 rows, above early stopping's 20-row minimum.
    clf = RNNClassifier(**{**FAST, "epochs": 3}, early_stopping=True, patience=1,
                        validation_fraction=0.2).fit(X, Y)  # fmt: skip
    assert "val_loss" in clf.history_
    part = RNNClassifier(**FAST).partial_fit(X, Y).partial_fit(X, Y)
    assert part.n_iter_ == 2 and part.classes_.tolist() == [0, 1, 2]
    weighted = RNNClassifier(**FAST).fit(X, Y, sample_weight=np.linspace(0.5, 2, len(X)))
    assert weighted.predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="was fitted on a label-indicator matrix of 3 labels"):
        part.partial_fit(X, Y[:, 0])


@pytest.mark.parametrize(
    "param, value", [("class_weight", "balanced"), ("sampler", RandomUnderSampler())]
)
def test_class_weight_and_sampler_refused(task, param, value, monkeypatch):
    X, Y = task
    clf = RNNClassifier(**FAST, **{param: value})
    monkeypatch.setattr(clf, "_build_model", lambda seed: pytest.fail("network was built"))
    message = f"{param}={value!r} does not apply to multilabel y"
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X, Y)
    assert not hasattr(clf, "model_")


def test_2d_y_that_is_not_an_indicator_is_refused(task):
    X, Y = task
    with pytest.raises(ValueError, match="is not a binary label-indicator matrix"):
        RNNClassifier(**FAST).fit(X, Y * 2)


@pytest.mark.parametrize("classes", [[0, 1], [0, 1, 3], ["a", "b", "c"]])
def test_partial_fit_refuses_classes_that_are_not_the_columns(task, classes, monkeypatch):
    # classes= on the first call was ignored for an indicator y: classes_ became
    # the column indices whatever was passed
    X, Y = task
    clf = RNNClassifier(**FAST)
    monkeypatch.setattr(clf, "_build_model", lambda *a, **k: pytest.fail("network was built"))
    message = (
        f"classes={sorted(classes)!r} does not match y, a label-indicator matrix of 3 "
        "columns, whose labels are the column indices [0, 1, 2]. Pass classes=None (or "
        "np.arange(3)) with multilabel y."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.partial_fit(X, Y, classes=classes)
    assert not hasattr(clf, "classes_")


def test_partial_fit_takes_the_column_indices_as_classes(task):
    X, Y = task
    clf = RNNClassifier(**FAST).partial_fit(X[:40], Y[:40], classes=[2, 0, 1])
    assert clf.classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize("numeric", [False, True])
def test_sparse_indicator_y_fits_as_its_dense_form(task, numeric):
    # MultiLabelBinarizer(sparse_output=True) gives a sparse matrix, which
    # MLPClassifier takes; it used to fail with NumPy's "truth value of an
    # array ... is ambiguous" (2-D X) or be refused (3-D X).
    X, Y = task[0][:40], task[1][:40]
    if numeric:
        X = X[:, :, np.newaxis].astype(np.float32)
    dense = RNNClassifier(**FAST).fit(X, Y)
    sparse = RNNClassifier(**FAST).fit(X, csr_matrix(Y))
    assert sparse.classes_.tolist() == [0, 1, 2]
    np.testing.assert_allclose(sparse.predict_proba(X), dense.predict_proba(X), rtol=1e-5)
