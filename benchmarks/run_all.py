"""Run every sklearn_rnn benchmark on CPU and print one table of ratios.

Each figure is measured against a baseline run in the same process (the
memory figures in a fresh child process each, so that peak memory is not
inherited): ours, the baseline, and ratio = ours / baseline. Timed pairs are
interleaved and the best of ``--repeat`` runs is kept, so that load from other
processes hurts both sides alike. Run from the repository root (drop
``PYTHONPATH=.`` once the package is installed)::

    PYTHONPATH=. python benchmarks/run_all.py [--quick] [--markdown docs/performance.md]

``--markdown FILE`` also writes the table into FILE, between the lines
``<!-- benchmark-table:start -->`` and ``<!-- benchmark-table:end -->``
(appended when the markers are missing). Figures and targets:

- fit overhead: ``RNNClassifier.fit`` vs a hand-written Keras model of the
  same architecture fitted with ``model.fit`` on NumPy (target <= 1.05);
- predict latency: one-row ``predict_proba`` vs scikeras'
  ``KerasClassifier.predict_proba`` around the same network (ours 10x faster,
  ratio <= 0.1) and 5,000 rows vs ``model.predict`` (ratio <= 1);
- length bucketing: fit on log-normal lengths (median ~27, max 400) vs raw
  Keras on the padded array, at equal accuracy (target <= 0.6);
- memory: predicting 1,000,000 sequences of 100 tokens (peak RSS growth vs
  the input's size) and fit's extra memory vs the training data's size;
- tokenizer: ``TextTokenizer`` vs ``CountVectorizer`` (bench_tokenizer.py).
"""

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MARK_START = "<!-- benchmark-table:start -->"
MARK_END = "<!-- benchmark-table:end -->"


# --------------------------------------------------------------------- data
def token_data(n_samples, lengths, *, vocab=2000, seed=0):
    """Post-padded token ids whose class is the marker token (2 or 3) they hold."""
    rng = np.random.RandomState(seed)
    n_steps = int(lengths.max())
    X = rng.randint(4, vocab, size=(n_samples, n_steps)).astype(np.int32)
    y = rng.randint(2, size=n_samples)
    X[np.arange(n_samples), rng.randint(lengths)] = 2 + y
    X[np.arange(n_steps)[None, :] >= lengths[:, None]] = 0
    return X, y


def lognormal_lengths(n_samples, *, median=27, max_len=400, seed=0):
    rng = np.random.RandomState(seed)
    lengths = np.exp(rng.normal(np.log(median), 0.8, size=n_samples)).astype(int)
    lengths = np.clip(lengths, 1, max_len)
    lengths[0] = max_len  # the padded width is the longest sequence
    return lengths


