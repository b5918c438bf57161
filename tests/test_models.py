"""The Keras model builder, tested without training."""

import re

import numpy as np
import pytest

from sklearn_rnn._backend import keras
from sklearn_rnn._models import BAG_BUCKETS, NaNPaddingMask, build_rnn_model, make_optimizer


def _layer_types(model):
    return [type(layer).__name__ for layer in model.layers]


@pytest.mark.parametrize(
    "cell, expected", [("gru", "GRU"), ("lstm", "LSTM"), ("rnn", "SimpleRNN")]
)
def test_build_rnn_model_cell_types(cell, expected):
    model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=20, cell=cell, units=4)
    assert _layer_types(model) == ["InputLayer", "Embedding", expected, "Dense"]
    assert model.output_shape == (None, 3)
    assert model.loss == "sparse_categorical_crossentropy"
    assert model.get_layer("embedding").mask_zero


def test_build_rnn_model_stacked_bidirectional_regularised():
    model = build_rnn_model(
        n_classes=2,
        input_type="tokens",
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
    uni = build_rnn_model(n_classes=2, input_type="numeric", units=3)
    multi = build_rnn_model(n_classes=4, input_type="numeric", n_features=5, units=3)
    assert uni.input_shape == (None, None)
    assert multi.input_shape == (None, None, 5)
    assert isinstance(multi.layers[1], NaNPaddingMask)
    assert multi.output_shape == (None, 4)


def test_build_rnn_model_defaults_keep_the_fused_kernel_eligible():
    """Default GRU arguments are the ones Keras' cuDNN path requires."""
    gru = build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9).get_layer("gru_0")
    assert gru.cell.recurrent_dropout == 0 and gru.cell.reset_after
    assert gru.cell.activation is keras.activations.tanh
    assert gru.cell.recurrent_activation is keras.activations.sigmoid
    assert not gru.unroll and gru.cell.use_bias


def test_build_rnn_model_seed_gives_identical_weights():
    kw = dict(n_classes=2, input_type="tokens", vocab_size=9, units=3, embedding_dim=2)
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
    model = build_rnn_model(n_classes=2, input_type="numeric", n_features=2, units=3, seed=0)
    x = np.random.RandomState(0).normal(size=(1, 4, 2)).astype("float32")
    padded = np.concatenate([x, np.full((1, 3, 2), np.nan, "float32")], axis=1)
    out = keras.ops.convert_to_numpy  # numpy arrays on every backend (PyTorch: grad tensors)
    np.testing.assert_allclose(out(model(x)), out(model(padded)), rtol=1e-5)


def test_make_optimizer_clones_instances_and_sets_learning_rate():
    user = keras.optimizers.SGD(learning_rate=0.5)
    clone = make_optimizer(user, 1e-3)
    assert clone is not user and float(clone.learning_rate) == pytest.approx(0.5)
    assert float(make_optimizer("adam", 0.01).learning_rate) == pytest.approx(0.01)
    assert isinstance(make_optimizer(keras.optimizers.RMSprop, 0.02), keras.optimizers.RMSprop)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_recurrent_layers_match_keras_on_masked_input(cell, return_sequences, go_backwards):
    """The float-transpose loop computes exactly what Keras' own layer does."""
    from sklearn_rnn import _models

    ours = _models._CELLS[cell]
    stock = getattr(keras.layers, ours.__name__)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(5, 7, 3)).astype("float32")
    mask = np.ones((5, 7), dtype=bool)
    mask[0, 4:] = False  # post-padded
    mask[1, :2] = False  # pre-padded
    mask[2, :] = False  # all padding
    mask[3, 3] = False  # a hole
    kwargs = dict(return_sequences=return_sequences, go_backwards=go_backwards, seed=1)
    a, b = ours(4, **kwargs), stock(4, **kwargs)
    a.build(X.shape)
    b.build(X.shape)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(a(X, mask=mask)), keras.ops.convert_to_numpy(b(X, mask=mask))
    )


_GRAPH_DUMP = """
import glob, os, re, sys
import numpy as np
from sklearn_rnn import RNNClassifier
X = np.random.RandomState(0).randint(1, 9, size=(8, 5)); X[:4, 3:] = 0
y = np.arange(8) % 2
RNNClassifier(units=(2, 2), bidirectional=True, cell="lstm", epochs=2, early_stopping=True,
              validation_fraction=0.5, random_state=0).fit(X, y).predict(X)
Xn = np.random.RandomState(0).normal(size=(8, 5, 2)); Xn[:4, 3:] = np.nan
RNNClassifier(units=2, epochs=1, random_state=0).fit(Xn, y).predict_proba(Xn)
RNNClassifier(units=2, cell="rnn", random_state=0).partial_fit(Xn[:, :, 0], y, classes=[0, 1])
bad = set()
files = glob.glob(os.path.join(sys.argv[1], "*before_opt_group_post_partitioning*"))
for name in files:
    for node in re.split(r"\\nnode \\{", open(name).read())[1:]:
        op = re.search(r'op: "([^"]+)"', node).group(1)
        dtype = re.search(r'key: "T"\\s*value \\{\\s*type: (DT_\\w+)', node)
        if op == "Transpose" and dtype and dtype.group(1) != "DT_FLOAT":
            bad.add((op, dtype.group(1)))
print(len(files), sorted(bad))
"""


