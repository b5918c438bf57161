"""Shared input checks and the data conventions of the whole package.

This is the only module that imports private scikit-learn API; everything else
imports it from here so that a change in scikit-learn touches one file.

Data conventions
----------------
Token ids
    ``(n_samples, n_timesteps)`` integer array. ``0`` is padding
    (``PAD_ID``) and ``1`` is the out-of-vocabulary id (``OOV_ID``);
    real tokens start at ``2``.
Numeric sequences
    ``(n_samples, n_timesteps, n_features)`` float array, in Keras order. A 2-D
    float array ``(n_samples, n_timesteps)`` is a batch of univariate sequences
    (``n_features == 1``).
Padding marker for numeric sequences
    A padded time step has **every** feature set to NaN, the way scikit-learn's
    scalers treat NaN as missing. A time step that mixes NaN with finite values
    is an error: it is neither data nor padding.
"""


import warnings

import numpy as np
from scipy.sparse import issparse
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_features,
    _num_samples,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

__all__ = [
    "PAD_ID",
    "OOV_ID",
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "check_array",
    "check_finite_values",
    "check_is_fitted",
    "check_numeric_padding",
    "check_numeric_targets",
    "check_one_target_per_sequence",
    "check_raw_documents",
    "check_token_ids",
    "filled_steps",
    "sequence_ndim",
    "validate_sequences",
    "padded_steps",
    "real_step_moments",
    "reject_complex",
    "reject_raw_text",
    "reject_zero_features",
    "warn_if_channels_first",
    "validate_data",
    "validate_params",
]

#: Token id used for padding; masked by the embedding layer.
PAD_ID = 0
#: Token id for tokens outside the vocabulary.
OOV_ID = 1


def padded_steps(X: np.ndarray) -> np.ndarray:
    """Boolean mask of padded time steps of a numeric sequence batch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
        Float sequences padded with all-NaN time steps.

    Returns
    -------
    mask : ndarray of bool, shape (n_samples, n_timesteps)
        True where the whole time step is NaN.
    """
    nan = np.isnan(X)
    return nan if X.ndim == 2 else nan.all(axis=-1)


def check_numeric_padding(X: np.ndarray, *, estimator_name: str) -> np.ndarray:
    """Check that NaN only marks whole padded steps and that X holds no inf.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
        Float sequences.
    estimator_name : str
        Name used in error messages.

    Returns
    -------
    padded : ndarray of bool, shape (n_samples, n_timesteps)
        True where the time step is padding.
    """
    if np.isinf(X).any():
        where = np.argwhere(np.isinf(X))[0]
        overflow = ""
        if X.dtype.kind == "f" and X.dtype.itemsize < 8:
            overflow = (
                f" If the data held no infinity, a value beyond the {X.dtype} range "
                f"(about ±{float(np.finfo(X.dtype).max):.1e}) became one when it was "
                f"converted to {X.dtype}: rescale such features first."
            )
        raise ValueError(
            f"{estimator_name} received an infinite value at index {tuple(where.tolist())}. "
            "Sequences may hold finite numbers and NaN padding only; replace or "
            f"clip infinite values before fitting.{overflow}"
        )
    nan = np.isnan(X)
    if X.ndim == 2:
        return nan
    padded = nan.all(axis=-1)
    mixed = nan.any(axis=-1) & ~padded
    if mixed.any():
        sample, step = np.argwhere(mixed)[0]
        raise ValueError(
            f"{estimator_name} received a time step that mixes NaN with finite "
            f"values (sample {sample}, step {step}: {X[sample, step].tolist()!r}). "
            "NaN marks padding only when every feature of a time step is NaN. "
            "Impute missing feature values (for example with "
            "sklearn.impute.SimpleImputer on the flattened steps) or set the whole "
            "step to NaN to mark it as padding."
        )
    return padded