def keras_model(vocab, *, embedding_dim, units, n_classes=2, dropout=0.2):
    """The hand-written baseline: Embedding(mask_zero) -> GRU -> Dense softmax."""
    from sklearn_rnn._backend import keras

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(vocab, embedding_dim, mask_zero=True)(inputs)
    x = keras.layers.GRU(units, dropout=dropout)(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ------------------------------------------------------------------ timing
def timed(func):
    # untimed collection first: Keras models hold reference cycles, and the
    # run after another would otherwise pay for freeing its models
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def best_pair(ours, baseline, repeat):
    """Interleave the two callables ``repeat`` times; best wall time of each."""
    ours_times, base_times, results = [], [], {}
    for _ in range(repeat):
        t, results["ours"] = timed(ours)
        ours_times.append(t)
        t, results["baseline"] = timed(baseline)
        base_times.append(t)
    return min(ours_times), min(base_times), results


def median_latency(func, n_calls):
    func()  # warm up (tracing, first call)
    times = []
    for _ in range(n_calls):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# ----------------------------------------------------------------- figures
def figure_fit_overhead(scale, repeat):
    from sklearn_rnn import RNNClassifier

    n, steps, vocab, units, epochs = int(3000 * scale), 40, 2000, 32, 3
    X, y = token_data(n, np.full(n, steps), vocab=vocab)
    # head="last", token_dropout=0, conv_width=0, label_smoothing=0, ngram_expert=0: the
    # network and loss keras_model builds
    # (the "auto" head pools over time, token dropout and a convolution add
    # layers: another network)
    params = dict(units=units, embedding_dim=units, batch_size=32, epochs=epochs, head="last",
                  token_dropout=0.0, conv_width=0, label_smoothing=0.0, ngram_expert=0)  # fmt: skip

    def ours():
        return RNNClassifier(**params, random_state=0).fit(X, y)

    def baseline():
        model = keras_model(vocab, embedding_dim=units, units=units)
        model.fit(X, y, batch_size=32, epochs=epochs, verbose=0)
        return model

    RNNClassifier(**{**params, "epochs": 1}).fit(X[:64], y[:64])  # warm up TF
    keras_model(vocab, embedding_dim=units, units=units).fit(X[:64], y[:64], verbose=0)
    t_ours, t_base, _ = best_pair(ours, baseline, repeat)
    note = f"{n} x {steps} tokens, GRU({units}), {epochs} epochs, batch 32; target <= 1.05"
    return [("fit overhead, equal lengths (s)", t_ours, t_base, note)]


def figure_predict(scale, repeat):
    from scikeras.wrappers import KerasClassifier

    from sklearn_rnn import RNNClassifier, build_rnn_model

    n, steps, vocab, units = 2000, 40, 2000, 32
    X, y = token_data(n, np.full(n, steps), vocab=vocab)
    ours = RNNClassifier(
        units=units, embedding_dim=units, epochs=1, head="last", token_dropout=0.0, conv_width=0,
        label_smoothing=0.0, ngram_expert=0, random_state=0,
    ).fit(X, y)
    theirs = KerasClassifier(
        model=build_rnn_model,
        model__vocab_size=ours.vocab_size_,
        model__units=units,
        model__embedding_dim=units,
        model__seed=0,
        epochs=1,
        verbose=0,
        random_state=0,
    ).fit(X, y)
    one = X[:1]
    n_calls = max(10, int(50 * scale))
    t_ours = median_latency(lambda: ours.predict_proba(one), n_calls)
    t_base = median_latency(lambda: theirs.predict_proba(one), n_calls)

    X_big, _ = token_data(int(5000 * scale), np.full(int(5000 * scale), steps), vocab=vocab)
    b_ours, b_base, _ = best_pair(
        lambda: ours.predict_proba(X_big),
        lambda: ours.model_.predict(X_big, verbose=0),
        repeat,
    )
    return [
        (
            "predict_proba, 1 row (ms)",
            t_ours * 1e3,
            t_base * 1e3,
            f"median of {n_calls} calls vs scikeras KerasClassifier; target <= 0.1 (10x)",
        ),
        (
            f"predict_proba, {len(X_big)} rows (s)",
            b_ours,
            b_base,
            "vs the same model's model.predict (batch_size=32); target <= 1",
        ),
    ]


def figure_bucketing(scale, repeat):
    from sklearn_rnn import RNNClassifier

    n, vocab, units, epochs = int(2500 * scale), 2000, 32, 2
    lengths = lognormal_lengths(2 * n)
    X_all, y_all = token_data(2 * n, lengths, vocab=vocab)
    X, y, X_test, y_test = X_all[:n], y_all[:n], X_all[n:], y_all[n:]
    params = dict(units=units, embedding_dim=units, batch_size=64, epochs=epochs, head="last",
                  token_dropout=0.0, conv_width=0, label_smoothing=0.0, ngram_expert=0)  # fmt: skip

    def ours():
        clf = RNNClassifier(**params, random_state=0).fit(X, y)
        return float(np.mean(clf.predict(X_test) == y_test))

    def baseline():
        model = keras_model(vocab, embedding_dim=units, units=units)
        model.fit(X, y, batch_size=64, epochs=epochs, verbose=0)
        proba = model.predict(X_test, batch_size=256, verbose=0)
        return float(np.mean(proba.argmax(axis=1) == y_test))

    t_ours, t_base, acc = best_pair(ours, baseline, max(1, repeat - 1))
    note = (
        f"{n} rows, lengths median {int(np.median(lengths))}, max {lengths.max()}, "
        f"{epochs} epochs; test accuracy ours {acc['ours']:.3f}, "
        f"Keras {acc['baseline']:.3f}; target <= 0.6"
    )
    return [("fit + predict, log-normal lengths (s)", t_ours, t_base, note)]


def figure_memory(scale, repeat):
    rows = []
    for job in ("predict", "fit"):
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--memory-child", job, "--scale", str(scale)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(
            (result["figure"], result["ours"], result["baseline"], result["note"])
        )
    return rows


def figure_tokenizer(scale, repeat):
    from bench_tokenizer import best_time, make_corpus
    from sklearn.feature_extraction.text import CountVectorizer

    from sklearn_rnn import TextTokenizer

    docs = make_corpus(int(20_000 * scale))
    pattern = r"(?u)\b\w+\b"
    ours = TextTokenizer(token_pattern=pattern).fit(docs)
    theirs = CountVectorizer(token_pattern=pattern).fit(docs)
    note = f"{len(docs)} documents vs CountVectorizer, best of {repeat}"
    return [
        (
            "TextTokenizer.fit (s)",
            best_time(lambda: TextTokenizer(token_pattern=pattern).fit(docs), repeat),
            best_time(lambda: CountVectorizer(token_pattern=pattern).fit(docs), repeat),
            note,
        ),
        (
            "TextTokenizer.transform (s)",
            best_time(lambda: ours.transform(docs), repeat),
            best_time(lambda: theirs.transform(docs), repeat),
            note,
        ),
    ]


