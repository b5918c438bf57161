"""The summary path (``summary_stats``): each feature's mean, standard
deviation, minimum and maximum over a row's real steps, beside the head."""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn._backend import keras
from sklearn_rnn._defaults import resolve_summary_stats
from sklearn_rnn._models import MaskedSummary, build_rnn_model, weight_counts
from tests.test_models import _pad

TINY = dict(units=4, epochs=1, batch_size=16, random_state=0)


def test_auto_rule_summarises_numeric_input_of_classifiers_only():
    assert resolve_summary_stats("auto", "numeric", classifier=True) is True
    assert resolve_summary_stats("auto", "tokens", classifier=True) is False
    assert resolve_summary_stats("auto", "numeric", classifier=False) is False
    assert resolve_summary_stats(False, "numeric", classifier=True) is False
    assert resolve_summary_stats(True, "numeric", classifier=False) is True


@pytest.mark.backend_core
def test_layer_gives_each_features_statistics_over_the_real_steps_only():
    rng = np.random.RandomState(0)
    x = rng.normal(size=(3, 6, 2)).astype("float32")
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 4:] = False
    mask[1, :3] = False
    mask[2, :] = False  # no real step: zeros
    garbage = x.copy()
    garbage[~mask] = rng.normal(scale=1e3, size=(int((~mask).sum()), 2))
    got = keras.ops.convert_to_numpy(MaskedSummary()(x, mask=mask))
    assert got.shape == (3, 8)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(MaskedSummary()(garbage, mask=mask)), got, rtol=1e-6
    )
    for i in range(2):
        real = x[i][mask[i]]
        expected = np.concatenate([real.mean(0), real.std(0), real.min(0), real.max(0)])
        np.testing.assert_allclose(got[i], expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got[2], np.zeros(8))
    assert MaskedSummary().compute_output_shape((None, None, 2)) == (None, 8)


@pytest.mark.backend_core
@pytest.mark.parametrize("head", ["last", "max", "attention"])
@pytest.mark.parametrize("frame_length, conv_width", [(1, 0), (2, 3)])
def test_summary_path_ignores_padding_side_width_and_values(head, frame_length, conv_width):
    """Same rows padded pre or post to different widths: same predictions."""
    rng = np.random.RandomState(1)
    rows = [rng.normal(size=(n, 2)).astype("float32") for n in (7, 5, 1, 4)]
    model = build_rnn_model(
        n_classes=3, input_type="numeric", n_features=2, units=3, head=head,
        frame_length=frame_length, conv_width=conv_width, summary_stats=True, seed=0,
    )  # fmt: skip
    assert "summary_stats" in [layer.name for layer in model.layers]
    reference = keras.ops.convert_to_numpy(model(_pad(rows, 7, "post", np.nan)))
    for side in ("pre", "post"):
        for width in (7, 12):
            got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, np.nan)))
            np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_summary_path_reaches_the_output_layer():
    """Two rows that differ only in their spread (same mean, same order of
    signs) get different outputs from the summary path's weights alone."""
    model = build_rnn_model(n_classes=2, input_type="numeric", n_features=1, units=2,
                            summary_stats=True, seed=0)  # fmt: skip
    dense = model.get_layer("probabilities")
    kernel = np.zeros(dense.get_weights()[0].shape, dtype="float32")
    kernel[2 + 1, 1] = 5.0  # the std of feature 0 (after the GRU's 2 units) votes for class 1
    dense.set_weights([kernel, np.zeros(2, dtype="float32")])
    narrow = np.array([[-0.1, 0.1, -0.1, 0.1]], dtype="float32")
    wide = 10 * narrow
    p_narrow = keras.ops.convert_to_numpy(model(narrow))[0, 1]
    p_wide = keras.ops.convert_to_numpy(model(wide))[0, 1]
    assert p_wide > 0.99 and 0.5 < p_narrow < 0.65


def test_weight_counts_include_the_summary_path():
    for n_features, frame_length in ((1, 1), (3, 2)):
        model = build_rnn_model(
            n_classes=4, input_type="numeric", n_features=n_features, units=5,
            frame_length=frame_length, head="max", summary_stats=True,
        )  # fmt: skip
        counts = weight_counts(
            input_type="numeric", n_outputs=4, n_features=n_features * frame_length,
            vocab_size=None, embedding_dim=8, cell="gru", units=5, bidirectional=False,
            summary_features=n_features,
        )  # fmt: skip
        assert sum(counts.values()) == model.count_params()


