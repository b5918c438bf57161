"""scikeras interoperability, and the scikeras defects RNNClassifier fixes.

Importing scikeras patches Keras globally (``keras.Model.__reduce__`` and
friends), so everything that needs it is imported inside the tests.
"""

import re

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequencePadder, TextTokenizer, build_rnn_model

DOCS = [
    "the cat sat on the mat",
    "a dog chased the cat",
    "stocks fell sharply today",
    "markets rallied on earnings",
    "my cat likes fish",
    "the dog barked all night",
    "bond yields rose again",
    "investors sold tech shares",
] * 3
LABELS = np.array(["pets", "pets", "money", "money"] * 6)


def test_scikeras_keras_classifier_is_not_recognised_but_ours_is():
    """scikeras 0.13 puts ClassifierMixin after BaseWrapper: sklearn >= 1.6 misses it."""
    from scikeras.wrappers import KerasClassifier

    assert not is_classifier(KerasClassifier(model=build_rnn_model))
    assert is_classifier(RNNClassifier())
    # consequence: cv=5 is stratified for ours, plain KFold for scikeras
    y = np.array([0, 1] * 10)
    assert isinstance(check_cv(5, y, classifier=is_classifier(RNNClassifier())), StratifiedKFold)


def test_scikeras_refuses_the_nan_padding_marker():
    """scikeras validates X with sklearn's finite check: padded sequences fail.

    This is one reason RNNClassifier does not inherit scikeras' BaseWrapper
    (see docs/design.md); RNNClassifier masks the same input.
    """
    from scikeras.wrappers import KerasClassifier

    ragged = [np.ones((3, 2)), np.ones((5, 2)), np.zeros((2, 2)), np.zeros((4, 2))] * 3
    X = SequencePadder().fit_transform(ragged)
    y = np.array([1, 1, 0, 0] * 3)
    wrapper = KerasClassifier(model=build_rnn_model, model__units=2, verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        wrapper.fit(X, y)
    assert RNNClassifier(units=2, epochs=1).fit(X, y).predict(X).shape == (12,)


def test_build_rnn_model_runs_in_scikeras_pipeline():
    """The network builder is a valid ``KerasClassifier(model=...)`` callable."""
    from scikeras.wrappers import KerasClassifier

    tokenizer = TextTokenizer(max_tokens=40, max_len=8)
    wrapper = KerasClassifier(
        model=build_rnn_model,
        model__vocab_size=40,
        model__units=4,
        model__embedding_dim=4,
        epochs=2,
        batch_size=8,
        random_state=0,
        verbose=0,
    )
    pipe = make_pipeline(tokenizer, wrapper).fit(DOCS, LABELS)
    proba = pipe.predict_proba(DOCS[:4])
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(pipe.predict(DOCS)) <= {"pets", "money"}


def test_build_rnn_model_needs_vocab_size_for_tokens():
    with pytest.raises(ValueError, match="needs vocab_size"):
        build_rnn_model(n_classes=2, input_type="tokens")
    with pytest.raises(ValueError, match=re.escape("needs n_classes (or n_outputs) and input_type")):
        build_rnn_model(input_type="tokens", vocab_size=5)
