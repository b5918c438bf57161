"""Bad input is refused early, clearly, and without side effects.

One test per bad input: each asserts the exception type and that the message
names the problem. Errors raised in ``fit`` must come before any network is
built: the ``no_network`` fixture makes building one fail loudly.
"""

import re
import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor, SequencePadder, SequenceScaler, TextTokenizer
from sklearn_rnn._validation import InvalidParameterError

from .conftest import FAST_PARAMS, make_numeric_task, make_token_task

TINY = {**FAST_PARAMS, "epochs": 1}
TOKEN_TASK = dict(n_samples=16, n_steps=6, vocab=12)
NUMERIC_TASK = dict(n_samples=16, n_steps=5, n_features=2)
TEXT_HINT = "make_pipeline(TextTokenizer(), RNNClassifier())"
PAD_HINT = "make_pipeline(SequencePadder(), RNNClassifier())"


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to build a Keras network fail the test."""
    from sklearn_rnn import _models

    def refuse(*args, **kwargs):
        raise AssertionError("a network was built before the bad input was refused")

    monkeypatch.setattr(_models, "build_rnn_model", refuse)


@pytest.fixture(scope="module")
def tokens():
    return make_token_task(**TOKEN_TASK)


@pytest.fixture(scope="module")
def numeric():
    return make_numeric_task(**NUMERIC_TASK)


@pytest.fixture(scope="module")
def weights():
    return np.linspace(0.5, 1.5, 16)


@pytest.fixture(scope="module")
def token_clf(tokens, weights):
    return RNNClassifier(**TINY, class_weight="balanced").fit(*tokens, sample_weight=weights)


@pytest.fixture(scope="module")
def numeric_clf(numeric, weights):
    return RNNClassifier(**TINY, class_weight="balanced").fit(*numeric, sample_weight=weights)


@pytest.fixture(scope="module")
def univariate_clf(numeric):
    X, y = numeric
    return RNNClassifier(**TINY).fit(np.nan_to_num(X[:, :, 0]), y)


def _param_message(name, value, allowed=""):
    """Pattern for scikit-learn's parameter error: names parameter, allowed values, value."""
    return (
        re.escape(f"The {name!r} parameter of RNNClassifier must be {allowed}")
        + ".*"
        + re.escape(f"Got {value!r} instead.")
    )


def _fitted_attributes(estimator):
    return sorted(k for k in vars(estimator) if k.endswith("_") and not k.startswith("__"))


# %%
# Parameters
# ----------


@pytest.mark.parametrize(
    "name, value, allowed",
    [
        ("units", 0, "an int in the range [1, inf)"),
        ("units", "8", "an int in the range [1, inf)"),
        ("dropout", 1.0, "a float in the range [0.0, 1.0)"),
        ("dropout", -0.1, "a float in the range [0.0, 1.0)"),
        ("recurrent_dropout", 1.5, "a float in the range [0.0, 1.0)"),
        ("token_dropout", 1.0, "a float in the range [0.0, 1.0)"),
        ("input_noise", -0.1, "a float in the range [0.0, inf)"),
        ("epochs", 0, "an int in the range [1, inf)"),
        ("epochs", 2.5, "an int in the range [1, inf)"),
        ("validation_fraction", 0.0, "a float in the range (0.0, 1.0)"),
        ("validation_fraction", 1.0, "a float in the range (0.0, 1.0)"),
        ("learning_rate", 0.0, "a float in the range (0.0, inf)"),
        ("learning_rate", -1e-3, "a float in the range (0.0, inf)"),
        ("batch_size", 0, "an int in the range [1, inf)"),
        ("embedding_dim", 0, "an int in the range [1, inf)"),
        ("vocab_size", 1, "an int in the range [2, inf) or None"),
        ("patience", -1, "an int in the range [0, inf)"),
        ("cell", "transformer", "a str among"),
        ("cell", "GRU", "a str among"),
        ("optimizer", "adamm", "an optimizer name Keras knows ('adadelta', "),
        ("input_type", "text", "a str among"),
        ("class_weight", "balance", "an instance of 'dict', a str among {'balanced'} or None"),
        ("length_bucketing", "yes", ""),
        ("callbacks", "early", "an instance of 'list' or None"),
    ],
)
def test_invalid_parameter_names_parameter_value_and_allowed(
    no_network, tokens, name, value, allowed
):
    with pytest.raises(ValueError, match=_param_message(name, value, allowed)):
        RNNClassifier(**{**TINY, name: value}).fit(*tokens)


@pytest.mark.parametrize("units", [(8, 0), (), (8, 2.5), (8, True), [4, -1]])
def test_units_tuple_with_invalid_entry(tokens, units, monkeypatch):
    message = (
        "The 'units' parameter of RNNClassifier must be an int in the range [1, inf) "
        "or a non-empty tuple of such ints, one per stacked layer. "
        f"Got {units!r} instead."
    )
    clf = RNNClassifier(**{**TINY, "units": units})

    def refuse(*args, **kwargs):
        raise AssertionError("X was read before the bad parameter was refused")

    # Refused with the other parameters, before X is even looked at.
    monkeypatch.setattr(clf, "_validate_input", refuse)
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        clf.fit(*tokens)


def test_class_weight_with_unknown_label(no_network, tokens):
    message = "class_weight has labels [7] that are not in y's classes [0, 1]."
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, class_weight={0: 1.0, 7: 2.0}).fit(*tokens)


# A class_weight that zeroes every sample's weight used to train on nothing,
# while an all-zero sample_weight is refused (scikit-learn's _check_sample_weight).
@pytest.mark.parametrize(
    "class_weight, sample_weight, message",
    [
        ({0: 0.0, 1: 0.0}, None, "class_weight={0: 0.0, 1: 0.0} gives every sample a "
         "weight of 0 (the classes in y are [0, 1]), so there is nothing to learn from. "
         "Give a weight above 0 to at least one class present in y."),
        ({0: 0.0}, "class 0 only", "class_weight={0: 0.0} together with sample_weight gives "
         "every sample a weight of 0 (the classes in y are [0, 1]), so there is nothing to "
         "learn from. Give a weight above 0 to at least one class with a sample_weight "
         "above 0."),
    ],
)  # fmt: skip
def test_class_weight_that_zeroes_every_sample_refused(
    no_network, tokens, class_weight, sample_weight, message
):
    X, y = tokens
    if sample_weight is not None:
        sample_weight = (y == 0).astype(float)
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, class_weight=class_weight).fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize("weight", ["high", -1.0, np.inf, None])
def test_class_weight_with_invalid_value(no_network, tokens, weight):
    message = f"class_weight values must be finite numbers >= 0, got {{0: 1.0, 1: {weight!r}}}"
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, class_weight={0: 1.0, 1: weight}).fit(*tokens)


@pytest.mark.parametrize(
    "estimator, name, value",
    [
        (TextTokenizer, "max_len", 0),
        (TextTokenizer, "max_tokens", 2),
        (TextTokenizer, "min_frequency", 0),
        (SequencePadder, "max_len", 0),
    ],
)
def test_transformer_invalid_length_parameters(estimator, name, value):
    X = ["a b"] if estimator is TextTokenizer else [np.zeros((2, 1))]
    message = f"The {name!r} parameter of {estimator.__name__} must be an int in the range"
    with pytest.raises(ValueError, match=re.escape(message) + ".*" + re.escape(f"Got {value}")):
        estimator(**{name: value}).fit(X)


# %%
# Input data given to fit
# -----------------------


