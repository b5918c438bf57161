"""Choices that depend on the training data: batch size and the early-stopping split.

Kept apart from the estimator so that any estimator class can call them. Each
is a pure function of its arguments, so a fit with a given ``random_state``
makes the same choice every time; the estimator stores it in a fitted
attribute (``batch_size_``, ``epochs_``, ``head_``, ``label_smoothing_``,
``ngram_expert_``, ``expert_scale_``, ``ema_momentum_``,
``validation_size_``).
"""

import math

import numpy as np

#: ``batch_size="auto"``: the batch size is ``n_samples // AUTO_STEPS_PER_EPOCH``
#: clipped to ``[AUTO_MIN_BATCH, AUTO_MAX_BATCH]``, so that small training sets
#: still get about this many gradient steps per epoch, and large ones keep the
#: usual batch of 32.
AUTO_STEPS_PER_EPOCH = 16
AUTO_MIN_BATCH = 8
AUTO_MAX_BATCH = 32

#: ``epochs="auto"``: enough epochs for a budget of gradient steps, clipped to
#: ``[AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS]``. The budget is ``AUTO_STEPS`` when an
#: epoch has ``SMALL_EPOCH_BATCHES * AUTO_SMALL_STEPS / AUTO_STEPS`` (about 21)
#: batches or more, ``AUTO_SMALL_STEPS`` when it has ``SMALL_EPOCH_BATCHES``
#: or fewer (training sets under about 80 sequences, at the smallest automatic
#: batch of 8), and ``SMALL_EPOCH_BATCHES * AUTO_SMALL_STEPS / batches`` in
#: between, so the epoch count never jumps as the data grows.
AUTO_STEPS = 960
AUTO_SMALL_STEPS = 2000
SMALL_EPOCH_BATCHES = 10
AUTO_MIN_EPOCHS = 10
AUTO_MAX_EPOCHS = 400

#: Early stopping holds out a validation set only when it has at least this
#: many sequences (and one per class); with fewer, all epochs are trained.
MIN_VALIDATION_SIZE = 20