@pytest.mark.slow
def test_optimised_graphs_hold_no_non_float_transpose(tmp_path):
    """Pin issue 10 on every CPU, not just the ones where TensorFlow complains.

    TensorFlow's oneDNN layout pass logs an ``E0000 ... oneDNN supports
    DT_BOOL only on platforms with AVX-512`` line when it meets a Transpose of
    any type but float32 (measured: bool, int8, int32, int64, float16 all
    log), on some CPUs only (AMD EPYC with AVX-512 among them). The graphs as
    the oneDNN pass receives them (after Grappler, which moves casts around
    transposes) are dumped and read: none of our training or inference graphs
    may hold such a node.
    """
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TensorFlow graph dump (issue 10): TensorFlow backend only")
    import subprocess
    import sys

    env = {
        **__import__("os").environ,
        "TF_DUMP_GRAPH_PREFIX": str(tmp_path),
        "TF_CPP_VMODULE": "optimization_registry=3",
    }
    done = subprocess.run(
        [sys.executable, "-c", _GRAPH_DUMP, str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    n_files, bad = done.stdout.split(" ", 1)
    assert int(n_files) > 0, "no graph was dumped: the check would pass vacuously"
    assert bad.strip() == "[]"


# ------------------------------------------------------------------ heads
_HEAD_LAYERS = {"last": [], "max": ["MaskedPooling"], "mean": ["MaskedPooling"],
                "attention": ["AttentionPooling"]}  # fmt: skip


@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_build_rnn_model_head_layers(head, bidirectional):
    model = build_rnn_model(
        n_classes=3, input_type="tokens", vocab_size=20, units=(4, 3), embedding_dim=2,
        bidirectional=bidirectional, head=head, seed=0,
    )  # fmt: skip
    recurrent = "Bidirectional" if bidirectional else "GRU"
    assert _layer_types(model) == [
        "InputLayer", "Embedding", recurrent, recurrent, *_HEAD_LAYERS[head], "Dense",
    ]  # fmt: skip
    last = model.layers[3].forward_layer if bidirectional else model.layers[3]
    assert last.return_sequences == (head != "last")
    assert model.output_shape == (None, 3)
    assert model.layers[-1].input.shape[-1] == (6 if bidirectional else 3)


def test_build_rnn_model_rejects_unknown_head():
    with pytest.raises(ValueError, match="head must be one of"):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, head="sum")


def _pad(rows, width, side, fill):
    out = np.full((len(rows), width, *rows[0].shape[1:]), fill, dtype=rows[0].dtype)
    for i, row in enumerate(rows):
        if side == "post":
            out[i, : len(row)] = row
        else:
            out[i, width - len(row) :] = row
    return out


@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_every_head_ignores_padding(head, bidirectional):
    """Same sequences, padded pre or post to different widths: same predictions."""
    rng = np.random.RandomState(0)
    lengths = [3, 5, 1, 4]
    tokens = [rng.randint(2, 20, size=n).astype("int32") for n in lengths]
    numeric = [rng.normal(size=(n, 2)).astype("float32") for n in lengths]
    common = dict(n_classes=3, units=(4, 3), bidirectional=bidirectional, head=head, seed=0)
    tok_model = build_rnn_model(input_type="tokens", vocab_size=20, embedding_dim=3, **common)
    num_model = build_rnn_model(input_type="numeric", n_features=2, **common)
    for model, rows, fill in [(tok_model, tokens, 0), (num_model, numeric, np.nan)]:
        reference = keras.ops.convert_to_numpy(model(_pad(rows, 5, "post", fill)))
        for side in ("pre", "post"):
            for width in (5, 9):
                got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, fill)))
                np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