FIGURES = {
    "fit": figure_fit_overhead,
    "predict": figure_predict,
    "bucketing": figure_bucketing,
    "memory": figure_memory,
    "tokenizer": figure_tokenizer,
}


# ------------------------------------------------------- memory (child side)
class PeakRSS:
    """Sample this process's resident memory every few ms; keep the peak."""

    def __init__(self):
        import psutil

        self._process = psutil.Process()
        self.start = self._process.memory_info().rss
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def growth(self):
        return self.peak - self.start


def memory_child(job, scale):
    from sklearn_rnn import RNNClassifier

    mb = 2**20
    if job == "predict":
        n, steps = int(1_000_000 * scale), 100
        rng = np.random.RandomState(0)
        X = rng.randint(2, 2000, size=(n, steps)).astype(np.int32)
        y = rng.randint(2, size=2000)
        clf = RNNClassifier(units=8, embedding_dim=8, epochs=1, random_state=0).fit(X[:2000], y)
        clf.predict_proba(X[:10])
        with PeakRSS() as peak:
            start = time.perf_counter()
            proba = clf.predict_proba(X)
            seconds = time.perf_counter() - start
        assert proba.shape == (n, 2)
        return {
            "figure": f"predict {n:,} x {steps} tokens: peak RSS growth (MiB)",
            "ours": peak.growth / mb,
            "baseline": X.nbytes / mb,
            "note": f"baseline = size of X; output alone is {proba.nbytes / mb:.0f} MiB; "
            f"took {seconds:.0f} s",
        }
    # fit: wide padded array, short rows, so the data dominates the memory.
    n, steps = int(100_000 * scale), 500
    lengths = np.random.RandomState(0).randint(1, 30, size=n)
    X, y = token_data(n, np.r_[steps, lengths[1:]], vocab=2000)
    clf = RNNClassifier(units=8, embedding_dim=8, epochs=1, batch_size=512, random_state=0)
    clf.fit(X[:1000], y[:1000])  # warm up TensorFlow outside the measurement
    with PeakRSS() as peak:
        clf.fit(X, y)
    return {
        "figure": f"fit {n:,} x {steps} tokens: peak RSS growth (MiB)",
        "ours": peak.growth / mb,
        "baseline": X.nbytes / mb,
        "note": "baseline = size of X; ratio <= 1 means at most one copy of X",
    }


# ------------------------------------------------------------------ output
def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    import keras
    import sklearn
    import tensorflow as tf

    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"scikit-learn {sklearn.__version__}, NumPy {np.__version__}"
    )


def markdown_table(rows):
    lines = [
        "| figure | ours | baseline | ratio | notes |",
        "|---|---:|---:|---:|---|",
    ]
    for figure, ours, base, note in rows:
        lines.append(f"| {figure} | {ours:.4g} | {base:.4g} | {ours / base:.3f} | {note} |")
    return "\n".join(lines)


def write_markdown(path, text):
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    if MARK_START in old and MARK_END in old:
        head, rest = old.split(MARK_START, 1)
        new = head + block + rest.split(MARK_END, 1)[1]
    else:
        new = old + ("\n" if old else "") + block + "\n"
    with open(path, "w") as f:
        f.write(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), help="figures to run")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per timing")
    parser.add_argument("--quick", action="store_true", help="smaller data, one repeat (smoke test)")
    parser.add_argument("--scale", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--memory-child", choices=["predict", "fit"], help=argparse.SUPPRESS)
    parser.add_argument("--markdown", metavar="FILE", help="also write the table into FILE")
    args = parser.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.scale)))
        return
    scale, repeat = (0.1, 1) if args.quick else (args.scale, args.repeat)

    rows = []
    start = time.perf_counter()
    for name in args.only or FIGURES:
        t0 = time.perf_counter()
        new = FIGURES[name](scale, repeat)
        rows.extend(new)
        for figure, ours, base, _ in new:
            print(f"{figure:<48} {ours:>10.4g} {base:>10.4g} {ours / base:>7.3f}", flush=True)
        print(f"  ({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
    table = markdown_table(rows)
    summary = (
        f"Ran on {machine()} in {time.perf_counter() - start:.0f} s; "
        f"ratio = ours / baseline; times are the best of {repeat} interleaved runs."
    )
    print()
    print(table)
    print()
    print(summary)
    if args.markdown:
        write_markdown(args.markdown, f"{table}\n\n{summary}")


if __name__ == "__main__":
    main()
