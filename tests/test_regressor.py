"""RNNRegressor behaviour: learning, multi-output, padding, model selection, persistence."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import StackingRegressor
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceScaler
from sklearn_rnn._base import BaseRNN

FAST = dict(units=4, embedding_dim=4, epochs=2, batch_size=64, random_state=0)


def make_regression_task(kind, n_samples=300, n_steps=12, seed=0, n_outputs=1):
    """Sequences whose target is a weighted sum over time of their values, plus noise.

    ``kind``: "tokens" (each token id has a value), "2d" (univariate floats) or
    "3d" (two features, the target reads the first). Rows are post-padded to
    random lengths; padding does not contribute to the target.
    """
    rng = np.random.RandomState(seed)
    lengths = rng.randint(n_steps // 2, n_steps + 1, size=n_samples)
    real = np.arange(n_steps)[None, :] < lengths[:, None]
    weights = np.linspace(0.5, 1.5, n_steps)
    if kind == "tokens":
        values = np.concatenate([[0.0, 0.0], rng.normal(size=18)])
        X = rng.randint(2, 20, size=(n_samples, n_steps)) * real
        signal = (values[X] * weights).sum(axis=1)
    else:
        series = rng.normal(size=(n_samples, n_steps, 2))
        signal = (np.where(real, series[:, :, 0], 0) * weights).sum(axis=1)
        series[~real] = np.nan
        X = series[:, :, 0] if kind == "2d" else series
    y = signal + 0.1 * rng.normal(size=n_samples)
    if n_outputs > 1:
        y = np.column_stack([y * (k + 1) + 10 * k for k in range(n_outputs)])
    return X, y


# ----------------------------------------------------------------- learning
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tokens", "2d", "3d"])
def test_learns_weighted_sum_with_high_r2(kind):
    X, y = make_regression_task(kind, n_samples=600)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    reg = RNNRegressor(units=16, embedding_dim=8, epochs=30, learning_rate=0.01,
                       dropout=0.0, random_state=0)  # fmt: skip
    assert reg.fit(X_tr, y_tr).score(X_te, y_te) >= 0.9


def test_predictions_are_in_the_units_of_y():
    X, y = make_regression_task("3d", n_samples=60)
    reg = RNNRegressor(**FAST).fit(X, 1000 + 50 * y)
    pred = reg.predict(X)
    assert pred.shape == (60,) and pred.dtype == np.float64
    # An untrained-ish network predicts near the standardised mean, i.e. near
    # 1000 in the original units, not near 0.
    assert abs(pred.mean() - 1000) < 3 * 50 * y.std()
    assert reg.history_.keys() == {"loss"} and reg.n_iter_ == 2


def test_multi_output_is_native():
    X, y = make_regression_task("tokens", n_samples=60, n_outputs=3)
    reg = RNNRegressor(**FAST).fit(X, y)
    assert reg.n_outputs_ == 3 and reg.predict(X).shape == (60, 3)
    assert reg.model_.output_shape == (None, 3)
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = RNNRegressor(**FAST).fit(X, y[:, :1])
    assert column.predict(X).shape == (60,)


@pytest.mark.parametrize("loss", ["mse", "huber", "mae"])
def test_loss_parameter_sets_the_keras_loss(loss):
    X, y = make_regression_task("2d", n_samples=30)
    reg = RNNRegressor(**{**FAST, "epochs": 1}, loss=loss).fit(X, y)
    expected = {"mse": "MeanSquaredError", "huber": "Huber", "mae": "MeanAbsoluteError"}
    assert type(reg.model_.loss).__name__ == expected[loss]


def test_padded_and_unpadded_sequences_predict_the_same():
    X, y = make_regression_task("3d", n_samples=40)
    reg = RNNRegressor(**FAST).fit(X, y)
    longer = np.concatenate([X, np.full((len(X), 6, 2), np.nan)], axis=1)
    np.testing.assert_allclose(reg.predict(longer), reg.predict(X), rtol=1e-5, atol=1e-6)
    length = int((~np.isnan(X[0, :, 0])).sum())
    np.testing.assert_allclose(reg.predict(X[:1, :length]), reg.predict(X[:1]), rtol=1e-5, atol=1e-6)
    # Token ids: 2-D input keeps its column count (scikit-learn's contract), so
    # compare post- and pre-padding of the same tokens to the same width.
    T, yt = make_regression_task("tokens", n_samples=40)
    tok = RNNRegressor(**FAST).fit(T, yt)
    pre = np.zeros_like(T)
    for i, row in enumerate(T):
        real = row[row != 0]
        pre[i, len(row) - len(real) :] = real
    np.testing.assert_allclose(tok.predict(pre), tok.predict(T), rtol=1e-5, atol=1e-6)


def test_early_stopping_and_warm_start():
    X, y = make_regression_task("2d", n_samples=60)
    # validation_fraction: a hold-out of 21 rows, above the 20-row minimum.
    reg = RNNRegressor(**{**FAST, "epochs": 4}, early_stopping=True, patience=1,
                       validation_fraction=0.35).fit(X, y)  # fmt: skip
    assert {"loss", "val_loss"} <= set(reg.history_)
    assert 0 <= reg.best_epoch_ < reg.n_iter_
    warm = RNNRegressor(**FAST, warm_start=True).fit(X, y)
    first = warm.model_
    warm.fit(X, y)
    assert warm.model_ is first and warm.n_iter_ == 4
    part = RNNRegressor(**FAST).partial_fit(X, y).partial_fit(X, y)
    assert part.n_iter_ == 2
    with pytest.raises(ValueError, match=r"was fitted on 1 target\(s\) but got y of shape"):
        part.partial_fit(X, np.column_stack([y, y]))


# ---------------------------------------------------------- model selection
def test_cross_val_score_grid_search_transformed_target_and_stacking():
    X, y = make_regression_task("3d", n_samples=48)
    scores = cross_val_score(RNNRegressor(**FAST), X, y, cv=KFold(3))
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    search = GridSearchCV(RNNRegressor(**FAST), {"loss": ["mse", "mae"]}, cv=2).fit(X, y)
    assert search.best_params_["loss"] in ("mse", "mae")
    Xu = X[:, :, 0]  # 2-D: what TransformedTargetRegressor and Stacking pass around
    ttr = TransformedTargetRegressor(RNNRegressor(**FAST), func=np.log1p, inverse_func=np.expm1)
    assert ttr.fit(Xu, np.abs(y)).predict(Xu).shape == (48,)
    stack = StackingRegressor(
        [("rnn", make_pipeline(SequenceScaler(), RNNRegressor(**FAST)))], final_estimator=Ridge(), cv=2
    ).fit(Xu, y)
    assert stack.predict(Xu).shape == (48,)


def test_classifier_and_regressor_share_one_base():
    assert issubclass(RNNClassifier, BaseRNN) and issubclass(RNNRegressor, BaseRNN)
    from sklearn.base import is_classifier, is_regressor

    assert is_regressor(RNNRegressor()) and not is_classifier(RNNRegressor())
    shared = set(RNNClassifier().get_params()) & set(RNNRegressor().get_params())
    assert set(RNNRegressor().get_params()) - shared == {"loss"}
    assert set(RNNClassifier().get_params()) - shared == {"class_weight", "label_smoothing", "ngram_expert", "sampler"}


# -------------------------------------------------------------- persistence
_FRESH_LOAD = """
import pickle, sys
import numpy as np
import sklearn_rnn
X = np.load(sys.argv[1] + "/X.npy", allow_pickle=False)
expected = np.load(sys.argv[1] + "/expected.npy", allow_pickle=False)
with open(sys.argv[1] + "/est.pkl", "rb") as f:
    est = pickle.load(f)
