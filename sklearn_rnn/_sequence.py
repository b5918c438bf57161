"""Pad ragged numeric sequences and standardise them over time steps."""

from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    OneToOneFeatureMixin,
    TransformerMixin,
)

from sklearn_rnn._validation import (
    Interval,
    Options,
    StrOptions,
    _fit_context,
    check_array,
    check_is_fitted,
    check_numeric_padding,
    filled_steps,
    real_step_moments,
    reject_complex,
    reject_raw_text,
    reject_zero_features,
    validate_sequences,
    warn_if_channels_first,
)

_TEXT_HINT = "Turn text into token ids with TextTokenizer instead."
_FLOAT_DTYPES = [np.float64, np.float32]


def _is_constant(var, mean, n_samples):
    """True where a variance is zero up to the rounding error of computing it.

    The bound is the one ``StandardScaler`` uses (``_is_constant_feature`` in
    ``sklearn/preprocessing/_data.py``).
    """
    eps = np.finfo(np.float64).eps
    return var <= n_samples * eps * var + (n_samples * mean * eps) ** 2


def _wrong_width(name, got, expected):
    return ValueError(
        f"X has {got} features per time step, but {name} is expecting {expected} "
        "features per time step as input. Pass sequences with the features "
        "seen in fit, or refit."
    )


