"""Backend-neutral training feed and compiled prediction.

Three functions hide what differs between Keras' backends:

- :func:`training_feed` turns a batch plan (NumPy, see ``_batching``) into
  something ``Model.fit`` accepts: a ``tf.data.Dataset`` on TensorFlow (one
  for all of a fit's epochs), a ``keras.utils.PyDataset`` on JAX and PyTorch;
- :func:`fit_arguments` gives the ``Model.fit`` arguments that go with that
  feed (``steps_per_epoch`` for a TensorFlow feed of several epochs);
- :func:`predict_function` returns a compiled inference callable, NumPy in,
  NumPy out: a ``tf.function`` with one input signature on TensorFlow,
  ``jax.jit`` of the model's stateless call on JAX, the module's forward pass
  under ``torch.no_grad()`` on PyTorch.

Both feeds cut batches from the NumPy arrays as they are needed (one fancy
index per array per batch, or per block of ``TF_BATCHES_PER_CALL`` batches on
TensorFlow, trimmed to the bucket width): the training data is never
converted to a tensor as a whole, so ``fit`` holds no second copy of ``X``.
"""

import numpy as np

from sklearn_rnn._backend import BACKEND, keras
from sklearn_rnn._batching import flat_plan, take


def training_feed(X, arrays, *, plan_epoch, side, keep, widths, n_batches, epochs=1):
    """Batches of ``(x, *arrays)`` for ``Model.fit``, re-planned every epoch.

    Pass ``fit_arguments(n_batches, epochs)`` to ``Model.fit`` with it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps[, n_features])
        Inputs (int32 ids or float32 sequences).
    arrays : tuple of ndarray
        Per-row arrays cut alongside X: the targets (any trailing shape and
        dtype) and optionally the sample weights.
    plan_epoch : callable
        Returns the list of index batches of the next epoch.
    side : {"post", "pre", None}
        Padding side used to trim each batch.
    keep : ndarray of int
        Steps each row keeps (see ``_batching.padding_plan``).
    widths : ndarray or None
        Bucket widths; None means no trimming.
    n_batches : int
        Batches per epoch.
    epochs : int
        Epochs the feed serves. On TensorFlow one dataset holds them all, so
        that ``Model.fit`` keeps one iterator for the whole fit (with
        ``steps_per_epoch``, see :func:`fit_arguments`) instead of starting a
        new input pipeline every epoch (20-60 ms each, measured by
        ``benchmarks/bench_tf_feed.py`` and ``benchmarks/bench_backends.py``).
    """
    arrays = tuple(arrays)
    if BACKEND == "tensorflow":
        return _tf_dataset(X, arrays, plan_epoch, side, keep, widths, n_batches, epochs)
    return _BatchFeed(X, arrays, plan_epoch, side, keep, widths, n_batches)


def fit_arguments(n_batches, epochs):
    """``Model.fit`` arguments that go with ``training_feed(..., epochs=epochs)``.

    A TensorFlow feed of several epochs is one dataset of unknown length
    (``flat_map``): ``steps_per_epoch`` tells Keras where each epoch ends, and
    keeps the dataset's iterator from one epoch to the next.
    """
    if BACKEND == "tensorflow" and epochs > 1:
        return {"steps_per_epoch": n_batches}
    return {}


#: TensorFlow feed: batches cut from NumPy per ``tf.numpy_function`` call.
#: Each call crosses from TensorFlow's input threads into Python (the GIL);
#: cutting several batches at once keeps those crossings rare while holding
#: only a few batches in memory.
TF_BATCHES_PER_CALL = 16


