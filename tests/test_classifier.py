"""RNNClassifier behaviour: learning, labels, reproducibility, state, persistence."""

import os
import pickle
import random
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, RNNRegressor, SequencePadder, SequenceScaler
from sklearn_rnn._backend import BACKEND, keras, tf
from tests.conftest import FAST_PARAMS, make_numeric_task, make_token_task


def _split(X, y):
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


# ----------------------------------------------------------------- learning
def test_learns_token_task_well_above_chance():
    X, y = make_token_task(n_samples=400, n_classes=3, seed=1)
    X_tr, X_te, y_tr, y_te = _split(X, y)
    clf = RNNClassifier(units=16, embedding_dim=8, epochs=15, learning_rate=0.01, random_state=0)
    assert clf.fit(X_tr, y_tr).score(X_te, y_te) > 0.8  # chance is 1/3
    assert clf.input_type_ == "tokens" and clf.vocab_size_ == X.max() + 1


def test_learns_numeric_task_well_above_chance():
    X, y = make_numeric_task(n_samples=300, seed=1)
    X_tr, X_te, y_tr, y_te = _split(X, y)
    clf = RNNClassifier(units=8, epochs=15, learning_rate=0.01, random_state=0)
    assert clf.fit(X_tr, y_tr).score(X_te, y_te) > 0.8  # chance is 1/2
    assert clf.input_type_ == "numeric" and clf.n_features_in_ == 3


def test_string_labels_round_trip_binary_and_multiclass():
    for labels in (np.array(["no", "yes"]), np.array(["a", "b", "c"])):
        X, y = make_token_task(n_samples=60, n_classes=len(labels))
        y_str = labels[y]
        clf = RNNClassifier(**FAST_PARAMS).fit(X, y_str)
        np.testing.assert_array_equal(clf.classes_, labels)
        assert clf.predict(X).dtype == y_str.dtype
        assert set(clf.predict(X)) <= set(labels)
        proba = clf.predict_proba(X)
        assert proba.shape == (len(X), len(labels))
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-12)
        assert clf.score(X, y_str) == np.mean(clf.predict(X) == y_str)


def test_fit_returns_self_and_sets_fitted_attributes(fitted_token_clf, token_data):
    clf = fitted_token_clf
    assert isinstance(clf.model_, keras.Model)
    assert clf.n_features_in_ == token_data[0].shape[1]
    assert clf.n_iter_ == 3 == len(clf.history_["loss"])
    assert set(clf.history_) == {"loss", "accuracy"}
    assert not hasattr(clf, "best_epoch_")


@pytest.mark.backend_core
def test_numeric_3d_length_may_differ_at_predict(numeric_data):
    X, y = numeric_data
    clf = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.predict(X[:, :4]).shape == (len(X),)
    longer = np.concatenate([X, np.full((len(X), 5, 3), np.nan, np.float32)], axis=1)
    np.testing.assert_allclose(clf.predict_proba(longer), clf.predict_proba(X), rtol=1e-5)


def test_univariate_2d_float_and_explicit_input_type():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6))
    y = (X.mean(axis=1) > 0).astype(int)
    clf = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.input_type_ == "numeric" and clf.n_features_in_ == 6
    ids = rng.randint(0, 9, size=(40, 6))
    numeric = RNNClassifier(**FAST_PARAMS, input_type="numeric").fit(ids, y)
    assert numeric.input_type_ == "numeric"
    tokens = RNNClassifier(**FAST_PARAMS, input_type="tokens").fit(ids.astype(float), y)
    assert tokens.input_type_ == "tokens"


def test_token_ids_beyond_vocabulary_map_to_oov(fitted_token_clf, token_data):
    X = token_data[0][:5].copy()
    unseen = X.copy()
    unseen[unseen >= 2] = fitted_token_clf.vocab_size_ + 100
    oov = np.where(X >= 2, 1, X)
    np.testing.assert_allclose(
        fitted_token_clf.predict_proba(unseen), fitted_token_clf.predict_proba(oov)
    )