def check_finite_values(values, *, estimator_name: str, what: str, fix: str) -> None:
    """Refuse NaN or infinity in ``y`` or ``sample_weight``, naming the first.

    scikit-learn's checks would say "Input y contains NaN." only; this names
    the position of the first non-finite value, how many there are and
    ``fix``, what is expected and what to do.
    """
    found = _find_values(
        values, _non_finite_number, element_kinds="O",
        vectorized=lambda array: ~np.isfinite(array), vectorized_kinds="fc",
    )  # fmt: skip
    if found:
        count, first = found
        raise ValueError(
            f"{estimator_name} got {count} NaN or infinite value(s) in {what}, the first "
            f"{first}. {fix}"
        )


def check_one_target_per_sequence(X, y, *, estimator_name: str) -> None:
    """Refuse X and y of different lengths, saying which is which.

    Keeps scikit-learn's first sentence ("Found input variables with
    inconsistent numbers of samples: [16, 10]"), which did not say which
    number is X's, and adds it and what to pass.
    """
    try:
        n_sequences, n_targets = _num_samples(X), _num_samples(y)
    except TypeError:  # a scalar y: scikit-learn's checks name it
        return
    if n_sequences != n_targets:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_sequences}, {n_targets}]. {estimator_name} got {n_sequences} sequences "
            f"in X but {n_targets} targets in y. Pass one target per sequence (y of "
            f"length {n_sequences}), in the order of X."
        )


def check_numeric_targets(y, *, estimator_name: str) -> None:
    """Refuse regression targets that are not numbers, naming the first.

    NumPy said "could not convert string to float: np.str_('a')" only (or
    raised a TypeError for None), without naming y or what to do. Numbers
    stored as text (a NumPy string array) are refused too, since
    scikit-learn's ``check_array`` refuses that dtype with a bare message.
    """
    found = _find_values(y, _not_a_number, element_kinds="OUS")
    if found:
        count, first = found
        raise ValueError(
            f"{estimator_name} needs numeric targets, got {count} value(s) in y that are "
            f"not numbers, the first {first}. Convert y to numbers (e.g. "
            "pandas.to_numeric(y)), drop or impute the samples whose target is missing, "
            "or use RNNClassifier to predict labels."
        )
    try:
        array = np.asarray(y)
    except (TypeError, ValueError):  # left to scikit-learn's checks
        return
    if array.dtype.kind in "US" and array.size:
        # every value reads as a number, but scikit-learn refuses a text dtype
        # ("dtype='numeric' is not compatible with arrays of bytes/strings")
        raise ValueError(
            f"{estimator_name} needs numeric targets, got y as text (dtype "
            f"{array.dtype}) whose values all read as numbers, the first "
            f"{str(array.flat[0])!r}. "
            "Convert y to numbers first: np.asarray(y, dtype=float) or "
            "pandas.to_numeric(y)."
        )


def _find_values(values, element, *, element_kinds, vectorized=None, vectorized_kinds=""):
    """How many values ``element`` flags, and the first with where it is, for a message.

    ``element`` tests one value of an array whose dtype kind is in
    ``element_kinds``; ``vectorized`` tests whole arrays of
    ``vectorized_kinds``. Other dtypes, and values NumPy cannot read as one
    array (left to scikit-learn's checks), give None, as does finding none.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        return None
    if array.dtype.kind in vectorized_kinds:
        bad = vectorized(array)
    elif array.dtype.kind in element_kinds:
        bad = np.frompyfunc(element, 1, 1)(array).astype(bool)
    else:
        return None
    if not bad.any():
        return None
    where = np.argwhere(bad)[0]
    shown = array[tuple(where)]
    shown = shown.item() if isinstance(shown, np.generic) else shown
    if array.ndim == 0:
        return int(bad.sum()), repr(shown)
    at = f"position {int(where[0])}" if array.ndim == 1 else f"index {tuple(where.tolist())}"
    return int(bad.sum()), f"{shown!r} at {at}"


def _non_finite_number(value) -> bool:
    """True for a float NaN or infinity in an object array (not for None or str)."""
    return isinstance(value, (float, np.floating)) and not np.isfinite(value)


def _not_a_number(value) -> bool:
    """True for a value that ``float`` cannot read (a word, None, a list)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return True
    return False


