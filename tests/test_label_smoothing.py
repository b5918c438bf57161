"""RNNClassifier(label_smoothing=...): the smoothed losses, their validation and persistence."""

import pickle
import re

import numpy as np
import pytest

import sklearn_rnn
from sklearn_rnn import RNNClassifier
from sklearn_rnn._backend import keras
from sklearn_rnn._models import SmoothedSparseCrossentropy, build_rnn_model
from sklearn_rnn._validation import InvalidParameterError

from .conftest import FAST_PARAMS, make_numeric_task, make_token_task


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_smoothed_sparse_loss_equals_keras_categorical_smoothing(smoothing):
    rng = np.random.RandomState(0)
    logits = rng.randn(7, 4).astype("float32")
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([0, 3, 1, 2, 2, 0, 3])
    weights = rng.uniform(0.5, 2.0, size=7).astype("float32")
    ours = SmoothedSparseCrossentropy(smoothing)(labels, probabilities, sample_weight=weights)
    onehot = np.eye(4, dtype="float32")[labels]
    keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
    expected = keras_loss(onehot, probabilities, sample_weight=weights)
    np.testing.assert_allclose(float(ours), float(expected), rtol=1e-5)
    # labels as a column, as Keras may hand them over
    column = SmoothedSparseCrossentropy(smoothing)(labels[:, None], probabilities, sample_weight=weights)
    np.testing.assert_allclose(float(column), float(expected), rtol=1e-5)


def test_auto_smooths_token_ids_only():
    X, y = make_token_task()
    clf = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.label_smoothing == "auto"
    assert clf.label_smoothing_ == pytest.approx(0.1)
    assert isinstance(clf.model_.loss, SmoothedSparseCrossentropy)
    assert clf.model_.loss.label_smoothing == pytest.approx(0.1)
    # numeric sequences keep the plain loss
    Xn, yn = make_numeric_task()
    numeric = RNNClassifier(**FAST_PARAMS).fit(Xn, yn)
    assert numeric.label_smoothing_ == 0.0
    assert numeric.model_.loss == "sparse_categorical_crossentropy"
    # an explicit value always wins, 0.0 included
    plain = RNNClassifier(label_smoothing=0.0, **FAST_PARAMS).fit(X, y)
    assert plain.label_smoothing_ == 0.0
    assert plain.model_.loss == "sparse_categorical_crossentropy"
    # "auto" gives what 0.1 gives
    explicit = RNNClassifier(label_smoothing=0.1, **FAST_PARAMS).fit(X, y)
    np.testing.assert_allclose(explicit.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_a_refused_refit_keeps_the_earlier_fit():
    X, y = make_token_task()
    clf = RNNClassifier(**FAST_PARAMS).fit(X, y)
    clf.set_params(label_smoothing=2.0)
    with pytest.raises(InvalidParameterError):
        clf.fit(X, y)
    # the refused refit happened before training: the earlier fit is intact
    assert clf.label_smoothing_ == pytest.approx(0.1)


def test_multiclass_fit_trains_on_the_smoothed_loss_and_round_trips(tmp_path):
    X, y = make_token_task(n_classes=3)
    clf = RNNClassifier(label_smoothing=0.2, **FAST_PARAMS).fit(X, y)
    assert isinstance(clf.model_.loss, SmoothedSparseCrossentropy)
    assert clf.model_.loss.label_smoothing == pytest.approx(0.2)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    # the same training without smoothing gives other weights
    plain = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert not np.allclose(plain.predict_proba(X), proba)
    # pickling and the safe file format keep the loss and the predictions
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), proba, rtol=1e-6)
    assert again.model_.loss.label_smoothing == pytest.approx(0.2)
    sklearn_rnn.save(clf, tmp_path / "clf.zip")
    loaded = sklearn_rnn.load(tmp_path / "clf.zip")
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-6)
    assert loaded.model_.loss.label_smoothing == pytest.approx(0.2)


def test_multilabel_fit_uses_keras_binary_smoothing():
    X, _ = make_token_task()
    rng = np.random.RandomState(0)
    Y = (rng.rand(len(X), 3) > 0.5).astype(int)
    clf = RNNClassifier(label_smoothing=0.1, **FAST_PARAMS).fit(X, Y)
    assert isinstance(clf.model_.loss, keras.losses.BinaryCrossentropy)
    assert clf.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.1)
    assert clf.predict(X).shape == Y.shape


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, "Auto", None])
def test_out_of_range_is_refused_before_training(value):
    X, y = make_token_task()
    clf = RNNClassifier(label_smoothing=value, **FAST_PARAMS)
    with pytest.raises(InvalidParameterError, match="'label_smoothing' parameter of RNNClassifier"):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def test_build_rnn_model_refuses_out_of_range_smoothing():
    message = "build_rnn_model got label_smoothing=1.0; expected a float in [0, 1)"
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=10, label_smoothing=1.0)