def test_explicit_vocab_size_sizes_the_embedding(token_data):
    X, y = token_data
    clf = RNNClassifier(**FAST_PARAMS, vocab_size=100).fit(X, y)
    assert clf.vocab_size_ == 100
    assert clf.model_.get_layer("embedding").input_dim == 100


# ---------------------------------------------------------- reproducibility
@pytest.mark.backend_core
def test_same_random_state_same_predictions(token_data):
    X, y = token_data
    params = {**FAST_PARAMS, "dropout": 0.3, "batch_size": 16}
    a = RNNClassifier(**params).fit(X, y).predict_proba(X)
    b = RNNClassifier(**params).fit(X, y).predict_proba(X)
    c = RNNClassifier(**{**params, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def _global_state():
    state = {
        "python": random.getstate(),
        "numpy": pickle.dumps(np.random.get_state()),
        "env": {k: os.environ.get(k) for k in ("TF_DETERMINISTIC_OPS", "TF_CPP_MIN_LOG_LEVEL")},
        "floatx": keras.backend.floatx(),
        "keras_seed": keras.src.backend.common.global_state.get_global_attribute(
            "global_seed_generator"
        ),
    }
    if BACKEND == "tensorflow":
        from tensorflow.python.eager import context
        from tensorflow.python.framework import config

        state["tf_global_seed"] = context.global_seed()
        state["op_determinism"] = config.is_op_determinism_enabled()
        state["tf_intra_threads"] = tf.config.threading.get_intra_op_parallelism_threads()
    elif BACKEND == "torch":
        import torch

        state["torch_rng"] = torch.get_rng_state().numpy().tobytes()
        state["torch_deterministic"] = torch.are_deterministic_algorithms_enabled()
        state["torch_threads"] = torch.get_num_threads()
    return state


@pytest.mark.backend_core
def test_fit_leaves_no_global_state_changed(token_data):
    X, y = token_data
    before = _global_state()
    RNNClassifier(**FAST_PARAMS, early_stopping=True, dropout=0.2).fit(X, y).predict(X)
    assert _global_state() == before


def test_random_state_instance_is_not_replaced(token_data):
    X, y = token_data
    rs = np.random.RandomState(3)
    clf = RNNClassifier(**{**FAST_PARAMS, "random_state": rs}).fit(X, y)
    assert clf.random_state is rs


# ------------------------------------------------------- training controls
@pytest.mark.backend_core
def test_early_stopping_restores_best_weights(numeric_data):
    X, y = numeric_data
    weights = []
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(recorder.model.get_weights())
    )
    clf = RNNClassifier(
        units=4, epochs=12, batch_size=16, learning_rate=0.05, early_stopping=True,
        patience=2, validation_fraction=0.25, random_state=0, callbacks=[recorder],
    ).fit(X, y)  # fmt: skip
    history = clf.history_
    assert {"loss", "val_loss", "val_accuracy"} <= set(history)
    assert clf.n_iter_ == len(history["loss"]) == len(weights)
    assert clf.best_epoch_ == int(np.argmin(history["val_loss"]))
    for restored, best in zip(clf.model_.get_weights(), weights[clf.best_epoch_]):
        np.testing.assert_array_equal(restored, best)


def test_validation_split_is_stratified_and_shuffled():
    codes = np.array([0] * 80 + [1] * 20)
    clf = RNNClassifier(validation_fraction=0.2)
    clf._multilabel = False  # as fit sets it
    train, val = clf._split(codes, np.random.RandomState(0))
    assert len(val) == 20 and np.bincount(codes[val]).tolist() == [16, 4]
    assert not np.array_equal(np.sort(val), np.arange(80, 100))  # not "last rows"
    assert set(train).isdisjoint(val) and len(train) + len(val) == 100


@pytest.mark.backend_core
def test_warm_start_and_partial_fit_continue_training(token_data):
    X, y = token_data
    clf = RNNClassifier(**{**FAST_PARAMS, "warm_start": True}).fit(X, y)
    model = clf.model_
    clf.fit(X, y)
    assert clf.model_ is model and clf.n_iter_ == 4
    cold = RNNClassifier(**FAST_PARAMS).fit(X, y)
    first = cold.model_
    assert cold.fit(X, y).model_ is not first and cold.n_iter_ == 2

    online = RNNClassifier(**FAST_PARAMS)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        online.partial_fit(X, y)
    online.partial_fit(X[:60], y[:60], classes=[0, 1])
    online.partial_fit(X[60:], y[60:])
    assert online.n_iter_ == 2 and online.classes_.tolist() == [0, 1]


def test_user_callbacks_run_and_list_is_not_modified(token_data):
    X, y = token_data
    seen = []
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))]
    RNNClassifier(**FAST_PARAMS, callbacks=callbacks, early_stopping=True).fit(X, y)
    assert seen == [0, 1] and len(callbacks) == 1