def real_step_moments(X: np.ndarray, *, block: int = 1024):
    """Each feature's count, mean and variance over the real steps of ``X``.

    Padding steps (all-NaN, as ``check_numeric_padding`` accepts them) are
    left out. Computed in float64 in two passes over blocks of ``block`` rows,
    so the largest temporary is one block, never a copy of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
        Float sequences, already checked by ``check_numeric_padding``.
    block : int, default=1024
        Rows per block.

    Returns
    -------
    count : int
        Number of real time steps.
    mean, var : ndarray of shape (n_features,)
        Population mean and variance of each feature (zeros when ``count`` is 0).
    """
    n_features = 1 if X.ndim == 2 else X.shape[2]

    def blocks():
        for start in range(0, len(X), block):
            steps = np.asarray(X[start : start + block], dtype=np.float64).reshape(-1, n_features)
            yield steps[~np.isnan(steps).all(axis=1)]

    count, total = 0, np.zeros(n_features)
    for steps in blocks():
        count += len(steps)
        total += steps.sum(axis=0)
    mean = total / max(count, 1)
    squares = np.zeros(n_features)
    for steps in blocks():
        squares += np.square(steps - mean).sum(axis=0)
    return count, mean, squares / max(count, 1)


def reject_raw_text(X, *, estimator_name: str, hint: str) -> None:
    """Raise a TypeError when X is raw text (a str, or strings in an array).

    Parameters
    ----------
    X : object
        The input as the user passed it.
    estimator_name : str
        Name used in error messages.
    hint : str
        What to do instead, appended to the message.
    """
    if isinstance(X, str):
        raise TypeError(
            f"{estimator_name} expected an array of sequences, got a single string "
            f"{X[:40]!r}. {hint}"
        )
    first = X
    for _ in range(3):
        if isinstance(first, (str, bytes)):
            raise TypeError(
                f"{estimator_name} expected numeric sequences, got raw text such as "
                f"{first[:40]!r}. {hint}"
            )
        if isinstance(first, np.ndarray):
            if first.dtype.kind in "USa" and first.size:
                raise TypeError(
                    f"{estimator_name} expected numeric sequences, got an array of "
                    f"strings (dtype {first.dtype}). {hint}"
                )
            if first.dtype.kind != "O" or first.size == 0:
                return
            first = first.flat[0]
            continue
        if hasattr(first, "iloc") or issparse(first) or not hasattr(first, "__getitem__"):
            return
        try:
            first = first[0]
        except (IndexError, KeyError, TypeError):
            return


def warn_if_channels_first(
    X, padded, *, estimator_name: str, fix: str = "", shorter_than_width: bool = False
) -> None:
    """Warn when every sequence of ``X`` is one time step of several features.

    That is how aeon's and sktime's univariate arrays, ``(n_cases, 1,
    n_timepoints)``, read in this package's channels-last layout: a recurrent
    network over one step cannot use the order of the values. With
    ``shorter_than_width``, also warn when every sequence merely has fewer
    steps than features (their multivariate arrays read the same way).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
    padded : ndarray of bool of shape (n_samples, n_timesteps)
        True where a step is padding.
    estimator_name : str
    fix : str
        What to do, ending the message.
    shorter_than_width : bool
        Warn for any number of steps below the number of features.
    """
    real_steps = (~padded).sum(axis=1)
    if not real_steps.size or X.shape[2] <= 1:
        return
    longest = int(real_steps.max())
    if longest == 0:
        return
    if longest == 1:
        read_as = (
            f"one time step of {X.shape[2]} features, so the recurrent network sees no "
            "order"
        )
    elif shorter_than_width and longest < X.shape[2]:
        read_as = f"at most {longest} time steps of {X.shape[2]} features each"
    else:
        return
    warnings.warn(
        f"{estimator_name} read every sequence as {read_as}. If X is channels-first, "
        "(n_samples, n_channels, n_timesteps) as aeon and sktime store series, "
        f"{fix or 'pass it transposed: X.transpose(0, 2, 1)'}.",
        UserWarning,
        stacklevel=3,
    )


