"""Property-based tests of the transformers, for inputs nobody thought to write down.

They complement the round-trip properties in test_text.py and test_sequence.py:
exact token round trips, 1-D and empty sequences (all-empty ones are refused),
re-padding padded arrays,
ragged padding in the scaler, and inputs left untouched.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklearn_rnn import SequencePadder, SequenceScaler, TextTokenizer

PROPERTY = settings(max_examples=50, deadline=None)
FINITE = st.floats(-1e3, 1e3, allow_nan=False, width=32)
#: Generated sequences are (n_timesteps, n_features), often with fewer steps than
#: features: say so, so that fit does not warn about a channels-first layout.
LAYOUT = "channels_last"


@st.composite
def ragged_sequences(draw, *, univariate=None, max_size=6):
    """A list of float arrays with one feature count and lengths 0..6."""
    n_features = draw(st.integers(1, 3))
    one_d = draw(st.booleans()) if univariate is None else univariate
    shape = st.integers(0, 6).map(lambda n: (n,) if one_d and n_features == 1 else (n, n_features))
    arrays = hnp.arrays(np.float64, shape, elements=FINITE)
    return draw(st.lists(arrays, min_size=1, max_size=max_size))


@st.composite
def padded_batches(draw):
    """A 3-D float batch with all-NaN padding after each sample's own length."""
    n_samples, n_steps, n_features = draw(st.tuples(*[st.integers(1, 5)] * 3))
    X = draw(hnp.arrays(np.float64, (n_samples, n_steps, n_features), elements=FINITE))
    lengths = draw(st.lists(st.integers(0, n_steps), min_size=n_samples, max_size=n_samples))
    lengths[0] = max(lengths[0], 1)  # at least one real step to fit on
    for i, length in enumerate(lengths):
        X[i, length:] = np.nan
    return X


def _refused_without_steps(padder, sequences):
    """True, after checking the refusal, when ``sequences`` hold no time step at all."""
    if any(len(seq) for seq in sequences):
        return False
    with pytest.raises(ValueError, match="without a single time step"):
        padder.fit(sequences)
    return True


# %%
# TextTokenizer
# -------------


def _refused_without_tokens(tokenizer, documents):
    """True, after checking the refusal, when ``documents`` hold no token at all."""
    if any(map(tokenizer._build_analyzer(), documents)):
        return False
    with pytest.raises(ValueError, match="so the vocabulary is empty"):
        tokenizer.fit(documents)
    return True


@PROPERTY
@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=8),
    st.sampled_from(["word", "char"]),
    st.booleans(),
)
def test_tokenize_then_inverse_gives_the_analyzer_tokens(documents, analyzer, lowercase):
    original = list(documents)
    tokenizer = TextTokenizer(analyzer=analyzer, lowercase=lowercase)
    if _refused_without_tokens(tokenizer, documents):
        return
    X = tokenizer.fit_transform(documents)
    analyze = tokenizer._build_analyzer()
    assert tokenizer.inverse_transform(X) == [analyze(doc) for doc in documents]
    assert documents == original


@PROPERTY
@given(
    st.lists(st.text(max_size=40), min_size=1, max_size=8),
    st.lists(st.text(max_size=40), min_size=1, max_size=8),
    st.integers(3, 6),
    st.integers(1, 4),
    st.sampled_from(["post", "pre"]),
)
def test_tokenizer_rows_are_independent_and_bounded(train, test, max_tokens, max_len, side):
    tokenizer = TextTokenizer(
        max_tokens=max_tokens, max_len=max_len, padding=side, truncating=side
    )
    if _refused_without_tokens(tokenizer, train):
        return
    X = tokenizer.fit(train).transform(test)
    assert X.shape == (len(test), max_len) and X.dtype == np.int32
    assert ((X >= 0) & (X < max_tokens)).all()
    # A row does not depend on the other documents of the batch.
    np.testing.assert_array_equal(X[::-1], tokenizer.transform(test[::-1]))


# %%
# SequencePadder
# --------------


@PROPERTY
@given(
    ragged_sequences(),
    st.sampled_from(["post", "pre"]),
    st.sampled_from(["float32", "float64"]),
)
def test_pad_then_unpad_returns_originals_of_any_layout(sequences, padding, dtype):
    copies = [s.copy() for s in sequences]
    padder = SequencePadder(padding=padding, dtype=dtype, data_format=LAYOUT)
    if _refused_without_steps(padder, sequences):
        return
    padder.fit(sequences)
    recovered = padder.inverse_transform(padder.transform(sequences))
    for original, copy, back in zip(sequences, copies, recovered):
        np.testing.assert_array_equal(original, copy)  # input untouched
        expected = original[:, np.newaxis] if original.ndim == 1 else original
        np.testing.assert_array_equal(back, expected.astype(dtype))


@PROPERTY
@given(ragged_sequences(univariate=False), st.sampled_from(["post", "pre"]))
def test_repadding_a_padded_batch_keeps_the_sequences(sequences, side):
    if _refused_without_steps(SequencePadder(data_format=LAYOUT), sequences):
        return
    pre = SequencePadder(padding="pre", dtype="float64", data_format=LAYOUT).fit_transform(
        sequences
    )
    snapshot = pre.copy()
    padder = SequencePadder(padding=side, dtype="float64", data_format=LAYOUT).fit(pre)
    recovered = padder.inverse_transform(padder.transform(pre))
    np.testing.assert_array_equal(pre, snapshot)
    for original, back in zip(sequences, recovered):
        np.testing.assert_array_equal(back, original)


# %%
# SequenceScaler
# --------------


@PROPERTY
@given(padded_batches(), st.booleans(), st.booleans())
def test_scale_then_inverse_returns_ragged_padded_input(X, with_mean, with_std):
    snapshot = X.copy()
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(X)
    scaled = scaler.transform(X)
    back = scaler.inverse_transform(scaled)
    np.testing.assert_array_equal(X, snapshot)
    np.testing.assert_array_equal(np.isnan(scaled), np.isnan(X))
    np.testing.assert_allclose(back, X, rtol=1e-9, atol=1e-9)
    real = X[~np.isnan(X).all(axis=-1)]
    if with_mean:
        np.testing.assert_allclose(scaler.mean_, real.mean(axis=0), rtol=1e-9, atol=1e-9)


@PROPERTY
@given(padded_batches())
def test_scale_then_inverse_2d_univariate(X):
    X = X[:, :, 0]
    scaler = SequenceScaler().fit(X)
    back = scaler.inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(back, X, rtol=1e-9, atol=1e-9)


@PROPERTY
@given(ragged_sequences(univariate=False))
def test_pad_scale_inverse_unpad_returns_originals(sequences):
    padder = SequencePadder(dtype="float64", data_format=LAYOUT)
    if _refused_without_steps(padder, sequences):
        return
    padded = padder.fit(sequences).transform(sequences)
    scaler = SequenceScaler().fit(padded)
    recovered = padder.inverse_transform(scaler.inverse_transform(scaler.transform(padded)))
    for original, back in zip(sequences, recovered):
        np.testing.assert_allclose(back, original, rtol=1e-9, atol=1e-9)