@pytest.mark.parametrize(
    "X, shape",
    [(np.arange(16), "(16,)"), (np.zeros((16, 2, 2, 2)), "(16, 2, 2, 2)"), (5.0, "()")],
)
def test_fit_rejects_wrong_number_of_dimensions(no_network, tokens, X, shape):
    ndim = len(np.shape(X))
    message = (
        "RNNClassifier expected a 2-D array (n_samples, n_timesteps) of token ids or "
        "univariate sequences, or a 3-D array (n_samples, n_timesteps, n_features), "
        f"got a {ndim}-D array of shape {shape}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, tokens[1])


@pytest.mark.parametrize("shape", [(0, 6), (0, 6, 2)])
def test_fit_rejects_empty_input(no_network, shape):
    message = f"Found array with 0 sample(s) (shape={shape})"
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(np.zeros(shape), np.zeros(0))


def test_fit_rejects_zero_time_steps(no_network):
    with pytest.raises(ValueError, match=re.escape("got sequences of 0 time steps")):
        RNNClassifier(**TINY).fit(np.zeros((4, 0, 2)), [0, 1, 0, 1])


# RNNRegressor's defaults (input_noise=0) used to pass such X to Keras, which
# crashed the Python process; RNNClassifier and SequenceScaler failed in a reshape.
@pytest.mark.parametrize(
    "make, layout",
    [
        (lambda: RNNRegressor(**TINY), "(n_samples, n_timesteps, n_features)"),
        (lambda: RNNClassifier(**TINY), "(n_samples, n_timesteps, n_features)"),
        (SequenceScaler, "(n_samples, n_timesteps, n_features)"),
        (SequencePadder, "(n_samples, n_timesteps, n_features)"),
        (
            lambda: SequencePadder(data_format="channels_first"),
            "(n_samples, n_features, n_timesteps)",
        ),
    ],
)
def test_fit_rejects_zero_features_per_time_step(no_network, make, layout):
    shape = (4, 0, 3) if "n_features, n_timesteps" in layout else (4, 3, 0)
    message = (
        f"got time steps of 0 features (X of shape {shape}); each time step needs at "
        f"least one feature. Pass X of shape {layout} with n_features >= 1."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        make().fit(np.zeros(shape), [0.0, 1.0, 0.0, 1.0])


# Such X used to train silently on nothing (and Keras' GPU kernels refuse fully
# padded rows); a single empty row among real ones stays allowed.
@pytest.mark.parametrize(
    "Estimator, X, what",
    [
        (RNNClassifier, np.zeros((4, 5), dtype=int),
         "every token id of the 4 sequences is 0 (padding)"),
        (RNNClassifier, np.full((4, 5, 2), np.nan),
         "every time step of the 4 sequences is all-NaN"),
        (RNNRegressor, np.full((4, 5), np.nan), "every time step of the 4 sequences is all-NaN"),
    ],
)  # fmt: skip
def test_fit_rejects_x_that_is_all_padding(no_network, Estimator, X, what):
    message = (
        f"{Estimator.__name__} needs at least one sequence with a real step to train on, "
        f"but {what}"
    )
    estimator = Estimator(**TINY)
    with pytest.raises(ValueError, match=re.escape(message) + ".*pass sequences with data"):
        estimator.fit(X, [0, 1, 0, 1])
    assert _fitted_attributes(estimator) == []
    classes = {"classes": [0, 1]} if Estimator is RNNClassifier else {}
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.partial_fit(X, [0, 1, 0, 1], **classes)


def test_fit_accepts_one_all_padding_row_among_real_ones(no_network, tokens):
    X, y = tokens
    X = X.copy()
    X[0] = 0
    with pytest.raises(AssertionError, match="a network was built"):
        RNNClassifier(**TINY).fit(X, y)


def test_sequence_padder_rejects_a_list_of_featureless_sequences():
    with pytest.raises(ValueError, match=re.escape("got time steps of 0 features")):
        SequencePadder().fit([np.zeros((3, 0)), np.zeros((2, 0))])


# scikit-learn's "inconsistent numbers of samples: [16, 10]" did not say which
# number is X's.
@pytest.mark.parametrize("kind", ["tokens", "numeric"])
def test_fit_rejects_x_y_length_mismatch(no_network, tokens, numeric, kind):
    X, y = tokens if kind == "tokens" else numeric
    message = (
        "Found input variables with inconsistent numbers of samples: [16, 10]. RNNClassifier "
        "got 16 sequences in X but 10 targets in y. Pass one target per sequence (y of "
        "length 16), in the order of X."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y[:10])
    with pytest.raises(ValueError, match=re.escape(message.replace("Classifier", "Regressor"))):
        RNNRegressor(**TINY).partial_fit(list(X), list(y[:10]))


def test_fit_rejects_a_single_class(no_network, tokens):
    message = "RNNClassifier needs samples of at least 2 classes in y, got 1 class: ['a']."
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(tokens[0], ["a"] * 16)


def test_fit_rejects_continuous_targets(no_network, tokens):
    with pytest.raises(ValueError, match=re.escape("Unknown label type: continuous")):
        RNNClassifier(**TINY).fit(tokens[0], np.linspace(0, 1, 16))


def test_fit_rejects_nan_mixed_inside_a_time_step(no_network, numeric):
    X, y = numeric
    X = X.copy()
    X[3, 1, 0] = np.nan
    message = "received a time step that mixes NaN with finite values (sample 3, step 1"
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize("ndim", [2, 3])
def test_fit_rejects_infinity(no_network, numeric, ndim):
    X, y = numeric
    X = np.nan_to_num(X)[:, :, 0] if ndim == 2 else X.copy()
    X[2, 1] = -np.inf
    message = f"RNNClassifier received an infinite value at index {(2, 1, 0)[:ndim]}."
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_fit_rejects_sample_weight_of_another_length(no_network, tokens, Estimator):
    X, y = tokens
    message = (
        "sample_weight has 5 values, but X has 16 sequences. Pass one weight per "
        "sequence (an array of shape (16,)), or a scalar for all of them."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).fit(X, y, sample_weight=[1.0] * 5)
    first_call = {"classes": [0, 1]} if Estimator is RNNClassifier else {}
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).partial_fit(X, y, sample_weight=np.ones(5), **first_call)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_fit_rejects_negative_sample_weight(no_network, tokens, Estimator):
    X, y = tokens
    weights = np.ones(len(y))
    weights[[3, 7]] = -0.5
    message = (
        "sample_weight must be non-negative, got 2 negative weight(s), the first -0.5 at "
        "position 3."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).fit(X, y, sample_weight=weights)
    assert weights[3] == -0.5  # the user's array is left as it was


# All-zero weights got scikit-learn's bare "Sample weights must contain at
# least one non-zero number." without saying what to do.
@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_fit_rejects_all_zero_sample_weight(no_network, tokens, Estimator):
    X, y = tokens
    message = (
        "sample_weight is zero for all 16 sequences, so there is nothing to train on: "
        "every sequence's loss would be multiplied by 0. Give at least one sequence a "
        "positive weight, or pass sample_weight=None for equal weights."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).fit(X, y, sample_weight=np.zeros(len(y)))
    first_call = {"classes": [0, 1]} if Estimator is RNNClassifier else {}
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).partial_fit(X, y, sample_weight=[0] * len(y), **first_call)


# NaN and infinity in y or sample_weight got scikit-learn's bare "Input y
# contains NaN." only, without where the value is or what to do about it.
@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("bad", [np.nan, -np.inf])
@pytest.mark.parametrize("ndim", [2, 3])
def test_fit_names_nan_or_infinity_in_y(no_network, numeric, Estimator, bad, ndim):
    X, y = numeric
    X = np.nan_to_num(X)[:, :, 0] if ndim == 2 else X
    y = y.astype(float)
    y[[4, 9]] = bad
    message = (
        f"{Estimator.__name__} got 2 NaN or infinite value(s) in y, the first {bad!r} at "
        "position 4. y needs a finite target or label for every sample: drop those "
        "samples from X and y, or impute their targets, before fitting."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).fit(X, y)
    first_call = {"classes": [0, 1]} if Estimator is RNNClassifier else {}
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).partial_fit(X, y, **first_call)