@pytest.mark.parametrize("frame_length", [1, 2, 3])
@pytest.mark.parametrize("conv_width", [0, 3])
def test_every_head_with_frames_ignores_padding(head, frame_length, conv_width):
    """Frames start at each row's first real step, and the convolution sees
    zeros beyond each row's ends: pre or post padding to any width gives the
    same predictions (univariate and multivariate)."""
    rng = np.random.RandomState(1)
    lengths = [7, 5, 1, 4, 8]
    for n_features in (None, 2):
        shape = (lambda n: (n,)) if n_features is None else (lambda n: (n, n_features))
        rows = [rng.normal(size=shape(n)).astype("float32") for n in lengths]
        model = build_rnn_model(
            n_classes=3, input_type="numeric", n_features=n_features, units=(4, 3),
            head=head, frame_length=frame_length, conv_width=conv_width, seed=0,
        )  # fmt: skip
        reference = keras.ops.convert_to_numpy(model(_pad(rows, 8, "post", np.nan)))
        for side in ("pre", "post"):
            for width in (8, 11, 13):
                got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, np.nan)))
                np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_frames_layer_cuts_real_steps_into_frames():
    from sklearn_rnn._models import Frames

    row = np.arange(1, 6, dtype="float32")[:, None] * [1, 10]  # 5 steps, 2 features
    pre = np.full((1, 7, 2), np.nan, dtype="float32")
    pre[0, 2:] = row
    post = np.full((1, 6, 2), np.nan, dtype="float32")
    post[0, :5] = row
    for x in (pre, post):
        out = keras.ops.convert_to_numpy(Frames(2)(x))[0]
        real = out[~np.isnan(out).all(axis=1)]
        np.testing.assert_array_equal(real[:2], [[1, 10, 2, 20], [3, 30, 4, 40]])
        np.testing.assert_array_equal(real[2, :2], [5, 50])  # the last frame's tail is NaN
        assert np.isnan(real[2, 2:]).all() and len(real) == 3
    assert Frames(3).compute_output_shape((None, 10, 2)) == (None, 4, 6)  # (10 + 4) // 3
    assert Frames(3).compute_output_shape((None, None)) == (None, None, 3)


@pytest.mark.parametrize("conv_width", [0, 3])
def test_frames_model_round_trips_through_keras_format(conv_width, tmp_path):
    model = build_rnn_model(n_classes=2, input_type="numeric", n_features=2, units=3,
                            frame_length=3, conv_width=conv_width, seed=0)  # fmt: skip
    x = np.random.RandomState(0).normal(size=(2, 7, 2)).astype("float32")
    x[1, 5:] = np.nan
    loaded = _round_trip(model, x, tmp_path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]


@pytest.mark.parametrize("frame_length, message", [
    (0, "frame_length must be an int >= 1, got 0"),
    (2.5, "frame_length must be an int >= 1, got 2.5"),
])  # fmt: skip
def test_build_rnn_model_rejects_bad_frame_length(frame_length, message):
    with pytest.raises(ValueError, match=message):
        build_rnn_model(n_classes=2, input_type="numeric", frame_length=frame_length)


def test_build_rnn_model_refuses_frames_of_token_ids():
    with pytest.raises(ValueError, match="frame_length=2 groups numeric time steps; token ids"):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, frame_length=2)


@pytest.mark.parametrize("layer_args", [("mean",), ("max",), ()])
def test_pooling_layers_ignore_values_under_the_mask(layer_args):
    from sklearn_rnn._models import AttentionPooling, MaskedPooling

    layer = MaskedPooling(*layer_args) if layer_args else AttentionPooling(seed=0)
    rng = np.random.RandomState(0)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 4:] = False
    mask[1, :3] = False
    mask[2, :] = False  # all padding pools to zeros
    garbage = x.copy()
    garbage[~mask] = rng.normal(scale=1e3, size=(int((~mask).sum()), 4))
    a = keras.ops.convert_to_numpy(layer(x, mask=mask))
    b = keras.ops.convert_to_numpy(layer(garbage, mask=mask))
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_array_equal(a[2], 0)
    if layer_args == ("mean",):
        np.testing.assert_allclose(a[0], x[0, :4].mean(axis=0), rtol=1e-6)
    if layer_args == ("max",):
        np.testing.assert_allclose(a[1], x[1, 3:].max(axis=0), rtol=1e-6)


@pytest.mark.parametrize("head", ["max", "attention"])
def test_head_model_round_trips_through_keras_format(head, tmp_path):
    model = build_rnn_model(n_classes=2, input_type="numeric", n_features=2, units=3,
                            head=head, seed=0)  # fmt: skip
    x = np.random.RandomState(0).normal(size=(2, 4, 2)).astype("float32")
    _round_trip(model, x, tmp_path)


