"""Keras model builders: plain functions that know nothing about scikit-learn."""

from numbers import Real
from typing import Optional, Sequence, Union

import numpy as np

from sklearn_rnn._backend import keras
from sklearn_rnn._validation import OOV_ID



class _FloatMaskTransposeMixin:
    """Run the masked recurrent loop time-major, transposing only float32 tensors.

    On the TensorFlow backend, Keras' generic recurrent loop
    (``keras.src.backend.tensorflow.rnn.rnn``) casts the mask to ``bool`` and
    transposes it to time-major order. Inside a compiled graph, TensorFlow's
    oneDNN layout pass looks for a oneDNN kernel for every ``Transpose`` and,
    on CPUs where its data-type check fails for anything but float32 (AMD EPYC
    among them), writes an ``E0000 ... oneDNN supports DT_BOOL only on
    platforms with AVX-512`` line to standard error at the first fit. Here the
    inputs and the mask (as float32) are transposed before the loop, which is
    then told its inputs are time-major, and the outputs are transposed back:
    the same computation, without a non-float transpose in the graph.

    Only the TensorFlow CPU path with a mask changes; with a GPU the parent
    class runs (the fused cuDNN kernel where it applies). On PyTorch, GRU and
    LSTM run on PyTorch's own kernels with right-padded masks too
    (``_torch_rnn.native_inner_loop``); JAX is untouched.
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if keras.backend.backend() == "torch":
            from sklearn_rnn._torch_rnn import native_inner_loop

            out = native_inner_loop(self, sequences, initial_state, mask, training)
            if out is not None:
                return out
        if keras.backend.backend() != "tensorflow" or _first(mask) is None or _tf_has_gpu():
            return super().inner_loop(sequences, initial_state, mask, training=training)
        mask = _first(mask)

        def step(inputs, states):  # the cells of GRU, LSTM, SimpleRNN take training
            output, new_states = self.cell(inputs, states, training=training)
            return output, new_states if isinstance(new_states, (list, tuple)) else [new_states]

        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        time_major = keras.ops.transpose(sequences, (1, 0, 2))
        # Transpose the mask as float32 and compare after it, so that no bool
        # Transpose or ExpandDims is in the graph. The subtraction matters:
        # TensorFlow's graph optimiser moves a widening cast that feeds a
        # transpose to after it ("ReorderCastLikeAndValuePreserving"), which
        # would bring the bool transpose back.
        mask = 1.0 - keras.ops.cast(keras.ops.logical_not(mask), "float32")
        mask = keras.ops.expand_dims(keras.ops.transpose(mask, (1, 0)), -1) > 0.5
        from keras.src.backend.tensorflow.rnn import rnn  # the loop Keras itself runs here

        last, outputs, new_states = rnn(
            step,
            time_major,
            states,
            go_backwards=self.go_backwards,
            mask=mask,
            unroll=self.unroll,
            input_length=sequences.shape[1],
            time_major=True,
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences,
        )
        return last, keras.ops.transpose(outputs, (1, 0, 2)), new_states


def _first(mask):
    return mask[0] if isinstance(mask, (list, tuple)) else mask


def _tf_has_gpu():
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class GRU(_FloatMaskTransposeMixin, keras.layers.GRU):
    """``keras.layers.GRU`` whose masked CPU loop transposes float32 only."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class LSTM(_FloatMaskTransposeMixin, keras.layers.LSTM):
    """``keras.layers.LSTM`` whose masked CPU loop transposes float32 only."""


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class SimpleRNN(_FloatMaskTransposeMixin, keras.layers.SimpleRNN):
    """``keras.layers.SimpleRNN`` whose masked CPU loop transposes float32 only."""