def test_verbose_controls_output(token_data, capfd):
    X, y = token_data
    RNNClassifier(**FAST_PARAMS).fit(X, y).predict(X)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    RNNClassifier(**FAST_PARAMS, verbose=1).fit(X, y)
    out, _ = capfd.readouterr()
    assert "Epoch 1/2" in out and "loss" in out


def test_simple_rnn_stacked_bidirectional_fits(token_data):
    # GRU and LSTM variants run in test_grid_search_over_cell_units_bidirectional
    X, y = token_data
    clf = RNNClassifier(**{**FAST_PARAMS, "units": (4, 3)}, cell="rnn", bidirectional=True)
    assert clf.fit(X, y).predict(X).shape == (len(X),)


# ------------------------------------------------------- sklearn machinery
def test_clone_get_set_params():
    clf = RNNClassifier(units=(8, 4), cell="lstm", optimizer="sgd")
    copy = clone(clf)
    assert copy.get_params() == clf.get_params() and copy is not clf
    copy.set_params(units=3, bidirectional=True)
    assert copy.units == 3 and clf.units == (8, 4)


@pytest.mark.slow
def test_grid_search_over_cell_units_bidirectional(token_data):
    X, y = token_data
    # One axis at a time (5 candidates, not the 8 of the full product) keeps
    # this test short while every value of every searched parameter is fitted.
    param_grid = [
        {"cell": ["gru", "lstm"]},
        {"units": [2, (3, 2)]},
        {"bidirectional": [True]},
    ]
    grid = GridSearchCV(RNNClassifier(**FAST_PARAMS), param_grid, cv=2).fit(X, y)
    assert len(grid.cv_results_["params"]) == 5
    searched = grid.cv_results_["params"]
    assert {p.get("cell") for p in searched} >= {"gru", "lstm"}
    assert {p.get("units") for p in searched} >= {2, (3, 2)}
    assert {"bidirectional": True} in searched
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    best = grid.best_estimator_
    assert best.get_params()["cell"] in {"gru", "lstm"}
    assert best.predict(X).shape == (len(X),)


def test_pipeline_with_padder_and_scaler_on_ragged_list():
    rng = np.random.RandomState(0)
    y = np.array([0, 1] * 15)
    ragged = [rng.normal(loc=label, size=(rng.randint(3, 9), 2)) for label in y]
    pipe = make_pipeline(SequencePadder(), SequenceScaler(), RNNClassifier(**FAST_PARAMS))
    assert pipe.fit(ragged, y).predict(ragged[:4]).shape == (4,)
    expected = pipe.predict_proba(ragged)
    # a project-wide transform_output="pandas" leaves the sequence steps as arrays
    import sklearn

    with sklearn.config_context(transform_output="pandas"):
        np.testing.assert_array_equal(clone(pipe).fit(ragged, y).predict_proba(ragged), expected)


