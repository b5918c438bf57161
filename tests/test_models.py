"""The Keras model builder, tested without training."""

import numpy as np
import pytest

from sklearn_rnn._backend import keras
from sklearn_rnn._models import NaNPaddingMask, build_rnn_model, make_optimizer


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize(
    "cell, expected", [("gru", "GRU"), ("lstm", "LSTM"), ("rnn", "SimpleRNN")]
)
def test_build_rnn_model_cell_types(cell, expected):
    model = build_rnn_model(n_classes=3, input_kind="tokens", vocab_size=20, cell=cell, units=4)
    assert _layer_types(model) == ["InputLayer", "Embedding", expected, "Dense"]
    assert model.output_shape == (None, 3)
    assert model.loss == "sparse_categorical_crossentropy"
    assert model.get_layer("embedding").mask_zero


def test_build_rnn_model_stacked_bidirectional_regularised():
    model = build_rnn_model(
        n_classes=2,
        input_kind="tokens",
        vocab_size=20,
        units=(6, 4),
        bidirectional=True,
        spatial_dropout=0.2,
        embedding_l2=1e-3,
        l2=1e-4,
        embedding_dim=5,
    )
    types = _layer_types(model)
    assert types == [
        "InputLayer", "Embedding", "SpatialDropout1D", "Bidirectional", "Bidirectional", "Dense",
    ]  # fmt: skip
    first, second = model.layers[3], model.layers[4]
    assert first.forward_layer.return_sequences and not second.forward_layer.return_sequences
    assert first.output.shape[-1] == 12 and second.output.shape[-1] == 8
    assert model.get_layer("embedding").embeddings_regularizer is not None
    assert first.forward_layer.cell.kernel_regularizer is not None


def test_build_rnn_model_numeric_univariate_and_multivariate():
    uni = build_rnn_model(n_classes=2, input_kind="numeric", units=3)
    multi = build_rnn_model(n_classes=4, input_kind="numeric", n_features=5, units=3)
    assert uni.input_shape == (None, None)
    assert multi.input_shape == (None, None, 5)
    assert isinstance(multi.layers[1], NaNPaddingMask)
    assert multi.output_shape == (None, 4)


def test_build_rnn_model_defaults_keep_the_fused_kernel_eligible():
    """Default GRU arguments are the ones Keras' cuDNN path requires."""
    gru = build_rnn_model(n_classes=2, input_kind="tokens", vocab_size=9).get_layer("gru_0")
    assert gru.cell.recurrent_dropout == 0 and gru.cell.reset_after
    assert gru.cell.activation is keras.activations.tanh
    assert gru.cell.recurrent_activation is keras.activations.sigmoid
    assert not gru.unroll and gru.cell.use_bias


def test_build_rnn_model_seed_gives_identical_weights():
    kw = dict(n_classes=2, input_kind="tokens", vocab_size=9, units=3, embedding_dim=2)
    a, b = build_rnn_model(seed=1, **kw), build_rnn_model(seed=1, **kw)
    c = build_rnn_model(seed=2, **kw)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert any(not np.array_equal(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))


def test_build_rnn_model_reads_scikeras_meta():
    meta = {"n_classes_": 3, "X_shape_": (10, 7, 2), "X_dtype_": np.dtype("float32")}
    model = build_rnn_model(meta, units=2)
    assert model.input_shape == (None, None, 2) and model.output_shape == (None, 3)
    meta = {"n_classes_": 2, "X_shape_": (10, 7), "X_dtype_": np.dtype("int64")}
    assert build_rnn_model(meta, vocab_size=11, units=2).input_shape == (None, None)


def test_nan_padding_mask_masks_all_nan_steps_only():
    x = np.array([[[1.0, 2.0], [np.nan, np.nan], [3.0, 4.0]]], dtype="float32")
    layer = NaNPaddingMask()
    out = keras.ops.convert_to_numpy(layer(x))
    mask = keras.ops.convert_to_numpy(layer.compute_mask(x))
    np.testing.assert_array_equal(out, [[[1, 2], [0, 0], [3, 4]]])
    np.testing.assert_array_equal(mask, [[True, False, True]])
    uni = np.array([[1.0, np.nan]], dtype="float32")
    assert keras.ops.convert_to_numpy(layer(uni)).shape == (1, 2, 1)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.compute_mask(uni)), [[True, False]])


def test_masked_padding_does_not_change_the_output():
    """Post-padding with NaN steps gives the same output as the unpadded sequence."""
    model = build_rnn_model(n_classes=2, input_kind="numeric", n_features=2, units=3, seed=0)
    x = np.random.RandomState(0).normal(size=(1, 4, 2)).astype("float32")
    padded = np.concatenate([x, np.full((1, 3, 2), np.nan, "float32")], axis=1)
    np.testing.assert_allclose(model(x), model(padded), rtol=1e-5)


def test_make_optimizer_clones_instances_and_sets_learning_rate():
    user = keras.optimizers.SGD(learning_rate=0.5)
    clone = make_optimizer(user, 1e-3)
    assert clone is not user and float(clone.learning_rate) == pytest.approx(0.5)
    assert float(make_optimizer("adam", 0.01).learning_rate) == pytest.approx(0.01)
    assert isinstance(make_optimizer(keras.optimizers.RMSprop, 0.02), keras.optimizers.RMSprop)
