"""Length-aware batching: group sequences of similar length, trim padding.

Pure NumPy planning (which rows go in which batch, how wide each batch is).
``_feed`` turns a plan into training batches for the Keras backend in use.

A batch is trimmed to a width taken from a small, fixed set of bucket widths
(powers of two and their midpoints, capped at the padded length), so the
number of distinct batch shapes stays small. Trimming only removes padding:
post-padded data keeps its first ``width`` steps, pre-padded data its last.
"""

import numpy as np

from sklearn_rnn._validation import PAD_ID, padded_steps

#: Rows of a prediction chunk whose lengths are planned together.
PREDICT_CHUNK = 65536
#: Batches that are sorted by length together during training.
POOL_BATCHES = 32


def real_steps(X: np.ndarray, input_type: str) -> np.ndarray:
    """Boolean ``(n_samples, n_timesteps)`` mask of real (non-padding) steps."""
    if input_type == "tokens":
        return X != PAD_ID
    return ~padded_steps(X)


def padding_plan(X: np.ndarray, input_type: str):
    """Find the padding side and the length each row keeps after trimming.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps[, n_features])
    input_type : {"tokens", "numeric"}

    Returns
    -------
    side : {"post", "pre", None}
        Where padding sits; None when rows mix both sides (no trimming).
    keep : ndarray of int, shape (n_samples,)
        Steps each row needs counted from its padded side's opposite end.
    """
    n_steps = X.shape[1]
    first = np.empty(len(X), dtype=np.int64)
    last = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), PREDICT_CHUNK):  # chunks: bounded memory
        real = real_steps(X[start : start + PREDICT_CHUNK], input_type)
        any_real = real.any(axis=1)
        part = slice(start, start + len(real))
        first[part] = np.where(any_real, real.argmax(axis=1), n_steps)
        last[part] = np.where(any_real, n_steps - real[:, ::-1].argmax(axis=1), 0)
    any_real = last > 0
    if np.all(first[any_real] == 0):
        return "post", last
    if np.all(last[any_real] == n_steps):
        return "pre", np.where(any_real, n_steps - first, 0)
    return None, np.full(len(X), n_steps)


def bucket_widths(n_steps: int) -> np.ndarray:
    """The fixed set of batch widths used for a padded length ``n_steps``."""
    widths = {n_steps}
    power = 8
    while power < n_steps:
        widths.update({power, min(n_steps, power * 3 // 2)})
        power *= 2
    return np.array(sorted(widths))


def batch_width(keep: np.ndarray, widths: np.ndarray) -> int:
    """Smallest bucket width that holds the longest row of a batch."""
    longest = max(int(keep.max(initial=0)), 1)
    return int(widths[np.searchsorted(widths, longest)])


#: On backends that compile one program per batch shape (JAX's XLA), ``"auto"``
#: buckets a fit only when it runs at least this many batches per bucket width:
#: each width costs a compilation (about a second for a small GRU on a CPU),
#: which the padding saved per batch (tens of milliseconds) repays only over
#: many batches.
BATCHES_PER_COMPILED_WIDTH = 100


def use_bucketing(setting, side, keep: np.ndarray, n_steps: int, *, batches=None) -> bool:
    """Whether to bucket by length: the one rule for ``fit`` and ``predict``.

    Parameters
    ----------
    setting : bool or "auto"
        The estimator's ``length_bucketing``. ``"auto"``: bucketing pays when
        padding is on one side and at least 30% of the steps are padding.
    side : {"post", "pre", None}
        Padding side from ``padding_plan``; None (both sides) rules
        bucketing out, since trimming would cut real steps.
    keep : ndarray of int
        Steps each row keeps.
    n_steps : int
        Padded length.
    batches : int, optional
        Batches the fit will run, given only where each batch shape is compiled
        (JAX): ``"auto"`` then also needs ``BATCHES_PER_COMPILED_WIDTH`` batches
        per bucket width.
    """
    if side is None or len(keep) == 0 or setting is False:
        return False
    if setting == "auto":
        if batches is not None and batches < BATCHES_PER_COMPILED_WIDTH * len(bucket_widths(n_steps)):
            return False
        return bool(keep.mean() <= 0.7 * n_steps)
    return True


def take(X: np.ndarray, rows: np.ndarray, width: int, side) -> np.ndarray:
    """Rows of X trimmed to ``width`` steps on the side opposite the padding."""
    if side == "pre":
        return X[rows, X.shape[1] - width :]
    return X[rows, :width]


def epoch_batches(rng, indices, keep, batch_size, bucketing):
    """Shuffled batches of row indices for one epoch.

    With ``bucketing``, rows are shuffled, then sorted by length inside pools
    of ``POOL_BATCHES`` batches, cut into batches, and the batch order is
    shuffled again: every epoch sees a new mix, and each batch holds rows of
    similar length.
    """
    order = rng.permutation(indices)
    if bucketing:
        pool = batch_size * POOL_BATCHES
        order = np.concatenate(
            [
                chunk[np.argsort(keep[chunk], kind="stable")]
                for chunk in np.array_split(order, max(1, -(-len(order) // pool)))
            ]
        )
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if bucketing:
        rng.shuffle(batches)
    return batches


def predict_batches(keep, batch_rows, bucketing):
    """Batches of row indices for inference, sorted by length when bucketing."""
    order = np.argsort(keep, kind="stable") if bucketing else np.arange(len(keep))
    return [order[i : i + batch_rows] for i in range(0, len(order), batch_rows)]


def flat_plan(batches, keep, widths, n_steps):
    """Pack a list of index batches into flat arrays for the in-graph feed.

    Returns ``rows`` (all indices, batch after batch), ``offsets`` (batch
    ``i`` is ``rows[offsets[i]:offsets[i + 1]]``) and each batch's width.
    """
    sizes = np.array([len(rows) for rows in batches], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    rows = np.concatenate(batches).astype(np.int64) if batches else np.zeros(0, np.int64)
    if widths is None:
        batch_widths = np.full(len(batches), n_steps, dtype=np.int64)
    else:
        batch_widths = np.array([batch_width(keep[b], widths) for b in batches], dtype=np.int64)
    return rows, offsets, batch_widths