def resolve_batch_size(batch_size, n_samples):
    """The batch size to train with: ``batch_size`` itself, or the ``"auto"`` rule.

    Parameters
    ----------
    batch_size : int or "auto"
        The estimator's parameter; an int always wins.
    n_samples : int
        Sequences trained on per epoch.

    Returns
    -------
    int
    """
    if batch_size != "auto":
        return int(batch_size)
    return int(np.clip(n_samples // AUTO_STEPS_PER_EPOCH, AUTO_MIN_BATCH, AUTO_MAX_BATCH))


def resolve_epochs(epochs, n_samples, batch_size):
    """Epochs to train for: ``epochs`` itself, or the ``"auto"`` rule.

    ``"auto"`` is ``ceil(budget / steps per epoch)`` clipped to
    ``[AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS]``, where the budget of gradient steps
    is ``SMALL_EPOCH_BATCHES * AUTO_SMALL_STEPS / steps per epoch`` held
    within ``[AUTO_STEPS, AUTO_SMALL_STEPS]``: 960 steps from about 21
    batches per epoch up, 2,000 at 10 batches or fewer.
    """
    if epochs != "auto":
        return int(epochs)
    steps = max(1, math.ceil(n_samples / batch_size))
    budget = min(AUTO_SMALL_STEPS, max(AUTO_STEPS, SMALL_EPOCH_BATCHES * AUTO_SMALL_STEPS / steps))
    return int(np.clip(math.ceil(budget / steps), AUTO_MIN_EPOCHS, AUTO_MAX_EPOCHS))


#: ``frame_length="auto"``: numeric sequences are cut into frames so that the
#: recurrent layer runs about this many steps over a typical (median) row.
AUTO_FRAMES = 25


def resolve_frame_length(frame_length, input_type, lengths):
    """Steps per frame: ``frame_length`` itself, or the ``"auto"`` rule.

    ``"auto"`` is 1 for token ids and ``max(1, round(median(lengths) /
    AUTO_FRAMES))`` for numeric sequences, ``lengths`` being the real steps
    of each training row.
    """
    if frame_length != "auto":
        return int(frame_length)
    if input_type == "tokens" or len(lengths) == 0:
        return 1
    return max(1, int(round(float(np.median(lengths)) / AUTO_FRAMES)))


#: ``conv_width="auto"``: token ids from a vocabulary of at most
#: ``SMALL_VOCABULARY`` ids (characters, bytes, nucleotides, event codes: an
#: alphabet whose single symbols mean little) and univariate numeric series
#: (one value per step, which alone says little about the shape around it)
#: get a convolution of ``AUTO_CONV_WIDTH`` steps, so the recurrent layer
#: reads learned n-gram or shape detectors; larger vocabularies (words) and
#: multivariate series, whose single steps already carry several features,
#: get none (on BasicMotions, 6 channels, a width of 5 lost 2.5 points and
#: fell below its baseline: docs/accuracy.md).
AUTO_CONV_WIDTH = 5
SMALL_VOCABULARY = 256


def resolve_conv_width(conv_width, input_type, vocab_size, n_features=None):
    """Convolution width: ``conv_width`` itself, or the ``"auto"`` rule.

    ``"auto"`` is :data:`AUTO_CONV_WIDTH` for token ids whose ``vocab_size``
    (largest id + 1) is at most :data:`SMALL_VOCABULARY` and for numeric
    sequences of ``n_features == 1`` (2-D input, or 3-D with one channel),
    else 0.
    """
    if conv_width != "auto":
        return int(conv_width)
    if input_type == "tokens":
        small = vocab_size is not None and vocab_size <= SMALL_VOCABULARY
    else:
        small = n_features == 1
    return AUTO_CONV_WIDTH if small else 0


#: ``label_smoothing="auto"`` (classifier): this much smoothing for token ids,
#: none for numeric sequences. On the four text sets of ``docs/accuracy.md``
#: 0.1 lowered the test log loss in every cell and raised accuracy by 0 to 1.4
#: points; on the seven series sets it gained on two and lost on four, so
#: numeric series keep the plain loss.
AUTO_LABEL_SMOOTHING = 0.1


def resolve_label_smoothing(label_smoothing, input_type):
    """Target smoothing: ``label_smoothing`` itself, or the ``"auto"`` rule.

    ``"auto"`` is :data:`AUTO_LABEL_SMOOTHING` for token ids, 0.0 otherwise.
    """
    if label_smoothing != "auto":
        return float(label_smoothing)
    return AUTO_LABEL_SMOOTHING if input_type == "tokens" else 0.0


#: ``ngram_expert="auto"`` (classifier, token ids, single-label ``y``): the
#: longest n-gram of the linear model beside the network, for word
#: vocabularies (more than ``SMALL_VOCABULARY`` ids) and for alphabets.
#: Words and word pairs, as TF-IDF baselines usually count; characters up to
#: 5-grams, as character n-gram TF-IDF does.
AUTO_WORD_NGRAMS = 2
AUTO_CHAR_NGRAMS = 5
#: ... and only up to this many classes: the expert has a logit per class for
#: every token id and hashed n-gram, so beyond it its tables outgrow the
#: network's default embedding (128 values per token id) and slow every step.
AUTO_EXPERT_MAX_CLASSES = 128


def resolve_ngram_expert(ngram_expert, input_type, vocab_size, n_classes, *, multilabel=False):
    """Longest n-gram of the n-gram expert: ``ngram_expert`` itself, or the ``"auto"`` rule.

    ``"auto"`` is 0 for numeric sequences, multilabel targets and more than
    :data:`AUTO_EXPERT_MAX_CLASSES` classes, else :data:`AUTO_CHAR_NGRAMS`
    for a ``vocab_size`` of at most :data:`SMALL_VOCABULARY` ids and
    :data:`AUTO_WORD_NGRAMS` above.
    """
    if ngram_expert != "auto":
        return int(ngram_expert)
    if input_type != "tokens" or multilabel or n_classes > AUTO_EXPERT_MAX_CLASSES:
        return 0
    small = vocab_size is not None and vocab_size <= SMALL_VOCABULARY
    return AUTO_CHAR_NGRAMS if small else AUTO_WORD_NGRAMS


#: The n-gram expert's logit factor (``expert_scale_``): ``AUTO_EXPERT_SCALE``
#: for training rows of at most ``AUTO_EXPERT_LENGTH`` real tokens (median),
#: growing as the square root of the median length above it, up to
#: ``AUTO_EXPERT_MAX_SCALE``. The expert's logits are a mean over a row's
#: tokens and n-grams, so one n-gram's share of them falls as 1 / length
#: while Adam moves its weights by about the learning rate a step; the factor
#: lets a linear model over long rows (characters) train as far in the
#: network's budget of steps as over short ones. The cap is the largest
#: factor measured (``benchmarks/bench_expert_scale.py``).
AUTO_EXPERT_SCALE = 10.0
AUTO_EXPERT_LENGTH = 5
AUTO_EXPERT_MAX_SCALE = 80.0


def resolve_expert_scale(lengths):
    """The n-gram expert's logit factor for training rows of ``lengths`` real tokens.

    ``AUTO_EXPERT_SCALE * sqrt(median / AUTO_EXPERT_LENGTH)``, at least
    :data:`AUTO_EXPERT_SCALE` and at most :data:`AUTO_EXPERT_MAX_SCALE`.
    """
    median = float(np.median(lengths)) if len(lengths) else 0.0
    factor = AUTO_EXPERT_SCALE * math.sqrt(max(median, AUTO_EXPERT_LENGTH) / AUTO_EXPERT_LENGTH)
    return float(min(factor, AUTO_EXPERT_MAX_SCALE))


#: ``ema_momentum="auto"`` (classifier, numeric sequences): the network's
#: weights after training are an exponential moving average of its weights
#: over the training steps (Polyak averaging; Keras' ``use_ema``) with this
#: momentum, which averages about the last ``1 / (1 - momentum)`` = 20 steps.
#: On the seven series sets of ``docs/accuracy.md`` (seeds 0-2) it raised
#: five (PickupGestureWiimoteZ by 3.4 points, only 0.4 over seeds 0-9;
#: OSULeaf by 1.7), left JapaneseVowels level and lost one test series of
#: 40 on BasicMotions (over seeds 0-9, 0.985 to 0.982);
#: on the character text sets (momentum 0.99) and on the regressor's three
#: sets it lowered every score, so token ids and regression keep the last step's
#: weights.
AUTO_EMA_MOMENTUM = 0.95


def resolve_ema_momentum(ema_momentum, input_type, *, classifier):
    """Weight-averaging momentum: ``ema_momentum`` itself, or the ``"auto"`` rule.

    ``"auto"`` is :data:`AUTO_EMA_MOMENTUM` for a classifier of numeric
    sequences, 0.0 (no averaging) otherwise.
    """
    if ema_momentum != "auto":
        return float(ema_momentum)
    return AUTO_EMA_MOMENTUM if classifier and input_type != "tokens" else 0.0


#: ``summary_stats="auto"``: classifiers of numeric sequences give the output
#: layer each feature's mean, standard deviation, minimum and maximum over
#: the real steps, beside the recurrent head. On the seven series sets of
#: docs/accuracy.md (seeds 0-2) that moved accuracy by -0.6 to +4.0 points,
#: +0.6 a set on average, univariate sets included (PickupGestureWiimoteZ
#: +4.0, +1.4 over seeds 0-9; BasicMotions 0.982 to 0.997 over seeds 0-9);
#: on the regressor's three sets it raised every test RMSE, so the regressor
#: keeps the head alone. Token ids have no values to summarise.
def resolve_summary_stats(summary_stats, input_type, *, classifier):
    """Summary path: ``summary_stats`` itself, or the ``"auto"`` rule.

    ``"auto"`` is True for a classifier of numeric sequences, False for
    token ids and for the regressor.
    """
    if summary_stats != "auto":
        return bool(summary_stats)
    return classifier and input_type != "tokens"


def resolve_head(head):
    """The network head: ``head`` itself, or ``"max"`` for ``"auto"``.

    Max pooling over time was the best or tied-best head on token ids and on
    numeric sequences in ``docs/accuracy.md``.
    """
    return "max" if head == "auto" else head


def validation_size(n_samples, n_classes, fraction):
    """Sequences to hold out for early stopping, or 0 for none (no stopping).

    ``ceil(fraction * n_samples)``, raised to ``n_classes`` so that a
    stratified split is possible; 0 when that is below
    :data:`MIN_VALIDATION_SIZE` or would leave fewer training sequences than
    classes.
    """
    size = max(math.ceil(fraction * n_samples), n_classes)
    if size < MIN_VALIDATION_SIZE or n_samples - size < n_classes:
        return 0
    return size