# ------------------------------------------------------------ persistence
@pytest.mark.backend_core
def test_pickle_and_joblib_round_trip(fitted_token_clf, token_data, tmp_path):
    X = token_data[0]
    expected = fitted_token_clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(fitted_token_clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(fitted_token_clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict_proba(X), expected)


@pytest.mark.slow
@pytest.mark.backend_core
def test_pickle_loads_in_fresh_process(fitted_token_clf, token_data, tmp_path):
    X = token_data[0][:7]
    np.save(tmp_path / "X.npy", X)
    with open(tmp_path / "clf.pkl", "wb") as f:
        pickle.dump(fitted_token_clf, f)
    code = textwrap.dedent(
        f"""
        import pickle, numpy as np
        clf = pickle.load(open({str(tmp_path / "clf.pkl")!r}, "rb"))
        np.save({str(tmp_path / "p.npy")!r}, clf.predict_proba(np.load({str(tmp_path / "X.npy")!r})))
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.getcwd(), timeout=300)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), fitted_token_clf.predict_proba(X))


def test_unfitted_predict_raises(token_data):
    with pytest.raises(NotFittedError):
        RNNClassifier().predict_proba(token_data[0])


@pytest.mark.slow
def test_import_is_quiet_and_does_not_load_keras():
    code = (
        "import sys, sklearn_rnn; "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules); "
        "sklearn_rnn.TextTokenizer().fit(['a b']); "
        "print('keras' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["False", "False", "False"]
    assert done.stderr == ""
    # fit, predict and partial_fit on token ids and on padded numeric sequences:
    # nothing on either stream, whatever the CPU (issue 10: TensorFlow's
    # oneDNN pass logged an E0000 line on AMD EPYC for a bool Transpose).
    fit = (
        "import numpy as np, sklearn_rnn; "
        "X = np.ones((4, 3)); X[0, 2] = np.nan; y = [0, 1, 0, 1]; "
        "clf = sklearn_rnn.RNNClassifier(units=2, epochs=1).fit(X, y); clf.predict(X); "
        "clf.partial_fit(X, y); "
        "tok = sklearn_rnn.RNNClassifier(units=2, epochs=1, bidirectional=True, cell='lstm'); "
        "tok.fit(np.array([[2, 3, 0], [4, 2, 2]] * 2), y).predict_proba([[2, 0, 0]])"
    )
    done = subprocess.run(
        [sys.executable, "-c", fit], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout == "" and done.stderr == ""


def test_many_short_fits_do_not_warn_of_retracing(capfd):
    """Each fit traces its own new model once; TensorFlow must not call that retracing."""
    import logging

    X = np.random.RandomState(0).rand(20, 5)
    y = np.arange(20) % 2
    for _ in range(7):
        RNNClassifier(units=2, epochs=2, batch_size=64).fit(X, y)
    out, err = capfd.readouterr()
    assert "retracing" not in out + err
    assert logging.getLogger("tensorflow").filters == []


@pytest.mark.parametrize("head", ["max", "mean", "attention"])
def test_pooling_heads_fit_predict_and_pickle(head, tmp_path):
    import pickle

    X = np.random.RandomState(0).randint(1, 12, size=(20, 6))
    X[:8, 4:] = 0
    y = np.arange(20) % 2
    clf = RNNClassifier(head=head, **FAST_PARAMS).fit(X, y)
    assert clf.model_.get_layer(f"{head}_pooling") in clf.model_.layers
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X), clf.predict_proba(X), rtol=1e-6)
    import sklearn_rnn

    path = str(tmp_path / f"{head}.zip")
    sklearn_rnn.save(clf, path)  # the safe format: our pooling layers are trusted
    loaded = sklearn_rnn.load(path)
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-6)


def test_batch_size_auto_and_explicit():
    from sklearn_rnn._defaults import resolve_batch_size

    assert [resolve_batch_size("auto", n) for n in (10, 40, 200, 100_000)] == [8, 8, 12, 32]
    assert resolve_batch_size(5, 100_000) == 5  # an explicit value always wins
    X = np.random.RandomState(0).normal(size=(20, 4, 2)).astype("float32")
    y = np.arange(20) % 2
    clf = RNNClassifier(**{**FAST_PARAMS, "batch_size": "auto"}).fit(X, y)
    assert clf.batch_size_ == 8
    assert RNNClassifier(**FAST_PARAMS).fit(X, y).batch_size_ == FAST_PARAMS["batch_size"]


def test_early_stopping_on_few_samples_trains_every_epoch():
    """Too few sequences for a validation set (9 classes, 27 rows): no error, no split."""
    X = np.random.RandomState(0).normal(size=(27, 4, 2)).astype("float32")
    y = np.arange(27) % 9
    clf = RNNClassifier(**{**FAST_PARAMS, "early_stopping": True}).fit(X, y)
    plain = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert clf.validation_size_ == 0 and not hasattr(clf, "best_epoch_")
    assert "val_loss" not in clf.history_ and clf.n_iter_ == FAST_PARAMS["epochs"]
    np.testing.assert_array_equal(clf.predict_proba(X), plain.predict_proba(X))


def test_refit_drops_the_attributes_of_the_earlier_fit():
    """A refit resets, as MLPClassifier's does: nothing of the earlier fit outlives it."""
    X, y = make_token_task(n_samples=60)
    clf = RNNClassifier(**{**FAST_PARAMS, "early_stopping": True, "validation_fraction": 0.4})
    clf.fit(X, y)
    assert hasattr(clf, "best_epoch_") and clf.validation_size_ > 0
    numeric_X, numeric_y = make_numeric_task(n_samples=30)
    clf.set_params(early_stopping=False).fit(numeric_X, numeric_y)
    for name in ("best_epoch_", "validation_size_", "vocab_size_"):
        assert not hasattr(clf, name), name
    assert clf.input_type_ == "numeric" and clf.n_features_in_ == numeric_X.shape[2]


def test_validation_size_rule():
    from sklearn_rnn._defaults import MIN_VALIDATION_SIZE, validation_size

    assert validation_size(40, 2, 0.1) == 0  # 4 sequences: too few
    assert validation_size(200, 2, 0.1) == MIN_VALIDATION_SIZE == 20
    assert validation_size(1000, 30, 0.01) == 30  # at least one per class
    assert validation_size(1000, 2, 0.1) == 100


def test_head_auto_is_max_pooling_for_tokens_and_numbers():
    X = np.random.RandomState(0).randint(1, 9, size=(20, 5))
    y = np.arange(20) % 2
    tokens = RNNClassifier(**FAST_PARAMS).fit(X, y)
    assert tokens.head_ == "max"
    # 9 token ids: "auto" adds the convolution, whose max joins the head's
    assert [t.name for t in tokens.model_.get_layer("head_and_conv").input] == [
        tokens.model_.get_layer("max_pooling").output.name,
        tokens.model_.get_layer("conv_max_pooling").output.name,
    ]  # fmt: skip
    numeric = RNNClassifier(**FAST_PARAMS).fit(X[:, :, None].astype("float32").repeat(2, axis=2), y)
    assert numeric.head_ == "max"
    # multivariate series: no convolution; the head and the summary
    # statistics feed the output layer
    assert [t.name for t in numeric.model_.get_layer("head_and_summary").input] == [
        numeric.model_.get_layer("max_pooling").output.name,
        numeric.model_.get_layer("summary_stats").output.name,
    ]  # fmt: skip
    assert RNNClassifier(**{**FAST_PARAMS, "head": "last"}).fit(X, y).head_ == "last"


def test_epochs_auto_rule_and_attribute():
    from sklearn_rnn._defaults import resolve_epochs

    assert resolve_epochs("auto", 40, 8) == 400  # 5 steps per epoch: 2,000 steps
    assert resolve_epochs("auto", 16, 8) == 400  # 2 steps per epoch: capped at 400
    assert resolve_epochs("auto", 80, 8) == 200  # 10 steps: still 2,000 steps
    assert resolve_epochs("auto", 480, 30) == 79  # 16 steps: 20,000 / 16 = 1,250 steps
    assert resolve_epochs("auto", 672, 32) == 46  # 21 steps: 960 steps from here up
    assert resolve_epochs("auto", 1920, 32) == 16  # 60 steps per epoch
    assert resolve_epochs("auto", 100_000, 32) == 10
    assert resolve_epochs(3, 100_000, 32) == 3  # an explicit value always wins
    X = np.random.RandomState(0).normal(size=(320, 4, 2)).astype("float32")
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": "auto", "batch_size": 8}).fit(X, np.arange(320) % 2)
    assert clf.epochs_ == clf.n_iter_ == 24  # 40 steps per epoch: 960 steps


def test_frame_length_auto_and_explicit():
    """"auto" frames numeric rows to about 25 recurrent steps (median length),
    never frames token ids, and an explicit int wins; the model reads frames."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 160, 1)).astype("float32")
    X[:10, 120:] = np.nan  # median real length 140 -> round(5.6) = 6 steps per frame
    y = np.arange(20) % 2
    auto = RNNClassifier(**FAST_PARAMS, frame_length="auto").fit(X, y)
    names = [layer.name for layer in auto.model_.layers]
    assert auto.frame_length_ == 6 and names[1:3] == ["feature_noise", "frames"]  # noise, then frames
    assert auto.predict_proba(X).shape == (20, 2)
    assert RNNClassifier(**FAST_PARAMS).fit(X, y).frame_length_ == 6  # the default
    short = RNNClassifier(**FAST_PARAMS, frame_length="auto").fit(X[:, :30], y)
    assert short.frame_length_ == 1 and "frames" not in [layer.name for layer in short.model_.layers]
    assert RNNClassifier(**FAST_PARAMS, frame_length=5).fit(X, y).frame_length_ == 5
    tokens = rng.randint(1, 9, size=(20, 160))
    assert RNNClassifier(**FAST_PARAMS, frame_length="auto").fit(tokens, y).frame_length_ == 1


def test_conv_width_auto_convolves_small_alphabets_and_univariate_series_only():
    """"auto" puts a width-5 convolution after the embedding of token ids from
    a vocabulary of at most 256 ids (characters) and before the recurrent
    layer of univariate numeric series, none for larger vocabularies (words)
    or multivariate series; an explicit width wins and 0 removes it."""
    rng = np.random.RandomState(0)
    tokens = rng.randint(2, 30, size=(20, 12))
    tokens[:7, 9:] = 0
    y = np.arange(20) % 2
    before = tokens.copy()
    auto = RNNClassifier(**FAST_PARAMS).fit(tokens, y)
    names = [layer.name for layer in auto.model_.layers]
    assert auto.conv_width_ == 5 and names[1:4] == ["token_dropout", "embedding", "conv"]
    assert auto.model_.get_layer("conv").width == 5
    np.testing.assert_array_equal(tokens, before)
    # the default filter count (FAST_PARAMS shrinks it), read by the GRU
    default = RNNClassifier(**{k: v for k, v in FAST_PARAMS.items() if k != "conv_filters"})
    kernel = default.fit(tokens, y).model_.get_layer("conv").conv.kernel
    assert default.conv_filters == 256 and kernel.shape == (5, 4, 256)
    assert RNNClassifier(**FAST_PARAMS, vocab_size=256).fit(tokens, y).conv_width_ == 5
    words = RNNClassifier(**FAST_PARAMS, vocab_size=257).fit(tokens, y)
    assert words.conv_width_ == 0 and "conv" not in [layer.name for layer in words.model_.layers]
    wide = tokens.copy()
    wide[0, 0] = 400  # inferred vocabulary: 401 ids
    assert RNNClassifier(**FAST_PARAMS).fit(wide, y).conv_width_ == 0
    assert RNNClassifier(**FAST_PARAMS, conv_width=3).fit(wide, y).model_.get_layer("conv").width == 3
    off = RNNClassifier(**FAST_PARAMS, conv_width=0).fit(tokens, y)
    assert off.conv_width_ == 0 and "conv" not in [layer.name for layer in off.model_.layers]
    numeric = rng.normal(size=(20, 12, 2)).astype("float32")
    numeric[:5, 8:] = np.nan
    auto = RNNClassifier(**FAST_PARAMS).fit(numeric, y)
    assert auto.conv_width_ == 0 and "conv" not in [layer.name for layer in auto.model_.layers]
    # univariate series, as a 2-D array or as 3-D with one channel, get one
    for univariate in (numeric[:, :, 0], numeric[:, :, :1]):
        before = univariate.copy()
        auto = RNNClassifier(**FAST_PARAMS, frame_length=1).fit(univariate, y)
        assert auto.conv_width_ == 5 and auto.model_.get_layer("conv").conv.kernel.shape == (5, 1, 4)
        np.testing.assert_array_equal(univariate, before)
    off = RNNClassifier(**FAST_PARAMS, conv_width=0).fit(numeric[:, :, 0], y)
    assert off.conv_width_ == 0 and "conv" not in [layer.name for layer in off.model_.layers]
    # the regressor's "auto" follows the same rule; its default stays 0
    auto = RNNRegressor(**FAST_PARAMS, conv_width="auto").fit(numeric[:, :, 0], y.astype(float))
    assert auto.conv_width_ == 5
    five = RNNClassifier(**FAST_PARAMS, conv_width=5, frame_length=2).fit(numeric, y)
    names = [layer.name for layer in five.model_.layers]
    assert five.conv_width_ == 5 and names[names.index("nan_padding_mask") + 1] == "conv"
    # it reads frame_length_ steps' features at once, and has conv_filters filters
    assert five.model_.get_layer("conv").conv.kernel.shape == (5, 2 * 2, 4)
    three = RNNRegressor(**{**FAST_PARAMS, "conv_filters": 6}, conv_width=3, frame_length=1).fit(
        numeric, y.astype(float)
    )
    assert three.model_.get_layer("conv").conv.kernel.shape == (3, 2, 6)
    assert RNNRegressor(**FAST_PARAMS).fit(numeric, y.astype(float)).conv_width_ == 0


def _token_rows_padded_both_ways(rng, n_rows=20, width=14):
    """The same random token rows (1 to 11 ids each), post- and pre-padded."""
    rows = [rng.randint(2, 30, size=n) for n in rng.randint(1, 12, size=n_rows)]
    post = np.zeros((n_rows, width), dtype="int64")
    pre = np.zeros((n_rows, width), dtype="int64")
    for i, row in enumerate(rows):
        post[i, : len(row)] = row
        pre[i, width - len(row) :] = row
    return post, pre


def test_conv_pool_pools_the_convolution_the_recurrent_layer_reads():
    """conv_pool > 1 max-pools the convolution over that many steps before
    the recurrent layer (the default 1 reads every step); predictions do not
    depend on the padding side or padded length; without a convolution there
    is nothing to pool."""
    rng = np.random.RandomState(0)
    post, pre = _token_rows_padded_both_ways(rng)
    y = np.arange(20) % 2
    before = post.copy()
    three = RNNClassifier(**FAST_PARAMS, conv_pool=3).fit(post, y)
    names = [layer.name for layer in three.model_.layers]
    assert three.conv_width_ == 5 and names[names.index("conv") + 1] == "conv_pool"
    assert three.model_.get_layer("conv_pool").pool == 3
    np.testing.assert_array_equal(post, before)
    np.testing.assert_allclose(three.predict_proba(pre), three.predict_proba(post), rtol=1e-5, atol=1e-6)
    default = RNNClassifier(**FAST_PARAMS).fit(post, y)
    assert default.conv_pool == 1 and "conv_pool" not in [layer.name for layer in default.model_.layers]
    words = RNNClassifier(**FAST_PARAMS, vocab_size=300, conv_pool=3).fit(post, y)  # no convolution
    assert "conv_pool" not in [layer.name for layer in words.model_.layers]
    series = rng.normal(size=(20, 12)).astype("float32")
    pooled = RNNRegressor(**FAST_PARAMS, conv_width=3, conv_pool=2, frame_length=1).fit(series, y * 1.0)
    assert pooled.model_.get_layer("conv_pool").pool == 2  # any convolution, numeric too
    assert pooled.predict(series).shape == (20,)



def test_bag_path_averages_token_and_ngram_vectors_beside_the_head():
    """bag_dim > 0 builds the bag of tokens and hashed n-grams (bag_ngrams,
    default 2) for token ids; the padding side never changes predictions;
    the default 0 builds none, on both estimators."""
    rng = np.random.RandomState(1)
    post, pre = _token_rows_padded_both_ways(rng)
    y = np.arange(20) % 2
    before = post.copy()
    clf = RNNClassifier(**FAST_PARAMS, bag_dim=16).fit(post, y)
    assert clf.bag_ngrams == 2 and not hasattr(clf, "bag_dim_")
    assert clf.model_.get_layer("bag_embedding").embeddings.shape == (clf.vocab_size_, 16)
    assert clf.model_.get_layer("bag_ngram_ids").max_n == 2
    np.testing.assert_array_equal(post, before)
    np.testing.assert_allclose(clf.predict_proba(pre), clf.predict_proba(post), rtol=1e-5, atol=1e-6)
    trigrams = RNNClassifier(**FAST_PARAMS, bag_dim=3, bag_ngrams=3).fit(post, y)
    assert trigrams.model_.get_layer("bag_ngram_embedding").embeddings.shape[1] == 3
    assert trigrams.model_.get_layer("bag_ngram_ids").max_n == 3

    def bag_layers(est):
        return [layer.name for layer in est.model_.layers if layer.name.startswith("bag")]

    default = RNNClassifier(**FAST_PARAMS).fit(post, y)
    assert default.bag_dim == 0 and bag_layers(default) == []
    unigrams = RNNClassifier(**FAST_PARAMS, bag_dim=4, bag_ngrams=1).fit(post, y)
    assert bag_layers(unigrams) == ["bag_embedding", "bag_mean"]
    regressor = RNNRegressor(**FAST_PARAMS).fit(post, y * 1.0)
    assert regressor.bag_dim == 0 and bag_layers(regressor) == []
    bagged = RNNRegressor(**FAST_PARAMS, bag_dim=4).fit(post, y * 1.0)
    assert "bag_ngram_mean" in bag_layers(bagged)
    np.testing.assert_allclose(bagged.predict(pre), bagged.predict(post), rtol=1e-5, atol=1e-6)

# ------------------------------------------------------- input corruption
@pytest.mark.parametrize("ndim", [2, 3])
def test_input_noise_is_scaled_by_each_features_spread_over_real_steps(ndim):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 12, 2)) * [1.0, 50.0] + [0.0, 1000.0]
    X[:8, 9:] = np.nan  # padding is left out of the scale
    X = X if ndim == 3 else X[:, :, 1]
    before = X.copy()
    y = np.arange(30) % 2
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": 1, "input_noise": 0.2}).fit(X, y)
    layer = clf.model_.get_layer("feature_noise")
    expected = np.nanstd(X.reshape(len(X), 12, -1), axis=(0, 1))
    np.testing.assert_allclose(layer.scale, expected, rtol=1e-6)
    assert layer.stddev == 0.2
    np.testing.assert_array_equal(X, before)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))  # no noise at predict
    again = RNNClassifier(**{**FAST_PARAMS, "epochs": 1, "input_noise": 0.2}).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))


def test_corruption_parameters_add_no_layer_to_the_other_input_type():
    X, y = make_token_task(n_samples=40, seed=0)
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": 1, "input_noise": 0.3}).fit(X, y)
    assert "feature_noise" not in [layer.name for layer in clf.model_.layers]
    Xn, yn = make_numeric_task(n_samples=40, seed=0)
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": 1, "token_dropout": 0.3}).fit(Xn, yn)
    assert "token_dropout" not in [layer.name for layer in clf.model_.layers]


@pytest.mark.parametrize("kind", ["numeric", "tokens"])
def test_predictions_do_not_depend_on_row_order(kind):
    """Each row's prediction is the same wherever it sits in X, to float32 precision.

    scikit-learn's check_methods_sample_order_invariance asks for rtol=1e-7 (an
    expected failure in test_common.py): the network computes in float32 and
    Keras' CPU kernels round a row by its position in the batch, about one
    unit in the last place. Labels must not move at all.
    """
    if kind == "numeric":
        X = 3 * np.random.RandomState(0).uniform(size=(20, 3))
        y = X[:, 0].astype(np.int64)
    else:
        X, y = make_token_task(n_samples=40, n_classes=3)
    clf = RNNClassifier(**{**FAST_PARAMS, "random_state": 1}).fit(X, y)
    proba, labels = clf.predict_proba(X), clf.predict(X)
    for seed in range(10):
        order = np.random.RandomState(seed).permutation(len(X))
        np.testing.assert_allclose(clf.predict_proba(X[order]), proba[order], rtol=1e-5, atol=1e-7)
        np.testing.assert_array_equal(clf.predict(X[order]), labels[order])
