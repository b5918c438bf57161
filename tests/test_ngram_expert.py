"""The n-gram expert: a linear model over token n-grams beside the network,
combined with it as a product of experts, each trained on its own loss.
Padding invariance with every head: tests/test_models.py."""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn import RNNClassifier
from sklearn_rnn._backend import keras
from sklearn_rnn._models import (
    EXPERT_BUCKETS,
    EXPERT_SCALE,
    ProductOfExperts,
    SmoothedSparseCrossentropy,
    build_rnn_model,
    weight_counts,
)
from tests.test_models import _round_trip

TINY = dict(units=4, embedding_dim=3, epochs=1, random_state=0)


def _gradients(loss_fn, variable_value):
    """d loss_fn(v) / d v at ``variable_value``, on whichever backend runs."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        v = tf.Variable(variable_value)
        with tf.GradientTape() as tape:
            loss = loss_fn(v)
        return tape.gradient(loss, v).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: loss_fn(v))(variable_value))
    import torch

    v = torch.tensor(variable_value, requires_grad=True)
    loss_fn(v).backward()
    return v.grad.numpy()


@pytest.mark.backend_core  # CI runs these again on JAX and PyTorch (.ci/run)
def test_product_of_experts_is_the_normalised_geometric_mean():
    rng = np.random.RandomState(0)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(rng.normal(size=(5, 4))))
    logits = rng.normal(size=(5, 4)).astype("float32")
    out = keras.ops.convert_to_numpy(ProductOfExperts(scale=2.0)([probabilities, logits]))
    expert = np.exp(2.0 * logits) / np.exp(2.0 * logits).sum(axis=1, keepdims=True)
    expected = np.sqrt(probabilities * expert)
    np.testing.assert_allclose(out, expected / expected.sum(axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    layer = ProductOfExperts(scale=3.0)
    assert ProductOfExperts.from_config(layer.get_config()).scale == 3.0
    assert EXPERT_SCALE == ProductOfExperts().scale


@pytest.mark.backend_core
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_each_expert_learns_from_its_own_loss(label_smoothing):
    """The gradient of the loss on the combined probabilities, for either
    expert, is half that of the same loss on that expert's own probabilities:
    what the other expert predicts does not change it."""
    rng = np.random.RandomState(1)
    labels = np.array([0, 2, 1], dtype="int32")
    loss = SmoothedSparseCrossentropy(label_smoothing)
    network = rng.normal(size=(3, 3)).astype("float32")
    expert = rng.normal(size=(3, 3)).astype("float32")
    layer = ProductOfExperts(scale=1.5)

    def combined_wrt_expert(z):
        return loss(labels, layer([keras.ops.softmax(network), z]))

    def alone(z):
        return loss(labels, keras.ops.softmax(1.5 * z))

    np.testing.assert_allclose(
        _gradients(combined_wrt_expert, expert), 0.5 * _gradients(alone, expert), rtol=1e-4, atol=1e-6
    )

    def combined_wrt_network(z):
        return loss(labels, layer([keras.ops.softmax(z), expert]))

    def network_alone(z):
        return loss(labels, keras.ops.softmax(z))

    np.testing.assert_allclose(
        _gradients(combined_wrt_network, network), 0.5 * _gradients(network_alone, network),
        rtol=1e-4, atol=1e-6,
    )  # fmt: skip


def test_build_rnn_model_ngram_expert_wiring(tmp_path):
    """The expert reads the token ids as given (before token dropout), has
    one logit per class per id and per hashed n-gram, its own seed stream
    (every other initial weight is the network's without it), and the model
    round-trips through .keras."""
    kwargs = dict(n_classes=4, input_type="tokens", vocab_size=12, embedding_dim=3, units=3,
                  head="max", token_dropout=0.2, seed=0)  # fmt: skip
    model = build_rnn_model(**kwargs, ngram_expert=3)
    ids = model.get_layer("token_ids").output.name
    assert model.get_layer("expert_token_embedding").input.name == ids
    assert model.get_layer("expert_ngram_ids").input.name == ids
    assert model.get_layer("expert_ngram_ids").max_n == 3
    assert model.get_layer("expert_token_embedding").embeddings.shape == (12, 4)
    assert model.get_layer("expert_ngram_embedding").embeddings.shape == (EXPERT_BUCKETS + 1, 4)
    combined = model.get_layer("probabilities")
    assert isinstance(combined, ProductOfExperts)
    assert [t.name for t in combined.input] == [
        model.get_layer("network_probabilities").output.name,
        model.get_layer("expert_logits").output.name,
    ]
    plain = build_rnn_model(**kwargs)
    assert not any(layer.name.startswith("expert") for layer in plain.layers)
    for name in ("embedding", "gru_0"):
        for a, b in zip(plain.get_layer(name).get_weights(), model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        plain.get_layer("probabilities").get_weights()[0],
        model.get_layer("network_probabilities").get_weights()[0],
    )
    unigrams = build_rnn_model(**kwargs, ngram_expert=1)
    assert "expert_ngram_ids" not in [layer.name for layer in unigrams.layers]
    x = np.array([[0, 0, 2, 5, 11, 3, 4], [3, 4, 1, 7, 0, 0, 0]], dtype="int32")
    out = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)
    assert _round_trip(model, x, tmp_path).get_layer("probabilities").scale == EXPERT_SCALE


@pytest.mark.parametrize("kwargs, message", [
    ({"ngram_expert": -1}, "ngram_expert must be an int >= 0 (0: no n-gram expert), got -1."),
    ({"ngram_expert": 2.0}, "ngram_expert must be an int >= 0 (0: no n-gram expert), got 2.0."),
    ({"ngram_expert": 2, "input_type": "numeric"}, "ngram_expert=2 adds a linear model over the "
     "n-grams of token ids to a single-label classifier, but got input_type='numeric', "
     "task='multiclass'."),
    ({"ngram_expert": 1, "task": "multilabel"}, "but got input_type='tokens', task='multilabel'. "
     "Use ngram_expert=0, or token input with task='multiclass'."),
    ({"ngram_expert": 1, "task": "regression"}, "task='regression'"),
])  # fmt: skip
def test_build_rnn_model_rejects_bad_ngram_expert(kwargs, message):
    kwargs = {"n_classes": 2, "input_type": "tokens", "vocab_size": 9, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        build_rnn_model(**kwargs)


@pytest.mark.parametrize("ngram_expert", [0, 1, 2, 4])
def test_weight_counts_include_the_ngram_expert(ngram_expert):
    counts = weight_counts(
        input_type="tokens", n_outputs=3, n_features=None, vocab_size=11, embedding_dim=4,
        cell="gru", units=5, bidirectional=False, ngram_expert=ngram_expert,
    )  # fmt: skip
    model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=11, embedding_dim=4,
                            units=5, head="max", ngram_expert=ngram_expert)  # fmt: skip
    assert sum(counts.values()) == model.count_params()


def _tokens(vocab, n=60, steps=9, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(1, vocab, size=(n, steps))
    X[::3, 6:] = 0  # some post-padding
    return X, np.arange(n) % 3


@pytest.mark.backend_core
@pytest.mark.parametrize("vocab, expected", [(400, 2), (60, 5)])
def test_auto_uses_word_pairs_for_words_and_five_grams_for_alphabets(vocab, expected):
    X, y = _tokens(vocab)
    clf = RNNClassifier(**TINY).fit(X, y)
    assert clf.ngram_expert_ == expected
    assert clf.model_.get_layer("expert_ngram_ids").max_n == expected
    again = RNNClassifier(**TINY).fit(X, y)  # deterministic for a random_state
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_auto_is_off_for_numeric_sequences_and_multilabel_targets():
    rng = np.random.RandomState(0)
    numeric = RNNClassifier(**TINY).fit(rng.normal(size=(30, 6)), np.arange(30) % 2)
    assert numeric.ngram_expert_ == 0
    assert not any(layer.name.startswith("expert") for layer in numeric.model_.layers)
    X, _ = _tokens(50, n=30)
    Y = np.stack([np.arange(30) % 2, (np.arange(30) // 2) % 2], axis=1)
    multilabel = RNNClassifier(**TINY).fit(X, Y)
    assert multilabel.ngram_expert_ == 0
    assert not any(layer.name.startswith("expert") for layer in multilabel.model_.layers)


def test_explicit_ngram_expert_wins():
    X, y = _tokens(400)
    off = RNNClassifier(**TINY, ngram_expert=0).fit(X, y)
    assert off.ngram_expert_ == 0
    assert not any(layer.name.startswith("expert") for layer in off.model_.layers)
    assert RNNClassifier(**TINY, ngram_expert=3).fit(X, y).ngram_expert_ == 3
    unigrams = RNNClassifier(**TINY, ngram_expert=1).fit(X, y)
    assert "expert_token_embedding" in [layer.name for layer in unigrams.model_.layers]
    assert "expert_ngram_ids" not in [layer.name for layer in unigrams.model_.layers]


def test_refused_ngram_expert_says_what_and_how_to_fix(monkeypatch):
    """Refused before any network is built or trained."""
    from sklearn_rnn import _base

    def no_build(*args, **kwargs):
        raise AssertionError("a network was built")

    monkeypatch.setattr(_base.BaseRNN, "_build_model", no_build)
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match=re.escape(
        "ngram_expert=2 counts the n-grams of token ids, but X holds numeric sequences, "
        "which have none. Use ngram_expert=0 or 'auto' with numeric input, or pass integer "
        "token ids."
    )):  # fmt: skip
        RNNClassifier(ngram_expert=2).fit(rng.normal(size=(20, 5)), np.arange(20) % 2)
    X, _ = _tokens(50, n=20)
    Y = np.stack([np.arange(20) % 2, (np.arange(20) // 2) % 2], axis=1)
    with pytest.raises(ValueError, match=re.escape(
        "ngram_expert=1 combines two single-label classifiers, but y is a multilabel "
        "indicator matrix. Use ngram_expert=0 or 'auto' with multilabel y."
    )):  # fmt: skip
        RNNClassifier(ngram_expert=1).fit(X, Y)
    for bad in (-1, 2.5, "on"):
        with pytest.raises(InvalidParameterError, match="ngram_expert"):
            RNNClassifier(ngram_expert=bad).fit(X, np.arange(20) % 2)


def test_auto_rule_reads_input_type_vocabulary_classes_and_targets():
    from sklearn_rnn._defaults import AUTO_EXPERT_MAX_CLASSES, resolve_ngram_expert

    assert resolve_ngram_expert("auto", "tokens", 257, 4) == 2
    assert resolve_ngram_expert("auto", "tokens", 256, 4) == 5
    assert resolve_ngram_expert("auto", "tokens", 5000, AUTO_EXPERT_MAX_CLASSES) == 2
    assert resolve_ngram_expert("auto", "tokens", 5000, AUTO_EXPERT_MAX_CLASSES + 1) == 0
    assert resolve_ngram_expert("auto", "tokens", 5000, 3, multilabel=True) == 0
    assert resolve_ngram_expert("auto", "numeric", None, 3) == 0
    assert resolve_ngram_expert(3, "tokens", 5000, 1000) == 3  # an explicit value wins


def test_expert_scale_rule_grows_with_the_median_row_length():
    from sklearn_rnn._defaults import (
        AUTO_EXPERT_LENGTH,
        AUTO_EXPERT_MAX_SCALE,
        AUTO_EXPERT_SCALE,
        resolve_expert_scale,
    )

    assert resolve_expert_scale([]) == AUTO_EXPERT_SCALE
    assert resolve_expert_scale([1, 2, 3]) == AUTO_EXPERT_SCALE  # short rows: the floor
    assert resolve_expert_scale([AUTO_EXPERT_LENGTH] * 3) == AUTO_EXPERT_SCALE
    # four times the reference length: twice the factor; the median, not the mean
    assert resolve_expert_scale([1, 4 * AUTO_EXPERT_LENGTH, 1000]) == pytest.approx(2 * AUTO_EXPERT_SCALE)
    assert resolve_expert_scale([100 * AUTO_EXPERT_LENGTH]) == AUTO_EXPERT_MAX_SCALE  # the cap
    lengths = np.arange(1, 400)
    factors = [resolve_expert_scale(lengths[:k]) for k in range(1, 400, 7)]
    assert factors == sorted(factors)  # never falls as rows grow


@pytest.mark.backend_core
def test_expert_scale_comes_from_real_tokens_not_from_padding(tmp_path):
    """``expert_scale_`` counts each row's non-zero ids: the same rows padded
    on either side, to any width, get the same factor, which the model's
    ProductOfExperts uses and keeps through save and load."""
    from sklearn_rnn import load, save
    from sklearn_rnn._defaults import resolve_expert_scale

    rng = np.random.RandomState(0)
    lengths = rng.randint(10, 40, size=45)
    X = np.zeros((45, 40), dtype=np.int64)
    for row, n in enumerate(lengths):
        X[row, :n] = rng.randint(1, 300, size=n)
    y = np.arange(45) % 3
    expected = resolve_expert_scale(lengths)
    assert expected > 10.0
    clf = RNNClassifier(**TINY).fit(X, y)
    assert clf.expert_scale_ == pytest.approx(expected)
    assert clf.model_.get_layer("probabilities").scale == pytest.approx(expected)
    pre = np.zeros((45, 70), dtype=np.int64)
    for row, n in enumerate(lengths):
        pre[row, 70 - n :] = X[row, :n]
    assert RNNClassifier(**TINY).fit(pre, y).expert_scale_ == clf.expert_scale_
    path = tmp_path / "clf.skrnn"
    save(clf, path)
    loaded = load(path)
    assert loaded.expert_scale_ == clf.expert_scale_
    assert loaded.model_.get_layer("probabilities").scale == pytest.approx(expected)
    assert RNNClassifier(**TINY, ngram_expert=0).fit(X, y).expert_scale_ is None


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "10"])
def test_build_rnn_model_rejects_bad_expert_scale(bad):
    with pytest.raises(ValueError, match=re.escape(
        f"build_rnn_model expert_scale must be a finite number above 0 (the factor on the "
        f"n-gram expert's logits), got {bad!r}. Use None for the default of 10."
    )):  # fmt: skip
        build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, ngram_expert=2, expert_scale=bad)
    model = build_rnn_model(n_classes=2, input_type="tokens", vocab_size=9, ngram_expert=2,
                            expert_scale=25.0)  # fmt: skip
    assert model.get_layer("probabilities").scale == 25.0