def _tf_dataset(X, arrays, plan_epoch, side, keep, widths, n_batches, epochs):
    """A ``tf.data.Dataset`` of ``epochs`` epochs that asks ``plan_epoch()`` for
    each epoch's batches.

    Python plans each epoch once, in order (the next one while the last
    batches of the current one train). The batches are then cut from the NumPy
    arrays ``TF_BATCHES_PER_CALL`` at a time by one ``tf.numpy_function``
    call inside TensorFlow's input pipeline, stacked as ``(batches, rows,
    widest width, ...)``; ``unbatch`` hands them on one by one, each trimmed
    in the graph to its own rows and width. The pipeline runs ahead of the
    training step (prefetch).
    """
    from sklearn_rnn._backend import tf

    n_steps = X.shape[1]
    x_shape = (None, None) + X.shape[2:]
    per_call = TF_BATCHES_PER_CALL
    dtypes = [tf.as_dtype(X.dtype)] + [tf.as_dtype(a.dtype) for a in arrays]
    shapes = [x_shape] + [(None,) + a.shape[1:] for a in arrays]

    def plan(_):
        batches = plan_epoch()
        if len(batches) != n_batches:  # epochs share one iterator: lengths must be exact
            raise RuntimeError(
                f"sklearn_rnn planned {len(batches)} batches for an epoch of {n_batches}; "
                "please report this as a bug."
            )
        return flat_plan(batches, keep, widths, n_steps)

    def planned(i):
        flat = tf.numpy_function(plan, [i], [tf.int64] * 3, stateful=True)
        return tuple(tf.ensure_shape(a, (None,)) for a in flat)

    def gather(rows, offsets, batch_widths):
        """The block's batches stacked: ``(k, largest batch, widest width, ...)``."""
        sizes = np.diff(offsets)
        width = int(batch_widths.max())
        cut = (take(X, rows, width, side), *(a[rows] for a in arrays))
        if np.all(sizes == sizes[0]):  # every batch full: a reshape, no copy
            return tuple(c.reshape((len(sizes), sizes[0]) + c.shape[1:]) for c in cut)
        blocks = []
        for c in cut:
            block = np.zeros((len(sizes), sizes.max()) + c.shape[1:], dtype=c.dtype)
            for j, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
                block[j, : b - a] = c[a:b]
            blocks.append(block)
        return tuple(blocks)

    def block(rows, offsets, batch_widths, first, n):
        last = tf.minimum(first + per_call, n)
        bounds = offsets[first : last + 1]
        widths_ = batch_widths[first:last]
        out = tf.numpy_function(
            gather, [rows[bounds[0] : bounds[-1]], bounds - bounds[0], widths_], dtypes, stateful=False
        )
        out = [tf.ensure_shape(t, (None,) + s) for t, s in zip(out, shapes)]
        return (*out, bounds[1:] - bounds[:-1], widths_)

    def trim(x, *rest):
        """One batch of a block: its real rows, trimmed to its own width."""
        cut_arrays, size, width = rest[:-2], rest[-2], rest[-1]
        if side == "pre":  # the block holds the last steps: keep the last `width`
            x = x[:size, tf.shape(x, out_type=tf.int64)[1] - width :]
        else:
            x = x[:size, :width]
        return (x, *(t[:size] for t in cut_arrays))

    def epoch(rows, offsets, batch_widths):
        n = tf.shape(batch_widths, out_type=tf.int64)[0]
        firsts = tf.data.Dataset.range(0, n, per_call)
        blocks = firsts.map(lambda first: block(rows, offsets, batch_widths, first, n))
        return blocks.unbatch().map(trim)

    dataset = tf.data.Dataset.range(epochs).map(planned).flat_map(epoch)
    if epochs == 1:
        # Keras reads the epoch length from the cardinality. Several epochs
        # keep it unknown: with a known one Keras would open a new iterator
        # (and plan an unused epoch) once the last epoch ends.
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(n_batches))
    # tf.data's autotuning thread made deleting an iterator that had not
    # reached its end (the fit's last epoch, or an early stop) wait 4-5 s in
    # about half of the fits (Keras 3.15, TensorFlow 2.21). The pipeline has no
    # parallel stage to tune; prefetch still sizes its buffer by itself.
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(tf.data.AUTOTUNE).with_options(options)