def reject_complex(X, *, estimator_name: str, what: str = "X") -> None:
    """Raise a ValueError when ``X`` (an array, or one sequence) holds complex numbers.

    NumPy would otherwise drop the imaginary parts with only a warning when
    the sequences are cast to float. ``what="y"`` words it for regression
    targets.
    """
    if getattr(getattr(X, "dtype", None), "kind", None) != "c":
        return
    if what == "y":
        raise ValueError(
            f"Complex data not supported: {estimator_name} expected real-valued targets, "
            f"got complex values in y (dtype {X.dtype}, shape {X.shape}). Fit the real and "
            "imaginary parts as two outputs: np.column_stack([y.real, y.imag])."
        )
    raise ValueError(
        f"Complex data not supported: {estimator_name} expected real-valued "
        f"sequences, got complex values in {what} (dtype {X.dtype}, shape {X.shape}). "
        "Pass the real and imaginary parts as two features: np.concatenate([X.real, "
        "X.imag], axis=-1) for 3-D X, np.stack([X.real, X.imag], axis=-1) for 2-D X."
    )


def check_raw_documents(raw_documents, *, estimator_name: str) -> list:
    """Validate an iterable of raw text documents and return it as a list.

    Parameters
    ----------
    raw_documents : iterable of str
        Documents, as ``CountVectorizer`` takes them.
    estimator_name : str
        Name used in error messages.

    Returns
    -------
    documents : list of str
    """
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError(
            f"{estimator_name} expected an iterable over raw text documents, "
            f"got a single string object {raw_documents[:40]!r}. Wrap it in a list: "
            "[document]."
        )
    if hasattr(raw_documents, "ndim") and getattr(raw_documents, "ndim", 1) != 1:
        raise ValueError(
            f"{estimator_name} expected a 1-D iterable of documents, got an array "
            f"of shape {raw_documents.shape}. Pass one column of text, e.g. df['text']."
        )
    documents = list(raw_documents)
    for i, doc in enumerate(documents):
        if not isinstance(doc, str):
            raise TypeError(
                f"{estimator_name} expected every document to be a str, got "
                f"{type(doc).__name__} {doc!r} at position {i}. Convert documents to "
                "text first (e.g. str(doc)) or drop missing values."
            )
    return documents


def reject_zero_features(
    X: np.ndarray, *, estimator_name: str, layout: str = "(n_samples, n_timesteps, n_features)"
) -> None:
    """Raise a ValueError when 3-D ``X`` has 0 features per time step.

    scikit-learn's ``check_array`` requires a feature only of 2-D arrays; a
    step of no feature would read as padding and, passed on to Keras, build
    a network with no input. ``layout`` names the axes of ``X`` as passed:
    the features are the axis named ``n_features``.
    """
    axis = layout.strip("()").split(", ").index("n_features")
    if X.ndim == 3 and X.shape[axis] == 0:
        raise ValueError(
            f"{estimator_name} got time steps of 0 features (X of shape {X.shape}); "
            f"each time step needs at least one feature. Pass X of shape {layout} "
            "with n_features >= 1."
        )


def filled_steps(lengths: np.ndarray, max_len: int, padding: str) -> np.ndarray:
    """Boolean mask of the time steps that hold data in a padded batch.

    Parameters
    ----------
    lengths : ndarray of int, shape (n_samples,)
        Number of real time steps of each sample, each at most ``max_len``.
    max_len : int
        Number of time steps of the padded batch.
    padding : {"post", "pre"}
        Whether padding goes after (``"post"``) or before (``"pre"``) the data.

    Returns
    -------
    filled : ndarray of bool, shape (n_samples, max_len)
        True where a real step goes. Assigning ``out[filled] = values`` writes
        ``values`` (the real steps, sample after sample) in row-major order.
    """
    steps = np.arange(max_len)
    if padding == "post":
        return steps < lengths[:, np.newaxis]
    return steps >= max_len - lengths[:, np.newaxis]