def test_embedding_matrix_puts_vectors_at_token_ids():
    from sklearn_rnn import embedding_matrix

    vectors = {"cat": [1.0, 2.0, 3.0], "dog": [4.0, 5.0, 6.0], "yak": [0.0, 0.0, 9.0]}
    vocabulary = {"dog": 2, "emu": 3, "cat": 5}
    matrix = embedding_matrix(vectors, vocabulary, scale=0.1, random_state=0)
    assert matrix.shape == (6, 3) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], 0)  # padding
    np.testing.assert_array_equal(matrix[2], vectors["dog"])
    np.testing.assert_array_equal(matrix[5], vectors["cat"])
    for missing in (1, 3, 4):  # OOV, no vector, unused id: small random rows
        assert 0 < np.abs(matrix[missing]).max() < 1
    np.testing.assert_array_equal(matrix, embedding_matrix(vectors, vocabulary, scale=0.1))


@pytest.mark.parametrize("freeze", [False, True])
def test_build_rnn_model_starts_from_given_embeddings(freeze):
    matrix = np.arange(12, dtype="float32").reshape(4, 3)
    model = build_rnn_model(n_classes=2, input_type="tokens", units=2, embeddings=matrix,
                            freeze_embeddings=freeze, seed=0)  # fmt: skip
    layer = model.get_layer("embedding")
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    assert layer.trainable is not freeze
    X = np.array([[1, 2, 3, 0]] * 8, dtype="int32")
    model.fit(X, np.arange(8) % 2, epochs=1, verbose=0)
    assert np.array_equal(layer.get_weights()[0], matrix) is freeze


def _round_trip(model, x, tmp_path):
    """Save ``model`` in the .keras format, load it, check it predicts alike; the loaded model."""
    from sklearn_rnn._models import CUSTOM_OBJECTS

    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects=CUSTOM_OBJECTS, compile=False)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(loaded(x)), rtol=1e-6
    )
    return loaded


def test_token_dropout_replaces_real_ids_by_the_oov_id_in_training_only():
    from sklearn_rnn._models import TokenDropout

    ids = np.tile(np.array([[0, 0, 1, 2, 3, 4, 5, 6, 7, 8]], dtype="int32"), (2000, 1))
    layer = TokenDropout(0.3, seed=0)
    out = keras.ops.convert_to_numpy(layer(ids, training=True))
    np.testing.assert_array_equal(out[:, :3], ids[:, :3])  # padding and the OOV id stay
    real = out[:, 3:]
    assert set(np.unique(real)) <= set(range(1, 9))
    changed = real != ids[:, 3:]
    assert (real[changed] == 1).all()  # a dropped token becomes the OOV id, nothing else
    assert 0.28 < changed.mean() < 0.32
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(ids, training=False)), ids)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(ids)), ids)
    with pytest.raises(ValueError, match="TokenDropout rate must be in \\[0, 1\\), got 1.0"):
        TokenDropout(1.0)


def test_build_rnn_model_token_dropout_comes_before_the_embedding(tmp_path):
    model = build_rnn_model(n_classes=2, input_type="tokens", vocab_size=12, embedding_dim=3,
                            units=3, token_dropout=0.25, seed=0)  # fmt: skip
    assert _layer_types(model) == ["InputLayer", "TokenDropout", "Embedding", "GRU", "Dense"]
    plain = build_rnn_model(n_classes=2, input_type="numeric", units=3, token_dropout=0.25, seed=0)
    assert "TokenDropout" not in _layer_types(plain)  # numeric input: no tokens to drop
    x = np.array([[0, 0, 2, 5, 11], [3, 4, 1, 7, 9]], dtype="int32")
    assert _round_trip(model, x, tmp_path).get_layer("token_dropout").rate == 0.25


def test_feature_noise_scales_per_feature_keeps_padding_and_is_off_at_inference():
    from sklearn_rnn._models import FeatureNoise

    x = np.zeros((400, 50, 2), dtype="float32")
    x[:, 40:] = np.nan  # padding
    layer = FeatureNoise(0.5, scale=[1.0, 10.0], seed=0)
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    assert np.isnan(out[:, 40:]).all() and not np.isnan(out[:, :40]).any()
    np.testing.assert_allclose(out[:, :40].std(axis=(0, 1)), [0.5, 5.0], rtol=0.03)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x, training=False)), x)
    flat = FeatureNoise(0.5, scale=[4.0], seed=0)(x[:, :, 0], training=True)  # univariate
    np.testing.assert_allclose(np.nanstd(keras.ops.convert_to_numpy(flat)), 2.0, rtol=0.03)
    with pytest.raises(ValueError, match="FeatureNoise stddev must be >= 0, got -1"):
        FeatureNoise(-1)