loaded = sklearn_rnn.load(sys.argv[1] + "/est.zip")
out = [getattr(e, "predict_proba", e.predict)(X) for e in (est, loaded)]
print(all(np.array_equal(o, expected) for o in out), type(loaded).__name__)
"""


@pytest.mark.parametrize("kind", ["multi_output_regression", "multilabel"])
def test_round_trip_in_fresh_process(kind, tmp_path):
    if kind == "multilabel":
        X = np.random.RandomState(0).randint(1, 9, size=(30, 5))
        y = np.column_stack([(X == k).any(axis=1) for k in (2, 3, 4)]).astype(int)
        est = RNNClassifier(**FAST).fit(X, y)
        expected = est.predict_proba(X)
    else:
        X, y = make_regression_task("3d", n_samples=30, n_outputs=2)
        est = RNNRegressor(**FAST).fit(X, y)
        expected = est.predict(X)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", expected)
    (tmp_path / "est.pkl").write_bytes(pickle.dumps(est))
    est.save(tmp_path / "est.zip")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_FRESH_LOAD), str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["True", type(est).__name__]


def test_regressor_takes_head_and_auto_budget():
    X, y = make_regression_task("tokens", n_samples=1024)
    reg = RNNRegressor(**{**FAST, "head": "mean", "batch_size": "auto", "epochs": "auto"}).fit(X, y)
    assert reg.head_ == "mean" and reg.batch_size_ == 32 and reg.epochs_ == 30  # 32 steps an epoch
    assert reg.model_.layers[-2].name == "mean_pooling"
    assert RNNRegressor().head == "last"  # the regressor's defaults were not re-measured