def test_summary_model_round_trips_through_keras_format(tmp_path):
    from sklearn_rnn._models import CUSTOM_OBJECTS

    model = build_rnn_model(n_classes=2, input_type="numeric", n_features=2, units=3,
                            summary_stats=True, summary_loc=[1.0, 2.0],
                            summary_scale=[3.0, 4.0], seed=0)  # fmt: skip
    x = np.random.RandomState(0).normal(size=(2, 7, 2)).astype("float32")
    x[1, 5:] = np.nan
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects=CUSTOM_OBJECTS,
                                     compile=False)  # fmt: skip
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), rtol=1e-6
    )
    assert loaded.get_layer("summary_stats").scale == [3.0, 4.0]


def test_classifier_summarises_numeric_sequences_by_default_and_regressor_on_request():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 6, 3))
    X[::3, 4:] = np.nan
    X_before = X.copy()
    y = np.arange(24) % 2
    for est, expected in [
        (RNNClassifier(**TINY), True),
        (RNNClassifier(**TINY, summary_stats=False), False),
        (RNNRegressor(**TINY), False),
        (RNNRegressor(**TINY, summary_stats=True), True),
    ]:
        est.fit(X, y if isinstance(est, RNNClassifier) else y * 1.5)
        assert est.summary_stats_ is expected
        assert ("summary_stats" in [layer.name for layer in est.model_.layers]) is expected
        assert np.isfinite(est.predict(X)).all()
    np.testing.assert_array_equal(X, X_before)


def test_token_ids_get_no_summary_and_an_explicit_one_is_refused_before_training():
    X = np.random.RandomState(0).randint(1, 9, size=(12, 5))
    y = np.arange(12) % 2
    assert RNNClassifier(**TINY).fit(X, y).summary_stats_ is False
    est = RNNClassifier(**TINY, summary_stats=True)
    message = ("summary_stats=True gives the output layer each feature's mean, standard "
               "deviation, minimum and maximum over the real steps, but X holds token ids")
    with pytest.raises(ValueError, match=re.escape(message)):
        est.fit(X, y)
    assert not hasattr(est, "model_")
    with pytest.raises(ValueError, match="Use summary_stats=False with input_type='tokens'"):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, summary_stats=True)


def test_bad_summary_stats_value_is_refused_by_parameter_validation():
    X = np.zeros((8, 4, 1))
    with pytest.raises(InvalidParameterError, match="summary_stats"):
        RNNClassifier(summary_stats="yes").fit(X, np.arange(8) % 2)


@pytest.mark.backend_core
def test_layer_standardises_with_loc_and_scale_and_keeps_them_in_its_config():
    rng = np.random.RandomState(2)
    x = rng.normal(loc=500.0, scale=1000.0, size=(2, 5, 2)).astype("float32")
    loc, scale = np.array([500.0, -3.0]), np.array([1000.0, 2.0])
    layer = MaskedSummary(loc, scale)
    got = keras.ops.convert_to_numpy(layer(x))
    z = (x - loc) / scale
    expected = np.concatenate([z.mean(1), z.std(1), z.min(1), z.max(1)], axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    clone = MaskedSummary.from_config(layer.get_config())
    assert clone.loc == [500.0, -3.0] and clone.scale == [1000.0, 2.0]
    for bad in ([1.0, 0.0], [1.0, np.nan]):
        with pytest.raises(ValueError, match="MaskedSummary scale must hold finite values above 0"):
            MaskedSummary(scale=bad)


def test_estimator_standardises_the_summary_with_the_training_moments():
    """Unscaled features (no SequenceScaler) reach the output layer's summary
    inputs on a unit scale: the layer holds each feature's mean and standard
    deviation over the real training steps (1 for a constant feature)."""
    rng = np.random.RandomState(3)
    X = np.stack([rng.normal(5e3, 2e3, size=(20, 6)), np.full((20, 6), 7.0)], axis=2)
    X[::2, 4:] = np.nan
    y = np.arange(20) % 2
    est = RNNClassifier(**TINY).fit(X, y)
    layer = est.model_.get_layer("summary_stats")
    real = X[~np.isnan(X).all(axis=2)]
    np.testing.assert_allclose(layer.loc, real.mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.scale, [real[:, 0].std(), 1.0], rtol=1e-6)
    summary = keras.Model(est.model_.input, layer.output)
    values = keras.ops.convert_to_numpy(summary(X.astype("float32")))
    assert np.abs(values).max() < 10