def test_build_rnn_model_feature_noise_round_trips_and_keeps_initial_weights(tmp_path):
    kwargs = dict(n_classes=2, input_type="numeric", n_features=2, units=3, frame_length=2, seed=0)
    noisy = build_rnn_model(**kwargs, input_noise=0.1, input_scale=[1.0, 3.0])
    assert _layer_types(noisy)[:3] == ["InputLayer", "FeatureNoise", "Frames"]
    plain = build_rnn_model(**kwargs)
    for a, b in zip(plain.get_weights(), noisy.get_weights()):
        np.testing.assert_array_equal(a, b)  # the noise draws from its own seed stream
    tokens = build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, units=3, input_noise=0.1)
    assert "FeatureNoise" not in _layer_types(tokens)
    x = np.random.RandomState(0).normal(size=(2, 6, 2)).astype("float32")
    x[1, 4:] = np.nan
    assert _round_trip(noisy, x, tmp_path).get_layer("feature_noise").scale == [1.0, 3.0]


@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
@pytest.mark.parametrize("conv_width", [2, 3, 5])
def test_every_head_with_a_token_convolution_ignores_padding(head, conv_width):
    """The convolution sees zeros beyond each row's ends whatever the padding:
    pre or post padding to any width gives the same predictions."""
    rng = np.random.RandomState(2)
    rows = [rng.randint(2, 20, size=n).astype("int32") for n in (3, 6, 1, 4)]
    model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=20, embedding_dim=3,
                            units=(4, 3), head=head, conv_width=conv_width, seed=0)  # fmt: skip
    reference = keras.ops.convert_to_numpy(model(_pad(rows, 6, "post", 0)))
    for side in ("pre", "post"):
        for width in (6, 9, 12):
            got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, 0)))
            np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_masked_conv1d_is_a_relu_convolution_of_each_row_alone():
    """Each real step's output is the ReLU of the kernel over its neighbours
    within the row (zeros beyond its ends); padded steps give zeros."""
    from sklearn_rnn._models import MaskedConv1D

    rng = np.random.RandomState(0)
    x = rng.normal(size=(1, 6, 2)).astype("float32")
    mask = np.array([[False, False, True, True, True, False]])  # real steps 2-4
    layer = MaskedConv1D(3, 3, seed=0)
    out = keras.ops.convert_to_numpy(layer(x, mask=mask))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.conv.weights)
    row = np.concatenate([np.zeros((1, 2)), x[0, 2:5], np.zeros((1, 2))])  # the row, zero-padded
    expected = [np.maximum(0, np.einsum("kf,kfo->o", row[i : i + 3], kernel) + bias) for i in range(3)]
    np.testing.assert_allclose(out[0, 2:5], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out[0, [0, 1, 5]], 0)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.compute_mask(x, mask)), mask)
    assert layer.compute_output_shape((None, 6, 2)) == (None, 6, 3)