_CELLS = {"gru": GRU, "lstm": LSTM, "rnn": SimpleRNN}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class NaNPaddingMask(keras.layers.Layer):
    """Turn all-NaN time steps into a Keras mask and zero them.

    Input of shape ``(batch, timesteps)`` (univariate) is expanded to
    ``(batch, timesteps, 1)``. A time step is padding when every feature is
    NaN; its values are replaced by zeros and it is masked for the layers that
    follow, so recurrent layers skip it.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        if len(inputs.shape) == 2:
            inputs = keras.ops.expand_dims(inputs, -1)
        nan = keras.ops.isnan(inputs)
        return keras.ops.where(nan, keras.ops.zeros_like(inputs), inputs)

    def compute_mask(self, inputs, mask=None):
        nan = keras.ops.isnan(inputs)
        if len(inputs.shape) == 2:
            return keras.ops.logical_not(nan)
        return keras.ops.logical_not(keras.ops.all(nan, axis=-1))

    def compute_output_shape(self, input_shape):
        if len(input_shape) == 2:
            return (*input_shape, 1)
        return input_shape


def _align_to_first_real(x, real, k, pad):
    """``x`` with ``2k - 2`` copies of the step ``pad`` around each row, 0 to
    ``k - 1`` of them in front, so that the row's first real step starts a
    window of ``k`` steps: ``(batch, timesteps + 2k - 2, channels)``.

    ``real`` is the ``(batch, timesteps)`` boolean mask of real steps and
    ``pad`` one step, ``(batch, 1, channels)``. Each row takes one of ``k``
    shifted copies, chosen with ``where`` (float ops only, no gather, so no
    integer transposes in TensorFlow's graph: issue 10; ``ops.equal``, not
    ``==``, which is a plain Python bool on a symbolic ``KerasTensor``).
    """
    ops = keras.ops
    first = ops.cast(ops.argmax(ops.cast(real, "int32"), axis=1), "int32")
    shift = ops.mod(k - ops.mod(first, k), k)[:, None, None]
    shifted = None
    for s in range(k):
        copy = ops.concatenate([pad] * s + [x] + [pad] * (2 * k - 2 - s), axis=1)
        shifted = copy if shifted is None else ops.where(ops.equal(shift, s), copy, shifted)
    return shifted


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class Frames(keras.layers.Layer):
    """Group every ``frame_length`` consecutive steps into one step.

    Input: numeric sequences ``(batch, timesteps[, features])`` whose padded
    steps are all-NaN, on either side. Up to ``frame_length - 1`` NaN steps
    are put in front of each row so that its first real step starts a frame,
    and ``frame_length - 1`` or more after it; the result is cut into frames
    of ``frame_length`` steps, each flattened to ``frame_length * features``
    values: output ``(batch, (timesteps + 2 * frame_length - 2) //
    frame_length, frame_length * features)``. A sequence gives the same real
    frames, in the same order, whatever its padding side or padded length; a
    frame holding no real step is all-NaN, so the ``NaNPaddingMask``
    that follows masks it, and the NaN steps inside a row's first or last
    frame become zeros there.
    """

    def __init__(self, frame_length, **kwargs):
        super().__init__(**kwargs)
        self.frame_length = int(frame_length)

    def call(self, inputs):
        ops = keras.ops
        x = ops.expand_dims(inputs, -1) if len(inputs.shape) == 2 else inputs
        k, n_features = self.frame_length, x.shape[-1]
        if k == 1:
            return x
        n_steps = ops.shape(x)[1]
        real = ops.logical_not(ops.all(ops.isnan(x), axis=-1))
        shifted = _align_to_first_real(x, real, k, ops.full_like(x[:, :1], float("nan")))
        n_frames = (n_steps + 2 * k - 2) // k
        return ops.reshape(shifted[:, : n_frames * k], (ops.shape(x)[0], n_frames, k * n_features))

    def compute_output_shape(self, input_shape):
        n_steps, k = input_shape[1], self.frame_length
        n_features = 1 if len(input_shape) == 2 else input_shape[2]
        if k == 1:
            return (input_shape[0], n_steps, n_features)
        frames = None if n_steps is None else (n_steps + 2 * k - 2) // k
        return (input_shape[0], frames, self.frame_length * n_features)

    def get_config(self):
        return {**super().get_config(), "frame_length": self.frame_length}


def _float_mask(mask, inputs):
    """The mask as float32 ``(batch, timesteps, 1)``; all ones when there is none."""
    if mask is None:
        return keras.ops.ones_like(inputs[..., :1])
    return keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedConv1D(keras.layers.Layer):
    """A 1-D convolution over the real steps of a masked sequence, mask kept.

    Input ``(batch, timesteps, features)`` with a mask (embedded tokens, or
    numeric steps or frames); output ``(batch, timesteps, filters)`` with the
    same mask. Padded steps are set to zero before a ``"same"``-padded,
    stride-1 ``Conv1D`` with ReLU, so each real step's output sees its
    ``width`` neighbours within the row and zeros beyond either end of the
    row, whatever the padding side or padded length (``Conv1D`` itself
    ignores masks and would mix the padding in). Each output is a learned
    detector of a ``width``-step pattern (a character n-gram, a local shape)
    that the recurrent layer then reads in order.
    """

    def __init__(self, filters, width, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.width = int(width)
        self.seed = seed
        self.conv = keras.layers.Conv1D(
            self.filters, self.width, padding="same", activation="relu",
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed), name="conv",
        )  # fmt: skip
        self.supports_masking = True

    def build(self, input_shape):
        self.conv.build(input_shape)

    def call(self, inputs, mask=None):
        real = _float_mask(mask, inputs)
        return self.conv(inputs * real) * real

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "width": self.width, "seed": self.seed}


def _aligned_windows_max(x, real, k):
    """Max of ``x`` over windows of ``k`` steps that start at each row's first real step.

    ``x`` is ``(batch, timesteps, channels)`` with its padded steps zero and
    ``real`` the ``(batch, timesteps)`` boolean mask: ``(timesteps + 2k - 2)
    // k`` steps out. The strided slices never need the length itself, so the
    same code serves a symbolic build (``compute_mask``), TensorFlow's graph,
    JAX and PyTorch.
    """
    shifted = _align_to_first_real(x, real, k, keras.ops.zeros_like(x[:, :1]))
    out = None
    for j in range(k):  # step j of every window: (timesteps + 2k - 2) // k steps each
        part = shifted[:, j : (j - (k - 1)) or None : k]
        out = part if out is None else keras.ops.maximum(out, part)
    return out


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedMaxPool1D(keras.layers.Layer):
    """Max over every ``pool`` consecutive real steps of a masked sequence.

    Input ``(batch, timesteps, channels)`` of non-negative values (the ReLU
    output of ``MaskedConv1D``) with a mask; output ``(batch, (timesteps + 2
    * pool - 2) // pool, channels)`` with a mask that is true where a window
    holds a real step. Windows start at each row's first real step, so a
    sequence gives the same windows, in the same order, whatever its padding
    side or padded length; padded steps count as 0, below or equal to every
    real value, so they never change a window's max. The recurrent layer
    that reads the result runs ``pool`` times fewer steps (the convolution
    and max-pooling in front of a recurrent layer of Xiao and Cho,
    "Efficient Character-level Document Classification by Combining
    Convolution and Recurrent Layers", arXiv:1602.00367, 2016).
    """

    def __init__(self, pool, **kwargs):
        super().__init__(**kwargs)
        self.pool = int(pool)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        real = _float_mask(mask, inputs)
        return _aligned_windows_max(inputs * real, real[..., 0] > 0, self.pool)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        real = keras.ops.cast(mask, "float32")[..., None]
        return _aligned_windows_max(real, mask, self.pool)[..., 0] > 0

    def compute_output_shape(self, input_shape):
        n_steps, k = input_shape[1], self.pool
        return (input_shape[0], None if n_steps is None else (n_steps + 2 * k - 2) // k, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "pool": self.pool}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class FeatureNoise(keras.layers.Layer):
    """Add Gaussian noise to numeric sequences in training, scaled per feature.

    Input ``(batch, timesteps)`` or ``(batch, timesteps, features)``. In
    training each value gets noise of standard deviation ``stddev * scale[f]``
    for its feature ``f``, where ``scale`` is usually each feature's standard
    deviation in the training data, so the noise is the same fraction of every
    feature's spread whatever its units. NaN padding stays NaN (and so stays
    masked). Outside training the values pass unchanged.
    """

    def __init__(self, stddev, scale=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not stddev >= 0:
            raise ValueError(f"FeatureNoise stddev must be >= 0, got {stddev!r}.")
        self.stddev = float(stddev)
        self.scale = None if scale is None else [float(v) for v in np.ravel(scale)]
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = keras.random.normal(keras.ops.shape(inputs), stddev=self.stddev, seed=self.seed_generator)
        if self.scale is not None:
            scale = keras.ops.convert_to_tensor(np.asarray(self.scale, dtype="float32"))
            noise = noise * (scale[0] if len(inputs.shape) == 2 else scale)
        return inputs + keras.ops.cast(noise, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "scale": self.scale, "seed": self.seed}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class TokenDropout(keras.layers.Layer):
    """Replace real token ids by the out-of-vocabulary id at random in training.

    Each id of ``2`` or above is replaced, with probability ``rate``, by the
    out-of-vocabulary id ``1``, independently per token and per step; padding
    (``0``) and ids that already are ``1`` are left alone. Outside training
    the ids pass unchanged. This is word dropout: the network learns not to
    rely on any one word, and the out-of-vocabulary id's embedding is trained
    on real contexts, so words first seen at prediction time (which the
    tokenizer maps to ``1``) land on a learned vector rather than on the
    random one it started with.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"TokenDropout rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        draw = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        dropped = keras.ops.logical_and(draw < self.rate, inputs > OOV_ID)
        return keras.ops.where(dropped, keras.ops.full_like(inputs, OOV_ID), inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


#: Rows of the hashed n-gram table of the bag path (``bag_ngrams >= 2``),
#: besides row 0 for padding. With ``bag_dim=16`` it is about 0.5 million
#: weights. Every n-gram id stays below ``2**31`` while it is hashed
#: (``BAG_BUCKETS * (_NGRAM_MULTIPLIER + 1) < 2**31``), so int32 suffices on every
#: backend.
BAG_BUCKETS = 2**15
_NGRAM_MULTIPLIER = 7919


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class HashedNgrams(keras.layers.Layer):
    """Hashed ids of the n-grams of token ids, for a bag of n-grams.

    For each ``n`` in ``2 .. max_n`` and each step ``t`` the ``n`` tokens from
    ``t`` on are hashed to an id in ``1 .. buckets``; the id is 0 (padding)
    where any of them is padding (id 0) or past the end of the row. The ids
    for every ``n`` are concatenated along time, so the output has
    ``(max_n - 1) * timesteps`` steps. An n-gram's id depends only on its
    tokens and on ``n``, not on where it sits, so the bag of real ids of a row
    is the same whichever side it is padded on and however long the padding.
    """

    def __init__(self, max_n=2, buckets=BAG_BUCKETS, **kwargs):
        super().__init__(**kwargs)
        _require_int("max_n", max_n, 2, owner="HashedNgrams")
        largest = (2**31 - 1) // (_NGRAM_MULTIPLIER + 1)  # code * multiplier + token < 2**31
        if not 1 <= buckets <= largest:
            raise ValueError(
                f"HashedNgrams buckets must be in [1, {largest}] "
                f"so that hashing fits in int32, got {buckets!r}."
            )
        self.max_n = int(max_n)
        self.buckets = int(buckets)

    def call(self, inputs):
        ops = keras.ops
        ids = ops.cast(inputs, "int32")
        steps = ops.shape(ids)[1]
        # n - 1 padding ids after the row, so that every window has n steps
        padded = ops.pad(ids, [[0, 0], [0, self.max_n - 1]])
        out = []
        for n in range(2, self.max_n + 1):
            code = ops.zeros_like(ids) + (n * 104729) % self.buckets  # n-grams of each n apart
            real = ops.ones_like(ids) > 0
            for k in range(n):
                token = padded[:, k : k + steps]
                code = ops.mod(code * _NGRAM_MULTIPLIER + ops.mod(token, self.buckets), self.buckets)
                real = ops.logical_and(real, token > 0)
            out.append(ops.where(real, code + 1, ops.zeros_like(code)))
        return ops.concatenate(out, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None  # the Embedding that reads the ids masks id 0

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else (self.max_n - 1) * steps)

    def get_config(self):
        return {**super().get_config(), "max_n": self.max_n, "buckets": self.buckets}


#: Rows of the n-gram expert's hashed n-gram table (``ngram_expert >= 2``),
#: besides row 0 for padding: one logit per class each, so 131,072 rows
#: cost ``n_classes`` times that many weights. More rows than the bag's
#: ``BAG_BUCKETS``: character 2- to 5-grams of a corpus number in the tens
#: of thousands, and a linear model gains from fewer collisions.
EXPERT_BUCKETS = 2**17

#: Default factor on the n-gram expert's logits (``build_rnn_model``'s
#: ``expert_scale=None``). Its tables start near zero and Adam moves each
#: weight by about ``learning_rate`` a step, so the factor lets the linear
#: expert learn about ten times as fast as the network beside it (a linear
#: model over sparse counts wants a larger step than a network).
#: ``RNNClassifier`` grows it with the rows' length (``expert_scale_``).
EXPERT_SCALE = 10.0


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class ProductOfExperts(keras.layers.Layer):
    """Class probabilities of two experts trained side by side, each on its own loss.

    Inputs: ``[probabilities, logits]``, the network's softmax output and the
    n-gram expert's logits (times ``scale``). The output is their normalised
    geometric mean, ``p ∝ sqrt(p_network * softmax(scale * logits))``, the
    usual way to combine the probabilities of an ensemble's members.

    Its normaliser is held out of the gradient, so that for a loss linear in
    ``log p`` (cross-entropy, with or without label smoothing) the gradient
    each expert receives is half that of its own loss on its own
    probabilities: the two learn as separately trained models would, and
    neither stops learning once the other fits the training set, as it would
    with one loss on their combined logits.
    """

    def __init__(self, scale=None, **kwargs):
        super().__init__(**kwargs)
        self.scale = float(EXPERT_SCALE if scale is None else scale)

    def call(self, inputs):
        ops = keras.ops
        probabilities, logits = inputs
        log_network = ops.log(ops.clip(probabilities, keras.config.epsilon(), 1.0))
        log_mean = 0.5 * (log_network + ops.log_softmax(self.scale * logits, axis=-1))
        normaliser = ops.stop_gradient(ops.logsumexp(log_mean, axis=-1, keepdims=True))
        return ops.exp(log_mean - normaliser)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedPooling(keras.layers.Layer):
    """Pool ``(batch, timesteps, features)`` over time, ignoring masked steps.

    ``mode="mean"`` averages the unmasked steps and ``mode="max"`` takes their
    element-wise maximum. A sequence whose steps are all masked pools to zeros.
    Whatever values the masked steps hold never reach the output.
    """

    def __init__(self, mode="mean", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("mean", "max"):
            raise ValueError(f"MaskedPooling mode must be 'mean' or 'max', got {mode!r}.")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        weight = _float_mask(mask, inputs)
        count = keras.ops.sum(weight, axis=1)
        if self.mode == "mean":
            total = keras.ops.sum(keras.ops.where(weight > 0, inputs, 0.0), axis=1)
            return total / keras.ops.maximum(count, 1.0)
        masked = keras.ops.where(weight > 0, inputs, -1e30)
        return keras.ops.where(count > 0, keras.ops.max(masked, axis=1), 0.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class MaskedSummary(keras.layers.Layer):
    """Per-feature summary statistics of a masked sequence's real steps.

    Input ``(batch, timesteps, features)`` with a mask; output ``(batch, 4 *
    features)``: the mean, standard deviation, minimum and maximum of each
    feature over the unmasked steps, in that order, of the features
    standardised with ``loc`` and ``scale`` (each feature's training mean
    and a positive scale; None: 0 and 1). Masked steps never reach the
    output; a sequence whose steps are all masked gives zeros.
    """

    def __init__(self, loc=None, scale=None, **kwargs):
        super().__init__(**kwargs)
        self.loc = None if loc is None else [float(v) for v in np.ravel(loc)]
        self.scale = None if scale is None else [float(v) for v in np.ravel(scale)]
        if self.scale is not None and not all(np.isfinite(v) and v > 0 for v in self.scale):
            raise ValueError(
                f"MaskedSummary scale must hold finite values above 0 (one per feature), "
                f"got {self.scale}. Replace the standard deviation of a constant feature by 1."
            )
        self.supports_masking = True

    def call(self, inputs, mask=None):
        ops = keras.ops
        if self.loc is not None:
            inputs = inputs - ops.convert_to_tensor(np.asarray(self.loc, "float32"))
        if self.scale is not None:
            inputs = inputs / ops.convert_to_tensor(np.asarray(self.scale, "float32"))
        weight = _float_mask(mask, inputs)
        real = weight > 0
        n_real = ops.sum(weight, axis=1)
        any_real = n_real > 0
        count = ops.maximum(n_real, 1.0)
        mean = ops.sum(ops.where(real, inputs, 0.0), axis=1) / count
        centred = ops.where(real, inputs - mean[:, None, :], 0.0)
        # the small constant keeps the square root's gradient finite at 0
        std = ops.where(any_real, ops.sqrt(ops.sum(centred * centred, axis=1) / count + 1e-12), 0.0)
        low = ops.where(any_real, ops.min(ops.where(real, inputs, 1e30), axis=1), 0.0)
        high = ops.where(any_real, ops.max(ops.where(real, inputs, -1e30), axis=1), 0.0)
        return ops.concatenate([mean, std, low, high], axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 4 * input_shape[2])

    def get_config(self):
        return {**super().get_config(), "loc": self.loc, "scale": self.scale}


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class AttentionPooling(keras.layers.Layer):
    """Weighted sum over time with learned, masked attention weights.

    Each step ``h_t`` gets the score ``v . tanh(W h_t + b)``; a softmax over
    the unmasked steps turns the scores into weights, and the output is
    ``sum_t weight_t * h_t``. Masked steps get weight exactly 0; a sequence
    whose steps are all masked pools to zeros.

    Parameters
    ----------
    units : int, default=None
        Size of the hidden scoring layer; None uses the number of features.
    seed : int, default=None
        Seed of the initializers.
    """

    def __init__(self, units=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.seed = seed
        self.supports_masking = True

    def build(self, input_shape):
        n_features = int(input_shape[-1])
        units = int(self.units or n_features)
        seeds = _seeds(self.seed)
        self.kernel = self.add_weight(
            name="kernel", shape=(n_features, units),
            initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        )  # fmt: skip
        self.bias = self.add_weight(name="bias", shape=(units,), initializer="zeros")
        self.score = self.add_weight(
            name="score", shape=(units, 1),
            initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        )  # fmt: skip

    def call(self, inputs, mask=None):
        weight = _float_mask(mask, inputs)
        hidden = keras.ops.tanh(keras.ops.matmul(inputs, self.kernel) + self.bias)
        scores = keras.ops.matmul(hidden, self.score)  # (batch, timesteps, 1)
        scores = keras.ops.where(weight > 0, scores, -1e9)
        scores = scores - keras.ops.max(scores, axis=1, keepdims=True)
        exp = keras.ops.exp(scores) * weight  # exactly 0 on masked steps
        attention = exp / keras.ops.maximum(keras.ops.sum(exp, axis=1, keepdims=True), 1e-30)
        values = keras.ops.where(weight > 0, inputs, 0.0)
        return keras.ops.sum(attention * values, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "units": self.units, "seed": self.seed}


HEADS = ("last", "max", "mean", "attention")


def _seeds(seed: Optional[int]):
    """Yield per-layer integer seeds derived from ``seed`` (None: unseeded)."""
    rng = None if seed is None else np.random.RandomState(seed)
    while True:
        yield None if rng is None else int(rng.randint(np.iinfo(np.int32).max))


def make_optimizer(optimizer, learning_rate: float, ema_momentum=None):
    """Return a fresh Keras optimizer.

    Parameters
    ----------
    optimizer : str, keras.optimizers.Optimizer subclass or instance
        A name (``"adam"``), a class, or an instance. An instance is cloned
        from its config (its own learning rate is kept) so that its state is
        never shared between fits.
    learning_rate : float
        Learning rate for names and classes.
    ema_momentum : float in [0, 1) or None, default=None
        Above 0, the optimizer keeps an exponential moving average of the
        weights with this momentum and writes it into them at the end of
        ``Model.fit`` (Keras' ``use_ema``); 0 turns that off; None leaves
        the optimizer's own setting (off for names and classes).

    Returns
    -------
    keras.optimizers.Optimizer
    """
    averaging = {}
    if ema_momentum is not None:
        averaging["use_ema"] = ema_momentum > 0
        if ema_momentum > 0:
            averaging["ema_momentum"] = float(ema_momentum)
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return type(optimizer).from_config({**optimizer.get_config(), **averaging})
    if isinstance(optimizer, type):
        return optimizer(learning_rate=learning_rate, **averaging)
    # a name: its class with the defaults, as keras.optimizers.get builds it
    # (never through get_config, which warns on JAX while reading the rate)
    return type(keras.optimizers.get(optimizer))(learning_rate=learning_rate, **averaging)


def _bag_mean(ids, rows, dim, seeds, name, init=0.05):
    """Masked mean over time of a learned ``dim``-vector per id (0: padding),
    the vectors drawn uniformly from ``[-init, init]``."""
    vectors = keras.layers.Embedding(
        rows,
        dim,
        mask_zero=True,
        embeddings_initializer=keras.initializers.RandomUniform(-init, init, seed=next(seeds)),
        name=f"{name}_embedding",
    )(ids)
    return MaskedPooling("mean", name=f"{name}_mean")(vectors)


def _ngram_logits(ids, vocab_size, n_classes, max_n, seeds):
    """The n-gram expert's class logits: the masked mean over a row of one
    learned logit vector per token id, plus (``max_n >= 2``) the mean of one
    per hashed n-gram of 2 to ``max_n`` tokens. A linear model over each
    row's length-normalised n-gram counts, as logistic regression on
    normalised counts is. Its tables start near zero (about uniform
    probabilities), not at zero: rows no training n-gram hashes to never
    move, and a saved file of zeros would compress like a zip bomb."""
    logits = _bag_mean(ids, vocab_size, n_classes, seeds, "expert_token", init=1e-3)
    if max_n > 1:
        ngrams = HashedNgrams(max_n, buckets=EXPERT_BUCKETS, name="expert_ngram_ids")(ids)
        ngram_logits = _bag_mean(ngrams, EXPERT_BUCKETS + 1, n_classes, seeds, "expert_ngram", init=1e-3)
        logits = keras.layers.Add(name="expert_logits")([logits, ngram_logits])
    return logits


def build_rnn_model(
    meta: Optional[dict] = None,
    *,
    n_classes: Optional[int] = None,
    input_type: Optional[str] = None,
    task: str = "multiclass",
    n_outputs: Optional[int] = None,
    loss: str = "mse",
    label_smoothing: float = 0.0,
    n_features: Optional[int] = None,
    vocab_size: Optional[int] = None,
    embedding_dim: int = 128,
    cell: str = "gru",
    units: Union[int, Sequence[int]] = 128,
    bidirectional: bool = False,
    dropout: float = 0.2,
    recurrent_dropout: float = 0.0,
    spatial_dropout: float = 0.0,
    token_dropout: float = 0.0,
    input_noise: float = 0.0,
    input_scale=None,
    embedding_l2: float = 0.0,
    l2: float = 0.0,
    optimizer="adam",
    learning_rate: float = 1e-3,
    seed: Optional[int] = None,
    head: str = "last",
    embeddings=None,
    freeze_embeddings: bool = False,
    frame_length: int = 1,
    conv_width: int = 0,
    conv_filters: int = 256,
    conv_pool: int = 1,
    summary_stats: bool = False,
    summary_loc=None,
    summary_scale=None,
    bag_dim: int = 0,
    bag_ngrams: int = 2,
    ngram_expert: int = 0,
    expert_scale: Optional[float] = None,
    ema_momentum: Optional[float] = None,
):
    """Build and compile a recurrent sequence classifier or regressor.

    The network is ``[TokenDropout -> Embedding -> SpatialDropout1D |
    [FeatureNoise] -> [Frames] -> NaN-padding mask] -> [MaskedConv1D] ->
    recurrent layer(s) -> [pooling over time] -> [+ max-pooled MaskedConv1D]
    [+ MaskedSummary of the numeric steps] -> Dense [-> ProductOfExperts
    with the n-gram expert]``. Its output layer
    and loss follow ``task``:

    - ``"multiclass"``: softmax over ``n_classes``, sparse categorical
      cross-entropy (integer class codes ``0 .. n_classes - 1``), accuracy;
    - ``"multilabel"``: one sigmoid per label (``n_outputs``), binary
      cross-entropy on a 0/1 indicator matrix, accuracy;
    - ``"regression"``: ``n_outputs`` linear units, ``loss``.

    Padding (token id 0, or all-NaN time steps) is masked.

    It is also the ``model`` callable of ``scikeras.wrappers.KerasClassifier``:
    scikeras passes ``meta`` (``n_classes_``, ``X_shape_``, ``X_dtype_``) and
    any ``model__*`` parameter by name.

    Parameters
    ----------
    meta : dict, default=None
        scikeras meta-data. When given, ``n_classes``, ``input_type`` and
        ``n_features`` default to what it says.
    n_classes : int, default=None
        Number of classes (>= 2) for ``task="multiclass"``. Required without
        ``meta`` unless ``n_outputs`` is given.
    input_type : {"tokens", "numeric"}, default=None
        Token ids (embedding with ``mask_zero``) or float sequences.
        Required without ``meta``.
    task : {"multiclass", "multilabel", "regression"}, default="multiclass"
        What the output layer predicts.
    n_outputs : int, default=None
        Output units: labels (multilabel) or targets (regression); for
        multiclass it defaults to ``n_classes``.
    loss : {"mse", "huber", "mae"}, default="mse"
        Regression loss (mean squared error, Huber with delta 1, mean
        absolute error); ignored for classification.
    label_smoothing : float, default=0.0
        Classification only: the cross-entropy's targets become
        ``(1 - label_smoothing) * one_hot + label_smoothing / n_outputs``
        (multiclass, ``SmoothedSparseCrossentropy``) or are moved
        ``label_smoothing / 2`` towards 0.5 (multilabel, Keras'
        ``BinaryCrossentropy``). 0 is the plain cross-entropy.
    n_features : int, default=None
        Features per time step of numeric input; ``None`` means univariate
        ``(batch, timesteps)`` input.
    vocab_size : int, default=None
        Number of token ids (largest id + 1). Required for token input.
    embedding_dim : int, default=128
        Size of the token embedding.
    cell : {"gru", "lstm", "rnn"}, default="gru"
        Recurrent cell.
    units : int or tuple of int, default=128
        Units of each recurrent layer; a tuple stacks one layer per entry.
    bidirectional : bool, default=False
        Wrap each recurrent layer in ``Bidirectional``.
    dropout : float, default=0.2
        Input dropout of each recurrent layer.
    recurrent_dropout : float, default=0.0
        Recurrent-state dropout. Any value above 0 disables the fused cuDNN
        kernel on GPU and is much slower.
    spatial_dropout : float, default=0.0
        ``SpatialDropout1D`` rate after the embedding (token input only).
    token_dropout : float, default=0.0
        Token input only: in training, each real token id is replaced by the
        out-of-vocabulary id 1 with this probability (``TokenDropout``), so
        that id's embedding is trained and no single word is relied on.
    input_noise : float, default=0.0
        Numeric input only: in training, add Gaussian noise of standard
        deviation ``input_noise * input_scale[f]`` to each value of feature
        ``f`` (``FeatureNoise``).
    input_scale : array-like of shape (n_features,), default=None
        Per-feature scale of ``input_noise``, usually each feature's standard
        deviation in the training data; None means 1 for every feature.
    embedding_l2 : float, default=0.0
        L2 penalty on the embedding matrix.
    l2 : float, default=0.0
        L2 penalty on recurrent and dense kernels.
    optimizer : str, keras.optimizers.Optimizer class or instance, default="adam"
        Optimizer; see ``make_optimizer``.
    learning_rate : float, default=1e-3
        Learning rate for optimizer names and classes.
    seed : int, default=None
        Seed of every initializer and dropout layer. Nothing global is seeded.
    head : {"last", "max", "mean", "attention"}, default="last"
        What the output layer reads. ``"last"``: the last hidden state of the
        last recurrent layer (of each direction). The others make the last
        recurrent layer return its whole sequence and pool it over time,
        skipping padding: ``"max"`` and ``"mean"`` element-wise
        (``MaskedPooling``), ``"attention"`` a weighted sum with learned
        weights (``AttentionPooling``).
    embeddings : array-like of shape (vocab_size, embedding_dim), default=None
        Initial embedding matrix, row ``i`` for token id ``i`` (see
        [`embedding_matrix`][sklearn_rnn.embedding_matrix]); its shape sets ``vocab_size``
        (when None) and ``embedding_dim``. Token input only.
    freeze_embeddings : bool, default=False
        Keep the embedding matrix fixed during training.
    frame_length : int, default=1
        Numeric input only: group this many consecutive time steps into one
        step of the recurrent layer (the ``Frames`` layer), so that it runs
        ``frame_length`` times fewer steps, each seeing a short window of the
        series. 1 feeds the steps as they are.
    conv_width : int, default=0
        A ReLU convolution of this width (``MaskedConv1D``, ``conv_filters``
        filters) before the recurrent layer, over the embedded tokens or the
        numeric steps (frames, with ``frame_length > 1``); 0 for none. Its
        outputs, max-pooled over each row's real steps, are also
        concatenated to the head's output before the output layer.
    conv_filters : int, default=256
        Filters of that convolution (learned n-gram or local-shape
        detectors): the recurrent layer reads this many features per step.
        Unused when ``conv_width`` is 0.
    conv_pool : int, default=1
        The recurrent layer reads the maximum of each filter over every
        ``conv_pool`` consecutive steps of the convolution (``MaskedMaxPool1D``,
        windows starting at each row's first real step), so it runs
        ``conv_pool`` times fewer steps. 1 feeds every step. Unused when
        ``conv_width`` is 0.
    summary_stats : bool, default=False
        Numeric input only: each feature's mean, standard deviation, minimum
        and maximum over a row's real steps (``MaskedSummary``, read before
        any framing), concatenated to the head before the output layer.
        Refused with token input.
    summary_loc, summary_scale : array-like of shape (n_features,), default=None
        Each feature's mean and standard deviation in the training data
        (the scale above 0): the summary statistics are those of
        ``(x - summary_loc) / summary_scale``, so they reach the output layer
        on a unit scale even when the features are not standardised. None
        means 0 and 1.
    bag_dim : int, default=0
        With ``bag_dim > 0`` and token input, the mean of a learned
        ``bag_dim``-vector per token id over each row's real tokens (a bag of
        tokens, as in fastText) is concatenated to the head before the output
        layer: a linear path beside the recurrent one. 0 builds no such path;
        ``bag_dim > 0`` with numeric input is refused.
    bag_ngrams : int, default=2
        With ``bag_ngrams > 1`` the bag path also averages a learned vector
        per n-gram of 2 to ``bag_ngrams`` consecutive tokens, n-grams hashed
        into ``BAG_BUCKETS`` rows (``HashedNgrams``). Unused when ``bag_dim``
        is 0.
    ngram_expert : int, default=0
        With ``ngram_expert > 0`` (token input, ``task="multiclass"``; refused
        otherwise), a second, linear model beside the network: the mean over
        a row's real tokens of one learned logit per class per token id and,
        with ``ngram_expert >= 2``, per n-gram of 2 to ``ngram_expert``
        tokens (hashed into ``EXPERT_BUCKETS`` rows). The output is the two
        models' normalised geometric mean, each trained on its own loss
        (``ProductOfExperts``).
    expert_scale : float > 0, default=None
        Factor on the n-gram expert's logits (``ProductOfExperts``); None:
        ``EXPERT_SCALE`` (10). ``RNNClassifier`` grows it with its training
        rows' median length (``expert_scale_``). Unused without an expert.
    ema_momentum : float in [0, 1) or None, default=None
        Above 0, the weights ``Model.fit`` leaves are an exponential moving
        average of the weights over the training steps, with this momentum;
        0: the last step's weights; None: the optimizer's own setting. See
        ``make_optimizer``.

    Returns
    -------
    model : keras.Model
        A compiled model whose output is ``(batch, n_outputs)``: class or
        label probabilities, or regression values.

    Examples
    --------
    >>> from sklearn_rnn import build_rnn_model
    >>> model = build_rnn_model(n_classes=3, input_type="tokens", vocab_size=50,
    ...                         embedding_dim=8, units=4, seed=0)
    >>> model.output_shape
    (None, 3)
    """
    n_classes, input_type, n_features = _resolve_meta(
        meta, n_classes if n_outputs is None else n_outputs, input_type, n_features
    )
    n_outputs = n_classes
    if task not in _TASKS:
        raise ValueError(
            f"build_rnn_model got task={task!r}; expected one of {sorted(_TASKS)}."
        )
    if task == "regression" and loss not in _REGRESSION_LOSSES:
        raise ValueError(
            f"build_rnn_model got loss={loss!r}; expected one of "
            f"{sorted(_REGRESSION_LOSSES)}."
        )
    if ema_momentum is not None and not (
        isinstance(ema_momentum, (int, float, np.number)) and 0 <= ema_momentum < 1
    ):
        raise ValueError(
            f"build_rnn_model got ema_momentum={ema_momentum!r}; expected a float in "
            "[0, 1) (0: no weight averaging) or None (the optimizer's own setting)."
        )
    if not 0 <= label_smoothing < 1:
        raise ValueError(
            f"build_rnn_model got label_smoothing={label_smoothing!r}; expected a float in "
            "[0, 1) (0: plain cross-entropy)."
        )
    if embeddings is not None:
        embeddings = np.asarray(embeddings, dtype="float32")
        if embeddings.ndim != 2 or (vocab_size is not None and embeddings.shape[0] != vocab_size):
            raise ValueError(
                f"build_rnn_model embeddings must be a (vocab_size, embedding_dim) matrix, "
                f"got shape {embeddings.shape} with vocab_size={vocab_size!r}."
            )
        vocab_size, embedding_dim = embeddings.shape
    if input_type == "tokens" and vocab_size is None:
        raise ValueError(
            "build_rnn_model needs vocab_size (largest token id + 1) for token input. "
            "Pass vocab_size=..., for example TextTokenizer().fit(docs).vocab_size_."
        )
    _require_int("frame_length", frame_length, 1)
    if input_type == "tokens" and frame_length > 1:
        raise ValueError(
            f"frame_length={frame_length} groups numeric time steps; token ids are embedded one "
            "by one. Use frame_length=1 with token input."
        )
    _require_int("conv_width", conv_width, 0, " (0: no convolution)")
    _require_int("conv_filters", conv_filters, 1)
    _require_int("conv_pool", conv_pool, 1, " (1: every step)")
    _require_int("bag_dim", bag_dim, 0, " (0: no bag path)")
    _require_int("bag_ngrams", bag_ngrams, 1, " (1: single tokens only)")
    if input_type != "tokens" and bag_dim > 0:
        raise ValueError(
            f"build_rnn_model bag_dim={bag_dim} averages a learned vector per token id; "
            "numeric input has none. Use bag_dim=0 with numeric input."
        )
    _require_int("ngram_expert", ngram_expert, 0, " (0: no n-gram expert)")
    if ngram_expert > 0 and (input_type != "tokens" or task != "multiclass"):
        raise ValueError(
            f"build_rnn_model ngram_expert={ngram_expert} adds a linear model over the "
            f"n-grams of token ids to a single-label classifier, but got "
            f"input_type={input_type!r}, task={task!r}. Use ngram_expert=0, or token input "
            "with task='multiclass'."
        )
    if expert_scale is not None and not (
        isinstance(expert_scale, Real) and not isinstance(expert_scale, bool)
        and np.isfinite(expert_scale) and expert_scale > 0
    ):  # fmt: skip
        raise ValueError(
            f"build_rnn_model expert_scale must be a finite number above 0 (the factor "
            f"on the n-gram expert's logits), got {expert_scale!r}. Use None for the "
            f"default of {EXPERT_SCALE:g}."
        )
    if summary_stats and input_type == "tokens":
        raise ValueError(
            "build_rnn_model summary_stats=True summarises numeric features over the real "
            "steps; token ids have none. Use summary_stats=False with input_type='tokens'."
        )
    if head not in HEADS:
        raise ValueError(f"build_rnn_model head must be one of {HEADS}, got {head!r}.")
    units = (units,) if np.isscalar(units) else tuple(units)
    seeds = _seeds(seed)
    # the input-corruption layers draw from their own stream, so that turning
    # them on or off leaves every initial weight as it was
    corruption_seeds = _seeds(None if seed is None else (seed + 1) % np.iinfo(np.int32).max)
    conv_seeds = _seeds(None if seed is None else (seed + 2) % np.iinfo(np.int32).max)
    bag_seeds = _seeds(None if seed is None else (seed + 3) % np.iinfo(np.int32).max)
    expert_seeds = _seeds(None if seed is None else (seed + 4) % np.iinfo(np.int32).max)
    reg = keras.regularizers.L2(l2) if l2 > 0 else None
    summary = None

    if input_type == "tokens":
        inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        embedding = keras.layers.Embedding(
            vocab_size,
            embedding_dim,
            mask_zero=True,
            embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=next(seeds)),
            embeddings_regularizer=keras.regularizers.L2(embedding_l2) if embedding_l2 > 0 else None,
            trainable=not freeze_embeddings,
            name="embedding",
        )
        x = inputs
        if token_dropout > 0:
            x = TokenDropout(token_dropout, seed=next(corruption_seeds), name="token_dropout")(x)
        x = embedding(x)
        if embeddings is not None:  # set, not an initializer: nothing big in the config
            embedding.set_weights([embeddings])
        if spatial_dropout > 0:
            x = keras.layers.SpatialDropout1D(spatial_dropout, seed=next(seeds))(x)
    else:
        shape = (None,) if n_features is None else (None, n_features)
        inputs = keras.Input(shape=shape, dtype="float32", name="sequences")
        x = inputs
        if input_noise > 0:
            x = FeatureNoise(input_noise, input_scale, seed=next(corruption_seeds), name="feature_noise")(x)
        if summary_stats:
            summary = MaskedSummary(summary_loc, summary_scale, name="summary_stats")(
                NaNPaddingMask(name="summary_mask")(x)
            )
        if frame_length > 1:
            x = Frames(frame_length, name="frames")(x)
        x = NaNPaddingMask(name="nan_padding_mask")(x)
    conv_features = None
    if conv_width > 0:  # over the embedded tokens, or the (framed) numeric steps
        # its own seed stream too: the recurrent layers' initial weights do
        # not depend on whether the convolution is there
        x = conv_features = MaskedConv1D(conv_filters, conv_width, seed=next(conv_seeds), name="conv")(x)
        if conv_pool > 1:  # the recurrent layer reads every conv_pool steps' maxima
            x = MaskedMaxPool1D(conv_pool, name="conv_pool")(x)

    layer_cls = _CELLS[cell]
    for i, n_units in enumerate(units):
        layer = layer_cls(
            int(n_units),
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            return_sequences=i < len(units) - 1 or head != "last",
            kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
            recurrent_initializer=keras.initializers.Orthogonal(seed=next(seeds)),
            kernel_regularizer=reg,
            recurrent_regularizer=reg,
            seed=next(seeds),
            name=f"{cell}_{i}",
        )
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{i}")
        x = layer(x)
    if head in ("max", "mean"):
        x = MaskedPooling(head, name=f"{head}_pooling")(x)
    elif head == "attention":
        x = AttentionPooling(seed=next(seeds), name="attention_pooling")(x)
    if bag_dim > 0:  # token input only: refused with numeric input above
        # fastText's bag of tokens (and of hashed n-grams) beside the head: the
        # mean of a small learned vector per token id over the row's real
        # tokens, a linear path like TF-IDF + logistic regression's
        parts = [x, _bag_mean(inputs, vocab_size, bag_dim, bag_seeds, "bag")]
        if bag_ngrams > 1:
            ngrams = HashedNgrams(bag_ngrams, name="bag_ngram_ids")(inputs)
            parts.append(_bag_mean(ngrams, BAG_BUCKETS + 1, bag_dim, bag_seeds, "bag_ngram"))
        x = keras.layers.Concatenate(name="head_and_bag")(parts)
    if conv_features is not None:
        # the n-gram detectors also reach the output directly, each one's
        # largest response over the row (a bag of n-grams) beside what the
        # recurrent layer read in order
        pooled = MaskedPooling("max", name="conv_max_pooling")(conv_features)
        x = keras.layers.Concatenate(name="head_and_conv")([x, pooled])
    if summary is not None:
        x = keras.layers.Concatenate(name="head_and_summary")([x, summary])
    activation, task_loss, name = _TASKS[task]
    outputs = keras.layers.Dense(
        n_outputs,
        activation=activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=next(seeds)),
        kernel_regularizer=reg,
        name=f"network_{name}" if ngram_expert > 0 else name,
    )(x)
    if ngram_expert > 0:  # token input, multiclass: refused otherwise above
        expert = _ngram_logits(inputs, vocab_size, n_outputs, ngram_expert, expert_seeds)
        outputs = ProductOfExperts(expert_scale, name=name)([outputs, expert])
    model = keras.Model(inputs, outputs, name=f"rnn_{task}_{cell}")
    if task == "regression":
        task_loss = _REGRESSION_LOSSES[loss]()
    elif label_smoothing:
        task_loss = (SmoothedSparseCrossentropy(label_smoothing) if task == "multiclass"
                     else keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing))  # fmt: skip
    model.compile(
        optimizer=make_optimizer(optimizer, learning_rate, ema_momentum),
        loss=task_loss,
        metrics=[] if task == "regression" else ["accuracy"],
    )
    return model


@keras.saving.register_keras_serializable(package="sklearn_rnn")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer class labels against smoothed targets.

    The target of a sample of class ``c`` is ``(1 - label_smoothing)`` on
    ``c`` plus ``label_smoothing / n_classes`` on every class, as
    ``keras.losses.CategoricalCrossentropy(label_smoothing=...)`` does for
    one-hot targets (Keras' sparse cross-entropy has no smoothing). The
    labels stay integers, so nothing is one-hot encoded in the feed.
    ``y_pred`` holds probabilities (a softmax output).
    """

    def __init__(self, label_smoothing=0.1, name="smoothed_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        ops = keras.ops
        n_classes = ops.shape(y_pred)[-1]
        labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        log_p = ops.log(ops.clip(y_pred, keras.config.epsilon(), 1.0))
        true_class = -ops.sum(ops.one_hot(labels, n_classes, dtype=log_p.dtype) * log_p, axis=-1)
        uniform = -ops.mean(log_p, axis=-1)
        return (1.0 - self.label_smoothing) * true_class + self.label_smoothing * uniform

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


#: Output activation, loss and output layer name of each task.
_TASKS = {
    "multiclass": ("softmax", "sparse_categorical_crossentropy", "probabilities"),
    "multilabel": ("sigmoid", "binary_crossentropy", "probabilities"),
    "regression": (None, None, "outputs"),
}
_REGRESSION_LOSSES = {
    "mse": lambda: keras.losses.MeanSquaredError(),
    "huber": lambda: keras.losses.Huber(delta=1.0),
    "mae": lambda: keras.losses.MeanAbsoluteError(),
}


#: Gate blocks per recurrent cell (their kernels are stacked side by side).
_GATES = {"gru": 3, "lstm": 4, "rnn": 1}


def weight_counts(*, input_type, n_outputs, n_features, vocab_size, embedding_dim, cell,
                  units, bidirectional, conv_width=0, conv_filters=256, summary_features=0,
                  bag_dim=0, bag_ngrams=2, ngram_expert=0):  # fmt: skip
    """Weights of each part of the network ``build_rnn_model`` would build.

    Computed without building anything, so that a network too large for the
    machine is refused before memory is allocated.

    Returns
    -------
    parts : dict
        ``{description naming the parameters: number of weights}``.
    """
    units = (units,) if np.isscalar(units) else tuple(units)
    directions = 2 if bidirectional else 1
    parts = {}
    if input_type == "tokens":
        parts[f"vocab_size={vocab_size} x embedding_dim={embedding_dim}"] = (
            int(vocab_size) * int(embedding_dim)
        )
        width = int(embedding_dim)
    else:
        width = int(n_features)
    if conv_width:
        parts[f"conv_width={conv_width} x {width} inputs x conv_filters={conv_filters}"] = (
            int(conv_width) * width * int(conv_filters) + int(conv_filters)
        )
        width = int(conv_filters)
    for i, n in enumerate(units):
        n = int(n)
        # kernel, recurrent kernel and bias vectors per gate block: a GRU
        # (reset_after) has two biases, an LSTM and a SimpleRNN one
        biases = 2 if cell == "gru" else 1
        parts[f"units={units if len(units) > 1 else n} (layer {i})"] = (
            directions * _GATES[cell] * (n * (width + n) + biases * n)
        )
        width = directions * n
    if conv_width:
        width += int(conv_filters)  # the max-pooled convolution beside the head
    width += 4 * int(summary_features)  # each summarised feature's 4 statistics
    if bag_dim and input_type == "tokens":
        parts[f"vocab_size={vocab_size} x bag_dim={bag_dim}"] = int(vocab_size) * int(bag_dim)
        width += int(bag_dim)
        if bag_ngrams > 1:
            parts[f"{BAG_BUCKETS + 1} hashed n-grams x bag_dim={bag_dim}"] = (
                (BAG_BUCKETS + 1) * int(bag_dim)
            )
            width += int(bag_dim)
    parts["the output layer"] = width * int(n_outputs) + int(n_outputs)
    if ngram_expert and input_type == "tokens":
        parts[f"vocab_size={vocab_size} x {n_outputs} classes (ngram_expert)"] = (
            int(vocab_size) * int(n_outputs)
        )
        if ngram_expert > 1:
            parts[f"{EXPERT_BUCKETS + 1} hashed n-grams x {n_outputs} classes (ngram_expert)"] = (
                (EXPERT_BUCKETS + 1) * int(n_outputs)
            )
    return parts


def _require_int(name, value, minimum, note="", owner="build_rnn_model"):
    """Refuse an argument of ``owner`` that is not an int >= ``minimum``
    (bools and floats included), naming it and the value received."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner} {name} must be an int >= {minimum}{note}, got {value!r}.")


def _resolve_meta(meta, n_classes, input_type, n_features):
    if meta is not None:
        if n_classes is None:
            n_classes = int(meta["n_classes_"])
        shape = tuple(meta.get("X_shape_", ()))
        if input_type is None:
            kind = np.dtype(meta.get("X_dtype_", "float32")).kind
            input_type = "tokens" if kind in "iu" else "numeric"
        if n_features is None and len(shape) == 3:
            n_features = int(shape[2])
    if n_classes is None or input_type not in ("tokens", "numeric"):
        raise ValueError(
            "build_rnn_model needs n_classes (or n_outputs) and input_type ('tokens' or "
            f"'numeric'), got n_classes={n_classes!r}, input_type={input_type!r}. Pass "
            "them, or use it through scikeras' KerasClassifier(model=build_rnn_model), "
            "which passes them in meta."
        )
    return n_classes, input_type, n_features


#: The package's own Keras layers, by registered name, for loading a saved network.
CUSTOM_OBJECTS = {
    "sklearn_rnn>NaNPaddingMask": NaNPaddingMask,
    "sklearn_rnn>GRU": GRU,
    "sklearn_rnn>LSTM": LSTM,
    "sklearn_rnn>SimpleRNN": SimpleRNN,
    "sklearn_rnn>MaskedPooling": MaskedPooling,
    "sklearn_rnn>MaskedSummary": MaskedSummary,
    "sklearn_rnn>AttentionPooling": AttentionPooling,
    "sklearn_rnn>Frames": Frames,
    "sklearn_rnn>TokenDropout": TokenDropout,
    "sklearn_rnn>FeatureNoise": FeatureNoise,
    "sklearn_rnn>MaskedConv1D": MaskedConv1D,
    "sklearn_rnn>MaskedMaxPool1D": MaskedMaxPool1D,
    "sklearn_rnn>HashedNgrams": HashedNgrams,
    "sklearn_rnn>ProductOfExperts": ProductOfExperts,
    "sklearn_rnn>SmoothedSparseCrossentropy": SmoothedSparseCrossentropy,
}