class SequencePadder(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,
):
    """Pad ragged numeric sequences into one 3-D array.

    Each sequence is an array of shape ``(n_timesteps_i, n_features)`` (or
    ``(n_timesteps_i,)`` for one feature) and sequences may have different
    lengths. ``transform`` returns a float array of shape
    ``(n_samples, max_len_, n_features)`` in which padded time steps have every
    feature set to NaN, the package's padding marker.

    Parameters
    ----------
    max_len : int, default=None
        Number of time steps of the output. ``None`` learns it in ``fit`` as
        the length of the longest training sequence. ``fit`` refuses
        sequences that are all empty.

    padding : {"post", "pre"}, default="post"
        Add padding after (``"post"``) or before (``"pre"``) the steps of
        sequences shorter than ``max_len_``.

    truncating : {"post", "pre"}, default="post"
        Drop steps at the end (``"post"``) or at the start (``"pre"``) of
        sequences longer than ``max_len_``.

    dtype : {"float32", "float64"} or {numpy.float32, numpy.float64}, \
            default="float32"
        Float type of the output; it must hold NaN.

    data_format : {"channels_last", "channels_first"} or None, default=None
        Layout of each input sequence. ``"channels_last"``: ``(n_timesteps_i,
        n_features)``, steps first, as Keras reads them. ``"channels_first"``:
        ``(n_features, n_timesteps_i)``, the layout of aeon and sktime (a 3-D
        array ``(n_cases, n_channels, n_timepoints)`` or a list of
        ``(n_channels, n_timepoints_i)`` arrays); each is transposed on the
        way in. ``None`` is ``"channels_last"``, and ``fit`` warns when every
        training sequence has fewer time steps than features, which is how
        channels-first series read the wrong way; pass either value to say
        which it is. ``transform`` always returns ``(n_samples, max_len_,
        n_features)``; ``inverse_transform`` gives sequences back in the
        input layout.

    Attributes
    ----------
    max_len_ : int
        Number of time steps of the transformed sequences.

    n_features_in_ : int
        Number of features per time step seen in ``fit``.

    See Also
    --------
    SequenceScaler : Standardise padded sequences over their time steps.
    TextTokenizer : Turn text into padded token ids.

    Notes
    -----
    Input may be a list of array-likes, a 2-D array ``(n_samples,
    n_timesteps)`` (or a DataFrame of that shape) read as univariate
    sequences, or an already padded 3-D array.
    A time step whose features are all NaN is padding wherever it occurs: it
    does not count towards a sequence's length and is dropped before padding,
    so padded batches can be re-padded to another length or side. A step that
    mixes NaN with finite values is an error.

    ``transform`` returns a NumPy array even under
    ``sklearn.set_config(transform_output="pandas")``: a 3-D batch of
    sequences has no DataFrame form. There is no ``set_output``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequencePadder
    >>> sequences = [np.array([[1.0, 10.0], [2.0, 20.0]]), np.array([[3.0, 30.0]])]
    >>> padder = SequencePadder().fit(sequences)
    >>> padder.max_len_, padder.n_features_in_
    (2, 2)
    >>> padder.transform(sequences)
    array([[[ 1., 10.],
            [ 2., 20.]],
    <BLANKLINE>
           [[ 3., 30.],
            [nan, nan]]], dtype=float32)
    >>> [s.shape for s in padder.inverse_transform(padder.transform(sequences))]
    [(2, 2), (1, 2)]
    """

    _parameter_constraints: dict = {
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "dtype": [
            StrOptions({"float32", "float64"}),
            Options(type, {np.float32, np.float64}),
        ],
        "data_format": [StrOptions({"channels_last", "channels_first"}), None],
    }

    def __init__(
        self, *, max_len=None, padding="post", truncating="post", dtype="float32",
        data_format=None,
    ):  # fmt: skip
        self.max_len = max_len
        self.padding = padding
        self.truncating = truncating
        self.dtype = dtype
        self.data_format = data_format

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the number of features and the padded length.

        Parameters
        ----------
        X : list of array-like of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Training sequences; a 2-D or 3-D array is also accepted.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        self : object
            Fitted padder.
        """
        batch = self._as_batch(X)
        padded = check_numeric_padding(batch, estimator_name=type(self).__name__)
        if padded.all():  # (an empty batch is refused above); before any layout warning
            raise ValueError(
                f"{type(self).__name__}.fit got {len(batch)} sequences without a single "
                "time step (each is empty or all-NaN padding), so there is no length to "
                "learn and nothing for a model downstream to train on. Check how the "
                "sequences were built, and fit on sequences with data."
            )
        if self.data_format is None:
            warn_if_channels_first(
                batch, padded, estimator_name=type(self).__name__,
                fix="pass data_format='channels_first' (data_format='channels_last' "
                "says that the layout is right and silences this warning)",
                shorter_than_width=True,
            )  # fmt: skip
        self.n_features_in_ = batch.shape[2]
        if self.max_len is None:
            self.max_len_ = int((~padded).sum(axis=1).max())
        else:
            self.max_len_ = self.max_len
        return self

    def transform(self, X):
        """Pad or truncate every sequence to ``max_len_`` time steps.

        Parameters
        ----------
        X : list of array-like of shape (n_timesteps_i, n_features) or (n_timesteps_i,)
            Sequences with ``n_features_in_`` features per step; a 2-D or 3-D
            array is also accepted.

        Returns
        -------
        X_padded : ndarray of shape (n_samples, max_len_, n_features)
            Padded sequences; padded steps are all NaN.
        """
        check_is_fitted(self)
        batch = self._as_batch(X)
        if batch.shape[2] != self.n_features_in_:
            raise _wrong_width(type(self).__name__, batch.shape[2], self.n_features_in_)
        real = ~check_numeric_padding(batch, estimator_name=type(self).__name__)
        lengths = real.sum(axis=1)
        max_len = self.max_len_
        rank = np.cumsum(real, axis=1)  # 1-based position among real steps
        if self.truncating == "post":
            kept = real & (rank <= max_len)
        else:
            kept = real & (rank > (lengths - max_len)[:, np.newaxis])
        out = np.full((batch.shape[0], max_len, batch.shape[2]), np.nan, dtype=batch.dtype)
        out[filled_steps(np.minimum(lengths, max_len), max_len, self.padding)] = batch[kept]
        return out

    def inverse_transform(self, X):
        """Remove the padding and return the sequences as a list.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features)
            Padded sequences, as returned by ``transform``. A 2-D array is
            read as univariate sequences when ``n_features_in_ == 1``.

        Returns
        -------
        sequences : list of ndarray of shape (n_timesteps_i, n_features)
            The non-padded steps of each sample, always 2-D: use
            ``s.ravel()`` to get back 1-D univariate sequences. With
            ``data_format="channels_first"``, each is ``(n_features,
            n_timesteps_i)``.
        """
        check_is_fitted(self)
        name = type(self).__name__
        X = check_array(
            X, dtype=_FLOAT_DTYPES, allow_nd=True, ensure_all_finite="allow-nan", input_name="X"
        )
        if X.ndim == 2 and self.n_features_in_ == 1:
            X = X[:, :, np.newaxis]
        if X.ndim != 3:
            raise ValueError(
                f"{name}.inverse_transform expected a 3-D array of shape (n_samples, "
                f"n_timesteps, n_features), got shape {X.shape}. Pass the output of "
                "transform."
            )
        if X.shape[2] != self.n_features_in_:
            raise _wrong_width(name, X.shape[2], self.n_features_in_)
        real = ~check_numeric_padding(X, estimator_name=name)
        sequences = [sample[keep] for sample, keep in zip(X, real)]
        if self.data_format == "channels_first":
            sequences = [seq.T for seq in sequences]
        return sequences

    @property
    def _n_features_out(self):
        """Number of output time steps, used to name the output features."""
        return self.max_len_

    @np.errstate(over="ignore")  # a value cast to inf is reported by check_numeric_padding
    def _as_batch(self, X):
        """Return X as one post-padded float array (n_samples, n_timesteps, n_features)."""
        name = type(self).__name__
        if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
            # a DataFrame reads as its 2-D array (iterating it would yield its
            # column labels), as SequenceScaler and the estimators read it
            X = X.to_numpy()
        reject_raw_text(X, estimator_name=name, hint=_TEXT_HINT)
        dtype = np.dtype(self.dtype)
        reject_complex(X, estimator_name=name)
        if isinstance(X, np.ndarray) and X.dtype.kind != "O":
            if X.ndim not in (2, 3):
                raise ValueError(
                    f"{name} expected a list of sequences, a 2-D array (n_samples, "
                    "n_timesteps) or a 3-D array (n_samples, n_timesteps, n_features), "
                    f"got an array of shape {X.shape}."
                )
            X = check_array(
                X, dtype=dtype, allow_nd=True, ensure_all_finite="allow-nan", estimator=self
            )
            if X.ndim == 2:  # univariate sequences in either layout
                return X[:, :, np.newaxis]
            if self.data_format == "channels_first":
                reject_zero_features(
                    X, estimator_name=name, layout="(n_samples, n_features, n_timesteps)"
                )
                return X.transpose(0, 2, 1)
            reject_zero_features(X, estimator_name=name)
            return X
        if not hasattr(X, "__iter__"):
            raise TypeError(
                f"{name} expected a list of sequences, got {type(X).__name__} {X!r}."
            )
        sequences = [self._as_sequence(seq, i, dtype) for i, seq in enumerate(X)]
        if not sequences:
            raise ValueError(
                f"{name} expected at least one sequence, got an empty "
                f"{type(X).__name__}. Pass a non-empty list of arrays."
            )
        batch = self._stack(sequences, dtype)
        reject_zero_features(batch, estimator_name=name)
        return batch

    def _as_sequence(self, seq, i, dtype):
        name = type(self).__name__
        reject_complex(seq, estimator_name=name, what=f"sequence {i}")
        try:
            seq = np.asarray(seq, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} could not read sequence {i} as {dtype} numbers ({exc}). Each "
                "sequence must be array-like of shape (n_timesteps,) or "
                "(n_timesteps, n_features)."
            ) from None
        if seq.ndim == 1:
            return seq[:, np.newaxis]
        if seq.ndim != 2:
            layout = (
                "(n_features, n_timesteps)" if self.data_format == "channels_first"
                else "(n_timesteps, n_features)"
            )  # fmt: skip
            raise ValueError(
                f"{name} expected each sequence to have shape (n_timesteps,) or "
                f"{layout}, got shape {seq.shape} for sequence {i}. "
                "Pass one array per sample."
            )
        return seq.T if self.data_format == "channels_first" else seq

    def _stack(self, sequences, dtype):
        """Stack 2-D sequences into one post-padded batch, checking their widths."""
        lengths = np.array([len(seq) for seq in sequences])
        nonempty = [i for i, seq in enumerate(sequences) if len(seq)]
        first = nonempty[0] if nonempty else 0
        n_features = sequences[first].shape[1]
        for i in nonempty:
            if sequences[i].shape[1] != n_features:
                raise ValueError(
                    f"{type(self).__name__} expected every sequence to have the same "
                    f"number of features per time step: sequence {first} has "
                    f"{n_features}, but sequence {i} has {sequences[i].shape[1]}. "
                    "Make all sequences share their features."
                )
        max_len = int(lengths.max())
        batch = np.full((len(sequences), max_len, n_features), np.nan, dtype=dtype)
        if nonempty:
            values = np.concatenate([sequences[i] for i in nonempty])
            batch[filled_steps(lengths, max_len, "post")] = values
        return batch

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Input is ragged sequences; a 2-D array is read as univariate sequences
        # (n_features_in_ == 1), not as sklearn's (n_samples, n_features) table.
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags


class SequenceScaler(
    OneToOneFeatureMixin,
    TransformerMixin,
    BaseEstimator,
    auto_wrap_output_keys=None,  # sequences have no DataFrame form: see Notes
):
    """Standardise sequences feature by feature over all their time steps.

    Means and standard deviations are computed per feature over every real
    (non-padded) time step of every training sequence. Padded steps (all NaN)
    are ignored in ``fit`` and stay NaN in ``transform``.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the per-feature mean.

    with_std : bool, default=True
        Divide by the per-feature standard deviation.

    Attributes
    ----------
    mean_ : ndarray of shape (n_sequence_features,) or None
        Per-feature mean over real time steps; ``None`` when
        ``with_mean=False``. ``n_sequence_features`` is 1 for 2-D input and
        ``n_features`` for 3-D input.

    scale_ : ndarray of shape (n_sequence_features,) or None
        Per-feature standard deviation over real time steps, with 1 for
        features of zero variance (as in ``StandardScaler``); ``None`` when
        ``with_std=False``.

    n_features_in_ : int
        For 3-D input, the number of features per time step. For 2-D input,
        the number of columns, i.e. of time steps (scikit-learn's contract for
        2-D arrays).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit``. Defined only when `X` has
        feature names that are all strings.

    See Also
    --------
    SequencePadder : Pad ragged sequences into the 3-D array this scaler takes.
    sklearn.preprocessing.StandardScaler : Standardise tabular features.

    Notes
    -----
    A 3-D array ``(n_samples, n_timesteps, n_features)`` gets one mean and
    scale per feature, and ``transform`` accepts any number of time steps.
    A 2-D array ``(n_samples, n_timesteps)`` is a batch of univariate
    sequences: it gets one scalar mean and scale, shared by all columns, and
    ``transform`` expects the same number of columns. Every NaN of a 2-D array
    is padding. Fit and transform must use the same number of dimensions.

    ``transform`` returns a NumPy array even under
    ``sklearn.set_config(transform_output="pandas")``, as
    ``SequencePadder`` does: a 3-D batch of sequences has no DataFrame
    form, and a pipeline that pads and scales sequences must keep working
    where that option is set for the tabular steps. There is no
    ``set_output``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SequenceScaler
    >>> X = np.array([[[0.0, 10.0], [2.0, 30.0]],
    ...               [[4.0, 20.0], [np.nan, np.nan]]])
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_
    array([ 2., 20.])
    >>> scaler.transform(X)[1]
    array([[1.22474487, 0.        ],
           [       nan,        nan]])
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the per-feature mean and standard deviation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences padded with all-NaN time steps.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        self : object
            Fitted scaler.
        """
        X = self._validate(X, reset=True)
        check_numeric_padding(X, estimator_name=type(self).__name__)
        with np.errstate(over="ignore", invalid="ignore"):  # refused below
            n_steps, mean, var = real_step_moments(X)
        if not n_steps:
            raise ValueError(
                f"{type(self).__name__} needs at least one time step that is not "
                "padding, but every time step of X is NaN. Pass sequences with data."
            )
        overflow = ~np.isfinite(mean) if self.with_mean else np.zeros(mean.shape, bool)
        if self.with_std:
            overflow |= ~np.isfinite(var)
        if overflow.any():
            feature = int(np.flatnonzero(overflow)[0])
            values = X if X.ndim == 2 else X[:, :, feature]
            raise ValueError(
                f"{type(self).__name__} cannot standardise feature {feature}: its mean or "
                "variance overflows float64 (values up to "
                f"{np.nanmax(np.abs(values)):.6g}). Rescale X first, e.g. divide that "
                "feature by a power of 10."
            )
        self.mean_ = mean if self.with_mean else None
        if self.with_std:
            scale = np.sqrt(var)
            scale[_is_constant(var, mean, n_steps)] = 1.0
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        """Standardise X; padded steps stay NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Sequences with the layout seen in ``fit``.

        Returns
        -------
        X_scaled : ndarray of the same shape as X
            A new array; X is not modified.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        check_numeric_padding(X, estimator_name=type(self).__name__)
        out = X
        if self.mean_ is not None:
            out = out - self.mean_.astype(X.dtype)
        if self.scale_ is not None:
            out = out / self.scale_.astype(X.dtype)
        return X.copy() if out is X else out

    def inverse_transform(self, X):
        """Undo the scaling; padded steps stay NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
            Scaled sequences.

        Returns
        -------
        X_original : ndarray of the same shape as X
            A new array; X is not modified.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        check_numeric_padding(X, estimator_name=type(self).__name__)
        out = X
        if self.scale_ is not None:
            out = out * self.scale_.astype(X.dtype)
        if self.mean_ is not None:
            out = out + self.mean_.astype(X.dtype)
        return X.copy() if out is X else out

    def _validate(self, X, *, reset):
        """Validate a 2-D or 3-D float array and the number of features."""
        name = type(self).__name__
        reject_raw_text(X, estimator_name=name, hint=_TEXT_HINT)
        X, _ = validate_sequences(
            self, X, reset=reset, dtype=_FLOAT_DTYPES,
            hint="Pad them first with SequencePadder.",
            ensure_all_finite=False,  # check_numeric_padding says where the inf is
        )  # fmt: skip
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
