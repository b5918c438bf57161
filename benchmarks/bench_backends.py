"""Fit overhead and latency of sklearn_rnn on each Keras backend (CPU).

Every backend runs in its own child process (``KERAS_BACKEND`` set there) and
prints JSON; this script prints the tables. Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_backends.py [--backends tensorflow jax torch]
        [--sizes 3000 30000] [--repeat 2] [--quick]

Figures, each measured in the same child process as its baseline:

- fit overhead: ``RNNClassifier.fit`` vs ``model.fit`` on NumPy arrays of the
  very same network (built by ``build_rnn_model`` with the same parameters and
  seed), 3 epochs, batch 32: token rows of 60 steps at each ``--sizes`` and
  3-D numeric input (rows x 60 steps x 8 features); and a small training
  set trained long (40 sequences x 100 steps x 3 features, batch 8, 100
  epochs), where what a fit pays per epoch shows. Target <= 1.05.
  ``--repeat`` pairs run interleaved, which side goes first alternating;
  printed: the best time of each side and their ratio, the median of the
  per-pair wall-clock ratios, and the median of the per-pair ratios of CPU
  time (all threads of the process), which a shared machine's load moves
  far less than wall-clock time.
- epoch time: masked GRU and LSTM on variable-length token rows (lengths 10
  to 60, post-padded), ``RNNClassifier.fit`` per epoch; compared to the
  TensorFlow row of the same run (target: no backend > 1.10x, or documented).
- one-row ``predict_proba`` latency, median of many calls (targets: < 3 ms
  on every backend, < 0.5 ms on JAX).
"""

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

STEPS, VOCAB, UNITS, EPOCHS, BATCH = 60, 2000, 32, 3, 32


def token_data(n, lengths, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(4, VOCAB, size=(n, STEPS)).astype(np.int32)
    y = rng.randint(2, size=n)
    X[np.arange(n), rng.randint(lengths)] = 2 + y
    X[np.arange(STEPS)[None, :] >= lengths[:, None]] = 0
    return X, y


def numeric_data(n, n_features=8, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, STEPS, n_features)).astype(np.float32)
    y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    return X, y


def timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def cpu_seconds():
    """CPU time of this process, every thread (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_both(func):
    """(wall seconds, CPU seconds) of one call, after an untimed garbage collection.

    Keras models hold reference cycles: without the collection, the run that
    follows another pays for freeing the models before it (measured: the
    first fit of each pair 0.4-0.7 s slower at 3,000 rows, whichever side).
    """
    gc.collect()
    wall, cpu = time.perf_counter(), cpu_seconds()
    func()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def child(sizes, repeat, quick):
    from sklearn_rnn import RNNClassifier, build_rnn_model
    from sklearn_rnn._backend import BACKEND

    # head="last", frame_length=1, no input corruption, the plain loss: the network
    # build_rnn_model builds by default (the baseline); RNNClassifier's own
    # defaults would change the network
    params = dict(units=UNITS, embedding_dim=UNITS, batch_size=BATCH, head="last",
                  frame_length=1, conv_width=0, token_dropout=0.0, input_noise=0.0,
                  label_smoothing=0.0, ngram_expert=0, random_state=0)  # fmt: skip
    results = {"backend": BACKEND, "fit": [], "epoch": [], "predict": []}

    def fit_pair(label, X, y, input_kind, n_features=None, cell="gru", epochs=EPOCHS, batch=BATCH):
        def ours():
            RNNClassifier(**{**params, "batch_size": batch}, cell=cell, epochs=epochs).fit(X, y)

        def baseline():
            model = build_rnn_model(
                n_classes=2, input_type=input_kind, n_features=n_features,
                vocab_size=VOCAB if input_kind == "tokens" else None,
                embedding_dim=UNITS, units=UNITS, cell=cell, seed=0,
            )  # fmt: skip
            model.fit(X, y, batch_size=batch, epochs=epochs, verbose=0)

        ours_t, base_t = [], []
        for i in range(repeat):  # interleaved, the order alternating
            first, second = (ours, baseline) if i % 2 == 0 else (baseline, ours)
            a, b = timed_both(first), timed_both(second)
            ours_t.append(a if i % 2 == 0 else b)
            base_t.append(b if i % 2 == 0 else a)
        ours_t, base_t = np.array(ours_t), np.array(base_t)
        results["fit"].append([
            label, ours_t[:, 0].min(), base_t[:, 0].min(),
            float(np.median(ours_t[:, 0] / base_t[:, 0])),
            float(np.median(ours_t[:, 1] / base_t[:, 1])),
        ])  # fmt: skip
        print(BACKEND, label, ours_t.round(2).tolist(), base_t.round(2).tolist(), file=sys.stderr, flush=True)

    # warm up each side once (imports, first compilations)
    Xw, yw = token_data(64, np.full(64, STEPS))
    RNNClassifier(**params, epochs=1).fit(Xw, yw)
    for n in sizes:
        X, y = token_data(n, np.full(n, STEPS))
        fit_pair(f"{n} x {STEPS} tokens", X, y, "tokens")
    n_num = sizes[0]
    Xn, yn = numeric_data(n_num)
    fit_pair(f"{n_num} x {STEPS} x 8 numeric", Xn, yn, "numeric", n_features=8)
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(40, 100, 3)).astype(np.float32)
    ys = (Xs[:, :, 0].mean(axis=1) > 0).astype(int)
    fit_pair("40 x 100 x 3 numeric, batch 8, 100 epochs", Xs, ys, "numeric", n_features=3,
             epochs=100, batch=8)  # fmt: skip

    n_epoch = 1000 if quick else 3000
    lengths = np.random.RandomState(1).randint(10, STEPS + 1, size=n_epoch)
    X, y = token_data(n_epoch, lengths)
    for cell in ("gru", "lstm"):
        clf = RNNClassifier(**params, cell=cell, epochs=1).fit(X[:64], y[:64])  # compile
        t = min(timed(lambda: RNNClassifier(**params, cell=cell, epochs=2).fit(X, y)) for _ in range(repeat))
        results["epoch"].append([f"masked {cell.upper()}, {n_epoch} rows len 10-60", t / 2])
        print(BACKEND, cell, "epoch", t / 2, file=sys.stderr, flush=True)

        one = X[:1]
        clf.predict_proba(one)
        calls = []
        for _ in range(200 if quick else 1000):
            start = time.perf_counter()
            clf.predict_proba(one)
            calls.append(time.perf_counter() - start)
        results["predict"].append([f"predict_proba 1 row, {cell.upper()}", float(np.median(calls))])
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax", "torch"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[3000, 30000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.sizes, args.repeat, args.quick)

    runs = {}
    for backend in args.backends:
        env = {**os.environ, "KERAS_BACKEND": backend}
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--repeat", str(args.repeat),
               "--sizes", *map(str, args.sizes)] + (["--quick"] if args.quick else [])  # fmt: skip
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
        if done.returncode != 0:
            print(f"{backend}: failed (see its standard error above)", file=sys.stderr)
            continue
        runs[backend] = json.loads(done.stdout.strip().splitlines()[-1])

    print(f"Fit overhead: RNNClassifier.fit / model.fit of the same network, {EPOCHS} epochs, "
          f"batch {BATCH} unless the data column says otherwise, GRU({UNITS}); {args.repeat} interleaved pairs. Seconds: best of "
          "the pairs; ratios: best/best, median of the per-pair wall-clock ratios, median of "
          "the per-pair CPU-time ratios (all threads)")  # fmt: skip
    print("| backend | data | ours (s) | model.fit (s) | best/best | median pair | CPU median pair |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for backend, run in runs.items():
        for label, ours, base, pair, cpu in run["fit"]:
            print(f"| {backend} | {label} | {ours:.2f} | {base:.2f} | {ours / base:.3f} | {pair:.3f} | {cpu:.3f} |")
    ref = runs.get("tensorflow")
    print("\nEpoch time and latency per backend (ratio: vs the TensorFlow row of this run)")
    print("| backend | figure | value | vs TF |\n|---|---|---:|---:|")
    for backend, run in runs.items():
        for kind, unit, scale in (("epoch", "s", 1), ("predict", "ms", 1e3)):
            for i, (label, value) in enumerate(run[kind]):
                base = ref[kind][i][1] if ref else float("nan")
                print(f"| {backend} | {label} | {value * scale:.3f} {unit} | {value / base:.2f} |")


if __name__ == "__main__":
    main()
