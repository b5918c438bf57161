"""The TensorFlow training feed alone, without a model (docs/performance.md).

Compares ``sklearn_rnn._feed.training_feed`` (batches cut from NumPy by
``tf.numpy_function``, ``TF_BATCHES_PER_CALL`` batches per call) with a
Keras-style in-graph feed (the arrays converted to tensors once, each batch
gathered in the graph, as ``model.fit`` does with NumPy input) on equal-length
token rows, batch 32, 3 epochs:

- iterator start-up: creating the epoch's iterator and taking its first batch
  (what every epoch of ``Model.fit`` pays), median over epochs;
- CPU time per batch while iterating the 3 epochs (all threads).

Run from the repository root (TensorFlow backend)::

    PYTHONPATH=. python benchmarks/bench_tf_feed.py [--rows 300 30000] [--per-call 1 16]
"""

import argparse
import resource
import time

import numpy as np

STEPS, VOCAB, BATCH, EPOCHS = 60, 2000, 32, 3


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_graph_feed(tf, X, y, plan):
    """Keras' way: tensors once, one gather per batch in the graph."""
    tx, ty = tf.convert_to_tensor(X), tf.convert_to_tensor(y)

    def planned(_):
        return tf.numpy_function(lambda: np.concatenate(plan()).astype(np.int64), [], tf.int64)

    def epoch(rows):
        rows = tf.ensure_shape(rows, (None,))
        return tf.data.Dataset.from_tensor_slices(rows).batch(BATCH).map(
            lambda r: (tf.gather(tx, r), tf.gather(ty, r))
        )

    return tf.data.Dataset.range(1).map(planned).flat_map(epoch).prefetch(tf.data.AUTOTUNE)


def measure(dataset, n_batches):
    starts, n = [], 0
    cpu = cpu_seconds()
    for _ in range(EPOCHS):
        start = time.perf_counter()
        iterator = iter(dataset)
        next(iterator)
        starts.append(time.perf_counter() - start)
        n += 1 + sum(1 for _ in iterator)
    assert n == EPOCHS * n_batches, (n, n_batches)
    return float(np.median(starts)), (cpu_seconds() - cpu) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", type=int, default=[300, 30000])
    parser.add_argument("--per-call", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from sklearn_rnn import _batching, _feed
    from sklearn_rnn._backend import BACKEND, tf

    if BACKEND != "tensorflow":
        raise SystemExit("bench_tf_feed.py measures the TensorFlow feed: run it with KERAS_BACKEND=tensorflow")
    print("| rows | feed | iterator start-up + first batch (ms) | CPU per batch (ms) |\n|---|---|---:|---:|")
    for n_rows in args.rows:
        rng = np.random.RandomState(0)
        X = rng.randint(2, VOCAB, size=(n_rows, STEPS)).astype(np.int32)
        y = rng.randint(2, size=n_rows).astype(np.int64)
        keep = np.full(n_rows, STEPS)
        n_batches = -(-n_rows // BATCH)

        def plan():
            return _batching.epoch_batches(rng, np.arange(n_rows), keep, BATCH, False)

        feeds = {f"sklearn_rnn, {k} per call": k for k in args.per_call}
        feeds["in-graph gather (Keras' way)"] = None
        results = {name: [] for name in feeds}
        for _ in range(args.repeat):  # interleaved
            for name, per_call in feeds.items():
                if per_call is None:
                    dataset = in_graph_feed(tf, X, y, plan)
                else:
                    _feed.TF_BATCHES_PER_CALL = per_call
                    dataset = _feed.training_feed(
                        X, (y,), plan_epoch=plan, side="post", keep=keep, widths=None, n_batches=n_batches
                    )
                results[name].append(measure(dataset, n_batches))
        for name, values in results.items():
            start, per_batch = np.median(np.array(values), axis=0)
            print(f"| {n_rows} | {name} | {start * 1e3:.1f} | {per_batch * 1e3:.3f} |", flush=True)


if __name__ == "__main__":
    main()