def test_masked_max_pool1d_takes_windows_from_each_rows_first_real_step():
    """Windows of ``pool`` steps start at each row's first real step; padded
    steps never change a max; a window with a real step is real."""
    from sklearn_rnn._models import MaskedMaxPool1D

    rng = np.random.RandomState(0)
    row = rng.uniform(0.1, 1, size=(5, 2)).astype("float32")  # 5 real steps, ReLU-like (>= 0)
    x = np.zeros((2, 8, 2), dtype="float32")
    x[0, :5] = row  # post-padded
    x[1, 3:] = row  # pre-padded by 3
    mask = np.array([[True] * 5 + [False] * 3, [False] * 3 + [True] * 5])
    x[~mask] = 9.0  # values under the padding: never seen
    layer = MaskedMaxPool1D(2)
    out = keras.ops.convert_to_numpy(layer(x, mask=mask))
    out_mask = keras.ops.convert_to_numpy(layer.compute_mask(x, mask))
    expected = np.stack([row[0:2].max(0), row[2:4].max(0), row[4]])  # windows 0-1, 2-3, 4
    assert out.shape == (2, (8 + 2) // 2, 2) == layer.compute_output_shape((2, 8, 2))
    for i in range(2):
        np.testing.assert_allclose(out[i][out_mask[i]], expected, rtol=1e-6)
        np.testing.assert_array_equal(out[i][~out_mask[i]], 0)
    assert out_mask.sum(axis=1).tolist() == [3, 3]
    assert layer.compute_output_shape((None, None, 4)) == (None, None, 4)


@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
@pytest.mark.parametrize("conv_pool", [2, 3])
def test_every_head_with_a_pooled_convolution_ignores_padding(head, conv_pool):
    """Pooling windows follow each row's first real step: pre or post padding
    to any width gives the same predictions."""
    rng = np.random.RandomState(3)
    rows = [rng.randint(2, 20, size=n).astype("int32") for n in (3, 7, 1, 5)]
    model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=20, embedding_dim=3,
                            units=(4, 3), head=head, conv_width=3, conv_pool=conv_pool,
                            seed=0)  # fmt: skip
    assert "MaskedMaxPool1D" in _layer_types(model)
    reference = keras.ops.convert_to_numpy(model(_pad(rows, 7, "post", 0)))
    for side in ("pre", "post"):
        for width in (7, 8, 10, 13):
            got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, 0)))
            np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_build_rnn_model_conv_pool_feeds_the_recurrent_layer_only(tmp_path):
    """The recurrent layer reads the pooled steps; the maxima beside the head
    are those of every step; no weights are added and none change."""
    kwargs = dict(n_classes=2, input_type="tokens", vocab_size=12, embedding_dim=3, units=3,
                  head="max", conv_width=3, conv_filters=4, seed=0)  # fmt: skip
    pooled = build_rnn_model(**kwargs, conv_pool=3)
    assert _layer_types(pooled)[2:5] == ["MaskedConv1D", "MaskedMaxPool1D", "GRU"]
    def first_input(layer):  # the sequence a layer reads (a recurrent layer also lists its mask)
        inputs = pooled.get_layer(layer).input
        return (inputs[0] if isinstance(inputs, list) else inputs).name

    assert first_input("gru_0") == pooled.get_layer("conv_pool").output.name
    assert first_input("conv_max_pooling") == pooled.get_layer("conv").output.name
    plain = build_rnn_model(**kwargs)
    assert "MaskedMaxPool1D" not in _layer_types(plain)  # conv_pool=1: every step
    assert pooled.count_params() == plain.count_params()
    for a, b in zip(plain.get_weights(), pooled.get_weights()):
        np.testing.assert_array_equal(a, b)
    numeric = build_rnn_model(n_classes=2, input_type="numeric", units=3, conv_pool=3)
    assert "MaskedMaxPool1D" not in _layer_types(numeric)  # no convolution: nothing to pool
    x = np.array([[0, 0, 2, 5, 11, 3, 4], [3, 4, 1, 7, 0, 0, 0]], dtype="int32")
    assert _round_trip(pooled, x, tmp_path).get_layer("conv_pool").pool == 3


@pytest.mark.parametrize("conv_pool", [0, -1, 2.0, True])
def test_build_rnn_model_rejects_bad_conv_pool(conv_pool):
    message = f"build_rnn_model conv_pool must be an int >= 1 (1: every step), got {conv_pool!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, conv_width=3,
                        conv_pool=conv_pool)  # fmt: skip