class _BatchFeed(keras.utils.PyDataset):
    """A ``PyDataset`` over a batch plan: one plan per epoch, batches in order.

    Keras calls ``on_epoch_begin`` at the start of every training and
    evaluation epoch; that is where the next epoch is planned. ``workers=1``
    without multiprocessing: batches are cut in the training loop's thread,
    which JAX's asynchronous dispatch (and PyTorch's cheap batches) keep off
    the critical path.
    """

    def __init__(self, X, arrays, plan_epoch, side, keep, widths, n_batches):
        super().__init__(workers=1, use_multiprocessing=False)
        self._X, self._arrays = X, arrays
        self._plan_epoch, self._side = plan_epoch, side
        self._keep, self._widths = keep, widths
        self._n_batches = n_batches
        self._plan = None

    def __len__(self):
        return self._n_batches

    def on_epoch_begin(self):
        self._plan = None

    def on_epoch_end(self):
        self._plan = None

    def __getitem__(self, index):
        if self._plan is None:
            self._plan = flat_plan(self._plan_epoch(), self._keep, self._widths, self._X.shape[1])
        rows, offsets, batch_widths = self._plan
        if index >= len(batch_widths):
            raise IndexError(index)
        rows = rows[offsets[index] : offsets[index + 1]]
        x = take(self._X, rows, int(batch_widths[index]), self._side)
        return (x, *(a[rows] for a in self._arrays))


def predict_function(model, input_type, n_features):
    """A compiled inference pass of ``model``: NumPy batch in, NumPy out.

    Parameters
    ----------
    model : keras.Model
    input_type : {"tokens", "numeric"}
        Token ids (int32, 2-D) or numeric sequences (float32, 3-D).
    n_features : int
        Features per time step (numeric input).
    """
    if BACKEND == "tensorflow":
        return _TFPredict(model, input_type, n_features)
    if BACKEND == "jax":
        return _JaxPredict(model)
    return _TorchPredict(model)


class _Forward:
    """Inference pass of a Keras model, for ``tf.function``.

    A callable object rather than a closure: TensorFlow counts traces per code
    object, so closures of many fitted estimators would trip its "frequent
    retracing" warning although each traces once.
    """

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        return self.model(x, training=False)


class _TFPredict:
    """``tf.function`` with one input signature: any batch shape, one trace."""

    def __init__(self, model, input_type, n_features):
        from sklearn_rnn._backend import tf

        if input_type == "tokens":
            spec = tf.TensorSpec((None, None), tf.int32)
        else:
            spec = tf.TensorSpec((None, None, n_features), tf.float32)
        self.function = tf.function(_Forward(model), input_signature=[spec])

    def __call__(self, x):
        return self.function(x).numpy()


class _JaxPredict:
    """``jax.jit`` of the model's stateless forward pass.

    The weights are read at every call (a list of the variables' current
    arrays, no copy), so the function follows further training. XLA compiles
    once per input shape; bucket widths and the fixed prediction batch size
    keep the number of shapes small.
    """

    def __init__(self, model):
        import jax

        self.model = model

        def forward(trainable, non_trainable, x):
            out, _ = model.stateless_call(trainable, non_trainable, x, training=False)
            return out

        self.function = jax.jit(forward)

    def __call__(self, x):
        trainable = [v.value for v in self.model.trainable_variables]
        non_trainable = [v.value for v in self.model.non_trainable_variables]
        return np.asarray(self.function(trainable, non_trainable, x))


class _TorchPredict:
    """The module's forward pass without autograd (no graph to compile)."""

    def __init__(self, model):
        self.model = model

    def __call__(self, x):
        import torch

        with torch.no_grad():
            out = self.model(keras.ops.convert_to_tensor(x), training=False)
        return out.detach().cpu().numpy()
