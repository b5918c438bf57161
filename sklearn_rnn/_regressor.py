"""RNNRegressor: real-valued, single- or multi-output regression on sequences."""

import numpy as np
from sklearn.base import RegressorMixin

from sklearn_rnn._base import BaseRNN
from sklearn_rnn._validation import StrOptions, _fit_context, check_is_fitted


class RNNRegressor(RegressorMixin, BaseRNN):
    """Recurrent neural network regressor for sequences (GRU, LSTM, SimpleRNN).

    The network of [`RNNClassifier`][sklearn_rnn.RNNClassifier] with a linear output layer:
    ``[Embedding | padding mask] -> recurrent layer(s) -> Dense(n_outputs)``,
    trained with Adam on ``loss``. ``y`` is ``(n_samples,)`` or
    ``(n_samples, n_outputs)`` (multi-output is native, no
    ``MultiOutputRegressor`` needed). Targets are standardised internally
    (mean 0, standard deviation 1 per output, as
    ``TransformedTargetRegressor(transformer=StandardScaler())`` would) and
    predictions come back in the original units. ``score`` is R².

    Input ``X`` is one of:

    - token ids: 2-D integer array ``(n_samples, n_timesteps)``, 0 is padding
      and 1 the out-of-vocabulary id (what [`TextTokenizer`][sklearn_rnn.TextTokenizer] produces);
    - univariate numeric sequences: 2-D float array ``(n_samples, n_timesteps)``;
    - multivariate numeric sequences: 3-D float array
      ``(n_samples, n_timesteps, n_features)``. The number of time steps may
      differ between ``fit`` and ``predict``.

    Numeric padding is a time step whose features are all NaN (what
    [`SequencePadder`][sklearn_rnn.SequencePadder] produces); NaN mixed with finite values inside one
    step is an error.

    Parameters
    ----------
    cell : {"gru", "lstm", "rnn"}, default="gru"
        Recurrent cell; ``"rnn"`` is ``keras.layers.SimpleRNN``.
    units : int or tuple of int, default=128
        Units of the recurrent layer; a tuple stacks one layer per entry.
    bidirectional : bool, default=False
        Wrap each recurrent layer in ``keras.layers.Bidirectional``.
    head : {"auto", "last", "max", "mean", "attention"}, default="last"
        What the output layer reads: ``"last"`` the final hidden state of the
        last recurrent layer; ``"max"``, ``"mean"`` its outputs pooled over
        time; ``"attention"`` their weighted sum with learned weights. Padding
        never contributes to any of them. ``"auto"`` is ``"max"`` (RNNClassifier's choice,
        measured on classification in ``docs/accuracy.md``); the regressor's
        default stays ``"last"``, which kept the most recent steps that a
        forecast depends on (``docs/regression.md``); the head used is
        ``head_``.
    frame_length : int or "auto", default=1
        Numeric sequences only: the recurrent layer reads frames of this many
        consecutive time steps (``frame_length * n_features`` values each)
        instead of single steps, so it runs ``frame_length`` times fewer
        steps and each step sees a short stretch of the series. Frames start
        at each row's first real step, so the padding side and padded length
        never change predictions. ``"auto"`` is 1 for token ids and
        ``round(median length / 25)`` (at least 1) for numeric sequences
        (RNNClassifier's default, measured on classification in
        ``docs/accuracy.md``; the regressor's default stays 1, measured in
        ``docs/regression.md``). An int above 1 with token ids, or above the padded
        length, is refused. The value used is ``frame_length_``.
    conv_width : int or "auto", default=0
        A ReLU convolution of this many neighbouring steps (embedded tokens,
        or numeric steps or frames) before the recurrent layer, whose maximum
        over each row also goes straight to the output layer; 0 for none.
        ``"auto"`` follows the rule of
        [`RNNClassifier`][sklearn_rnn.RNNClassifier] (not measured on
        regression, hence the default 0). The value used is ``conv_width_``.
    conv_filters : int, default=256
        Number of detectors in that convolution, each a feature the recurrent
        layer reads per step; no effect while ``conv_width_`` is 0. The
        default is the one of [`RNNClassifier`][sklearn_rnn.RNNClassifier].
    conv_pool : int, default=1
        With ``conv_pool > 1`` the recurrent layer reads the maximum of each
        detector over every ``conv_pool`` steps of that convolution, so it
        runs that many times fewer steps (padding still never changes
        predictions); no effect while ``conv_width_`` is 0. A speed option,
        measured in [`RNNClassifier`][sklearn_rnn.RNNClassifier].
    summary_stats : bool or "auto", default="auto"
        With True (numeric sequences only), each feature's mean, standard
        deviation, minimum and maximum over a row's real steps go straight
        to the output layer, beside the recurrent head, as in
        [`RNNClassifier`][sklearn_rnn.RNNClassifier]. ``"auto"`` is False:
        on the three regression sets of ``docs/regression.md`` (seeds 0-2)
        it raised the test RMSE on all three. The value used is
        ``summary_stats_``.
    bag_dim : int, default=0
        With ``bag_dim > 0`` (token ids only), the mean of a learned
        ``bag_dim``-vector per token id, and per hashed n-gram with
        ``bag_ngrams > 1``, over each row's real tokens, concatenated to the
        head before the output layer (fastText's bag of n-grams beside the
        recurrent path). 0 for none; refused with numeric sequences.
        Measured in [`RNNClassifier`][sklearn_rnn.RNNClassifier].
    bag_ngrams : int, default=2
        Longest n-gram of the bag path (1: single tokens only); n-grams are
        hashed into ``sklearn_rnn._models.BAG_BUCKETS`` rows. Unused while
        ``bag_dim`` is 0.
    embedding_dim : int, default=128
        Size of the token embedding.
    vocab_size : int, default=None
        Number of token ids the embedding holds. None infers it as the largest
        id seen in ``fit`` plus one. At predict time, ids that the embedding
        does not hold are mapped to the out-of-vocabulary id 1.
    embeddings : array-like of shape (n_ids, dim), default=None
        Initial embedding matrix for token input, row ``i`` for token id ``i``,
        e.g. pretrained word vectors from
        [`embedding_matrix`][sklearn_rnn.embedding_matrix]. Its shape sets the
        embedding size (``embedding_dim`` is not used) and the number of ids
        (``vocab_size``, if given, must equal ``n_ids``). Pair it with a
        ``TextTokenizer(vocabulary=...)`` so that ids match rows in every fit.
        None starts from small random values.
    freeze_embeddings : bool, default=False
        Keep the embedding matrix fixed in training.
    input_type : {"auto", "tokens", "numeric"}, default="auto"
        How to read ``X``. ``"auto"``: 2-D integer arrays are token ids, float
        arrays and 3-D arrays are numeric sequences.
    dropout : float, default=0.2
        Dropout on the inputs of each recurrent layer.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state. Any value above 0 rules out the fused
        (cuDNN) kernel on GPU and the fast CPU path, so training is much slower.
    spatial_dropout : float, default=0.0
        ``SpatialDropout1D`` rate after the embedding (token input only).
    token_dropout : float, default=0.0
        Token input only: in training, each real token id is replaced by the
        out-of-vocabulary id 1 with this probability (word dropout), so the
        network does not rely on any single word and the embedding of id 1,
        which words unseen in training get at prediction time, is learned.
    input_noise : float, default=0.0
        Numeric input only: in training, add Gaussian noise to every value,
        with a standard deviation of ``input_noise`` times that feature's
        standard deviation over the real steps of the training data (so the
        same fraction of its spread, whatever its units). Padding stays
        padding; predictions never see noise.
    embedding_l2 : float, default=0.0
        L2 penalty on the embedding matrix.
    l2 : float, default=0.0
        L2 penalty on the recurrent and dense kernels.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        Optimizer name that Keras knows (``"adam"``, ``"adamw"``, ``"sgd"``,
        ``"rmsprop"``, ...: any ``keras.optimizers`` class name, lowercased)
        or instance. An instance is cloned for every fit and keeps its own
        learning rate.
    learning_rate : float, default=1e-3
        Learning rate for an optimizer given by name.
    ema_momentum : float in [0, 1) or "auto", default="auto"
        Momentum of the exponential moving average of the weights that each
        ``fit`` or ``partial_fit`` ends with (Polyak averaging, Keras'
        ``use_ema``, also under early stopping; see ``RNNClassifier``); 0
        keeps the last step's weights. ``"auto"`` is 0: on the regression
        sets of ``docs/regression.md`` averaging raised the test error. With
        an optimizer instance, ``"auto"`` keeps that instance's own setting.
        The value used is ``ema_momentum_``.
    batch_size : int or "auto", default=32
        Sequences per gradient step. ``"auto"`` uses ``n_samples // 16``
        clipped to ``[8, 32]``; the value used is ``batch_size_``.
    epochs : int or "auto", default=10
        Passes over the training data per call to ``fit``. ``"auto"`` gives
        ``RNNClassifier``'s rule (960 gradient steps, 2,000 for epochs of 10
        batches or fewer, within ``[10, 400]`` epochs); the value used is
        ``epochs_``. The short default budget is kept for regression: the
        automatic one overfitted a small, noisy target below the training
        mean (``docs/regression.md``); search it where the series predict
        the target well.
    early_stopping : bool, default=False
        Hold out a shuffled ``validation_fraction`` of the training
        data, stop when its loss has not improved for ``patience`` epochs and
        restore the weights of the best epoch. The held-out set has at least
        20 sequences (and one per class when stratified); with fewer, nothing
        is held out and all ``epochs`` are trained (``validation_size_`` is
        then 0).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``.
    patience : int, default=10
        Epochs without improvement of the validation loss before stopping
        (``MLPClassifier``'s ``n_iter_no_change`` default; 3 stopped on noise
        and cost up to 4.6 points on classification in ``docs/accuracy.md``).
    loss : {"mse", "huber", "mae"}, default="mse"
        Training loss on the standardised targets: mean squared error, Huber
        (delta 1, i.e. one standard deviation of the target) or mean absolute
        error. ``score`` is R² whatever the loss.
    length_bucketing : bool or "auto", default="auto"
        Batch sequences of similar length together and trim each batch to its
        own longest sequence (from a small fixed set of widths), in ``fit`` and
        ``predict``. ``"auto"`` turns it on when padding is on one side and at
        least 30% of the steps are padding (the same rule in ``fit`` and
        ``predict``, checked per call). Predictions do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling, the validation split
        and the sampler. The same int gives the same predictions. No global
        seed or determinism flag is changed.
    verbose : int, default=0
        0 is silent, 1 prints one line per epoch, 2 shows a progress bar.
    callbacks : list of keras.callbacks.Callback, default=None
        Extra Keras callbacks passed to ``Model.fit``.
    warm_start : bool, default=False
        Continue training the network of the previous ``fit`` instead of
        building a new one. Between such fits, as between ``partial_fit``
        calls, the parameters that steer training may change (``epochs``,
        ``batch_size``, ``early_stopping``, ``validation_fraction``,
        ``patience``, ``length_bucketing``, ``random_state``, ``verbose``,
        ``callbacks``), and so may ``learning_rate``, which the optimizer
        then takes, as ``MLPRegressor`` does. The network and its optimizer
        keep the values of every other parameter, so a change to one of
        those is refused before training.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns of 2-D ``X`` (time steps), or features per time step
        of 3-D ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame ``X``; only when they are all strings.
    input_type_ : {"tokens", "numeric"}
        How ``X`` was read (``input_type`` once "auto" is resolved).
    vocab_size_ : int
        Token ids held by the embedding (token input only).
    n_outputs_ : int
        Number of targets.
    model_ : keras.Model
        The trained network; it predicts standardised targets.
    history_ : dict of list
        Per-epoch ``loss``, plus ``val_loss`` with early stopping, over all
        epochs of this network (on standardised targets).
    n_iter_ : int
        Epochs the network has been trained for.
    batch_size_ : int
        Batch size of the last fit (``batch_size``, or what ``"auto"`` chose).
    epochs_ : int
        Epochs of the last ``fit`` (``epochs``, or what ``"auto"`` chose); early
        stopping may stop before.
    frame_length_ : int
        Time steps per recurrent step (``frame_length``, or what ``"auto"``
        chose).
    conv_width_ : int
        Width of the convolution before the recurrent layer (0: none).
    head_ : str
        Head of the network (``head``, or what ``"auto"`` chose).
    summary_stats_ : bool
        Whether each feature's summary statistics reach the output layer
        (``summary_stats``, or what ``"auto"`` chose).
    ema_momentum_ : float
        Momentum of the weight averaging (``ema_momentum``, or what
        ``"auto"`` chose; 0: none).
    validation_size_ : int
        Sequences held out for early stopping; 0 when there were too few to
        hold out and no early stopping took place (only with
        ``early_stopping=True``).
    best_epoch_ : int
        Index into ``history_`` lists of the epoch whose weights were restored
        (only with ``early_stopping=True``).

    See Also
    --------
    RNNClassifier : The same network for class labels.
    sklearn.neural_network.MLPRegressor : Feed-forward network regressor.

    Notes
    -----
    ``partial_fit`` standardises targets with the mean and standard
    deviation of the first batch it sees and keeps them afterwards. The
    notes on GPU kernels of [`RNNClassifier`][sklearn_rnn.RNNClassifier] apply here too.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 6, 2))
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = RNNRegressor(units=8, epochs=2, random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "loss": [StrOptions({"mse", "huber", "mae"})],
    }

    def __init__(
        self,
        *,
        cell="gru",
        units=128,
        bidirectional=False,
        head="last",
        frame_length=1,
        conv_width=0,
        conv_filters=256,
        conv_pool=1,
        summary_stats="auto",
        bag_dim=0,
        bag_ngrams=2,
        embedding_dim=128,
        vocab_size=None,
        embeddings=None,
        freeze_embeddings=False,
        input_type="auto",
        dropout=0.2,
        recurrent_dropout=0.0,
        spatial_dropout=0.0,
        token_dropout=0.0,
        input_noise=0.0,
        embedding_l2=0.0,
        l2=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        ema_momentum="auto",
        batch_size=32,
        epochs=10,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        loss="mse",
        length_bucketing="auto",
        random_state=None,
        verbose=0,
        callbacks=None,
        warm_start=False,
    ):
        super().__init__(
            cell=cell, units=units, bidirectional=bidirectional, head=head,
            frame_length=frame_length,
            conv_width=conv_width, conv_filters=conv_filters, conv_pool=conv_pool,
            summary_stats=summary_stats,
            bag_dim=bag_dim, bag_ngrams=bag_ngrams,
            embedding_dim=embedding_dim, vocab_size=vocab_size, embeddings=embeddings,
            freeze_embeddings=freeze_embeddings, input_type=input_type,
            dropout=dropout, recurrent_dropout=recurrent_dropout,
            spatial_dropout=spatial_dropout, token_dropout=token_dropout,
            input_noise=input_noise, embedding_l2=embedding_l2, l2=l2,
            optimizer=optimizer, learning_rate=learning_rate, ema_momentum=ema_momentum,
            batch_size=batch_size,
            epochs=epochs, early_stopping=early_stopping,
            validation_fraction=validation_fraction, patience=patience,
            length_bucketing=length_bucketing, random_state=random_state,
            verbose=verbose, callbacks=callbacks, warm_start=warm_start,
        )  # fmt: skip
        self.loss = loss

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Train the network for one epoch on the given batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Token ids or numeric sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets. The first call fixes the target standardisation.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, each >= 0 (0 leaves a sequence out of the loss).

        Returns
        -------
        self : RNNRegressor
            The updated estimator.
        """
        first = not hasattr(self, "model_")
        return self._fit(X, y, sample_weight, incremental=not first, epochs=1, partial=True)

    def predict(self, X):
        """Predicted targets of each sequence, in the units of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences in the format used in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions; 1-D when ``y`` was 1-D in ``fit``.
        """
        check_is_fitted(self)
        X, _ = self._validate_input(X, reset=False)
        y = self._predict_array(X).astype(np.float64) * self._y_scale + self._y_mean
        return y.ravel() if self._y_ndim == 1 else y

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination (R²) of ``predict(X)`` against ``y``.

        As ``RegressorMixin.score``, with ``sample_weight`` checked as in
        ``fit``: one finite weight per sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences in the format used in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R² of ``self.predict(X)`` with respect to ``y``.
        """
        self._check_score_weights(X, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    # ------------------------------------------------------ target hooks
    _target_checks = {"multi_output": True, "y_numeric": True}
    _private_fit_state = (*BaseRNN._private_fit_state, "_y_mean", "_y_scale", "_y_ndim")

    def _encode_targets(self, y, *, incremental, classes, partial):
        y = np.asarray(y, dtype=np.float64)
        y2 = y.reshape(len(y), -1)
        if incremental:
            if y2.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"{type(self).__name__} was fitted on {self.n_outputs_} target(s) but "
                    f"got y of shape {y.shape}. Pass the same targets, or refit with "
                    "warm_start=False."
                )
        else:
            self.n_outputs_ = y2.shape[1]
            self._y_ndim = y.ndim
            with np.errstate(over="ignore", invalid="ignore"):  # refused below
                self._y_mean = y2.mean(axis=0)
                scale = y2.std(axis=0)
            self._y_scale = np.where(scale > np.finfo(np.float64).eps * (1 + np.abs(self._y_mean)),
                                     scale, 1.0)  # fmt: skip
        with np.errstate(over="ignore", invalid="ignore"):
            targets = ((y2 - self._y_mean) / self._y_scale).astype(np.float32)
        moments = np.isfinite(self._y_mean) & np.isfinite(self._y_scale)
        if not (np.isfinite(targets).all() and moments.all()):
            self._refuse_target_range(y2, targets, moments)
        return targets

    def _refuse_target_range(self, y2, targets, moments):
        """Refuse y whose mean or standard deviation overflows (first fit), or
        that standardises to values beyond float32 (a later one)."""
        name = type(self).__name__
        if not moments.all():
            column = int(np.flatnonzero(~moments)[0])
            raise ValueError(
                f"{name} cannot standardise y: the mean or standard deviation of "
                f"target column {column} (values from {y2[:, column].min():.6g} to "
                f"{y2[:, column].max():.6g}) overflows float64, so the network would "
                "train on no information. Rescale y first (e.g. divide it by a power "
                "of 10), or wrap the regressor in TransformedTargetRegressor."
            )
        row, column = (int(i) for i in np.argwhere(~np.isfinite(targets))[0])
        raise ValueError(
            f"{name} got y value {y2[row, column]:.6g} at index {row} (target column "
            f"{column}), which, standardised with the mean {self._y_mean[column]:.6g} "
            f"and standard deviation {self._y_scale[column]:.6g} of the first fit, lies "
            "beyond the float32 range of the network's targets (about ±3.4e+38) and "
            "would turn its weights into NaN. Pass targets on the scale of the first "
            "fit, or refit on all of them with warm_start=False."
        )

    def _output_spec(self):
        return {"n_outputs": self.n_outputs_, "task": "regression", "loss": self.loss}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # poor_score: see RNNClassifier; tests/test_common.py runs the
        # score-asserting regressor checks on a trained configuration.
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True
        return tags
