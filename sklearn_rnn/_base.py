"""BaseRNN: what every recurrent estimator shares, whatever its target.

A parameter flows ``__init__`` -> ``_parameter_constraints`` (checked at
``fit``) -> ``BaseRNN._build_model`` -> ``_models.build_rnn_model`` ->
the Keras layer. Subclasses add only what depends on the target, through five
hooks: ``_encode_targets`` (labels or scaled values for Keras),
``_output_spec`` (output units, activation and loss), ``_split`` (the
early-stopping hold-out), ``_epoch_rows`` / ``_epoch_size`` (which rows an
epoch trains on) and ``_sample_weights``.
"""

import functools
import os
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from sklearn_rnn import _batching
from sklearn_rnn._defaults import (
    resolve_batch_size,
    resolve_conv_width,
    resolve_ema_momentum,
    resolve_epochs,
    resolve_frame_length,
    resolve_head,
    resolve_summary_stats,
    validation_size,
)
from sklearn_rnn._keras_io import PickledModel
from sklearn_rnn._validation import (
    OOV_ID,
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_finite_values,
    check_is_fitted,
    check_numeric_padding,
    check_token_ids,
    real_step_moments,
    reject_raw_text,
    validate_sequences,
    warn_if_channels_first,
)

_TEXT_HINT = (
    "Turn raw text into token ids first, e.g. "
    "make_pipeline(TextTokenizer(), {name}())."
)
_RAGGED_HINT = (
    "Pad them into one array first, e.g. make_pipeline(SequencePadder(), {name}()), "
    "which marks padded steps with NaN."
)
_KERAS_VERBOSE = {0: 0, 1: 2}  # ours -> Keras: 1 is one line per epoch, 2 a bar
#: Bytes per weight while training: the float32 weight, its gradient and up
#: to two optimizer slots (Adam's moments).
_TRAINING_BYTES_PER_WEIGHT = 16


@functools.lru_cache(maxsize=1)
def known_optimizers():
    """Optimizer names Keras resolves with ``keras.optimizers.get``.

    Asked of the installed Keras, not hard-coded: every optimizer class that
    ``keras.optimizers`` exports and whose lowercased name ``get`` accepts
    (``"muon"`` in Keras 3.15, for example).
    """
    from sklearn_rnn._backend import keras

    names = []
    for name, obj in vars(keras.optimizers).items():
        if isinstance(obj, type) and issubclass(obj, keras.optimizers.Optimizer):
            try:
                keras.optimizers.get(name.lower())
            except (ValueError, KeyError, TypeError):
                continue
            names.append(name.lower())
    return tuple(sorted(names))


