"""RNNClassifier: multiclass, binary and multilabel classification of sequences."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassifierMixin, clone
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from sklearn_rnn._base import BaseRNN, _draw_seed
from sklearn_rnn._batching import real_steps
from sklearn_rnn._defaults import (
    resolve_expert_scale,
    resolve_label_smoothing,
    resolve_ngram_expert,
)
from sklearn_rnn._validation import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_finite_values,
    check_is_fitted,
)


class RNNClassifier(ClassifierMixin, BaseRNN):
    """Recurrent neural network classifier for sequences (GRU, LSTM, SimpleRNN).

    A Keras 3 network ``[Embedding | padding mask] -> recurrent layer(s) ->
    [pooling over time] -> softmax`` trained with Adam on sparse categorical
    cross-entropy. Padding is masked, so recurrent layers and pooling skip it.

    Multiclass (and binary) ``y`` is a 1-D array of labels. Multilabel ``y``
    is a binary indicator matrix ``(n_samples, n_labels)``, as for
    ``MLPClassifier``: the network then has one
    sigmoid output per label, trained on binary cross-entropy, ``predict``
    returns the indicator matrix and ``predict_proba`` each label's
    probability.

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
    head : {"auto", "last", "max", "mean", "attention"}, default="auto"
        What the output layer reads: ``"last"`` the final hidden state of the
        last recurrent layer; ``"max"``, ``"mean"`` its outputs pooled over
        time; ``"attention"`` their weighted sum with learned weights. Padding
        never contributes to any of them. ``"auto"`` is ``"max"`` for token ids
        and numeric sequences alike (the best or tied-best on both kinds in
        ``docs/accuracy.md``); the head used is ``head_``.
    frame_length : int or "auto", default="auto"
        Numeric sequences only: the recurrent layer reads frames of this many
        consecutive time steps (``frame_length * n_features`` values each)
        instead of single steps, so it runs ``frame_length`` times fewer
        steps and each step sees a short stretch of the series. Frames start
        at each row's first real step, so the padding side and padded length
        never change predictions. ``"auto"`` is 1 for token ids and
        ``round(median length / 25)`` (at least 1) for numeric sequences, so
        that the recurrent layer runs about 25 steps over a typical row
        (measured in ``docs/accuracy.md``). An int above 1 with token ids, or
        above the padded length, is refused. The value used is
        ``frame_length_``.
    conv_width : int or "auto", default="auto"
        A ReLU convolution of this many neighbouring steps (``conv_filters``
        filters, each row convolved alone, padding never seen) before the
        recurrent layer: over the embedded tokens, so that it reads learned
        n-gram detectors rather than single tokens, or over the numeric
        steps (frames, see ``frame_length``), so that it reads learned shape
        detectors. Each detector's largest response over the row also goes
        straight to the output layer, beside the recurrent summary. 0 for
        none. ``"auto"`` is 5 for token ids from a vocabulary of at most 256
        ids (``vocab_size_``: characters, bytes, nucleotides, event codes,
        whose single symbols mean little) and for univariate numeric series
        (one value per step), and 0 for larger vocabularies (words) and
        multivariate series. Measured in ``docs/accuracy.md`` (3 seeds):
        +9.5 points on text read character by character, -0.1 and -0.8 on
        two word-level sets; on the five univariate series sets from -0.7 to
        +9.7 points (ArrowHead, OSULeaf: the largest gains), and on
        BasicMotions (6 channels) -2.5, hence none for multivariate series.
        The value used is ``conv_width_``.
    conv_filters : int, default=256
        Filters of that convolution: how many learned n-gram or shape
        detectors the recurrent layer reads at each step (and whose maxima
        reach the output layer). Unused while ``conv_width_`` is 0. 256
        rather than 128 gained 1.0 and 1.1 points on the two
        character-level text sets of ``docs/accuracy.md`` (3 seeds), each
        fit taking 1.1 to 1.4 times as long.
    conv_pool : int, default=1
        The recurrent layer reads the maximum of each detector over every
        ``conv_pool`` consecutive steps of that convolution (windows start at
        each row's first real step, so the padding side and padded length
        never change predictions), so it runs ``conv_pool`` times fewer
        steps; the maxima beside the head still cover every step. 1 reads
        every step; no effect while ``conv_width_`` is 0. A speed option for
        long token rows (text read character by character): on the two
        character-level text sets of ``docs/accuracy.md`` (3 seeds), 3
        fitted in 0.72 and 0.75 times the time of 1, with accuracy within
        the seeds' spread (+0.5 and -0.2 points; -0.8 and -0.5 with early
        stopping), so it is not the default.
    summary_stats : bool or "auto", default="auto"
        With True (numeric sequences only), each feature's mean, standard
        deviation, minimum and maximum over a row's real steps go straight
        to the output layer, beside the recurrent head: the per-channel
        summary a random forest on summary statistics reads, learned with
        the network. They are computed on each feature standardised with
        its mean and standard deviation over the training data's real
        steps, so they reach the output layer on a unit scale with or
        without ``SequenceScaler``. Padding never reaches them. An explicit
        True with token ids is refused. ``"auto"`` is True for numeric
        sequences and False for token ids. Measured in ``docs/accuracy.md``
        (seeds 0-2): on the seven series sets from -0.6 to +4.0 points,
        +0.6 a set on average (PickupGestureWiimoteZ +4.0, over seeds 0-9
        +1.4; BasicMotions +0.8, over seeds 0-9 +1.5, to 0.997 against
        its random forest's 1.000). The value used is ``summary_stats_``.
    bag_dim : int, default=0
        With ``bag_dim > 0`` (token ids only), a bag path beside the
        recurrent one: the mean of a learned ``bag_dim``-vector per token id
        over each row's real tokens, and with ``bag_ngrams > 1`` the mean of
        one per hashed n-gram, both concatenated to the head before the
        output layer. This is fastText's linear bag of n-grams, the kind of
        model TF-IDF + logistic regression fits, learned with the recurrent
        network. Padding never reaches it. 0 for none; an explicit
        ``bag_dim > 0`` with numeric sequences is refused. Measured in
        ``docs/accuracy.md`` with 16 (5 seeds): +0.6 points on one
        word-level text set and -0.1 on the other, -0.5 and -0.1 with early
        stopping; below the default on text read character by character.
        Within the seeds' spread, so it is an option, not the default.
    bag_ngrams : int, default=2
        Longest n-gram of the bag path: 1 averages single tokens only;
        ``n > 1`` adds the n-grams of 2 to ``n`` consecutive tokens, hashed
        into ``sklearn_rnn._models.BAG_BUCKETS`` (32,768) rows with a vector
        each (about 0.5 million weights at ``bag_dim=16``). Unused while
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
    token_dropout : float, default=0.2
        Token input only: in training, each real token id is replaced by the
        out-of-vocabulary id 1 with this probability (word dropout), so the
        network does not rely on any single word and the embedding of id 1,
        which words unseen in training get at prediction time, is learned.
        The default was chosen on the text sets of ``docs/accuracy.md``
        (+1.0 and +2.1 points over five seeds); 0 turns it off.
    input_noise : float, default=0.1
        Numeric input only: in training, add Gaussian noise to every value,
        with a standard deviation of ``input_noise`` times that feature's
        standard deviation over the real steps of the training data (so the
        same fraction of its spread, whatever its units). Padding stays
        padding; predictions never see noise. The default was chosen on the
        series sets of ``docs/accuracy.md`` (up to +4.9 points on the
        smallest); 0 turns it off.
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
        Weight averaging (Polyak averaging; Keras' ``use_ema``): above 0, the
        network keeps an exponential moving average of its weights over the
        training steps, with this momentum (0.95 averages about the last 20
        steps), and ends each call to ``fit`` or ``partial_fit`` with those
        averaged weights; with ``early_stopping`` the validation loss is
        measured, and the best epoch restored, with them too. 0 keeps the
        last step's weights. ``"auto"`` is 0.95 for numeric sequences and 0
        for token ids (``docs/accuracy.md``: five of seven series sets gained,
        text did not), and an optimizer instance's own setting when
        ``optimizer`` is one. The value used is ``ema_momentum_``.
    batch_size : int or "auto", default="auto"
        Sequences per gradient step. ``"auto"`` uses ``n_samples // 16``
        clipped to ``[8, 32]`` (about 16 steps per epoch on small data, 32 on
        large); the value used is ``batch_size_``.
    epochs : int or "auto", default="auto"
        Passes over the training data per call to ``fit``. ``"auto"`` gives
        a budget of gradient steps: 960 when an epoch has 21 batches or more,
        2,000 when it has 10 or fewer (training sets under about 80
        sequences), ``20000 / batches`` in between; the epochs are
        ``ceil(budget / batches)`` clipped to ``[10, 400]``, so small data
        sets train for up to 400 epochs and large ones for 10. The value
        used is ``epochs_``.
    early_stopping : bool, default=False
        Hold out a stratified, shuffled ``validation_fraction`` of the training
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
    class_weight : dict, "balanced" or None, default=None
        Weights per class, keyed by the labels as given in ``y``. ``"balanced"``
        uses ``n_samples / (n_classes * np.bincount(y))``. Multiplied with
        ``sample_weight``. Not for multilabel ``y``.
    label_smoothing : float in [0, 1) or "auto", default="auto"
        Train on smoothed targets: each sample's class gets ``1 -
        label_smoothing`` and every class ``label_smoothing / n_classes`` on
        top (multilabel: each 0/1 target moves ``label_smoothing / 2``
        towards 0.5), as Keras' ``label_smoothing`` does. It penalises
        over-confident probabilities; the validation loss that early
        stopping watches is smoothed too. ``"auto"`` is 0.1 for token ids
        (on the four text sets of ``docs/accuracy.md`` it lowered the test
        log loss everywhere and raised accuracy by 0 to 1.4 points) and 0.0
        for numeric sequences (on seven series sets 0.1 gained on two and
        lost on four). The value used is ``label_smoothing_``.
    ngram_expert : int >= 0 or "auto", default="auto"
        Token ids, single-label ``y`` only: a linear model over each row's
        n-grams trained beside the network, the two combined as an ensemble.
        The linear model is the mean over the row's real tokens of a learned
        logit per class for each token id and, for ``ngram_expert >= 2``,
        for each n-gram of 2 to ``ngram_expert`` tokens (hashed into
        131,072 rows): what logistic regression on length-normalised n-gram
        counts fits. Predicted probabilities are the normalised geometric
        mean of the two models', and each model learns from its own loss, as
        if trained apart; the linear model's logits are multiplied by a factor
        that grows with the training rows' median length (``expert_scale_``).
        0: the network alone. ``"auto"`` is 2 (words and
        word pairs) for vocabularies of more than 256 ids, 5 for smaller ones
        (characters, bytes) and 0 for numeric sequences, multilabel ``y``
        and more than 128 classes (the expert's tables grow with the class
        count). On the four text sets of ``docs/accuracy.md`` it raised
        accuracy in seven of eight cells (early stopping on and off) by 0.1
        to 1.4 points and lowered one by 0.3; it adds about a third to a fit
        on words. An explicit value > 0 with
        numeric sequences or multilabel ``y`` is refused. The value used is
        ``ngram_expert_``.
    sampler : imblearn sampler or None, default=None
        A ``RandomUnderSampler`` or ``RandomOverSampler`` (or subclass) drawn
        afresh at every epoch on sample indices, so every epoch sees a new
        balanced subset. Works for token, 2-D and 3-D numeric input. Its
        ``random_state`` is set per epoch from this estimator's. Not for
        multilabel ``y``.
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
        ``callbacks``, ``class_weight``, ``sampler``), and so may
        ``learning_rate``, which the optimizer then takes, as
        ``MLPClassifier`` does. The network and its optimizer keep the
        values of every other parameter, so a change to one of those is
        refused before training.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels; for multilabel ``y``, ``np.arange(n_labels)``.
    n_features_in_ : int
        Number of columns of 2-D ``X`` (time steps), or features per time step
        of 3-D ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names of a 2-D DataFrame ``X``; only when they are all strings.
    input_type_ : {"tokens", "numeric"}
        How ``X`` was read (``input_type`` once "auto" is resolved).
    vocab_size_ : int
        Token ids held by the embedding (token input only).
    model_ : keras.Model
        The trained network.
    history_ : dict of list
        Per-epoch ``loss`` and ``accuracy``, plus ``val_loss`` and
        ``val_accuracy`` with early stopping, over all epochs of this network.
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
        Width of the convolution before the recurrent layer (``conv_width``, or
        what ``"auto"`` chose; 0: none).
    head_ : str
        Head of the network (``head``, or what ``"auto"`` chose).
    summary_stats_ : bool
        Whether each feature's summary statistics reach the output layer
        (``summary_stats``, or what ``"auto"`` chose).
    ema_momentum_ : float
        Momentum of the weight averaging (``ema_momentum``, or what
        ``"auto"`` chose; 0: none).
    label_smoothing_ : float
        Target smoothing of the loss (``label_smoothing``, or what ``"auto"``
        chose).
    ngram_expert_ : int
        Longest n-gram of the linear model beside the network (``ngram_expert``,
        or what ``"auto"`` chose; 0: none).
    expert_scale_ : float or None
        Factor on the n-gram expert's logits, chosen from the median number of
        real (non-zero) token ids per training row: 10 up to 5 tokens, growing
        as the square root of the median length above it (about 20 for rows of
        20 words, 50 for rows of 120 characters), at most 80. None without an
        expert (``ngram_expert_ == 0``).
    validation_size_ : int
        Sequences held out for early stopping; 0 when there were too few to
        hold out and no early stopping took place (only with
        ``early_stopping=True``).
    best_epoch_ : int
        Index into ``history_`` lists of the epoch whose weights were restored
        (only with ``early_stopping=True``).

    See Also
    --------
    TextTokenizer : Turn raw text into padded token ids.
    SequencePadder : Pad ragged sequences into a 3-D array.
    RNNRegressor : The same network for real-valued targets.
    sklearn.neural_network.MLPClassifier : Feed-forward network classifier.

    Notes
    -----
    With default parameters on a GPU, Keras runs GRU and LSTM layers on the
    fused cuDNN kernel (``dropout`` does not prevent it). ``recurrent_dropout
    > 0`` rules it out, as does ``cell="rnn"`` (SimpleRNN has no cuDNN
    kernel). Keras also needs right-padded (post-padded) masks without fully
    padded rows: it checks that with a run-time assertion, so pre-padded
    token ids or all-padding rows can fail on a GPU; pad at the end and drop
    empty sequences there. See docs/performance.md. On CPU, the same seed
    gives the same predictions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(1, 20, size=(40, 6))
    >>> y = (X[:, 0] > 10).astype(int)
    >>> clf = RNNClassifier(units=8, embedding_dim=4, epochs=2, random_state=0)
    >>> clf.fit(X, y).predict(X[:3]).shape
    (3,)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _auto_weight_averaging = True

    _parameter_constraints: dict = {
        **BaseRNN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "ngram_expert": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "sampler": [HasMethods(["fit_resample"]), None],
    }

    def __init__(
        self,
        *,
        cell="gru",
        units=128,
        bidirectional=False,
        head="auto",
        frame_length="auto",
        conv_width="auto",
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
        token_dropout=0.2,
        input_noise=0.1,
        embedding_l2=0.0,
        l2=0.0,
        optimizer="adam",
        learning_rate=1e-3,
        ema_momentum="auto",
        batch_size="auto",
        epochs="auto",
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        class_weight=None,
        label_smoothing="auto",
        ngram_expert="auto",
        sampler=None,
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
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.ngram_expert = ngram_expert
        self.sampler = sampler

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the network for one epoch on the given batch.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Token ids or numeric sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, all in ``classes``, or a label-indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever be seen. Required on the first call
            (except for multilabel ``y``, whose columns are the labels: there
            it may be omitted, or be the column indices ``0 .. n_labels - 1``);
            later calls may omit it or pass the same labels, as
            ``MLPClassifier`` requires. ``early_stopping`` does not apply here.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, each >= 0 (0 leaves a sequence out of the loss).

        Returns
        -------
        self : RNNClassifier
            The updated estimator.
        """
        first = not hasattr(self, "model_")
        if classes is not None:
            check_finite_values(
                classes, estimator_name=type(self).__name__, what="classes",
                fix="classes lists the labels of y, and NaN or infinity is no label: "
                "drop it from classes, and drop the samples so labelled from X and y.",
            )  # fmt: skip
        if first and classes is None and np.ndim(y) != 2:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: the network "
                "needs one output per class. Pass classes=np.unique(y_all)."
            )
        if not first and classes is not None:
            given = _unique_labels(classes, name=type(self).__name__, what="classes")
            if given.shape != self.classes_.shape or not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={given.tolist()!r} differs from classes_ "
                    f"{self.classes_.tolist()!r} of the first partial_fit call, and the "
                    "network's outputs, one per class, are fixed. Pass the same classes "
                    "(or none) on later calls, or start a new estimator with every label "
                    "in classes= on its first call."
                )
        return self._fit(
            X, y, sample_weight, incremental=not first, epochs=1,
            classes=classes if first else None, partial=True,
        )  # fmt: skip

    def predict_proba(self, X):
        """Class probabilities of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences in the format used in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities; columns follow ``classes_``. Rows sum to 1, except
            for multilabel ``y``, where each column is one label's probability.
        """
        check_is_fitted(self)
        X, _ = self._validate_input(X, reset=False)
        proba = self._predict_array(X).astype(np.float64)
        if self._multilabel:
            return proba
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Most probable class of each sequence (or labels above 0.5, multilabel).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences in the format used in ``fit``.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from ``classes_``, or the label-indicator matrix.
        """
        check_is_fitted(self)
        proba = self.predict_proba(X)
        if self._multilabel:
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``.

        As ``ClassifierMixin.score`` (subset accuracy for multilabel ``y``),
        with ``sample_weight`` checked as in ``fit``: one finite weight per
        sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences in the format used in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` with respect to ``y``.
        """
        self._check_score_weights(X, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    # ------------------------------------------------------ target hooks
    _private_fit_state = (*BaseRNN._private_fit_state, "_multilabel")

    def _validate_input(self, X, y=None, *, reset):
        if y is not None:  # a list, before NumPy reads it
            _refuse_mixed_label_list(y, name=type(self).__name__, what="y")
        return super()._validate_input(X, y, reset=reset)

    def _encode_targets(self, y, *, incremental, classes, partial):
        name = type(self).__name__
        if y.dtype == object:  # labels of types that do not sort fail in NumPy
            _unique_labels(y, name=name, what="y")
        check_classification_targets(y)
        multilabel = y.ndim == 2
        if multilabel and (type_of_target(y) != "multilabel-indicator" or not np.isin(y, (0, 1)).all()):
            raise ValueError(
                f"{name} got a 2-D y of shape {y.shape} that is not a binary "
                "label-indicator matrix. Pass 1-D labels for multiclass "
                "classification, or a 0/1 matrix with one column per label "
                "(sklearn.preprocessing.MultiLabelBinarizer makes one)."
            )
        if incremental:
            if multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
                raise ValueError(
                    f"{name} was fitted on {self._describe_target()} but got y of shape "
                    f"{y.shape}. Pass targets of the same kind, or refit with "
                    "warm_start=False."
                )
        elif multilabel:
            self._multilabel = True
            self.classes_ = np.arange(y.shape[1])
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(
                    f"classes={np.unique(classes).tolist()!r} does not match y, a "
                    f"label-indicator matrix of {y.shape[1]} columns, whose labels are "
                    f"the column indices {self.classes_.tolist()!r}. Pass classes=None "
                    f"(or np.arange({y.shape[1]})) with multilabel y."
                )
        else:
            self._multilabel = False
            self.classes_ = np.unique(y) if classes is None else _unique_labels(
                classes, name=name, what="classes"
            )
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{name} needs samples of at least 2 classes in y, "
                    f"got 1 class: {self.classes_.tolist()!r}. Check the labels or the "
                    "data split."
                )
        if multilabel:
            self._check_multilabel_options()
            return y.astype(np.float32)
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size and incremental and not partial:
            raise ValueError(
                f"{name} got y with labels {unknown.tolist()!r} that its first fit did "
                f"not see: a warm_start fit continues the fitted network, whose outputs "
                f"are fixed to the labels of that fit, classes_ "
                f"{self.classes_.tolist()!r}. Fit with warm_start=False to start afresh "
                "on every label, or include all labels in the first fit."
            )
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()!r} that are not in classes_ "
                f"{self.classes_.tolist()!r}. Pass every label in classes= on the first "
                "partial_fit call, or refit with warm_start=False."
            )
        return np.searchsorted(self.classes_, y).astype(np.int32)

    def _describe_target(self):
        if self._multilabel:
            return f"a label-indicator matrix of {len(self.classes_)} labels"
        return "1-D class labels"

    def _check_multilabel_options(self):
        for param in ("class_weight", "sampler"):
            if getattr(self, param) is not None:
                raise ValueError(
                    f"{param}={getattr(self, param)!r} does not apply to multilabel y "
                    "(a sample has several labels, so it has no single class to weight "
                    f"or resample by). Set {param}=None, or pass sample_weight."
                )

    def _output_spec(self):
        task = "multilabel" if self._multilabel else "multiclass"
        return {
            "n_outputs": len(self.classes_), "task": task,
            "label_smoothing": self.label_smoothing_, "ngram_expert": self.ngram_expert_,
            "expert_scale": self.expert_scale_,
        }  # fmt: skip

    def _resolve_output_options(self, X):
        self.label_smoothing_ = resolve_label_smoothing(self.label_smoothing, self.input_type_)
        if self.ngram_expert not in ("auto", 0):
            if self.input_type_ != "tokens":
                raise ValueError(
                    f"ngram_expert={self.ngram_expert} counts the n-grams of token ids, but "
                    "X holds numeric sequences, which have none. Use ngram_expert=0 or "
                    "'auto' with numeric input, or pass integer token ids."
                )
            if self._multilabel:
                raise ValueError(
                    f"ngram_expert={self.ngram_expert} combines two single-label "
                    "classifiers, but y is a multilabel indicator matrix. Use "
                    "ngram_expert=0 or 'auto' with multilabel y."
                )
        self.ngram_expert_ = resolve_ngram_expert(
            self.ngram_expert, self.input_type_, getattr(self, "vocab_size_", None),
            len(self.classes_), multilabel=self._multilabel,
        )  # fmt: skip
        self.expert_scale_ = None
        if self.ngram_expert_ > 0:  # real (non-padding) tokens per row
            self.expert_scale_ = resolve_expert_scale(real_steps(X, "tokens").sum(axis=1))

    def _sample_weights(self, X, codes, sample_weight):
        weights = super()._sample_weights(X, codes, sample_weight)
        if self.class_weight is None:
            return weights
        per_sample = self._class_weights(codes)[codes]
        weights = per_sample if weights is None else weights * per_sample
        if not weights.any():
            given, which = "", "present in y"
            if sample_weight is not None:
                given, which = " together with sample_weight", "with a sample_weight above 0"
            raise ValueError(
                f"class_weight={self.class_weight!r}{given} gives every sample a weight of "
                f"0 (the classes in y are {self.classes_[np.unique(codes)].tolist()!r}), so "
                f"there is nothing to learn from. Give a weight above 0 to at least one "
                f"class {which}."
            )
        return weights.astype(np.float32, copy=False)

    def _class_weights(self, codes):
        present = np.unique(codes)
        if isinstance(self.class_weight, dict):
            unknown = [k for k in self.class_weight if k not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has labels {unknown!r} that are not in y's classes "
                    f"{self.classes_.tolist()!r}. Key class_weight by the labels as they "
                    "appear in y."
                )
            return self._class_weight_values()
        weights = np.ones(len(self.classes_))
        weights[present] = compute_class_weight("balanced", classes=present, y=codes)
        return weights

    def _class_weight_values(self):
        """The class_weight dict as an array over classes_; 1 for missing labels."""
        values = [self.class_weight.get(c, 1.0) for c in self.classes_]
        if not all(isinstance(v, Real) and np.isfinite(v) and v >= 0 for v in values):
            raise ValueError(
                f"class_weight values must be finite numbers >= 0, got "
                f"{self.class_weight!r}. Pass e.g. {{label: 2.0}} or "
                "class_weight='balanced'."
            )
        return np.array(values, dtype=np.float64)

    def _split_options(self, targets):
        return {} if self._multilabel else {"stratify": targets}

    def _epoch_rows(self, rows, codes, rng):
        sampler = self._check_sampler()
        return rows if sampler is None else self._resample(sampler, rows, codes, rng)

    def _epoch_size(self, rows, codes):
        """Random samplers draw the same count every epoch, so Keras knows the
        epoch length (no "ran out of data" warning)."""
        sampler = self._check_sampler()
        if sampler is None:
            return len(rows)
        return len(self._resample(sampler, rows, codes, np.random.RandomState(0)))

    def _check_sampler(self):
        if self.sampler is None:
            return None
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.under_sampling import RandomUnderSampler

        if not isinstance(self.sampler, (RandomUnderSampler, RandomOverSampler)):
            raise TypeError(
                "sampler must be an imblearn RandomUnderSampler or RandomOverSampler: "
                "it is re-drawn every epoch on sample indices, which only samplers "
                f"that pick by label can use. Got {type(self.sampler).__name__}. For "
                "SMOTE and other feature-based samplers use an imblearn Pipeline "
                "before the classifier."
            )
        return self.sampler

    @staticmethod
    def _resample(sampler, rows, codes, rng):
        sampler = clone(sampler).set_params(random_state=_draw_seed(rng))
        picked, _ = sampler.fit_resample(rows.reshape(-1, 1), codes[rows])
        return picked.ravel()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # poor_score: how well a network scores depends on its training budget
        # (epochs, units), which the estimator checks keep tiny for speed;
        # tests/test_common.py runs the score-asserting checks separately on a
        # trained configuration.
        tags.classifier_tags.poor_score = True
        tags.classifier_tags.multi_label = True
        return tags


def _refuse_mixed_label_list(values, *, name, what):
    """Refuse a list mixing str with other labels (``["a", 1]``).

    NumPy reads such a list as strings; sorting the labels as given refuses
    the mix. Arrays (and array-likes with a dtype) are left to ``np.unique``.
    """
    if hasattr(values, "dtype"):
        return
    try:
        kind = np.asarray(values).dtype.kind
    except (TypeError, ValueError):  # ragged: left to scikit-learn's checks
        return
    if kind in "US":
        _unique_labels(np.asarray(values, dtype=object), name=name, what=what)


def _unique_labels(values, *, name, what):
    """``np.unique`` of labels, refusing a mix of types that do not sort."""
    _refuse_mixed_label_list(values, name=name, what=what)
    try:
        return np.unique(values)
    except TypeError:
        kinds = {}
        for value in np.asarray(values, dtype=object).ravel().tolist():
            kinds.setdefault(type(value).__name__, value)
        shown = ", ".join(f"{kind} ({value!r})" for kind, value in kinds.items())
        missing = ", and drop the samples whose label is missing (None)" if "NoneType" in kinds else ""
        raise ValueError(
            f"{name} got {what} mixing labels of the types {shown}, which cannot be "
            f"sorted into classes_. Pass labels of one type (e.g. y.astype(str)){missing}."
        ) from None
