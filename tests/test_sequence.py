"""Tests for SequencePadder and SequenceScaler."""

import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from sklearn_rnn import SequencePadder, SequenceScaler


@pytest.fixture
def ragged():
    """Three bivariate sequences of lengths 3, 1 and 2."""
    rng = np.random.RandomState(0)
    return [rng.randn(3, 2), rng.randn(1, 2), rng.randn(2, 2)]


@pytest.fixture
def padded_batch():
    """A 20 x 5 x 3 batch whose last steps are padding for some samples."""
    rng = np.random.RandomState(0)
    X = rng.normal(loc=3.0, scale=2.0, size=(20, 5, 3))
    X[::2, 3:] = np.nan
    X[1::4, 4:] = np.nan
    return X


# %%
# SequencePadder
# --------------


def test_sequence_padder_learns_longest_length(ragged):
    padder = SequencePadder().fit(ragged)
    assert padder.max_len_ == 3
    assert padder.n_features_in_ == 2
    X = padder.transform(ragged)
    assert X.shape == (3, 3, 2)
    assert X.dtype == np.float32
    np.testing.assert_allclose(X[0], ragged[0], rtol=1e-6)
    assert np.isnan(X[1, 1:]).all()


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[1, 2], [5, np.nan]]),
        ("pre", "post", [[1, 2], [np.nan, 5]]),
        ("post", "pre", [[3, 4], [5, np.nan]]),
        ("pre", "pre", [[3, 4], [np.nan, 5]]),
    ],
)
def test_sequence_padder_padding_and_truncating_sides(padding, truncating, expected):
    sequences = [[1, 2, 3, 4], [5]]
    padder = SequencePadder(max_len=2, padding=padding, truncating=truncating)
    X = padder.fit_transform(sequences)
    assert X.shape == (2, 2, 1)
    np.testing.assert_array_equal(X[..., 0], expected)


def test_sequence_padder_univariate_and_empty_sequences():
    padder = SequencePadder(dtype="float64").fit([[1.0, 2.0], [], np.array([3.0])])
    X = padder.transform([[], [7.0]])
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X[..., 0], [[np.nan, np.nan], [7.0, np.nan]])
    assert SequencePadder().fit([[], [5.0]]).max_len_ == 1


