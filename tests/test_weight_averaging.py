"""Weight averaging (``ema_momentum``): the network ends training with an
exponential moving average of its weights over the training steps."""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._backend import keras
from sklearn_rnn._defaults import AUTO_EMA_MOMENTUM, resolve_ema_momentum
from sklearn_rnn._models import build_rnn_model, make_optimizer

TINY = dict(units=4, epochs=2, batch_size=16, random_state=0)


def test_auto_rule_averages_numeric_classification_only():
    assert resolve_ema_momentum("auto", "numeric", classifier=True) == AUTO_EMA_MOMENTUM == 0.95
    assert resolve_ema_momentum("auto", "tokens", classifier=True) == 0.0
    assert resolve_ema_momentum("auto", "numeric", classifier=False) == 0.0
    assert resolve_ema_momentum(0.5, "tokens", classifier=False) == 0.5
    assert resolve_ema_momentum(0, "numeric", classifier=True) == 0.0


def _step_weights_recorder(store):
    """A callback that keeps the trainable weights after every gradient step."""
    recorder = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: store.append(
            [np.array(keras.ops.convert_to_numpy(v)) for v in recorder.model.trainable_variables]
        )
    )
    return recorder


@pytest.mark.backend_core
def test_fit_leaves_the_moving_average_of_the_step_weights(numeric_data):
    X, y = numeric_data
    steps = []
    clf = RNNClassifier(**TINY, callbacks=[_step_weights_recorder(steps)]).fit(X, y)
    assert clf.ema_momentum_ == AUTO_EMA_MOMENTUM
    assert clf.model_.optimizer.use_ema
    expected = steps[0]  # Keras' average starts at the first step's weights
    for weights in steps[1:]:
        expected = [0.95 * a + 0.05 * w for a, w in zip(expected, weights)]
    final = [keras.ops.convert_to_numpy(v) for v in clf.model_.trainable_variables]
    for got, want in zip(final, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    # ... and not the last step's weights
    assert any(not np.allclose(got, last) for got, last in zip(final, steps[-1]))


def test_zero_keeps_the_last_step_weights_and_the_same_training_path(numeric_data):
    X, y = numeric_data
    raw_steps, averaged_steps = [], []
    raw = RNNClassifier(**TINY, ema_momentum=0, callbacks=[_step_weights_recorder(raw_steps)])
    raw.fit(X, y)
    averaged = RNNClassifier(**TINY, callbacks=[_step_weights_recorder(averaged_steps)]).fit(X, y)
    assert raw.ema_momentum_ == 0.0 and not raw.model_.optimizer.use_ema
    final = [keras.ops.convert_to_numpy(v) for v in raw.model_.trainable_variables]
    for got, last in zip(final, raw_steps[-1]):
        np.testing.assert_array_equal(got, last)
    # averaging reads the steps; it does not change them
    assert len(raw_steps) == len(averaged_steps)
    for a, b in zip(raw_steps[-1], averaged_steps[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_auto_leaves_token_classifiers_and_regressors_unaveraged(token_data, numeric_data):
    X, y = token_data
    clf = RNNClassifier(**TINY, embedding_dim=3).fit(X, y)
    assert clf.ema_momentum_ == 0.0 and not clf.model_.optimizer.use_ema
    Xn, yn = numeric_data
    reg = RNNRegressor(**TINY).fit(Xn, yn.astype(float))
    assert reg.ema_momentum_ == 0.0 and not reg.model_.optimizer.use_ema
    reg = RNNRegressor(**TINY, ema_momentum=0.9).fit(Xn, yn.astype(float))
    assert reg.ema_momentum_ == 0.9 and reg.model_.optimizer.ema_momentum == 0.9


def test_optimizer_instance_keeps_its_own_setting_unless_one_is_given(numeric_data):
    X, y = numeric_data
    own = keras.optimizers.Adam(use_ema=True, ema_momentum=0.8)
    clf = RNNClassifier(**TINY, optimizer=own).fit(X, y)
    assert clf.ema_momentum_ == 0.8 and clf.model_.optimizer.ema_momentum == 0.8
    plain = keras.optimizers.Adam()
    clf = RNNClassifier(**TINY, optimizer=plain).fit(X, y)
    assert clf.ema_momentum_ == 0.0 and not clf.model_.optimizer.use_ema
    clf = RNNClassifier(**TINY, optimizer=own, ema_momentum=0.5).fit(X, y)
    assert clf.ema_momentum_ == 0.5 and clf.model_.optimizer.ema_momentum == 0.5
    clf = RNNClassifier(**TINY, optimizer=own, ema_momentum=0).fit(X, y)
    assert not clf.model_.optimizer.use_ema
    assert own.use_ema and own.ema_momentum == 0.8  # the user's instance is not changed
    assert not plain.use_ema


def test_make_optimizer_sets_or_keeps_the_average():
    assert not make_optimizer("adam", 1e-3).use_ema
    opt = make_optimizer("rmsprop", 0.01, 0.9)
    assert isinstance(opt, keras.optimizers.RMSprop) and opt.use_ema
    assert opt.ema_momentum == 0.9 and float(opt.learning_rate) == pytest.approx(0.01)
    assert not make_optimizer(keras.optimizers.Adam(use_ema=True), 1e-3, 0.0).use_ema
    assert make_optimizer(keras.optimizers.Adam(use_ema=True), 1e-3).use_ema


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, "yes"])
def test_bad_momentum_is_refused_before_training(numeric_data, value):
    X, y = numeric_data
    clf = RNNClassifier(**TINY, ema_momentum=value)
    message = "The 'ema_momentum' parameter of RNNClassifier must be a float in the range [0.0, 1.0)"
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize("value", [1.0, -0.5, "0.9"])
def test_build_rnn_model_refuses_a_bad_momentum(value):
    message = (
        f"build_rnn_model got ema_momentum={value!r}; expected a float in [0, 1) "
        "(0: no weight averaging) or None (the optimizer's own setting)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(n_classes=2, input_type="numeric", units=2, ema_momentum=value)


@pytest.mark.backend_core
def test_early_stopping_keeps_and_restores_the_averaged_weights(numeric_data):
    X, y = numeric_data
    steps, epochs = [], []
    step_recorder = _step_weights_recorder(steps)
    epoch_recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epochs.append((len(steps), [
            np.array(keras.ops.convert_to_numpy(v))
            for v in epoch_recorder.model.trainable_variables
        ]))
    )  # fmt: skip
    clf = RNNClassifier(
        units=4, epochs=8, batch_size=16, learning_rate=0.05, early_stopping=True, patience=1,
        validation_fraction=0.25, random_state=0, callbacks=[step_recorder, epoch_recorder],
    ).fit(X, y)  # fmt: skip
    assert clf.ema_momentum_ == AUTO_EMA_MOMENTUM
    assert clf.best_epoch_ == int(np.argmin(clf.history_["val_loss"]))
    # at every epoch's end the callbacks see the average of the steps so far,
    # not the last step's weights ...
    for n_steps, seen in epochs:
        expected = steps[0]
        for weights in steps[1:n_steps]:
            expected = [0.95 * a + 0.05 * w for a, w in zip(expected, weights)]
        for got, want in zip(seen, expected):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
        assert any(not np.allclose(got, last) for got, last in zip(seen, steps[n_steps - 1]))
    # ... and the stopper restores the average of its best epoch
    final = [keras.ops.convert_to_numpy(v) for v in clf.model_.trainable_variables]
    for got, want in zip(final, epochs[clf.best_epoch_][1]):
        np.testing.assert_array_equal(got, want)


@pytest.mark.backend_core
def test_partial_fit_and_warm_start_keep_averaging(numeric_data):
    X, y = numeric_data
    clf = RNNClassifier(**TINY)
    clf.partial_fit(X, y, classes=np.unique(y))
    assert clf.ema_momentum_ == AUTO_EMA_MOMENTUM
    first = [keras.ops.convert_to_numpy(v).copy() for v in clf.model_.trainable_variables]
    clf.partial_fit(X, y)
    assert clf.model_.optimizer.use_ema
    assert any(not np.array_equal(a, keras.ops.convert_to_numpy(b))
               for a, b in zip(first, clf.model_.trainable_variables))  # fmt: skip
    # a second fit of the same network (on JAX the averaged weights must not
    # share the averages' buffers, or the next fit fails)
    warm = RNNClassifier(**TINY, warm_start=True).fit(X, y)
    before = warm.predict_proba(X)
    warm.fit(X, y)
    assert warm.n_iter_ == 2 * TINY["epochs"]
    assert not np.allclose(before, warm.predict_proba(X))
