"""Time a small GridSearchCV over RNNClassifier with n_jobs=2 against n_jobs=1.

The grid (4 candidates x 2 folds = 8 fits of a small GRU/LSTM on synthetic
token sequences) is sized for a 2-core machine. Run from the repository root
(drop ``PYTHONPATH=.`` once the package is installed)::

    PYTHONPATH=. python benchmarks/bench_parallel.py [--n-samples 200] [--epochs 3]

Prints one row per figure: our time, the baseline's time and their ratio
(ours / baseline; below 1 means ours is faster):

- ``n_jobs=2 vs n_jobs=1``: warm loky workers (TensorFlow already imported in
  them) against a sequential search in this process;
- ``n_jobs=2 cold vs n_jobs=1``: the same, paying for starting the workers and
  importing TensorFlow in each;
- ``n_jobs=2 sized vs oversubscribed``: workers whose TensorFlow thread pools
  follow joblib's ``cpu_count() // n_jobs`` (what sklearn_rnn does) against
  workers told to use every core each (``inner_max_num_threads``).
"""

import argparse
import os
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import RNNClassifier

GRID = {"cell": ["gru", "lstm"], "units": [8, 16]}


def make_tokens(n_samples, n_steps=30, vocab=200, seed=0):
    """Token sequences whose class is the marker token (2 or 3) they contain."""
    rng = np.random.RandomState(seed)
    X = rng.randint(5, vocab, size=(n_samples, n_steps))
    y = rng.randint(2, size=n_samples)
    X[np.arange(n_samples), rng.randint(n_steps, size=n_samples)] = 2 + y
    return X, y


def search_time(X, y, *, n_jobs, epochs, backend_kwargs=None):
    clf = RNNClassifier(units=8, embedding_dim=16, epochs=epochs, batch_size=32, random_state=0)
    search = GridSearchCV(clf, GRID, cv=2, n_jobs=n_jobs, refit=False)
    with joblib.parallel_backend("loky", **(backend_kwargs or {})):
        start = time.perf_counter()
        search.fit(X, y)
        return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    X, y = make_tokens(args.n_samples)
    print(f"cpu_count={joblib.cpu_count()} os.cpu_count={os.cpu_count()}")

    cold = search_time(X, y, n_jobs=2, epochs=args.epochs)  # starts the workers
    sequential = search_time(X, y, n_jobs=1, epochs=args.epochs)
    warm = search_time(X, y, n_jobs=2, epochs=args.epochs)
    # New workers with OMP_NUM_THREADS=cpu_count(): every TensorFlow pool
    # takes every core, as it would without sklearn_rnn's per-worker sizing.
    crowded = {"inner_max_num_threads": joblib.cpu_count()}
    search_time(X, y, n_jobs=2, epochs=args.epochs, backend_kwargs=crowded)  # warm-up
    oversubscribed = search_time(X, y, n_jobs=2, epochs=args.epochs, backend_kwargs=crowded)

    print(f"{'figure':36} {'ours (s)':>9} {'baseline (s)':>13} {'ratio':>6}")
    for figure, ours, baseline in [
        ("n_jobs=2 vs n_jobs=1", warm, sequential),
        ("n_jobs=2 cold vs n_jobs=1", cold, sequential),
        ("n_jobs=2 sized vs oversubscribed", warm, oversubscribed),
    ]:
        print(f"{figure:36} {ours:9.2f} {baseline:13.2f} {ours / baseline:6.2f}")


if __name__ == "__main__":
    main()