def sequence_ndim(X, *, estimator_name: str, hint: str) -> int:
    """Number of dimensions of array-like X; a clear error for ragged input.

    Parameters
    ----------
    X : array-like
        The input as the user passed it.
    estimator_name : str
        Name used in error messages.
    hint : str
        How to pad ragged sequences, appended to the message.
    """
    if hasattr(X, "ndim"):
        return X.ndim
    try:
        return np.asarray(X).ndim
    except ValueError:
        raise ValueError(
            f"{estimator_name} got sequences of different lengths (a ragged list). "
            f"{hint}"
        ) from None


def validate_sequences(
    estimator, X, y=None, *, reset, dtype, hint, two_d="univariate sequences",
    fitted_as="", multi_output=False, y_numeric=False, ensure_all_finite="allow-nan",
):  # fmt: skip
    """Validate a batch of padded sequences (and targets) for ``estimator``.

    The one place where the package reads 2-D and 3-D sequence batches: the
    estimators and ``SequenceScaler`` call it in ``fit`` (``reset=True``) and
    in ``predict``/``transform`` (``reset=False``).

    - 2-D ``(n_samples, n_timesteps)``: scikit-learn's ``validate_data`` (so
      feature names and ``n_features_in_`` = number of columns work as
      scikit-learn's checks expect).
    - 3-D ``(n_samples, n_timesteps, n_features)``: ``n_features_in_`` is the
      number of features per time step, so sequence length may differ between
      fit and predict.
    - Fit and later calls must use the same number of dimensions
      (``_fit_ndim``).

    NaN is allowed (padding); callers check its placement with
    ``check_numeric_padding``.

    Parameters
    ----------
    estimator : BaseEstimator
        Gets ``n_features_in_``, ``feature_names_in_`` and ``_fit_ndim``
        when ``reset``.
    X : array-like
        Sequences.
    y : array-like or None
        Targets, validated with X when given.
    reset : bool
        True in ``fit``.
    dtype : str, type or list
        Passed to ``check_array``.
    hint : str
        What to do with ragged sequences, for the error message.
    two_d : str
        What a 2-D array holds, for the error message.
    fitted_as : str
        What the estimator was fitted on (e.g. "integer token ids"), for the
        error message when the number of dimensions changes.
    multi_output : bool
        Allow 2-D ``y`` (a sparse matrix is made dense); a single column is
        turned into 1-D with scikit-learn's ``DataConversionWarning``.
    y_numeric : bool
        Convert ``y`` to float.
    ensure_all_finite : bool or "allow-nan"
        Passed to ``check_array`` for X; False leaves infinite values to the
        caller's own, more specific check.

    Returns
    -------
    X : ndarray of 2 or 3 dimensions
    y : ndarray or None
    """
    name = type(estimator).__name__
    ndim = sequence_ndim(X, estimator_name=name, hint=hint)
    if ndim not in (2, 3):
        raise ValueError(
            f"{name} expected a 2-D array (n_samples, n_timesteps) of {two_d}, or a "
            "3-D array (n_samples, n_timesteps, n_features), got a "
            f"{ndim}-D array of shape {np.shape(X)}. Reshape your data: "
            "a single sequence of shape (n_timesteps,) is X.reshape(1, -1)."
        )
    if not reset and ndim != estimator._fit_ndim:
        described = f" ({fitted_as})" if fitted_as else ""
        raise ValueError(
            f"{name} was fitted on {estimator._fit_ndim}-D X{described} but got "
            f"{ndim}-D X of shape {np.shape(X)}. Pass sequences in the same layout as "
            "in fit: X[..., np.newaxis] turns 2-D univariate sequences into 3-D ones."
        )
    if y is not None and issparse(y):
        # a sparse label-indicator matrix (MultiLabelBinarizer(sparse_output=True)),
        # which MLPClassifier takes; dense here, as Keras reads targets
        y = y.toarray()
    reject_complex(X, estimator_name=name)
    if y is not None and y_numeric:
        check_numeric_targets(y, estimator_name=name)
        reject_complex(np.asarray(y), estimator_name=name, what="y")
    if y is not None:
        check_one_target_per_sequence(X, y, estimator_name=name)
        check_finite_values(
            y, estimator_name=name, what="y",
            fix="y needs a finite target or label for every sample: drop those samples "
            "from X and y, or impute their targets, before fitting.",
        )  # fmt: skip
    check = dict(dtype=dtype, ensure_all_finite=ensure_all_finite)
    if ndim == 2 and not reset and _num_features(X) != estimator.n_features_in_:
        # scikit-learn's message (its checks match the first sentence), and
        # what its "features" are here
        steps = estimator.n_features_in_
        raise ValueError(
            f"X has {_num_features(X)} features, but {name} is expecting {steps} features "
            "as input. The features of 2-D X are its time steps: pad the sequences "
            "(token ids with 0, numeric values with NaN) or truncate them to the "
            f"{steps} steps of fit, e.g. with TextTokenizer(max_len={steps}) or "
            f"SequencePadder(max_len={steps})."
        )
    if ndim == 2:
        if y is None:
            X = validate_data(estimator, X, reset=reset, **check)
        else:
            X, y = validate_data(
                estimator, X, y, reset=reset, multi_output=multi_output, y_numeric=y_numeric,
                **check,
            )  # fmt: skip
    else:
        X = check_array(X, allow_nd=True, estimator=estimator, input_name="X", **check)
        if X.shape[1] == 0:
            raise ValueError(
                f"{name} got sequences of 0 time steps (X of shape {X.shape}); "
                "each sequence needs at least one step."
            )
        reject_zero_features(X, estimator_name=name)
        if reset:
            if hasattr(estimator, "feature_names_in_"):  # from an earlier 2-D fit
                del estimator.feature_names_in_
            estimator.n_features_in_ = X.shape[2]
        elif X.shape[2] != estimator.n_features_in_:
            raise ValueError(
                f"X has {X.shape[2]} features per time step, but {name} is expecting "
                f"{estimator.n_features_in_} features per time step as input. Pass "
                "sequences with the features seen in fit, or refit."
            )
        if y is not None:
            check_consistent_length(X, y)
            y = check_array(
                y, ensure_2d=False, dtype="numeric" if y_numeric else None,
                ensure_all_finite=True, input_name="y",
            ) if multi_output else column_or_1d(y, warn=True)  # fmt: skip
    if y is not None and multi_output and y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if reset:
        estimator._fit_ndim = ndim
    return X, y