def test_fit_names_nan_in_object_labels_and_in_2d_targets(no_network, tokens):
    X, y = tokens
    labels = np.array(["a", "b"] * 8, dtype=object)
    labels[5] = np.nan
    with pytest.raises(ValueError, match=re.escape("got 1 NaN or infinite value(s) in y, "
                                                   "the first nan at position 5.")):
        RNNClassifier(**TINY).fit(X, labels)
    targets = np.zeros((16, 2))
    targets[7, 1] = np.inf
    with pytest.raises(ValueError, match=re.escape("the first inf at index (7, 1).")):
        RNNRegressor(**TINY).fit(X, targets)


# score took sample_weight unchecked: scikit-learn's "Input sample_weight
# contains NaN." or "inconsistent numbers of samples: [16, 16, 5]".
@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_score_checks_sample_weight_as_fit_does(tokens, Estimator):
    X, y = tokens
    with pytest.raises(NotFittedError):
        Estimator(**TINY).score(X, y, sample_weight=np.ones(3))
    estimator = Estimator(**TINY).fit(X, y)
    message = (
        "sample_weight has 5 values, but X has 16 sequences. Pass one weight per "
        "sequence (an array of shape (16,)), or a scalar for all of them."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.score(X, y, sample_weight=np.ones(5))
    weights = np.ones(len(y))
    weights[3] = np.nan
    message = f"{Estimator.__name__} got 1 NaN or infinite value(s) in sample_weight, the first nan"
    with pytest.raises(ValueError, match=re.escape(message)):
        estimator.score(X, y, sample_weight=weights)
    assert estimator.score(X, y, sample_weight=np.ones(len(y))) == estimator.score(X, y)


# classes=[0, 1, nan] gave the network an output, and classes_ a label, for NaN.
@pytest.mark.parametrize(
    "classes, first", [([0, 1, np.nan], "nan at position 2"), ((0.0, np.inf), "inf at position 1")]
)
def test_partial_fit_names_nan_or_infinity_in_classes(no_network, tokens, classes, first):
    X, y = tokens
    message = (
        f"RNNClassifier got 1 NaN or infinite value(s) in classes, the first {first}. "
        "classes lists the labels of y, and NaN or infinity is no label: drop it from "
        "classes, and drop the samples so labelled from X and y."
    )
    clf = RNNClassifier(**TINY)
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.partial_fit(X, y, classes=classes)
    assert not hasattr(clf, "classes_")


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_fit_names_nan_or_infinity_in_sample_weight(no_network, tokens, Estimator):
    X, y = tokens
    weights = np.ones(len(y))
    weights[[6, 8]] = [np.inf, np.nan]
    message = (
        f"{Estimator.__name__} got 2 NaN or infinite value(s) in sample_weight, the first "
        "inf at position 6. sample_weight needs a finite weight for every sample: drop "
        "those samples from X, y and sample_weight, or give them a weight (0 ignores a "
        "sample)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY).fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match=re.escape("the first nan.")):
        Estimator(**TINY).fit(X, y, sample_weight=np.nan)


@pytest.mark.parametrize("ndim", [2, 3])
def test_fit_rejects_complex_values(no_network, numeric, ndim):
    X, y = numeric
    X = np.nan_to_num(X) + 1j
    X = X[:, :, 0] if ndim == 2 else X
    message = (
        f"Complex data not supported: RNNClassifier expected real-valued sequences, got "
        f"complex values in X (dtype {X.dtype}, shape {X.shape}). Pass the real and imaginary parts as two features"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


def test_regressor_rejects_complex_targets(no_network, numeric):
    X, y = numeric
    target = np.arange(len(y)) + 1j
    message = (
        "Complex data not supported: RNNRegressor expected real-valued targets, got complex "
        f"values in y (dtype complex128, shape ({len(y)},)). Fit the real and imaginary "
        "parts as two outputs: np.column_stack([y.real, y.imag])."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNRegressor(**TINY).fit(X, list(target))


# Words failed in NumPy with "could not convert string to float: np.str_('a')",
# and None with a TypeError.
@pytest.mark.parametrize(
    "target, first",
    [
        (np.array(["1.5", "high"] * 8), "'high' at position 1"),
        ([0.5] * 15 + [None], "None at position 15"),
        (np.array([[1.0, 2.0]] * 15 + [[1.0, "x"]], dtype=object), "'x' at index (15, 1)"),
    ],
)
def test_regressor_names_targets_that_are_not_numbers(no_network, numeric, target, first):
    X, _ = numeric
    message = (
        f"RNNRegressor needs numeric targets, got {8 if 'high' in first else 1} value(s) in y "
        f"that are not numbers, the first {first}. Convert y to numbers (e.g. "
        "pandas.to_numeric(y)), drop or impute the samples whose target is missing, or use "
        "RNNClassifier to predict labels."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNRegressor(**TINY).fit(X, target)


# Numbers stored as text passed NumPy's float() but met scikit-learn's bare
# "dtype='numeric' is not compatible with arrays of bytes/strings".
@pytest.mark.parametrize("as_list", [False, True])
def test_regressor_names_targets_stored_as_text(no_network, numeric, as_list):
    X, _ = numeric
    target = np.array(["1.5", "2"] * 8)
    message = (
        "RNNRegressor needs numeric targets, got y as text (dtype <U3) whose values all "
        "read as numbers, the first '1.5'. Convert y to numbers first: "
        "np.asarray(y, dtype=float) or pandas.to_numeric(y)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNRegressor(**TINY).fit(X, list(target) if as_list else target)
    assert target.dtype.kind == "U"  # the caller's y is not converted in place


def test_regressor_refuses_targets_whose_spread_overflows(no_network, numeric):
    X, _ = numeric
    y = np.column_stack([np.arange(16.0), np.where(np.arange(16) % 2, 1e200, -1e200)])
    message = (
        "RNNRegressor cannot standardise y: the mean or standard deviation of target "
        "column 1 (values from -1e+200 to 1e+200) overflows float64, so the network "
        "would train on no information. Rescale y first"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning beside the error
        with pytest.raises(ValueError, match=re.escape(message)):
            RNNRegressor(**TINY).fit(X, y)


def test_regressor_partial_fit_refuses_targets_beyond_float32(numeric):
    X, y = numeric
    reg = RNNRegressor(**TINY).partial_fit(X, y)
    before = reg.predict(X)
    message = (
        "RNNRegressor got y value 1e+40 at index 3 (target column 0), which, "
        f"standardised with the mean {y.mean():.6g} and standard deviation "
        f"{y.std():.6g} of the first fit, lies beyond the float32 range"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        reg.partial_fit(X, np.where(np.arange(16) == 3, 1e40, y))
    assert reg.n_iter_ == 1  # refused before training
    np.testing.assert_array_equal(reg.predict(X), before)


def test_fit_explains_values_beyond_the_float32_range(no_network, numeric):
    X, y = numeric
    X = np.nan_to_num(X).astype(np.float64)
    X[1, 2, 0] = 1e300  # finite in float64, infinite once cast to float32
    message = (
        "RNNClassifier received an infinite value at index (1, 2, 0). Sequences may hold "
        "finite numbers and NaN padding only; replace or clip infinite values before "
        "fitting. If the data held no infinity, a value beyond the float32 range (about "
        "±3.4e+38) became one when it was converted to float32"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_fit_warns_on_one_step_sequences_of_many_features(no_network, Estimator):
    # aeon's univariate (n_cases, 1, n_timepoints), read channels-last
    X = np.random.RandomState(0).normal(size=(16, 1, 24))
    y = np.arange(16) % 2
    message = (
        f"{Estimator.__name__} read every sequence as one time step of 24 features, so "
        "the recurrent network sees no order. If X is channels-first, (n_samples, "
        "n_channels, n_timesteps) as aeon and sktime store series, pass "
        "X.transpose(0, 2, 1), or start the pipeline with "
        "SequencePadder(data_format='channels_first')."
    )
    with pytest.warns(UserWarning, match=re.escape(message)):
        with pytest.raises(AssertionError, match="a network was built"):
            Estimator(**TINY).fit(X, y)  # warned at validation, before the network


def test_fit_rejects_token_ids_beyond_int32(no_network, tokens):
    X, y = tokens
    X = X.astype(np.int64)
    X[0, 0] = 2**40
    message = (
        f"RNNClassifier got a token id above 2**31 - 1 ({2**40}); ids index the rows of "
        "the embedding and must fit in int32. Renumber the tokens"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


def test_fit_rejects_negative_token_ids(no_network, tokens):
    X, y = tokens
    X = X.copy()
    X[0, 0] = -3
    message = "RNNClassifier got a negative token id (-3). Token ids are >= 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, y)


def test_fit_rejects_fractional_token_ids(no_network, tokens):
    X, y = tokens
    message = "RNNClassifier with input_type='tokens' needs whole-number token ids"
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, input_type="tokens").fit(X + 0.5, y)


def test_fit_rejects_token_ids_beyond_vocab_size(no_network, tokens):
    X, y = tokens
    message = f"X holds token id {X.max()}, but vocab_size=5 allows ids 0..4."
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, vocab_size=5).fit(X, y)


@pytest.mark.parametrize(
    "X, received",
    [
        (["the cat", "a dog"] * 8, "got raw text such as 'the cat'"),
        (np.array(["the cat", "a dog"] * 8), "got an array of strings (dtype <U7)"),
        ("the cat", "got a single string 'the cat'"),
    ],
)
def test_fit_rejects_raw_text_and_points_to_text_tokenizer(no_network, tokens, X, received):
    with pytest.raises(TypeError, match=re.escape(received) + ".*" + re.escape(TEXT_HINT)):
        RNNClassifier(**TINY).fit(X, tokens[1])


@pytest.mark.parametrize("widths", [(2, 2), (2, 3)])
def test_fit_rejects_ragged_list_and_points_to_sequence_padder(no_network, tokens, widths):
    X = [np.zeros((3 + i % 2, widths[i % 2])) for i in range(16)]
    message = "RNNClassifier got sequences of different lengths (a ragged list)."
    with pytest.raises(ValueError, match=re.escape(message) + ".*" + re.escape(PAD_HINT)):
        RNNClassifier(**TINY).fit(X, tokens[1])


# A plain list mixing str and int was read by NumPy as strings, so classes_
# became ['1', 'a'] and the mix showed only later, as labels "not in classes_".
@pytest.mark.parametrize(
    "labels, shown",
    [
        (["a", 1], "str ('a'), int (1)"),
        (["a", None], "str ('a'), NoneType (None)"),
    ],
)
@pytest.mark.parametrize("container", [partial(np.array, dtype=object), list, tuple])
def test_fit_refuses_labels_of_mixed_types(no_network, tokens, labels, shown, container):
    X, y = tokens
    # the advice about missing labels only when there is one
    end = ", and drop the samples whose label is missing (None)." if None in labels else "."
    message = (
        f"RNNClassifier got y mixing labels of the types {shown}, which cannot be "
        f"sorted into classes_. Pass labels of one type (e.g. y.astype(str)){end}"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).fit(X, container(labels * 8))
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).partial_fit(X, container(labels * 8), classes=container(labels))
    message = message.replace("got y", "got classes")
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).partial_fit(X, np.array(["a"] * 16), classes=container(labels))


def test_partial_fit_requires_classes_first(no_network, tokens):
    with pytest.raises(ValueError, match=re.escape("classes must be passed on the first call")):
        RNNClassifier(**TINY).partial_fit(*tokens)


def test_partial_fit_rejects_labels_outside_classes(no_network, tokens):
    message = "y contains labels [1] that are not in classes_ [0, 2]."
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY).partial_fit(*tokens, classes=[0, 2])


def test_partial_fit_rejects_other_classes_on_a_later_call(tokens):
    clf = RNNClassifier(**TINY).partial_fit(*tokens, classes=[0, 1])
    message = (
        "classes=[0, 1, 2] differs from classes_ [0, 1] of the first partial_fit call, "
        "and the network's outputs, one per class, are fixed. Pass the same classes "
        "(or none) on later calls"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.partial_fit(*tokens, classes=[0, 1, 2])
    assert clf.n_iter_ == 1  # refused before training
    assert clf.partial_fit(*tokens, classes=[1, 0]).n_iter_ == 2  # the same labels


def test_warm_start_fit_rejects_labels_the_first_fit_did_not_see(tokens):
    X, y = tokens
    clf = RNNClassifier(**TINY, warm_start=True).fit(X, y)
    message = (
        "RNNClassifier got y with labels [2] that its first fit did not see: a "
        "warm_start fit continues the fitted network, whose outputs are fixed to the "
        "labels of that fit, classes_ [0, 1]. Fit with warm_start=False to start afresh "
        "on every label, or include all labels in the first fit."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X, np.where(y == 1, 2, y))
    assert clf.n_iter_ == 1  # refused before training
    # partial_fit keeps its own advice, about classes= on its first call
    advice = "Pass every label in classes= on the first partial_fit"
    with pytest.raises(ValueError, match=re.escape(advice)):
        clf.partial_fit(X, np.where(y == 1, 2, y))


def test_fit_rejects_non_keras_callbacks(tokens):
    message = "callbacks must be a list of keras.callbacks.Callback instances, got str 'stop'."
    clf = RNNClassifier(**TINY, callbacks=["stop"])
    with pytest.raises(TypeError, match=re.escape(message)):
        clf.fit(*tokens)
    assert _fitted_attributes(clf) == []


# %%
# Input data given to a fitted classifier
# ---------------------------------------


def test_predict_rejects_floats_on_a_token_model(token_clf, tokens):
    message = (
        "RNNClassifier was fitted on integer token ids but got float64 numeric sequences."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        token_clf.predict(tokens[0].astype(np.float64))


def test_predict_rejects_token_ids_on_a_numeric_model(univariate_clf, tokens):
    message = "RNNClassifier was fitted on numeric sequences but got integer token ids."
    with pytest.raises(ValueError, match=re.escape(message)):
        univariate_clf.predict(tokens[0][:, :5])


@pytest.mark.parametrize("swap", ["3-D to tokens", "2-D to 3-D numeric"])
def test_predict_rejects_other_layout(token_clf, numeric_clf, tokens, numeric, swap):
    if swap == "3-D to tokens":
        clf, X = token_clf, numeric[0]
        message = "fitted on 2-D X (integer token ids) but got 3-D X"
    else:
        clf, X = numeric_clf, tokens[0]
        message = "fitted on 3-D X (numeric sequences) but got 2-D X"
    with pytest.raises(ValueError, match=re.escape(f"RNNClassifier was {message} of shape")):
        clf.predict(X)


def test_predict_rejects_other_feature_count(numeric_clf, numeric):
    message = (
        "X has 1 features per time step, but RNNClassifier is expecting 2 features "
        "per time step as input."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        numeric_clf.predict(numeric[0][:, :, :1])


def test_predict_rejects_other_number_of_2d_columns(token_clf, tokens):
    message = (
        "X has 4 features, but RNNClassifier is expecting 6 features as input. The "
        "features of 2-D X are its time steps: pad the sequences (token ids with 0, "
        "numeric values with NaN) or truncate them to the 6 steps of fit, e.g. with "
        "TextTokenizer(max_len=6) or SequencePadder(max_len=6)."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        token_clf.predict(tokens[0][:, :4])
    scaler = SequenceScaler().fit(np.ones((3, 6)))
    message = message.replace("RNNClassifier", "SequenceScaler")
    with pytest.raises(ValueError, match=re.escape(message)):
        scaler.transform(np.ones((3, 4)))


def test_predict_rejects_one_sequence_without_sample_axis(token_clf, tokens):
    with pytest.raises(ValueError, match=re.escape("got a 1-D array of shape (6,)")):
        token_clf.predict(tokens[0][0])


def test_predict_maps_token_ids_beyond_vocabulary_to_oov(token_clf, tokens):
    X = tokens[0].copy()
    X[:, 1] = token_clf.vocab_size_ + np.arange(len(X))  # never seen in fit
    as_oov = np.where(X >= token_clf.vocab_size_, 1, X)
    np.testing.assert_array_equal(token_clf.predict_proba(X), token_clf.predict_proba(as_oov))
    assert "mapped to the out-of-vocabulary id 1" in " ".join(RNNClassifier.__doc__.split())


@pytest.mark.slow
# A warm_start fit or later partial_fit call kept training the network it
# had, silently ignoring a changed units, dropout or learning_rate.
@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("partial", [False, True])
def test_continued_training_refuses_changed_network_parameters(tokens, Estimator, partial):
    X, y = tokens
    first_call = {"classes": [0, 1]} if Estimator is RNNClassifier and partial else {}
    est = Estimator(**{**TINY, "units": 4, "dropout": 0.0}, warm_start=not partial)
    est = est.partial_fit(X, y, **first_call) if partial else est.fit(X, y)
    before = est.predict(X)
    est.set_params(units=6, dropout=0.3)
    how = "partial_fit" if partial else "a warm_start fit"
    message = (
        f"{Estimator.__name__} cannot continue training with {how}: its network was "
        "built with dropout=0.0, units=4, but the parameters are now dropout=0.3, "
        "units=6, and a built network keeps the values it was built with. Set "
        "dropout=0.0, units=4 to keep training it, or call fit with warm_start=False "
        "to build a new network with the new values."
    )
    train = (lambda: est.partial_fit(X, y)) if partial else (lambda: est.fit(X, y))
    with pytest.raises(ValueError, match=re.escape(message)):
        train()
    assert est.n_iter_ == 1  # refused before training, the network kept
    np.testing.assert_array_equal(est.predict(X), before)
    # parameters that steer training only may change; the old values train on
    est.set_params(units=4, dropout=0.0, epochs=2, batch_size=4, random_state=3)
    assert train().n_iter_ == (2 if partial else 3)
    # a fresh fit builds a network with the new values
    est.set_params(units=6, warm_start=False)
    assert est.fit(X, y).model_.count_params() != 0
    assert est._built_with["units"] == 6


@pytest.mark.parametrize("partial", [False, True])
def test_continued_training_applies_a_changed_learning_rate(tokens, partial):
    X, y = tokens
    first_call = {"classes": [0, 1]} if partial else {}
    clf = RNNClassifier(**TINY, warm_start=not partial)
    clf = clf.partial_fit(X, y, **first_call) if partial else clf.fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(1e-3)
    clf.set_params(learning_rate=1e-4)
    clf = clf.partial_fit(X, y) if partial else clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(1e-4)
    # an optimizer instance keeps its own rate, as in a new fit
    from sklearn_rnn._backend import keras

    sgd = RNNClassifier(**TINY, warm_start=True, optimizer=keras.optimizers.SGD(0.05)).fit(X, y)
    sgd.set_params(learning_rate=0.5).fit(X, y)
    assert float(sgd.model_.optimizer.learning_rate) == pytest.approx(0.05)
    # but a name becoming an instance is a new optimizer: refused
    message = "optimizer='adam', but the parameters are now optimizer='<SGD object>'"
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.set_params(optimizer=keras.optimizers.SGD(0.05), warm_start=True).fit(X, y)


def test_continued_training_after_load_checks_parameters(tokens, tmp_path):
    X, y = tokens
    clf = RNNClassifier(**TINY, warm_start=True).fit(X, y)
    path = tmp_path / "clf.rnn"
    clf.save(path)
    loaded = sklearn_rnn.load(path)
    assert loaded.fit(X, y).n_iter_ == 2
    loaded.set_params(head="last")
    with pytest.raises(ValueError, match="its network was built with head="):
        loaded.fit(X, y)


def test_warm_start_refuses_token_ids_beyond_fitted_vocabulary(tokens):
    X, y = tokens
    clf = RNNClassifier(**TINY, warm_start=True).fit(X, y)
    before = clf.predict_proba(X)
    message = (
        f"X holds token id {X.max() + 5}, but the network was fitted with "
        f"vocab_size_={clf.vocab_size_}"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X + 5, y)
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.partial_fit(X + 5, y)
    assert clf.n_iter_ == 1
    np.testing.assert_array_equal(clf.predict_proba(X), before)


# %%
# pandas input
# ------------


@pytest.mark.slow
def test_dataframe_fits_records_feature_names_and_keeps_parameters(tokens):
    pd = pytest.importorskip("pandas")
    X, y = tokens
    df = pd.DataFrame(X, columns=[f"step{i}" for i in range(X.shape[1])])
    from sklearn_rnn._backend import keras

    class_weight, callbacks = {0: 1.0, 1: 2.0}, [keras.callbacks.TerminateOnNaN()]
    clf = RNNClassifier(**TINY, class_weight=class_weight, callbacks=callbacks)
    clf.fit(df, pd.Series(y))
    assert clf.class_weight is class_weight and class_weight == {0: 1.0, 1: 2.0}
    assert clf.callbacks is callbacks and len(callbacks) == 1
    np.testing.assert_array_equal(clf.feature_names_in_, df.columns)
    assert clf.input_type_ == "tokens"
    assert clf.predict_proba(df).shape == (len(df), 2)
    with pytest.raises(ValueError, match=re.escape("The feature names should match")):
        clf.predict(df.rename(columns={"step0": "first"}))


def test_series_to_classifier_is_refused_as_1d(no_network, tokens):
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=re.escape("got a 1-D array of shape (16,)")):
        RNNClassifier(**TINY).fit(pd.Series(tokens[0][:, 0]), tokens[1])


def test_text_tokenizer_takes_a_series_of_strings():
    pd = pytest.importorskip("pandas")
    docs = ["the cat sat", "a dog", "the end"]
    series = pd.Series(docs, index=[10, 20, 30])
    np.testing.assert_array_equal(
        TextTokenizer().fit_transform(series), TextTokenizer().fit_transform(docs)
    )


def test_text_tokenizer_rejects_a_dataframe():
    pd = pytest.importorskip("pandas")
    message = "TextTokenizer expected a 1-D iterable of documents, got an array of shape (2, 1)."
    with pytest.raises(ValueError, match=re.escape(message) + ".*" + re.escape("df['text']")):
        TextTokenizer().fit(pd.DataFrame({"text": ["a b", "c"]}))


# %%
# Transformers
# ------------


@pytest.mark.parametrize(
    "document, kind", [(3, "int 3"), (None, "NoneType None"), (b"x", "bytes b'x'")]
)
def test_text_tokenizer_rejects_non_string_documents(document, kind):
    message = f"TextTokenizer expected every document to be a str, got {kind} at position 1."
    with pytest.raises(TypeError, match=re.escape(message)):
        TextTokenizer().fit(["a b", document])


@pytest.mark.parametrize(
    "params, documents, message",
    [
        ({}, ["", " ; "], "found no token in 2 document(s): each is empty or has no match "
         "for token_pattern="),
        ({"analyzer": "char"}, ["", ""], "found no token in 2 document(s): each is empty, so"),
        ({"min_frequency": 3}, ["a b", "a"], "kept no token: min_frequency=3 but the most "
         "frequent of the 2 distinct tokens occurs 2 time(s)"),
    ],
)  # fmt: skip
def test_text_tokenizer_refuses_an_empty_vocabulary(params, documents, message):
    # as CountVectorizer does: every sequence would be padding only
    with pytest.raises(ValueError, match=re.escape(message)):
        TextTokenizer(**params).fit(documents)
    with pytest.raises(ValueError, match=re.escape(message)):
        TextTokenizer(**params).fit_transform(documents)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"token_pattern": "("}, ValueError, "TextTokenizer got token_pattern='(', which is "
         "not a regular expression: missing ), unterminated subpattern at position 0."),
        ({"analyzer": lambda doc: doc}, TypeError, "TextTokenizer's analyzer must return a "
         "list of str tokens for each document, got str 'a b' for the document 'a b'."),
        ({"analyzer": lambda doc: [len(doc)]}, TypeError, "TextTokenizer's analyzer must "
         "return str tokens, got int 3 for the document 'a b'."),
        ({"analyzer": lambda doc: []}, ValueError, "TextTokenizer got no token from the "
         "analyzer for any of the 2 document(s)"),
        ({"vocabulary": []}, ValueError, "TextTokenizer got an empty vocabulary (list of no "
         "token), so every token would be out-of-vocabulary."),
    ],
    ids=["bad_regex", "analyzer_returns_str", "analyzer_returns_int", "analyzer_empty",
         "empty_fixed_vocabulary"],
)  # fmt: skip
def test_text_tokenizer_bad_tokenisation_settings(params, error, message):
    tokenizer = TextTokenizer(**params)
    with pytest.raises(error, match=re.escape(message)):
        tokenizer.fit(["a b", "c"])
    assert not hasattr(tokenizer, "vocabulary_")  # left unfitted


# A repeated token was dropped silently (CountVectorizer refuses it: "Duplicate
# term in vocabulary"), a fractional id truncated by int(), a str id failed in
# int() and an id beyond int32 overflowed only at transform.
@pytest.mark.parametrize(
    "vocabulary, message",
    [
        (["cat", "dog", "cat"], "TextTokenizer vocabulary holds the token 'cat' twice (ids 2 "
         "and 4), so it would stand for two ids. Pass each token once, e.g. "
         "list(dict.fromkeys(tokens))"),
        ({"cat": 2.5}, "TextTokenizer vocabulary must map each token to an integer id, got "
         "float 2.5 for the token 'cat'. Map tokens to whole-number ids from 2"),
        ({"cat": "2"}, "got str '2' for the token 'cat'"),
        ({"cat": 2**40}, "TextTokenizer vocabulary ids must fit in int32 (at most 2**31 - 1), "
         "got id 1099511627776"),
    ],
    ids=["repeated_token", "fractional_id", "str_id", "id_beyond_int32"],
)  # fmt: skip
def test_text_tokenizer_rejects_a_bad_fixed_vocabulary(vocabulary, message):
    tokenizer = TextTokenizer(vocabulary=vocabulary)
    with pytest.raises(ValueError, match=re.escape(message)):
        tokenizer.fit(["cat dog"])
    assert not hasattr(tokenizer, "vocabulary_")


# The ids were cast to int64 before the range check: 1e20 was reported as
# -9223372036854775808 (with NumPy's "invalid value encountered in cast").
@pytest.mark.parametrize(
    "X, received",
    [([[2.0, 1e20]], "1e+20"), (np.array([[2**63]], dtype=np.uint64), "9223372036854775808")],
)
def test_text_tokenizer_inverse_transform_names_the_id_received(X, received):
    tokenizer = TextTokenizer().fit(["the cat sat"])
    message = (
        f"TextTokenizer.inverse_transform received token id {received}, but the vocabulary "
        "holds ids 0 to 4."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=re.escape(message)):
            tokenizer.inverse_transform(X)


# Strings, None, NaN and arrays of other dimensions failed in NumPy's rint
# ("ufunc 'rint' not supported") or with scikit-learn's bare messages; booleans
# were read as ids.
@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([["2", "3"]]), "expected integer token ids, got an array of dtype <U1."),
        (np.array([[2, None]], dtype=object),
         "expected integer token ids, got None at index (0, 1)."),
        ([[2.0, np.nan]], "expected integer token ids, got nan at index (0, 1)."),
        # booleans read as ids 1 (out-of-vocabulary) and 0 (padding)
        (np.array([[False, True]]), "expected integer token ids, got False at index (0, 0), a "
         "boolean: True would read as id 1 (out-of-vocabulary) and False as 0 (padding)."),
        (np.array([[2, True]], dtype=object),
         "expected integer token ids, got True at index (0, 1)"),
        ([[2, 3], [3, True]], "expected integer token ids, got True at index (1, 1)"),
        (np.zeros((1, 2, 2), int), "expected a 2-D array of token ids (n_samples, n_timesteps), "
         "got a 3-D array of shape (1, 2, 2)."),
        ([2, 3], "expected a 2-D array of token ids (n_samples, n_timesteps), got a 1-D array "
         "of shape (2,). Pass the output of transform (the ids of a single document are "
         "ids.reshape(1, -1))."),
    ],
)
def test_text_tokenizer_inverse_transform_names_what_is_not_an_id(X, message):
    tokenizer = TextTokenizer().fit(["the cat sat"])
    with pytest.raises(ValueError, match=re.escape(f"TextTokenizer.inverse_transform {message}")):
        tokenizer.inverse_transform(X)
    ids = tokenizer.transform(["the cat"]).astype(object)  # whole numbers as objects
    assert tokenizer.inverse_transform(ids) == [["the", "cat"]]


def test_text_tokenizer_takes_whole_number_float_ids():
    tokenizer = TextTokenizer(vocabulary={"cat": 2.0, "dog": np.int64(3)}).fit(["cat"])
    assert tokenizer.vocabulary_ == {"cat": 2, "dog": 3}
    assert all(type(idx) is int for idx in tokenizer.vocabulary_.values())


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_text_tokenizer_rejects_a_bare_string(method):
    tokenizer = TextTokenizer().fit(["a b"])
    message = "got a single string object 'the cat sat'. Wrap it in a list: [document]."
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(tokenizer, method)("the cat sat")


@pytest.mark.parametrize("as_list", [False, True])
def test_sequence_padder_rejects_complex_sequences(as_list):
    # a list of complex arrays used to lose its imaginary parts with only a warning
    X = np.ones((3, 4, 2)) + 1j
    where = "sequence 0 (dtype complex128, shape (4, 2))" if as_list else (
        "X (dtype complex128, shape (3, 4, 2))"
    )
    message = (
        "Complex data not supported: SequencePadder expected real-valued sequences, got "
        f"complex values in {where}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        SequencePadder().fit(list(X) if as_list else X)


def test_sequence_padder_rejects_mixed_feature_counts():
    message = "sequence 0 has 2, but sequence 2 has 3."
    with pytest.raises(ValueError, match=re.escape(message)):
        SequencePadder().fit([np.zeros((3, 2)), np.zeros((1, 2)), np.zeros((2, 3))])


@pytest.mark.parametrize(
    "X, error, message",
    [
        ([], ValueError, "SequencePadder expected at least one sequence, got an empty list."),
        (["abc"], TypeError, "SequencePadder expected numeric sequences, got raw text"),
        (np.zeros((2, 2, 2, 2)), ValueError, "got an array of shape (2, 2, 2, 2)."),
        (7, TypeError, "SequencePadder expected a list of sequences, got int 7."),
    ],
)
def test_sequence_padder_rejects_bad_containers(X, error, message):
    with pytest.raises(error, match=re.escape(message)):
        SequencePadder().fit(X)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((2, 2, 2, 2)), "SequenceScaler expected a 2-D array (n_samples, n_timesteps) of"),
        ([[1.0], [1.0, 2.0]], "SequenceScaler got sequences of different lengths (a ragged list)"),
        (np.array([[[1.0, np.nan]]]), "SequenceScaler received a time step that mixes NaN"),
        (np.full((1, 2, 2), np.nan), "every time step of X is NaN"),
    ],
)
def test_sequence_scaler_rejects_bad_arrays(X, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        SequenceScaler().fit(X)


# %%
# Inputs are never modified in place
# ----------------------------------


def _snapshot(X):
    return [np.array(x, copy=True) for x in X] if isinstance(X, list) else np.array(X, copy=True)


def _assert_unchanged(X, snapshot):
    if isinstance(X, list):
        for x, s in zip(X, snapshot):
            np.testing.assert_array_equal(x, s)
    else:
        assert X.dtype == snapshot.dtype
        np.testing.assert_array_equal(X, snapshot)


@pytest.mark.parametrize("kind", ["tokens", "numeric"])
def test_classifier_does_not_modify_inputs(kind, tokens, numeric, weights, token_clf, numeric_clf):
    # The fixtures fitted on tokens/numeric with these weights: compare with fresh copies.
    X, y = tokens if kind == "tokens" else numeric
    if kind == "tokens":
        X0, y0 = make_token_task(**TOKEN_TASK)
    else:
        X0, y0 = make_numeric_task(**NUMERIC_TASK)
    _assert_unchanged(X, X0)
    _assert_unchanged(y, y0)
    _assert_unchanged(weights, np.linspace(0.5, 1.5, 16))
    clf = token_clf if kind == "tokens" else numeric_clf
    X = X.copy()
    if kind == "tokens":
        X[0, 0] = clf.vocab_size_ + 3  # out of vocabulary: mapped at predict time
    snapshot = _snapshot(X)
    clf.predict_proba(X)
    _assert_unchanged(X, snapshot)


@pytest.mark.parametrize(
    "make, X",
    [
        (TextTokenizer, ["The cat sat", "a dog"]),
        (SequencePadder, [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0, 6.0]])]),
        (SequencePadder, np.array([[1.0, 2.0, np.nan], [3.0, np.nan, np.nan]])),
        (SequenceScaler, np.array([[[1.0, 2.0], [np.nan, np.nan]], [[3.0, 5.0], [4.0, 1.0]]])),
        (SequenceScaler, np.array([[1, 2, 3], [4, 5, 6]])),
    ],
)
def test_transformers_do_not_modify_inputs(make, X):
    snapshot = list(X) if make is TextTokenizer else _snapshot(X)
    transformer = make().fit(X)
    out = transformer.transform(X)
    if hasattr(transformer, "inverse_transform") and make is not TextTokenizer:
        back = _snapshot(out)
        transformer.inverse_transform(out)
        _assert_unchanged(out, back)
    if make is TextTokenizer:
        assert X == snapshot
    else:
        _assert_unchanged(X, snapshot)