@pytest.mark.parametrize("X", [
    [[], []],
    [np.zeros((0, 3)), np.zeros((0, 3))],
    np.full((2, 4, 3), np.nan),  # a padded batch of padding only
])  # fmt: skip
def test_sequence_padder_refuses_sequences_without_a_time_step(X):
    """As TextTokenizer refuses documents without a token: there is no length
    to learn, and the estimators downstream refuse all-padding input later,
    with a message about their own input instead."""
    message = (
        "SequencePadder.fit got 2 sequences without a single time step (each is empty "
        "or all-NaN padding), so there is no length to learn"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before any channels-first warning
        with pytest.raises(ValueError, match=re.escape(message)):
            SequencePadder().fit(X)
        with pytest.raises(ValueError, match=re.escape(message)):
            SequencePadder(max_len=3).fit(X)


def test_sequence_padder_accepts_padded_arrays(padded_batch):
    padder = SequencePadder(dtype=np.float64).fit(padded_batch)
    assert padder.n_features_in_ == 3
    assert padder.max_len_ == 5
    np.testing.assert_array_equal(padder.transform(padded_batch), padded_batch)
    # Re-padding an already padded batch moves its padding to the other side.
    pre = SequencePadder(padding="pre", dtype=np.float64).fit_transform(padded_batch)
    np.testing.assert_array_equal(pre[0, 2:], padded_batch[0, :3])
    assert np.isnan(pre[0, :2]).all()


def test_sequence_padder_2d_array_is_univariate():
    X = np.arange(6.0).reshape(2, 3)
    padder = SequencePadder().fit(X)
    assert padder.n_features_in_ == 1
    np.testing.assert_array_equal(padder.transform(X)[..., 0], X)


def test_sequence_padder_reads_a_dataframe_as_its_array():
    # iterating a DataFrame yields its column labels: it used to fail with
    # "got shape () for sequence 0", while SequenceScaler and the estimators take it
    pd = pytest.importorskip("pandas")
    X = np.array([[1.0, 2.0, np.nan], [3.0, np.nan, np.nan]])
    frame = pd.DataFrame(X, columns=["t0", "t1", "t2"])
    padder = SequencePadder().fit(frame)
    assert padder.max_len_ == 2 and padder.n_features_in_ == 1
    np.testing.assert_array_equal(padder.transform(frame), SequencePadder().fit_transform(X))
    with pytest.raises(TypeError, match="got raw text such as 'a b'"):
        SequencePadder().fit(pd.DataFrame({"text": ["a b", "c"]}))


def test_sequence_padder_inverse_transform_round_trip(ragged):
    padder = SequencePadder(padding="pre", dtype="float64").fit(ragged)
    unpadded = padder.inverse_transform(padder.transform(ragged))
    assert len(unpadded) == len(ragged)
    for original, recovered in zip(ragged, unpadded):
        np.testing.assert_array_equal(recovered, original)


def test_sequence_padder_inverse_transform_univariate_2d():
    padder = SequencePadder().fit([[1.0, 2.0], [3.0]])
    recovered = padder.inverse_transform(np.array([[1.0, np.nan]]))
    np.testing.assert_array_equal(recovered[0], [[1.0]])


def test_sequence_padder_feature_names_out(ragged):
    padder = SequencePadder(max_len=2).fit(ragged)
    assert padder.get_feature_names_out().tolist() == ["sequencepadder0", "sequencepadder1"]


def test_sequence_padder_does_not_modify_input(padded_batch, ragged):
    batch_before = padded_batch.copy()
    ragged_before = [seq.copy() for seq in ragged]
    SequencePadder(max_len=2, padding="pre", dtype="float64").fit_transform(padded_batch)
    SequencePadder(max_len=2, padding="pre").fit_transform(ragged)
    np.testing.assert_array_equal(padded_batch, batch_before)
    for seq, before in zip(ragged, ragged_before):
        np.testing.assert_array_equal(seq, before)


def test_sequence_padder_rejects_mixed_widths_within_a_list():
    sequences = [np.ones((2, 3)), np.ones((4, 3)), np.ones((1, 2))]
    msg = "sequence 0 has 3, but sequence 2 has 2."
    with pytest.raises(ValueError, match=re.escape(msg)):
        SequencePadder().fit(sequences)


def test_sequence_padder_rejects_other_width_at_transform(ragged):
    padder = SequencePadder().fit(ragged)
    msg = (
        "X has 4 features per time step, but SequencePadder is expecting 2 "
        "features per time step as input."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        padder.transform([np.ones((2, 4))])
    with pytest.raises(ValueError, match=re.escape(msg)):
        padder.inverse_transform(np.ones((1, 2, 4)))


def test_sequence_padder_rejects_nan_mixed_with_values():
    sequences = [np.ones((2, 2)), np.array([[1.0, 2.0], [np.nan, 3.0]])]
    msg = "time step that mixes NaN with finite values (sample 1, step 1: [nan, 3.0])"
    with pytest.raises(ValueError, match=re.escape(msg)):
        SequencePadder().fit(sequences)


def test_sequence_padder_rejects_empty_list():
    msg = "SequencePadder expected at least one sequence, got an empty list."
    with pytest.raises(ValueError, match=re.escape(msg)):
        SequencePadder().fit([])


@pytest.mark.parametrize(
    "X, error, message",
    [
        ("abc", TypeError, "SequencePadder expected an array of sequences, got a single"),
        (["abc", "d"], TypeError, "got raw text such as 'abc'. Turn text into token ids"),
        ([[1.0], [1.0, "x"]], ValueError, "could not read sequence 1 as float32 numbers"),
        ([np.ones((2, 2, 2))], ValueError, "got shape (2, 2, 2) for sequence 0"),
        (np.ones((2, 2, 2, 2)), ValueError, "got an array of shape (2, 2, 2, 2)"),
        (5, TypeError, "SequencePadder expected a list of sequences, got int 5."),
        ([[1.0, np.inf]], ValueError, "SequencePadder received an infinite value"),
    ],
)
def test_sequence_padder_bad_input_messages(X, error, message):
    with pytest.raises(error, match=re.escape(message)):
        SequencePadder().fit(X)


@pytest.mark.parametrize(
    "params, name",
    [({"max_len": 0}, "max_len"), ({"padding": "both"}, "padding"), ({"dtype": "int32"}, "dtype")],
)
def test_sequence_padder_parameter_validation(params, name, ragged):
    msg = f"The '{name}' parameter of SequencePadder must be"
    with pytest.raises(InvalidParameterError, match=re.escape(msg)):
        SequencePadder(**params).fit(ragged)


def test_sequence_padder_not_fitted(ragged):
    with pytest.raises(NotFittedError):
        SequencePadder().transform(ragged)
    with pytest.raises(NotFittedError):
        SequencePadder().get_feature_names_out()


def test_sequence_padder_tags():
    tags = get_tags(SequencePadder())
    assert not tags.input_tags.two_d_array
    assert tags.input_tags.three_d_array
    assert tags.input_tags.allow_nan


@pytest.mark.parametrize(
    "check",
    [
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_parameters_default_constructible,
        check_set_params,
        check_do_not_raise_errors_in_init_or_set_params,
    ],
)
def test_sequence_padder_applicable_estimator_checks(check):
    check("SequencePadder", SequencePadder())


def test_sequence_padder_pickle_and_clone(ragged):
    padder = SequencePadder(max_len=2, padding="pre").fit(ragged)
    restored = pickle.loads(pickle.dumps(padder))
    np.testing.assert_array_equal(restored.transform(ragged), padder.transform(ragged))
    cloned = clone(padder)
    assert cloned.get_params() == padder.get_params()
    assert not hasattr(cloned, "max_len_")


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda n_features: st.lists(
            hnp.arrays(
                np.float64,
                st.tuples(st.integers(0, 6), st.just(n_features)),
                elements=st.floats(-1e6, 1e6),
            ),
            min_size=1,
            max_size=6,
        )
    ),
    st.sampled_from(["post", "pre"]),
)
def test_sequence_padder_pad_then_unpad_returns_originals(sequences, padding):
    padder = SequencePadder(padding=padding, dtype="float64", data_format="channels_last")
    if all(len(seq) == 0 for seq in sequences):  # nothing to learn: refused
        with pytest.raises(ValueError, match="without a single time step"):
            padder.fit(sequences)
        return
    recovered = padder.fit(sequences).inverse_transform(padder.transform(sequences))
    assert len(recovered) == len(sequences)
    for original, back in zip(sequences, recovered):
        np.testing.assert_array_equal(back, original)
    # the same sequences given channels-first come back channels-first, and pad alike
    first = SequencePadder(padding=padding, dtype="float64", data_format="channels_first")
    transposed = [seq.T for seq in sequences]
    np.testing.assert_array_equal(first.fit_transform(transposed), padder.transform(sequences))
    for original, back in zip(transposed, first.inverse_transform(first.transform(transposed))):
        np.testing.assert_array_equal(back, original)