def check_token_ids(X: np.ndarray, *, estimator_name: str) -> np.ndarray:
    """Check a 2-D array of token ids and return it as int32.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps)
        Whole-number ids >= 0 (0 = padding, 1 = out-of-vocabulary), of any
        integer or float dtype.
    estimator_name : str
        Name used in error messages.

    Returns
    -------
    X : ndarray of int32, shape (n_samples, n_timesteps)
    """
    name = estimator_name
    if X.ndim != 2:
        raise ValueError(
            f"{name} reads token ids from a 2-D array (n_samples, n_timesteps), "
            f"got shape {X.shape}. Use input_type='numeric' for 3-D sequences."
        )
    if X.dtype.kind not in "iu":
        if not np.all(np.isfinite(X)) or np.any(X != np.round(X)):
            raise ValueError(
                f"{name} with input_type='tokens' needs whole-number token ids, got "
                f"non-integer values in X of dtype {X.dtype}. Pass integer ids (0 = "
                "padding), e.g. from TextTokenizer."
            )
    if X.size and X.min() < 0:
        raise ValueError(
            f"{name} got a negative token id ({X.min()}). Token ids are >= 0 "
            "(0 = padding, 1 = out-of-vocabulary); re-encode the input."
        )
    if X.size and X.max() > np.iinfo(np.int32).max:
        raise ValueError(
            f"{name} got a token id above 2**31 - 1 ({X.max()}); ids index the rows of "
            "the embedding and must fit in int32. Renumber the tokens with consecutive "
            "ids from 2 (0 stays padding), e.g. with TextTokenizer."
        )
    return X.astype(np.int32, copy=False)