def test_build_rnn_model_conv_round_trips_and_keeps_initial_weights(tmp_path):
    kwargs = dict(n_classes=2, input_type="tokens", vocab_size=12, embedding_dim=3, units=3, seed=0)
    conv = build_rnn_model(**kwargs, conv_width=3, conv_filters=3, token_dropout=0.1)
    assert _layer_types(conv) == [
        "InputLayer", "TokenDropout", "Embedding", "MaskedConv1D", "GRU", "MaskedPooling",
        "Concatenate", "Dense",
    ]  # fmt: skip
    # the convolution's max over each row reaches the output beside the GRU's state
    assert conv.get_layer("probabilities").kernel.shape == (3 + 3, 2)
    assert [t.name for t in conv.get_layer("head_and_conv").input] == [
        conv.get_layer("gru_0").output.name, conv.get_layer("conv_max_pooling").output.name,
    ]  # fmt: skip
    plain = build_rnn_model(**kwargs, token_dropout=0.1)
    for name in ("embedding", "gru_0"):  # the convolution has its own seed stream
        for a, b in zip(plain.get_layer(name).get_weights(), conv.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    x = np.array([[0, 0, 2, 5, 11], [3, 4, 1, 7, 0]], dtype="int32")
    assert _round_trip(conv, x, tmp_path).get_layer("conv").width == 3


@pytest.mark.parametrize("conv_width, input_type, message", [
    (-1, "tokens", "conv_width must be an int >= 0 (0: no convolution), got -1"),
    (2.0, "tokens", "conv_width must be an int >= 0 (0: no convolution), got 2.0"),
    (-2, "numeric", "conv_width must be an int >= 0 (0: no convolution), got -2"),
])  # fmt: skip
def test_build_rnn_model_rejects_bad_conv_width(conv_width, input_type, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(n_classes=2, input_type=input_type, vocab_size=9, conv_width=conv_width)


def test_weight_counts_include_the_convolution():
    from sklearn_rnn._models import weight_counts

    kwargs = dict(n_classes=3, input_type="tokens", vocab_size=11, embedding_dim=4)
    for width, filters in ((0, 7), (3, 7), (3, 4)):
        for units, bidirectional, head in ((5, False, "last"), ((5, 3), True, "max")):
            counts = weight_counts(
                input_type="tokens", n_outputs=3, n_features=None, vocab_size=11, embedding_dim=4,
                cell="gru", units=units, bidirectional=bidirectional, conv_width=width,
                conv_filters=filters,
            )  # fmt: skip
            model = build_rnn_model(
                **kwargs, units=units, bidirectional=bidirectional, head=head, conv_width=width,
                conv_filters=filters,
            )  # fmt: skip
            assert sum(counts.values()) == model.count_params()
    # numeric input: the convolution reads frame_length steps' features at
    # once; an LSTM has one bias vector per gate block, a GRU two
    for width in (0, 3):
        counts = weight_counts(
            input_type="numeric", n_outputs=3, n_features=2 * 2, vocab_size=None, embedding_dim=4,
            cell="lstm", units=5, bidirectional=True, conv_width=width, conv_filters=6,
        )  # fmt: skip
        model = build_rnn_model(
            n_classes=3, input_type="numeric", n_features=2, frame_length=2, embedding_dim=4,
            cell="lstm", units=5, bidirectional=True, head="max", conv_width=width, conv_filters=6,
        )  # fmt: skip
        assert sum(counts.values()) == model.count_params()


def test_conv_filters_sets_the_detectors_the_recurrent_layer_and_output_read():
    model = build_rnn_model(
        n_classes=3, input_type="tokens", vocab_size=11, embedding_dim=4, units=5, head="max",
        conv_width=3, conv_filters=7, seed=0,
    )  # fmt: skip
    assert model.get_layer("conv").conv.kernel.shape == (3, 4, 7)
    assert model.get_layer("gru_0").cell.kernel.shape == (7, 3 * 5)
    assert model.get_layer("probabilities").kernel.shape == (5 + 7, 3)
    default = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=11, embedding_dim=4,
                              units=5, conv_width=3, seed=0)  # fmt: skip
    assert default.get_layer("conv").conv.kernel.shape == (3, 4, 256)


@pytest.mark.parametrize("conv_filters", [0, -3, 2.0, True])
def test_build_rnn_model_rejects_bad_conv_filters(conv_filters):
    message = f"build_rnn_model conv_filters must be an int >= 1, got {conv_filters!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, conv_width=3,
                        conv_filters=conv_filters)  # fmt: skip


def test_hashed_ngrams_hash_each_window_of_real_tokens_wherever_it_sits():
    """Each n-gram of real tokens gets an id in 1..buckets that depends on its
    tokens and n only; windows touching padding or the row's end get 0."""
    from sklearn_rnn._models import HashedNgrams

    layer = HashedNgrams(3, buckets=50)
    x = np.array([[5, 6, 7, 5, 6, 0, 0], [0, 0, 5, 6, 7, 5, 6]], dtype="int32")
    out = keras.ops.convert_to_numpy(layer(x))
    assert out.shape == (2, 2 * 7) == layer.compute_output_shape((2, 7))
    assert layer.compute_output_shape((None, None)) == (None, None)
    bigrams, trigrams = out[:, :7], out[:, 7:]
    # post-padded row: bigrams 56 67 75 56, trigrams 567 675 756
    assert bigrams[0, 0] == bigrams[0, 3] != bigrams[0, 1]  # the same tokens: the same id
    np.testing.assert_array_equal(bigrams[0, 4:], 0)  # 6-pad and pad-pad
    np.testing.assert_array_equal(trigrams[0, 3:], 0)
    assert ((out >= 0) & (out <= 50)).all() and (out[0, [0, 1, 2, 3, 7, 8, 9]] > 0).all()
    for row in (0, 1):  # the same bag of ids on either padding side
        assert sorted(out[0][out[0] > 0]) == sorted(out[row][out[row] > 0])
    for bad in (1, 2.0, True):
        with pytest.raises(ValueError, match=re.escape(f"HashedNgrams max_n must be an int >= 2, got {bad!r}.")):
            HashedNgrams(bad)
    with pytest.raises(ValueError, match="HashedNgrams buckets must be in"):
        HashedNgrams(2, buckets=2**20)
    short = keras.ops.convert_to_numpy(HashedNgrams(4)(np.array([[3, 4, 0]], dtype="int32")))
    np.testing.assert_array_equal(short[0, 3:], 0)  # no 3- or 4-grams in a row of 2 tokens
    assert short[0, 0] > 0 and (short[0, 1:3] == 0).all()