# %%
# Interrupted fit
# ---------------


def _raise_at_epoch_end(exception, epoch):
    from sklearn_rnn._backend import keras

    class RaiseAtEpochEnd(keras.callbacks.Callback):
        def on_epoch_end(self, index, logs=None):
            if index >= epoch:
                raise exception

    return RaiseAtEpochEnd()


@pytest.mark.slow
def test_interrupted_first_fit_leaves_estimator_unfitted(tokens):
    clf = RNNClassifier(**{**TINY, "epochs": 2}, callbacks=[_raise_at_epoch_end(OSError(), 0)])
    with pytest.raises(OSError):
        clf.fit(*tokens)
    assert _fitted_attributes(clf) == []
    with pytest.raises(NotFittedError):
        clf.predict(tokens[0])
    assert clf.set_params(callbacks=None).fit(*tokens).n_iter_ == 2


@pytest.mark.slow
def test_interrupted_refit_leaves_estimator_unfitted(tokens):
    clf = RNNClassifier(**TINY).fit(*tokens)
    clf.set_params(callbacks=[_raise_at_epoch_end(KeyboardInterrupt(), 0)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(*tokens)
    assert _fitted_attributes(clf) == []
    with pytest.raises(NotFittedError):
        clf.predict_proba(tokens[0])


@pytest.mark.slow
def test_interrupted_warm_start_keeps_completed_epochs(tokens):
    X, y = tokens
    clf = RNNClassifier(**TINY, warm_start=True).fit(X, y)
    clf.set_params(epochs=3, callbacks=[_raise_at_epoch_end(KeyboardInterrupt(), 1)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_iter_ == 3  # 1 before, plus the 2 completed epochs of the interrupted fit
    assert all(len(values) == clf.n_iter_ for values in clf.history_.values())
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.set_params(epochs=1, callbacks=None).fit(X, y).n_iter_ == 4


@pytest.mark.slow
def test_interrupted_partial_fit_keeps_previous_model(tokens):
    from sklearn_rnn._backend import keras

    class RaiseOnFirstBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            raise RuntimeError("interrupted")

    X, y = tokens
    clf = RNNClassifier(**TINY).partial_fit(X, y, classes=[0, 1])
    before = clf.predict_proba(X)
    clf.set_params(callbacks=[RaiseOnFirstBatch()])
    with pytest.raises(RuntimeError, match="interrupted"):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1 and len(clf.history_["loss"]) == 1
    np.testing.assert_array_equal(clf.predict_proba(X), before)


# ------------------------------------------- networks too large to build
@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor])
def test_huge_token_ids_refused_before_building_the_embedding(no_network, estimator):
    X = np.array([[2, 3, 0], [2_000_000_000, 4, 5]] * 4)
    y = [0, 1] * 4
    message = (
        "The largest part comes from vocab_size (inferred as the largest token id in "
        "X + 1)=2000000001 x embedding_dim=128."
    )
    with pytest.raises(ValueError, match=r"would build a network of [\d,]+ weights, which "
                       r"needs about [\d,.]+ GiB to train but this machine has .*"
                       + re.escape(message)):  # fmt: skip
        estimator(epochs=1).fit(X, y)


def test_absurd_units_refused_before_building(no_network, numeric):
    X, y = numeric
    with pytest.raises(ValueError, match=re.escape("The largest part comes from units=(4, 10000000) (layer 1)")):
        RNNClassifier(**{**TINY, "units": (4, 10_000_000)}).fit(X, y)


def test_optimizer_names_come_from_keras(tokens):
    from sklearn_rnn._base import known_optimizers

    assert {"adam", "sgd", "rmsprop"} <= set(known_optimizers())
    X, y = tokens
    name = "muon" if "muon" in known_optimizers() else "lion"
    clf = RNNClassifier(**{**TINY, "optimizer": name}).fit(X, y)
    assert type(clf.model_.optimizer).__name__.lower() == name


# ------------------------------------------------------ pretrained embeddings
@pytest.mark.parametrize(
    "embeddings, vocab_size",
    [(np.zeros((30, 4)), 31), (np.zeros(30), None), (np.zeros((1, 4)), None)],
    ids=["rows_differ_from_vocab_size", "not_2d", "fewer_than_2_rows"],
)
def test_embeddings_of_the_wrong_shape_refused_before_building(
    no_network, tokens, embeddings, vocab_size
):
    X, y = tokens
    message = (
        "embeddings must be a 2-D matrix with one row per token id (at least 2) and, "
        f"with vocab_size, vocab_size rows; got shape {embeddings.shape} and "
        f"vocab_size={vocab_size!r}."
    )
    clf = RNNClassifier(**TINY, embeddings=embeddings, vocab_size=vocab_size)
    with pytest.raises(ValueError, match=re.escape(message)):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


def _nan_in_row_3():
    matrix = np.ones((30, 4))
    matrix[3, 2] = np.nan
    return matrix


class _KeyedVectorsLike:
    """gensim's KeyedVectors without gensim: a token-to-row mapping and vectors."""

    key_to_index = {"cat": 0}
    vectors = np.ones((1, 4))

    def __len__(self):
        return len(self.key_to_index)

    def __getitem__(self, token):
        return self.vectors[self.key_to_index[token]]


@pytest.mark.parametrize(
    "embeddings, error, message",
    [
        ({"cat": np.ones(4)}, TypeError, "got a mapping from tokens to vectors (dict). "
         "Build the matrix with sklearn_rnn.embedding_matrix(vectors, vocabulary)"),
        (_KeyedVectorsLike(), TypeError, "got a mapping from tokens to vectors "
         "(_KeyedVectorsLike)."),
        ([["a", "b"]] * 30, ValueError, "embeddings must be a numeric matrix of shape "
         "(n_ids, dim), got list that NumPy cannot read as floats"),
        (_nan_in_row_3(), ValueError, "embeddings must hold finite numbers, got NaN or "
         "infinity in row 3 (token id 3)."),
    ],
    ids=["dict", "keyed_vectors", "strings", "nan"],
)  # fmt: skip
def test_embeddings_that_are_not_a_finite_matrix_refused(
    no_network, tokens, embeddings, error, message
):
    X, y = tokens
    clf = RNNClassifier(**TINY, embeddings=embeddings)
    with pytest.raises(error, match=re.escape(message)):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "vectors, vocabulary, error, message",
    [
        (np.ones((4, 2)), ["cat"], TypeError, "embedding_matrix needs vectors as a mapping "
         "from token to vector (a dict, or gensim's KeyedVectors), got ndarray."),
        ({"cat": [1.0, 2.0]}, TextTokenizer(), TypeError, "needs the vocabulary itself "
         "(token -> id, or a list of tokens), got the estimator TextTokenizer. Pass "
         "tokenizer.vocabulary_"),
        ({"cat": [1.0, np.inf]}, ["cat"], ValueError, "got a vector with NaN or infinity "
         "for token 'cat'."),
        ({"Cat": [1.0, 2.0]}, ["cat", "dog"], ValueError, "found none of the 2 vocabulary "
         "tokens (such as 'cat', 'dog') among the vectors"),
        ({"cat": [1.0, 2.0], "dog": [1.0]}, ["cat", "dog"], ValueError,
         "needs 1-D vectors of one length, got shapes [(1,), (2,)]."),
    ],
    ids=["array", "tokenizer", "inf", "no_overlap", "lengths"],
)  # fmt: skip
def test_embedding_matrix_bad_inputs(vectors, vocabulary, error, message):
    from sklearn_rnn import embedding_matrix

    with pytest.raises(error, match=re.escape(message)):
        embedding_matrix(vectors, vocabulary)


def test_token_ids_beyond_the_embedding_rows_refused(no_network, tokens):
    X, y = tokens
    embeddings = np.zeros((int(X.max()), 4))  # one row short of the largest id
    message = (
        f"X holds token id {X.max()}, but embeddings has rows for ids "
        f"0..{X.max() - 1}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**TINY, embeddings=embeddings).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_frames_of_token_ids_refused_before_training(no_network, tokens, Estimator):
    X, y = tokens
    with pytest.raises(ValueError, match=re.escape(
        "frame_length=3 groups the time steps of numeric sequences, but X holds token ids"
    )):  # fmt: skip
        Estimator(**TINY, frame_length=3).fit(X, y)


@pytest.mark.parametrize("conv_filters", [0, 2.5, "many"])
def test_bad_conv_filters_refused_with_its_value(no_network, tokens, conv_filters):
    X, y = tokens
    message = (
        f"The 'conv_filters' parameter of RNNClassifier must be an int in the range [1, inf). "
        f"Got {conv_filters!r} instead."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        RNNClassifier(**{**TINY, "conv_filters": conv_filters}).fit(X, y)


@pytest.mark.parametrize("conv_width", [-1, 2.5, "wide"])
def test_bad_conv_width_refused_with_its_value(no_network, tokens, conv_width):
    X, y = tokens
    with pytest.raises(ValueError, match=re.escape(
        f"The 'conv_width' parameter of RNNClassifier must be an int in the range [0, inf) "
        f"or a str among {{'auto'}}. Got {conv_width!r} instead."
    )):  # fmt: skip
        RNNClassifier(**TINY, conv_width=conv_width).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("name, value, expected", [
    *[("conv_pool", v, "an int in the range [1, inf)") for v in (0, -2, 1.5, "auto", None)],
    *[("bag_dim", v, "an int in the range [0, inf)") for v in (-1, 2.5, "auto", None)],
    *[("bag_ngrams", v, "an int in the range [1, inf)") for v in (0, -1, 2.0, "auto")],
])  # fmt: skip
def test_bad_int_option_refused_with_its_value(no_network, tokens, Estimator, name, value, expected):
    X, y = tokens
    with pytest.raises(ValueError, match=re.escape(
        f"The {name!r} parameter of {Estimator.__name__} must be {expected}. Got {value!r} instead."
    )):  # fmt: skip
        Estimator(**TINY, **{name: value}).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_bag_path_for_numeric_sequences_refused_before_training(no_network, numeric, Estimator):
    X, y = numeric
    message = (
        "bag_dim=8 averages a learned vector per token id, but X holds numeric sequences, "
        "which have no token ids. Use bag_dim=0 with numeric input, or pass integer "
        "token ids."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY, bag_dim=8).fit(X, y)


@pytest.mark.parametrize("Estimator", [RNNClassifier, RNNRegressor])
def test_frames_longer_than_the_sequences_refused_before_training(no_network, numeric, Estimator):
    X, y = numeric
    n_steps = np.asarray(X).shape[1]
    message = (
        f"frame_length={n_steps + 1} is longer than the sequences: X has {n_steps} time "
        f"steps. Use frame_length='auto' or an int from 1 to {n_steps}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        Estimator(**TINY, frame_length=n_steps + 1).fit(X, y)


def test_network_size_check_counts_the_frame_inputs(monkeypatch, numeric):
    """The memory check sizes the network that is built: with frames, the
    recurrent layer reads frame_length * n_features values per step."""
    from sklearn_rnn import _models

    counted = []
    real = _models.weight_counts
    monkeypatch.setattr(
        _models, "weight_counts", lambda **kw: counted.append(sum(real(**kw).values())) or real(**kw)
    )
    X, y = numeric
    clf = RNNClassifier(**TINY, head="last", frame_length=3).fit(X, y)
    assert counted == [clf.model_.count_params()]
