"""Time a small GridSearchCV over RNNClassifier with n_jobs=2 against n_jobs=1.

The grid (4 candidates x 2 folds = 8 fits of a small GRU/LSTM on synthetic
token sequences) is sized for a 2-core machine. Run from the repository root
(drop ``PYTHONPATH=.`` once the package is installed)::

    PYTHONPATH=. python benchmarks/bench_parallel.py [--n-samples 200] [--epochs 3] [--repeat 2]

Prints one row per figure: our time, the baseline's time and their ratio
(ours / baseline; below 1 means ours is faster). Every search runs in a fresh
Python process and includes importing TensorFlow (in the main process for
``n_jobs=1``, in each worker for ``n_jobs=2``):

- ``n_jobs=2 vs n_jobs=1``: the same grid on two loky workers against one
  process;
- ``n_jobs=2 sized vs oversubscribed``: workers whose TensorFlow thread pools
  follow joblib's ``cpu_count() // n_jobs`` (what sklearn_rnn does) against
  workers told to use every core each (``inner_max_num_threads``).
"""

import argparse
import os
import subprocess
import sys
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNClassifier

GRID = {"cell": ["gru", "lstm"], "units": [8, 16]}
HERE = os.path.dirname(os.path.abspath(__file__))


def make_tokens(n_samples, n_steps=30, vocab=200, seed=0):
    """Token sequences whose class is the marker token (2 or 3) they contain."""
    rng = np.random.RandomState(seed)
    X = rng.randint(5, vocab, size=(n_samples, n_steps))
    y = rng.randint(2, size=n_samples)
    X[np.arange(n_samples), rng.randint(n_steps, size=n_samples)] = 2 + y
    return X, y


def search_time(n_samples, epochs, n_jobs, inner_threads):
    """Seconds for one search, run in a fresh Python process.

    Each side starts from scratch (TensorFlow imported by the first fit in
    this process, or once in each worker), so no side profits from state
    left behind by an earlier measurement.
    """
    code = (
        "import bench_parallel as b; "
        f"print(b.timed_search({n_samples}, {epochs}, {n_jobs}, {inner_threads}))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([HERE, os.getcwd()])}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return float(done.stdout.split()[-1])


def timed_search(n_samples, epochs, n_jobs, inner_threads):
    X, y = make_tokens(n_samples)
    clf = RNNClassifier(units=8, embedding_dim=16, epochs=epochs, batch_size=32, random_state=0)
    search = GridSearchCV(clf, GRID, cv=2, n_jobs=n_jobs, refit=False)
    with joblib.parallel_backend("loky", inner_max_num_threads=inner_threads):
        start = time.perf_counter()
        search.fit(X, y)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"joblib.cpu_count()={joblib.cpu_count()}, load average {os.getloadavg()[0]:.1f}")

    # Interleaved, best of --repeat: other load on the machine hits every side.
    variants = {
        "sequential": (1, None),
        "parallel": (2, None),
        # Workers told to use every core each (OMP_NUM_THREADS=cpu_count()),
        # as they would without sklearn_rnn's per-worker sizing.
        "oversubscribed": (2, joblib.cpu_count()),
    }
    times = {name: [] for name in variants}
    for _ in range(args.repeat):
        for name, (n_jobs, inner_threads) in variants.items():
            times[name].append(search_time(args.n_samples, args.epochs, n_jobs, inner_threads))
    best = {name: min(values) for name, values in times.items()}

    print(f"{'figure':36} {'ours (s)':>9} {'baseline (s)':>13} {'ratio':>6}")
    for figure, ours, baseline in [
        ("n_jobs=2 vs n_jobs=1", best["parallel"], best["sequential"]),
        ("n_jobs=2 sized vs oversubscribed", best["parallel"], best["oversubscribed"]),
    ]:
        print(f"{figure:36} {ours:9.2f} {baseline:13.2f} {ours / baseline:6.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