@pytest.mark.parametrize("path", [
    {"bag_dim": 4, "bag_ngrams": 1}, {"bag_dim": 4, "bag_ngrams": 3},
    {"ngram_expert": 1}, {"ngram_expert": 3},
])  # fmt: skip
@pytest.mark.parametrize("head", sorted(_HEAD_LAYERS))
def test_every_head_with_a_bag_path_or_ngram_expert_ignores_padding(head, path):
    """The bag path and the n-gram expert average over real tokens (and real
    n-grams) only: pre or post padding to any width gives the same
    predictions."""
    rng = np.random.RandomState(4)
    rows = [rng.randint(1, 20, size=n).astype("int32") for n in (3, 7, 1, 5)]
    model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=20, embedding_dim=3,
                            units=3, head=head, seed=0, **path)  # fmt: skip
    reference = keras.ops.convert_to_numpy(model(_pad(rows, 7, "post", 0)))
    for side in ("pre", "post"):
        for width in (7, 8, 12):
            got = keras.ops.convert_to_numpy(model(_pad(rows, width, side, 0)))
            np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


def test_build_rnn_model_bag_path_reaches_the_output_beside_the_head(tmp_path):
    """The masked means of the token and n-gram vectors are concatenated to
    the head; the bag has its own seed stream, so every other initial weight
    is the one the network has without it; it round-trips through .keras."""
    kwargs = dict(n_classes=2, input_type="tokens", vocab_size=12, embedding_dim=3, units=3,
                  head="max", conv_width=3, conv_filters=4, seed=0)  # fmt: skip
    bag = build_rnn_model(**kwargs, bag_dim=5)  # bag_ngrams=2 by default, as on the estimators
    assert [t.name for t in bag.get_layer("head_and_bag").input] == [
        bag.get_layer("max_pooling").output.name, bag.get_layer("bag_mean").output.name,
        bag.get_layer("bag_ngram_mean").output.name,
    ]  # fmt: skip
    assert bag.get_layer("bag_embedding").input.name == bag.get_layer("token_ids").output.name
    assert bag.get_layer("bag_embedding").embeddings.shape == (12, 5)
    assert bag.get_layer("bag_ngram_embedding").embeddings.shape == (BAG_BUCKETS + 1, 5)
    # head (3) + token bag (5) + n-gram bag (5) + the convolution's maxima (4)
    assert bag.get_layer("probabilities").kernel.shape == (3 + 5 + 5 + 4, 2)
    plain = build_rnn_model(**kwargs)
    assert not [layer.name for layer in plain.layers if layer.name.startswith("bag")]
    for name in ("embedding", "conv", "gru_0"):
        for a, b in zip(plain.get_layer(name).get_weights(), bag.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    unigrams = build_rnn_model(**kwargs, bag_dim=5, bag_ngrams=1)  # tokens only
    assert "HashedNgrams" not in _layer_types(unigrams)
    assert unigrams.get_layer("probabilities").kernel.shape == (3 + 5 + 4, 2)
    x = np.array([[0, 0, 2, 5, 11, 3, 4], [3, 4, 1, 7, 0, 0, 0]], dtype="int32")
    assert _round_trip(bag, x, tmp_path).get_layer("bag_ngram_ids").max_n == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"bag_dim": -1}, "bag_dim must be an int >= 0 (0: no bag path), got -1."),
    ({"bag_dim": 2.0}, "bag_dim must be an int >= 0 (0: no bag path), got 2.0."),
    ({"bag_dim": 4, "bag_ngrams": 0}, "bag_ngrams must be an int >= 1 (1: single tokens only), got 0."),
    ({"bag_dim": 4, "input_type": "numeric"}, "bag_dim=4 averages a learned vector per token id; "
     "numeric input has none. Use bag_dim=0 with numeric input."),
])  # fmt: skip
def test_build_rnn_model_rejects_bad_bag_options(kwargs, message):
    kwargs = {"n_classes": 2, "input_type": "tokens", "vocab_size": 9, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(**kwargs)


def test_weight_counts_include_the_bag_path():
    from sklearn_rnn._models import weight_counts

    for bag_dim, bag_ngrams, width in ((0, 2, 0), (4, 1, 0), (4, 3, 3), (6, 2, 0)):
        counts = weight_counts(
            input_type="tokens", n_outputs=3, n_features=None, vocab_size=11, embedding_dim=4,
            cell="gru", units=5, bidirectional=False, conv_width=width, conv_filters=7,
            bag_dim=bag_dim, bag_ngrams=bag_ngrams,
        )  # fmt: skip
        model = build_rnn_model(
            n_classes=3, input_type="tokens", vocab_size=11, embedding_dim=4, units=5,
            head="max", conv_width=width, conv_filters=7, bag_dim=bag_dim, bag_ngrams=bag_ngrams,
        )  # fmt: skip
        assert sum(counts.values()) == model.count_params()
