"""Shared input checks and the data conventions of the whole package.

This is the only module that imports private scikit-learn API; everything else
imports it from here so that a change in scikit-learn touches one file.

Data conventions
----------------
Token ids
    ``(n_samples, n_timesteps)`` integer array. ``0`` is padding
    (:data:`PAD_ID`) and ``1`` is the out-of-vocabulary id (:data:`OOV_ID`);
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
    _check_feature_names,
    _check_n_features,
    _num_samples,
    check_array,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "PAD_ID",
    "OOV_ID",
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_check_feature_names",
    "_check_n_features",
    "_fit_context",
    "_num_samples",
    "check_array",
    "check_is_fitted",
    "check_numeric_padding",
    "check_raw_documents",
    "filled_steps",
    "padded_steps",
    "reject_raw_text",
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
        raise ValueError(
            f"{estimator_name} received an infinite value at index {tuple(where.tolist())}. "
            "Sequences may hold finite numbers and NaN padding only; replace or "
            "clip infinite values before fitting."
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
