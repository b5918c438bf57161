"""Shared fixtures: tiny data, fast parameters, global-state guards."""

import os

# scikit-learn's array-API estimator check (with NumPy inputs) runs only when
# this is set before SciPy is imported; scikit-learn's own CI sets it the same way.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import random  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

#: Parameters that make RNNClassifier fast enough for unit tests: a tiny
#: network, two epochs, and batches that hold the whole (tiny) training set.
# conv_filters=4: a tiny convolution where conv_width="auto" adds one (token ids
# from small vocabularies); the default of 256 is tested on its own
FAST_PARAMS = dict(units=4, embedding_dim=4, conv_filters=4, epochs=2, batch_size=64, random_state=0)


@pytest.fixture(autouse=True)
def _seed_and_check_global_state():
    """Seed Python and NumPy for the test, and fail if a test leaks Keras floatx."""
    random.seed(0)
    np.random.seed(0)
    import sys

    keras = sys.modules.get("keras")
    floatx = keras.backend.floatx() if keras is not None else None
    yield
    keras = sys.modules.get("keras")
    if keras is not None and floatx is not None:
        assert keras.backend.floatx() == floatx
        keras.backend.set_floatx(floatx)


def make_token_task(n_samples=120, n_steps=12, vocab=30, seed=0, n_classes=2):
    """Token sequences whose class is which marker token (2, 3, 4) they contain."""
    rng = np.random.RandomState(seed)
    X = rng.randint(5, vocab, size=(n_samples, n_steps))
    y = rng.randint(n_classes, size=n_samples)
    lengths = rng.randint(n_steps // 2, n_steps + 1, size=n_samples)
    for i, (label, length) in enumerate(zip(y, lengths)):
        X[i, rng.randint(length)] = 2 + label
        X[i, length:] = 0
    return X, y


def make_numeric_task(n_samples=120, n_steps=10, n_features=3, seed=0):
    """Multivariate sequences whose class is the sign of feature 0's mean."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_steps, n_features)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    X[:, :, 0] += np.where(y == 1, 0.5, -0.5)[:, None]
    lengths = rng.randint(n_steps // 2, n_steps + 1, size=n_samples)
    for i, length in enumerate(lengths):
        X[i, length:] = np.nan
    return X, y


@pytest.fixture(scope="module")
def token_data():
    return make_token_task()


@pytest.fixture(scope="module")
def numeric_data():
    return make_numeric_task()


@pytest.fixture(scope="module")
def fitted_token_clf(token_data):
    """A classifier fitted once per module; read-only, never refit it."""
    from sklearn_rnn import RNNClassifier

    X, y = token_data
    return RNNClassifier(**{**FAST_PARAMS, "units": 8, "epochs": 3}).fit(X, y)