class BaseRNN(BaseEstimator):
    """Base class of RNNClassifier and RNNRegressor; not for direct use."""

    _parameter_constraints: dict = {
        "cell": [StrOptions({"gru", "lstm", "rnn"})],
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "head": [StrOptions({"auto", "last", "max", "mean", "attention"})],
        "frame_length": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "conv_width": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "conv_filters": [Interval(Integral, 1, None, closed="left")],
        "conv_pool": [Interval(Integral, 1, None, closed="left")],
        "summary_stats": ["boolean", StrOptions({"auto"})],
        "bag_dim": [Interval(Integral, 0, None, closed="left")],
        "bag_ngrams": [Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "vocab_size": [Interval(Integral, 2, None, closed="left"), None],
        "embeddings": ["array-like", None],
        "freeze_embeddings": ["boolean"],
        "input_type": [StrOptions({"auto", "tokens", "numeric"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "spatial_dropout": [Interval(Real, 0, 1, closed="left")],
        "token_dropout": [Interval(Real, 0, 1, closed="left")],
        "input_noise": [Interval(Real, 0, None, closed="left")],
        "embedding_l2": [Interval(Real, 0, None, closed="left")],
        "l2": [Interval(Real, 0, None, closed="left")],
        "optimizer": [str, HasMethods(["apply_gradients", "get_config"])],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "ema_momentum": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "length_bucketing": ["boolean", StrOptions({"auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self, *, cell, units, bidirectional, head, frame_length, conv_width, conv_filters,
        conv_pool, summary_stats, bag_dim, bag_ngrams, embedding_dim, vocab_size, embeddings,
        freeze_embeddings, input_type, dropout, recurrent_dropout, spatial_dropout,
        token_dropout, input_noise, embedding_l2, l2, optimizer, learning_rate, ema_momentum,
        batch_size, epochs, early_stopping,
        validation_fraction, patience, length_bucketing, random_state, verbose, callbacks,
        warm_start,
    ):  # fmt: skip
        self.cell = cell
        self.units = units
        self.bidirectional = bidirectional
        self.head = head
        self.frame_length = frame_length
        self.conv_width = conv_width
        self.conv_filters = conv_filters
        self.conv_pool = conv_pool
        self.summary_stats = summary_stats
        self.bag_dim = bag_dim
        self.bag_ngrams = bag_ngrams
        self.embedding_dim = embedding_dim
        self.vocab_size = vocab_size
        self.embeddings = embeddings
        self.freeze_embeddings = freeze_embeddings
        self.input_type = input_type
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.spatial_dropout = spatial_dropout
        self.token_dropout = token_dropout
        self.input_noise = input_noise
        self.embedding_l2 = embedding_l2
        self.l2 = l2
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.ema_momentum = ema_momentum
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.length_bucketing = length_bucketing
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.warm_start = warm_start

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Token ids or numeric sequences (see the class docstring).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, a binary label-indicator matrix (classifier), or
            real-valued targets (regressor).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, each >= 0 (0 leaves a sequence out of the loss).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        incremental = self.warm_start and hasattr(self, "model_")
        return self._fit(X, y, sample_weight, incremental=incremental, epochs=self.epochs)

    def save(self, path):
        """Save the estimator to one file; read it back with ``sklearn_rnn.load``.

        The file is a zip archive holding the network in Keras' own format
        beside the rest of the estimator and a manifest with library versions
        and checksums. See ``docs/persistence.md``.

        Parameters
        ----------
        path : str or path-like
            Where to write the file; an existing file is replaced atomically.

        See Also
        --------
        sklearn_rnn.load : Read the file back; its docstring has a worked example.
        """
        from sklearn_rnn._persistence import save

        save(self, path)

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y, sample_weight, *, incremental, epochs, classes=None, partial=False):
        """The fit chain: validate, encode targets, build, train."""
        if y is None:
            raise ValueError(
                f"This {type(self).__name__} estimator requires y to be passed, but the "
                "target y is None."
            )
        if not incremental:
            # a refit starts clean: no attribute of an earlier fit (best_epoch_,
            # validation_size_, vocab_size_ ...) may outlive it
            self._forget_fit()
        try:
            if incremental:
                self._check_network_params(partial)
            X, y = self._validate_input(X, y, reset=not incremental)
            targets = self._encode_targets(
                y, incremental=incremental, classes=classes, partial=partial
            )
            weights = self._sample_weights(X, targets, sample_weight)
            self._check_vocabulary(X, incremental=incremental)
            seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
            padding = _batching.padding_plan(X, self.input_type_)  # (side, steps kept per row)
            self._check_some_real_step(X, padding[1])
            if not incremental:
                self.head_ = resolve_head(self.head)
                self.frame_length_ = self._resolve_frame_length(X.shape[1], padding[1])
                self.conv_width_ = resolve_conv_width(
                    self.conv_width, self.input_type_, getattr(self, "vocab_size_", None),
                    n_features=self._step_features(),
                )  # fmt: skip
                self._check_bag_path()
                self.summary_stats_ = self._resolve_summary_stats()
                self._resolve_output_options(X)
                self.ema_momentum_ = self._resolve_ema_momentum()
                self._check_network_size()
                self.model_ = self._build_model(seed, **self._feature_moments(X))
                self._built_with = self._network_params()
                self.history_ = {}
            else:
                self._apply_learning_rate()
            self._train(X, targets, weights, padding, seed=seed, epochs=epochs, partial=partial)
        except BaseException:
            if not incremental:
                self._forget_fit()
            raise
        return self

    def _check_some_real_step(self, X, lengths):
        """Refuse training X in which every sequence is padding only.

        Such X holds no data to learn from (the network would fit the class
        or target means only, and Keras' GPU kernels refuse fully padded
        rows); ``SequenceScaler`` and ``TextTokenizer`` refuse the same.
        """
        if lengths.max(initial=0) > 0:
            return
        if self.input_type_ == "tokens":
            what = f"every token id of the {len(X)} sequences is 0 (padding)"
            fix = (
                "Check how the ids were made: TextTokenizer maps unknown tokens to 1, "
                "never to 0"
            )
        else:
            what = f"every time step of the {len(X)} sequences is all-NaN (padding)"
            fix = "Check that NaN marks only padding"
        raise ValueError(
            f"{type(self).__name__} needs at least one sequence with a real step to "
            f"train on, but {what}, so there is nothing to learn from. {fix}, and pass "
            "sequences with data."
        )

    def _check_bag_path(self):
        """Refuse a bag path for numeric sequences, which have no token ids."""
        if self.bag_dim > 0 and self.input_type_ != "tokens":
            raise ValueError(
                f"bag_dim={self.bag_dim} averages a learned vector per token id, but X "
                "holds numeric sequences, which have no token ids. Use bag_dim=0 with "
                "numeric input, or pass integer token ids."
            )

    def _resolve_summary_stats(self):
        """``summary_stats_``: ``summary_stats``, or what ``"auto"`` chooses;
        an explicit True is refused for token ids, which have no values to
        summarise."""
        if self.summary_stats is True and self.input_type_ == "tokens":
            raise ValueError(
                "summary_stats=True gives the output layer each feature's mean, "
                "standard deviation, minimum and maximum over the real steps, but X "
                "holds token ids, which are labels, not measurements. Use "
                "summary_stats=False or 'auto' with token input, or pass numeric "
                "sequences."
            )
        return resolve_summary_stats(
            self.summary_stats, self.input_type_, classifier=is_classifier(self)
        )

    def _resolve_frame_length(self, n_steps, lengths):
        """``frame_length_``, from the padded length and each row's real steps.

        An explicit frame length > 1 is refused for token ids, and one longer
        than the sequences is refused for numeric input.
        """
        if self.input_type_ == "tokens" and self.frame_length not in ("auto", 1):
            raise ValueError(
                f"frame_length={self.frame_length!r} groups the time steps of numeric "
                "sequences, but X holds token ids (input_type_='tokens'), which are embedded "
                "one by one. Use frame_length='auto' or 1 with token input."
            )
        if self.frame_length != "auto" and self.frame_length > n_steps:
            raise ValueError(
                f"frame_length={self.frame_length} is longer than the sequences: X has "
                f"{n_steps} time steps. Use frame_length='auto' or an int from 1 to {n_steps}."
            )
        return resolve_frame_length(self.frame_length, self.input_type_, lengths)

    def _step_features(self):
        """Features per time step: the channels of 3-D input, 1 for 2-D
        (token ids, or a univariate series whose ``n_features_in_`` counts
        steps)."""
        return self.n_features_in_ if self._fit_ndim == 3 else 1

    def _resolve_output_options(self, X):
        """Set the fitted attributes that ``_output_spec`` reads from the
        training ``X`` (none here)."""

    #: Whether ``ema_momentum="auto"`` may average weights (classifiers).
    _auto_weight_averaging = False

    def _resolve_ema_momentum(self):
        """``ema_momentum``, or what ``"auto"`` chooses: an optimizer
        instance's own setting, else :func:`resolve_ema_momentum`."""
        if self.ema_momentum == "auto" and not isinstance(self.optimizer, (str, type)):
            own = getattr(self.optimizer, "use_ema", False)
            return float(self.optimizer.ema_momentum) if own else 0.0
        return resolve_ema_momentum(
            self.ema_momentum, self.input_type_, classifier=self._auto_weight_averaging
        )

    def _forget_fit(self):
        """Drop every fitted attribute, leaving a cleanly unfitted estimator."""
        for key in list(vars(self)):
            if (key.endswith("_") and not key.startswith("__")) or key in self._private_fit_state:
                delattr(self, key)

    #: Private attributes set by fit (besides the public ones ending in "_").
    _private_fit_state = ("_fit_ndim", "_predict_fn", "_built_with")

    #: Parameters that only steer training, free to change between a
    #: ``warm_start`` fit or ``partial_fit`` call and the next; every other
    #: parameter is built into the network or its optimizer.
    _training_params = frozenset({
        "batch_size", "callbacks", "class_weight", "early_stopping", "epochs",
        "length_bucketing", "patience", "random_state", "sampler",
        "validation_fraction", "verbose", "warm_start",
    })  # fmt: skip

    def _network_params(self):
        """The parameters the network was built from, as plain values.

        An object (an optimizer instance, an embedding matrix or mapping)
        stands as its type's name: objects cannot be compared across a save
        and load, but a change of kind (a name to an instance) can.
        """
        def scalar(value):
            return value is None or isinstance(value, (bool, Integral, Real, str))

        def plain(value):  # a scalar, or a short flat sequence of them (units)
            if isinstance(value, (tuple, list)):
                return len(value) <= 64 and all(scalar(v) for v in value)
            return scalar(value)

        def python(value):  # NumPy scalars as Python ones, lists as tuples
            if isinstance(value, (tuple, list)):
                return tuple(python(v) for v in value)
            return value.item() if isinstance(value, np.generic) else value

        return {
            key: python(value) if plain(value) else f"<{type(value).__name__} object>"
            for key, value in self.get_params(deep=False).items()
            if key not in self._training_params
        }

    def _check_network_params(self, partial):
        """Refuse to keep training a network whose parameters changed since it was built."""
        built = getattr(self, "_built_with", None)
        if built is None:  # fitted by a version that did not record them
            return
        now = self._network_params()
        changed = [
            key for key in built if now.get(key) != built[key] and key != "learning_rate"
        ]  # fmt: skip
        if not changed:
            return
        name = type(self).__name__
        how = "partial_fit" if partial else "a warm_start fit"
        was = ", ".join(f"{key}={built[key]!r}" for key in changed)
        now_set = ", ".join(f"{key}={now[key]!r}" for key in changed)
        raise ValueError(
            f"{name} cannot continue training with {how}: its network was built with "
            f"{was}, but the parameters are now {now_set}, and a built network keeps "
            f"the values it was built with. Set {was} to keep training it, or call fit "
            "with warm_start=False to build a new network with the new values."
        )

    def _apply_learning_rate(self):
        """Continue training at the current ``learning_rate``, as ``MLPClassifier``
        does after a change between ``warm_start`` fits.

        The optimizer built from a name or class takes the new rate (the
        assignment ``keras.callbacks.ReduceLROnPlateau`` makes); one built
        from an optimizer instance keeps that instance's own rate, as a new
        fit would.
        """
        from sklearn_rnn._backend import keras

        built = getattr(self, "_built_with", None)
        rate = self.learning_rate
        if (
            built is None
            or built.get("learning_rate") == rate
            or isinstance(self.optimizer, keras.optimizers.Optimizer)
        ):
            return
        self.model_.optimizer.learning_rate = float(rate)
        self._built_with = {**built, "learning_rate": float(rate)}

    def _validate_params(self):
        """scikit-learn's parameter validation, plus what constraints cannot say.

        ``_parameter_constraints`` can say "int or tuple" but not "tuple of
        ints >= 1", nor "an optimizer name Keras knows", so those are checked
        here, at the same point (before X is read or any network is built) and
        with the same style of message.
        """
        super()._validate_params()
        name = type(self).__name__
        units = self.units
        if isinstance(units, (tuple, list)) and (
            not units
            or not all(isinstance(u, Integral) and not isinstance(u, bool) and u >= 1 for u in units)
        ):
            raise InvalidParameterError(
                f"The 'units' parameter of {name} must be an int in the "
                f"range [1, inf) or a non-empty tuple of such ints, one per stacked "
                f"layer. Got {units!r} instead."
            )
        if isinstance(self.optimizer, str):
            known = known_optimizers()
            if self.optimizer.lower() not in known:
                raise InvalidParameterError(
                    f"The 'optimizer' parameter of {name} must be an optimizer name "
                    f"Keras knows ({', '.join(map(repr, known))}) or a "
                    f"keras.optimizers.Optimizer instance. Got {self.optimizer!r} instead."
                )

    def _validate_input(self, X, y=None, *, reset):
        """Validate X (and y); return float32 3-D sequences or int32 token ids."""
        name = type(self).__name__
        reject_raw_text(X, estimator_name=name, hint=_TEXT_HINT.format(name=name))
        X, y = validate_sequences(
            self, X, y, reset=reset, dtype="numeric", hint=_RAGGED_HINT.format(name=name),
            two_d="token ids or univariate sequences", ensure_all_finite=False,
            fitted_as="" if reset else self._describe_input_type(),
            **self._target_checks,
        )  # fmt: skip
        input_type = self._read_input_type(X)
        if reset:
            self.input_type_ = input_type
        elif input_type != self.input_type_:
            got = "integer token ids" if input_type == "tokens" else f"{X.dtype} numeric sequences"
            raise ValueError(
                f"{name} was fitted on {self._describe_input_type()} but got {got}. Pass "
                "X of the same kind as in fit, or set input_type explicitly."
            )
        if input_type == "tokens":
            return check_token_ids(X, estimator_name=name), y
        with np.errstate(over="ignore"):  # an overflow to inf is reported below
            X = X.astype(np.float32, copy=False)
        padded = check_numeric_padding(X, estimator_name=name)
        if reset and X.ndim == 3:
            warn_if_channels_first(
                X, padded, estimator_name=name,
                fix="pass X.transpose(0, 2, 1), or start the pipeline with "
                "SequencePadder(data_format='channels_first')",
            )  # fmt: skip
        return (X[:, :, None] if X.ndim == 2 else X), y

    #: How ``y`` is validated (``validate_data``'s ``multi_output``, ``y_numeric``).
    _target_checks = {"multi_output": True, "y_numeric": False}

    def _read_input_type(self, X):
        if self.input_type != "auto":
            return self.input_type
        return "tokens" if X.ndim == 2 and X.dtype.kind in "iu" else "numeric"

    def _describe_input_type(self):
        return "integer token ids" if self.input_type_ == "tokens" else "numeric sequences"

    def _sample_weights(self, X, targets, sample_weight):
        if sample_weight is None:
            return None
        self._check_weights_given(X, sample_weight)
        if not np.any(np.asarray(sample_weight, dtype=float)):
            raise ValueError(
                f"sample_weight is zero for all {len(X)} sequences, so there is nothing to "
                "train on: every sequence's loss would be multiplied by 0. Give at least "
                "one sequence a positive weight, or pass sample_weight=None for equal "
                "weights."
            )
        weights = _check_sample_weight(sample_weight, X, dtype=np.float32)
        negative = np.flatnonzero(weights < 0)
        if negative.size:
            raise ValueError(
                f"sample_weight must be non-negative, got {negative.size} negative "
                f"weight(s), the first {float(weights[negative[0]])!r} at position "
                f"{int(negative[0])}. A weight scales that sequence's loss, so a negative "
                "one would train the network away from its label. Use 0 to ignore a "
                "sequence, or drop it."
            )
        return weights

    def _check_weights_given(self, X, sample_weight):
        """Refuse sample_weight of another length than X, or with NaN or infinity."""
        given = np.asarray(sample_weight)  # not np.ndim: it may be array-like only
        if given.ndim == 1 and len(given) != len(X):
            raise ValueError(
                f"sample_weight has {len(given)} values, but X has {len(X)} "
                f"sequences. Pass one weight per sequence (an array of shape "
                f"({len(X)},)), or a scalar for all of them."
            )
        check_finite_values(
            sample_weight, estimator_name=type(self).__name__, what="sample_weight",
            fix="sample_weight needs a finite weight for every sample: drop those "
            "samples from X, y and sample_weight, or give them a weight (0 ignores a "
            "sample).",
        )  # fmt: skip

    def _check_score_weights(self, X, sample_weight):
        """``score``'s checks before predicting: fitted, and sample_weight as in fit."""
        check_is_fitted(self)
        if sample_weight is not None:
            self._check_weights_given(X, sample_weight)

    def _check_vocabulary(self, X, *, incremental):
        if self.input_type_ != "tokens":
            return
        largest = int(X.max(initial=0))
        if incremental:
            if largest >= self.vocab_size_:
                raise ValueError(
                    f"X holds token id {largest}, but the network was fitted with "
                    f"vocab_size_={self.vocab_size_} (ids 0..{self.vocab_size_ - 1}) and "
                    "its embedding cannot grow when training further. Map unseen ids "
                    "to the out-of-vocabulary id 1 (np.where(X >= est.vocab_size_, 1, "
                    "X)), or refit with warm_start=False."
                )
            return
        vocab_size = self.vocab_size
        if self.embeddings is not None:
            shape = self._embedding_matrix().shape
            n_ids = shape[0] if len(shape) == 2 else -1
            if n_ids < OOV_ID + 1 or vocab_size not in (None, n_ids):
                raise ValueError(
                    f"embeddings must be a 2-D matrix with one row per token id (at least "
                    f"2) and, with vocab_size, vocab_size rows; got shape "
                    f"{shape} and vocab_size={vocab_size!r}."
                )
            vocab_size = n_ids
        if vocab_size is None:
            self.vocab_size_ = max(largest + 1, OOV_ID + 1)
        elif largest >= vocab_size:
            what = (
                "embeddings has rows for" if self.embeddings is not None
                else f"vocab_size={vocab_size} allows"
            )  # fmt: skip
            raise ValueError(
                f"X holds token id {largest}, but {what} ids 0..{vocab_size - 1}. Set "
                f"vocab_size={largest + 1} or larger, or vocab_size=None to infer it "
                "(with embeddings: fix the tokenizer's vocabulary to the one the matrix "
                "was built for)."
            )
        else:
            self.vocab_size_ = vocab_size

    def _embedding_matrix(self):
        """The ``embeddings`` parameter as float32 (no copy when it already is)."""
        embeddings = self.embeddings
        if isinstance(embeddings, Mapping) or hasattr(embeddings, "key_to_index"):
            raise TypeError(
                f"embeddings must be a matrix whose row i is the vector of token id i, got "
                f"a mapping from tokens to vectors ({type(embeddings).__name__}). Build the "
                "matrix with sklearn_rnn.embedding_matrix(vectors, vocabulary) and fix "
                "that vocabulary on the tokenizer: TextTokenizer(vocabulary=vocabulary)."
            )
        try:
            matrix = np.asarray(embeddings, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"embeddings must be a numeric matrix of shape (n_ids, dim), got "
                f"{type(embeddings).__name__} that NumPy cannot read as floats ({exc}). "
                "Pass a 2-D array, e.g. from sklearn_rnn.embedding_matrix."
            ) from None
        if not np.isfinite(matrix).all():
            row = int(np.argwhere(~np.isfinite(matrix))[0][0])
            raise ValueError(
                f"embeddings must hold finite numbers, got NaN or infinity in row {row} "
                f"(token id {row}). Give that token a vector, or build the matrix with "
                "sklearn_rnn.embedding_matrix, which initialises tokens without one."
            )
        return matrix

    def _check_network_size(self):
        """Refuse a network that cannot fit in memory, before allocating it."""
        from sklearn_rnn._models import weight_counts  # imports Keras: fit time only

        inferred = self.input_type_ == "tokens" and self.vocab_size is None
        parts = weight_counts(
            input_type=self.input_type_, n_outputs=self._output_spec()["n_outputs"],
            # the recurrent layer reads frame_length_ steps' features at once
            n_features=self._step_features() * self.frame_length_,
            vocab_size=getattr(self, "vocab_size_", None),
            embedding_dim=(
                self.embedding_dim if self.embeddings is None else self._embedding_matrix().shape[1]
            ),
            cell=self.cell, units=self.units, bidirectional=self.bidirectional,
            conv_width=self.conv_width_, conv_filters=self.conv_filters,
            summary_features=self._step_features() if self.summary_stats_ else 0,
            bag_dim=self.bag_dim, bag_ngrams=self.bag_ngrams,
            ngram_expert=self._output_spec().get("ngram_expert", 0),
        )  # fmt: skip
        n_weights = sum(parts.values())
        needed = n_weights * _TRAINING_BYTES_PER_WEIGHT
        available = _physical_memory()
        if available is not None and needed > available:
            biggest = max(parts, key=parts.get)
            if inferred and biggest.startswith("vocab_size"):
                biggest = biggest.replace("vocab_size", "vocab_size (inferred as the largest "
                                          "token id in X + 1)", 1)  # fmt: skip
            raise ValueError(
                f"{type(self).__name__} would build a network of {n_weights:,} weights, "
                f"which needs about {needed / 2**30:,.1f} GiB to train but this machine "
                f"has {available / 2**30:,.1f} GiB of memory. The largest part comes from "
                f"{biggest}. Use smaller values, or re-encode token ids into a compact "
                "range (TextTokenizer's ids start at 2 and end at its vocabulary size)."
            )

    def _feature_moments(self, X):
        """Each feature's mean and standard deviation over the real steps of
        ``X`` (numeric input only), as ``build_rnn_model`` arguments: the
        scale of ``input_noise`` (a constant feature gets 0, so no noise),
        and what the summary statistics are standardised with, so that they
        reach the output layer on a unit scale whether or not the pipeline
        scales the features. Empty when neither is used."""
        noise = self.input_noise > 0
        if self.input_type_ != "numeric" or not (noise or self.summary_stats_):
            return {}
        _, mean, var = real_step_moments(X)
        std = np.sqrt(var)
        out = {"input_scale": std} if noise else {}
        if self.summary_stats_:
            out.update(summary_loc=mean, summary_scale=np.where(std > 0, std, 1.0))
        return out

    def _build_model(self, seed, input_scale=None, summary_loc=None, summary_scale=None):
        from sklearn_rnn._models import build_rnn_model

        return build_rnn_model(
            **self._output_spec(),
            input_type=self.input_type_,
            n_features=self._step_features(),
            vocab_size=getattr(self, "vocab_size_", None),
            embedding_dim=self.embedding_dim,
            cell=self.cell,
            units=self.units,
            bidirectional=self.bidirectional,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            spatial_dropout=self.spatial_dropout,
            token_dropout=self.token_dropout,
            input_noise=self.input_noise,
            input_scale=input_scale,
            embedding_l2=self.embedding_l2,
            l2=self.l2,
            optimizer=self.optimizer,
            learning_rate=self.learning_rate,
            ema_momentum=self.ema_momentum_,
            seed=seed,
            head=self.head_,
            frame_length=self.frame_length_,
            conv_width=self.conv_width_,
            conv_filters=self.conv_filters,
            conv_pool=self.conv_pool,
            summary_stats=self.summary_stats_,
            summary_loc=summary_loc,
            summary_scale=summary_scale,
            bag_dim=self.bag_dim,
            bag_ngrams=self.bag_ngrams,
            embeddings=None if self.embeddings is None else self._embedding_matrix(),
            freeze_embeddings=self.freeze_embeddings,
        )

    def _train(self, X, targets, weights, padding, *, seed, epochs, partial):
        from sklearn_rnn._backend import global_rng_kept, keras, no_retracing_warning
        from sklearn_rnn._callbacks import make_callbacks

        rng = np.random.RandomState(seed)
        early = self.early_stopping and not partial
        train_rows = np.arange(len(X))
        validation = None
        if early:
            train_rows, val_rows = self._split(targets, rng)
            self.validation_size_ = len(val_rows)
            early = len(val_rows) > 0  # too few sequences to hold out: no stopping
        self.batch_size_ = resolve_batch_size(self.batch_size, len(train_rows))
        epochs = resolve_epochs(epochs, len(train_rows), self.batch_size_)
        if not partial:
            self.epochs_ = epochs
        if early:
            validation, _ = self._dataset(
                X, targets, None, padding, val_rows, rng, shuffle=False, epochs=epochs
            )
        training, fit_kwargs = self._dataset(
            X, targets, weights, padding, train_rows, rng, shuffle=True, epochs=epochs
        )
        callbacks, stopper = make_callbacks(
            self.callbacks, early_stopping=early, patience=self.patience, verbose=self.verbose,
            averaged=getattr(self.model_.optimizer, "use_ema", False),
        )
        start = len(self.history_.get("loss", []))
        history = keras.callbacks.History()  # also holds the epochs of an interrupted fit
        try:
            with no_retracing_warning(), global_rng_kept():
                self.model_.fit(
                    training,
                    validation_data=validation,
                    epochs=epochs,
                    callbacks=[history, *callbacks],  # first: records before a callback raises
                    shuffle=False,  # the feed shuffles, seeded by random_state
                    verbose=_KERAS_VERBOSE.get(int(self.verbose), 1),
                    **fit_kwargs,
                )
        finally:
            # Keras leaves the network in each callback (set_model): detach the
            # user's, so that they hold no second copy of model_ in a pickle and
            # sklearn_rnn.save finds the network only where it belongs
            for callback in self.callbacks or []:
                callback.set_model(None)
            for key, values in history.history.items():
                self.history_.setdefault(key, []).extend(float(v) for v in values)
            self.n_iter_ = len(self.history_.get("loss", []))
        if getattr(self.model_.optimizer, "use_ema", False) and keras.backend.backend() == "jax":
            # Keras ends fit by assigning each weight its average's array, so
            # the two share one JAX buffer, which the next fit (partial_fit,
            # warm_start) would donate twice and JAX refuses: copy the weights
            for variable in self.model_.trainable_variables:
                variable.assign(keras.ops.copy(variable.value))
        if stopper is not None:
            self.best_epoch_ = start + int(stopper.best_epoch)
        self._predict_fn = self._make_predict_fn()

    def _split(self, targets, rng):
        """Rows to train on and rows held out for early stopping (shuffled)."""
        rows = np.arange(len(targets))
        options = self._split_options(targets)
        n_groups = len(np.unique(options["stratify"])) if "stratify" in options else 1
        size = validation_size(len(targets), n_groups, self.validation_fraction)
        if size == 0:
            return rows, rows[:0]
        try:
            return train_test_split(
                rows, test_size=size, random_state=_draw_seed(rng),
                **options,
            )  # fmt: skip
        except ValueError as exc:
            stratified = "stratify" in options
            raise ValueError(
                f"early_stopping could not hold out "
                f"{'a stratified ' if stratified else ''}validation_fraction="
                f"{self.validation_fraction} of {len(targets)} samples: {exc} Raise "
                f"validation_fraction, add samples{' of the rarest class' if stratified else ''}"
                ", or set early_stopping=False."
            ) from None

    def _split_options(self, targets):
        """Extra ``train_test_split`` arguments (the classifier stratifies)."""
        return {}

    def _epoch_rows(self, rows, targets, rng):
        """Rows one training epoch uses (the classifier's sampler redraws them)."""
        return rows

    def _epoch_size(self, rows, targets):
        """Rows per epoch, known in advance so that Keras knows the epoch length."""
        return len(rows)

    def _dataset(self, X, targets, weights, padding, rows, rng, *, shuffle, epochs):
        """A feed over ``rows`` of X, bucketed by length when it helps, and the
        ``Model.fit`` arguments that go with it (``_feed.fit_arguments``).

        ``padding`` is ``_batching.padding_plan(X)``, computed once per fit.
        The training feed (``shuffle``) serves ``epochs`` epochs; the
        validation feed one pass, which Keras repeats.
        """
        from sklearn_rnn._backend import BACKEND
        from sklearn_rnn._feed import fit_arguments, training_feed

        batch_size = self.batch_size_
        side, keep = padding
        n_rows = self._epoch_size(rows, targets) if shuffle else len(rows)
        n_batches = -(-n_rows // batch_size)
        # XLA compiles each batch shape: on JAX the fit must be long enough
        bucketing = _batching.use_bucketing(
            self.length_bucketing, side, keep[rows], X.shape[1],
            batches=epochs * n_batches if BACKEND == "jax" else None,
        )  # fmt: skip
        widths = _batching.bucket_widths(X.shape[1]) if bucketing else None
        if shuffle:
            def plan_epoch():
                epoch_rows = self._epoch_rows(rows, targets, rng)
                return _batching.epoch_batches(rng, epoch_rows, keep, batch_size, bucketing)
        else:
            order = rows[np.argsort(keep[rows], kind="stable")] if bucketing else rows
            fixed = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
            plan_epoch = lambda: fixed  # noqa: E731
        arrays = (targets,) if weights is None else (targets, weights)
        feed_epochs = epochs if shuffle else 1
        feed = training_feed(
            X, arrays, plan_epoch=plan_epoch, side=side, keep=keep,
            widths=widths, n_batches=n_batches, epochs=feed_epochs,
        )  # fmt: skip
        return feed, fit_arguments(n_batches, feed_epochs)

    # -------------------------------------------------------------- predict
    def _predict_array(self, X):
        """Network outputs for validated X, in length-sorted batches, bounded memory."""
        fn = self._predict_fn
        out = np.empty((len(X), self.model_.output_shape[-1]), dtype=np.float32)
        width_set = _batching.bucket_widths(X.shape[1])
        rows_per_batch = int(np.clip(2**18 // max(X.shape[1], 1), 32, 4096))
        for start in range(0, len(X), _batching.PREDICT_CHUNK):
            chunk = X[start : start + _batching.PREDICT_CHUNK]
            side, keep = _batching.padding_plan(chunk, self.input_type_)
            bucketing = _batching.use_bucketing(self.length_bucketing, side, keep, X.shape[1])
            for rows in _batching.predict_batches(keep, rows_per_batch, bucketing):
                width = _batching.batch_width(keep[rows], width_set) if bucketing else X.shape[1]
                xb = _batching.take(chunk, rows, width, side)
                if self.input_type_ == "tokens":
                    xb[xb >= self.vocab_size_] = OOV_ID
                out[start + rows] = fn(xb)
        return out

    def _make_predict_fn(self):
        """A compiled inference function, NumPy in and out (see ``_feed``)."""
        from sklearn_rnn._feed import predict_function

        return predict_function(self.model_, self.input_type_, self.model_.input_shape[-1])

    # ------------------------------------------------------------- pickling
    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: never alter self
        state.pop("_predict_fn", None)  # a compiled function: rebuilt on load
        if "model_" in state:  # unpickles with sklearn_rnn's custom layers registered
            state["model_"] = PickledModel(state["model_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), PickledModel):  # copy.copy: never pickled
            state = {**state, "model_": state["model_"].model}
        super().__setstate__(state)
        if "model_" in state:
            self._predict_fn = self._make_predict_fn()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The same random_state gives the same network and predictions, so
        # non_deterministic stays False.
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        return tags


def _draw_seed(rng):
    return int(rng.randint(np.iinfo(np.int32).max))


def _physical_memory():
    """Bytes of physical memory, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None