# %%
# SequenceScaler
# --------------


def test_sequence_scaler_statistics_ignore_padding(padded_batch):
    scaler = SequenceScaler().fit(padded_batch)
    steps = padded_batch.reshape(-1, 3)
    steps = steps[~np.isnan(steps).all(axis=1)]
    np.testing.assert_allclose(scaler.mean_, steps.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, steps.std(axis=0))
    assert scaler.n_features_in_ == 3
    Xt = scaler.transform(padded_batch)
    np.testing.assert_array_equal(np.isnan(Xt), np.isnan(padded_batch))
    real = Xt.reshape(-1, 3)[~np.isnan(Xt.reshape(-1, 3)).all(axis=1)]
    np.testing.assert_allclose(real.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(real.std(axis=0), 1)


def test_sequence_scaler_matches_standard_scaler_on_steps(padded_batch):
    steps = padded_batch[:, :3].reshape(-1, 3)
    expected = StandardScaler().fit_transform(steps).reshape(20, 3, 3)
    np.testing.assert_allclose(SequenceScaler().fit_transform(padded_batch[:, :3]), expected)


def test_sequence_scaler_transform_accepts_other_lengths(padded_batch):
    scaler = SequenceScaler().fit(padded_batch)
    assert scaler.transform(padded_batch[:, :2]).shape == (20, 2, 3)


def test_sequence_scaler_2d_is_univariate():
    X = np.array([[1.0, 2.0, np.nan], [3.0, 4.0, 5.0]])
    scaler = SequenceScaler().fit(X)
    assert scaler.n_features_in_ == 3  # sklearn's column contract: one per step
    np.testing.assert_allclose(scaler.mean_, [3.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(2.0)])
    assert np.isnan(scaler.transform(X)[0, 2])


def test_sequence_scaler_zero_variance_scale_is_one():
    X = np.full((4, 3, 2), 7.0)
    X[:, :, 1] = np.arange(12.0).reshape(4, 3)
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_array_equal(scaler.transform(X)[..., 0], 0.0)


@pytest.mark.parametrize("with_mean, with_std", [(False, True), (True, False), (False, False)])
def test_sequence_scaler_with_mean_and_with_std(padded_batch, with_mean, with_std):
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(padded_batch)
    assert (scaler.mean_ is None) == (not with_mean)
    assert (scaler.scale_ is None) == (not with_std)
    Xt = scaler.transform(padded_batch)
    assert Xt is not padded_batch
    np.testing.assert_allclose(scaler.inverse_transform(Xt), padded_batch)


def test_sequence_scaler_does_not_modify_input(padded_batch):
    before = padded_batch.copy()
    scaler = SequenceScaler().fit(padded_batch)
    scaler.inverse_transform(scaler.transform(padded_batch))
    np.testing.assert_array_equal(padded_batch, before)


def test_sequence_scaler_preserves_float32(padded_batch):
    X = padded_batch.astype(np.float32)
    assert SequenceScaler().fit_transform(X).dtype == np.float32


def test_sequence_scaler_after_padder(ragged):
    pipe = make_pipeline(SequencePadder(), SequenceScaler())
    Xt = pipe.fit_transform(ragged)
    assert Xt.shape == (3, 3, 2)
    assert np.isnan(Xt[1, 1:]).all()


@pytest.mark.parametrize("univariate", [False, True])
def test_sequence_transformers_return_arrays_under_pandas_output(ragged, univariate):
    # a global transform_output="pandas" (set for the tabular steps of a project)
    # must not break padding and scaling: sequences have no DataFrame form
    import sklearn

    X = [seq[:, 0] for seq in ragged] if univariate else ragged
    expected = make_pipeline(SequencePadder(), SequenceScaler()).fit_transform(X)
    with sklearn.config_context(transform_output="pandas"):
        pipe = make_pipeline(SequencePadder(), SequenceScaler())
        Xt = pipe.fit_transform(X)
        again = pipe.transform(X)
        scaled_2d = SequenceScaler().fit_transform(expected[:, :, 0])
    for out in (Xt, again, scaled_2d):
        assert type(out) is np.ndarray
    np.testing.assert_array_equal(Xt, expected)
    np.testing.assert_array_equal(again, expected)
    assert not hasattr(SequenceScaler(), "set_output")
    assert not hasattr(SequencePadder(), "set_output")


def test_sequence_padder_channels_first_reads_aeon_layouts():
    rng = np.random.RandomState(0)
    cases = rng.normal(size=(5, 3, 12))  # aeon: (n_cases, n_channels, n_timepoints)
    padder = SequencePadder(data_format="channels_first")
    out = padder.fit_transform(cases)
    assert out.shape == (5, 12, 3) and padder.n_features_in_ == 3
    np.testing.assert_allclose(out, cases.transpose(0, 2, 1).astype(np.float32))
    # unequal lengths: a list of (n_channels, n_timepoints_i) arrays
    ragged = [rng.normal(size=(3, n)) for n in (4, 7, 2)]
    padded = padder.fit_transform(ragged)
    assert padded.shape == (3, 7, 3)
    np.testing.assert_allclose(padded[2, :2], ragged[2].T.astype(np.float32))
    assert np.isnan(padded[2, 2:]).all()
    for original, back in zip(ragged, padder.inverse_transform(padded)):
        np.testing.assert_allclose(back, original.astype(np.float32))


@pytest.mark.parametrize(
    "X, read_as",
    [
        (np.ones((4, 1, 24)), "one time step of 24 features, so the recurrent network sees no order"),
        (np.ones((4, 6, 100)), "at most 6 time steps of 100 features each"),
    ],
    ids=["univariate", "multivariate"],
)  # fmt: skip
def test_sequence_padder_warns_on_a_layout_that_looks_channels_first(X, read_as):
    message = (
        f"SequencePadder read every sequence as {read_as}. If X is channels-first, "
        "(n_samples, n_channels, n_timesteps) as aeon and sktime store series, pass "
        "data_format='channels_first'"
    )
    with pytest.warns(UserWarning, match=re.escape(message)):
        SequencePadder().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit layout is taken as said
        SequencePadder(data_format="channels_last").fit(X)
        SequencePadder(data_format="channels_first").fit(X)
        SequencePadder().fit(np.ones((4, 24, 1)))  # more steps than features


def test_sequence_scaler_rejects_other_width(padded_batch):
    scaler = SequenceScaler().fit(padded_batch)
    msg = (
        "X has 2 features per time step, but SequenceScaler is expecting 3 "
        "features per time step as input."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        scaler.transform(padded_batch[..., :2])


@pytest.mark.parametrize("with_mean", [True, False])
def test_sequence_scaler_refuses_a_feature_whose_variance_overflows(padded_batch, with_mean):
    # its variance was inf, which the constant-feature test took for 0: scale_ 1
    X = padded_batch.astype(np.float64)
    X[:, :, 1] *= 1e200
    message = (
        "SequenceScaler cannot standardise feature 1: its mean or variance overflows "
        "float64 (values up to"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=re.escape(message)):
            SequenceScaler(with_mean=with_mean).fit(X)
    assert SequenceScaler(with_std=False).fit(X).scale_ is None  # the mean is finite


def test_sequence_scaler_transform_names_an_infinite_value(padded_batch):
    scaler = SequenceScaler().fit(padded_batch)
    X = padded_batch.copy()
    X[1, 0, 2] = np.inf
    message = "SequenceScaler received an infinite value at index (1, 0, 2)."
    for method in (scaler.transform, scaler.inverse_transform):
        with pytest.raises(ValueError, match=re.escape(message)):
            method(X)


def test_sequence_scaler_rejects_other_dimensions(padded_batch):
    scaler = SequenceScaler().fit(padded_batch)
    msg = "SequenceScaler was fitted on 3-D X but got 2-D X of shape"
    with pytest.raises(ValueError, match=re.escape(msg)):
        scaler.transform(padded_batch[..., 0])


@pytest.mark.parametrize(
    "X, message",
    [
        (
            np.array([[[1.0, np.nan], [2.0, 3.0]]]),
            "mixes NaN with finite values (sample 0, step 0: [1.0, nan])",
        ),
        (np.full((2, 3, 2), np.nan), "needs at least one time step that is not padding"),
        ([[1.0, 2.0], [3.0]], "got sequences of different lengths (a ragged list)"),
        (np.ones((2, 2, 2, 2)), "got a 4-D array"),
        (
            np.array([[[1.0, 2.0], [np.inf, 3.0]]]),
            "SequenceScaler received an infinite value at index (0, 1, 0). Sequences "
            "may hold finite numbers and NaN padding only; replace or clip infinite values",
        ),
        (np.array([[1.0, -np.inf]]), "SequenceScaler received an infinite value at index (0, 1)."),
    ],
)
def test_sequence_scaler_bad_input_messages(X, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SequenceScaler().fit(X)


def test_sequence_scaler_rejects_raw_text():
    with pytest.raises(TypeError, match=re.escape("Turn text into token ids with TextTokenizer")):
        SequenceScaler().fit([["a", "b"]])


def test_sequence_scaler_not_fitted(padded_batch):
    with pytest.raises(NotFittedError):
        SequenceScaler().transform(padded_batch)


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=3, max_dims=3, min_side=1, max_side=5),
        elements=st.floats(-1e3, 1e3),
    ),
    st.booleans(),
    st.booleans(),
)
def test_sequence_scaler_inverse_transform_round_trip(X, with_mean, with_std):
    X = X.copy()
    X[0, -1] = X[0, -1] if X.shape[1] == 1 else np.nan  # some padding when possible
    scaler = SequenceScaler(with_mean=with_mean, with_std=with_std).fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, atol=1e-6)


@pytest.mark.parametrize("block", [2, 1024])
def test_real_step_moments_leave_padding_out_in_any_block_size(block):
    from sklearn_rnn._validation import real_step_moments

    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 5, 3)) * [1.0, 10.0, 0.0] + [0.0, 1e4, 2.0]
    X[[1, 4], 3:] = np.nan
    count, mean, var = real_step_moments(X, block=block)
    assert count == 7 * 5 - 2 * 2
    np.testing.assert_allclose(mean, np.nanmean(X, axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(var, np.nanvar(X, axis=(0, 1)), rtol=1e-9, atol=1e-12)
    count, mean, var = real_step_moments(X[:, :, 0], block=block)  # univariate
    np.testing.assert_allclose(var, [np.nanvar(X[:, :, 0])], rtol=1e-9)
    assert real_step_moments(np.full((2, 3, 1), np.nan), block=block)[0] == 0
