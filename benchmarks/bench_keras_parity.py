"""Does RNNClassifier learn as fast as a hand-written Keras model of the same shape?

Synthetic task from issue 12: 600 sequences of 20 steps and 3 channels of
standard normal noise, the class is the channel with the largest mean;
GRU(16) -> softmax, Adam(1e-3), batch 32, 15 epochs; accuracy on 2,000 fresh
test sequences, mean over ``--seeds`` seeds. Columns differ in one thing at a
time, so each gap has a cause:

- hand-written Keras (default initialisers, seeded by
  ``keras.utils.set_random_seed``) with and without dropout;
- ``RNNClassifier`` with its defaults and with ``dropout=0``;
- ``build_rnn_model`` with the very seed ``RNNClassifier`` derives from its
  ``random_state``, trained by ``model.fit`` on NumPy arrays: the same
  initial weights as ``RNNClassifier(dropout=0)`` but Keras' own shuffling
  and batching instead of ours.

``--init-only`` instead keeps one task and one shuffling order and varies only
the initial weights: ``build_rnn_model(seed=k)`` against Keras' default
initialisers after ``set_random_seed(k)``. Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_keras_parity.py [--seeds 5] [--init-only]
"""

import argparse
import sys

import numpy as np


def make_task(n, seed, n_steps=20, n_channels=3):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_steps, n_channels)).astype("float32")
    return X, X.mean(axis=1).argmax(axis=1)


def hand_keras(Xtr, ytr, Xte, yte, seed, dropout=0.0):
    from sklearn_rnn._backend import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((None, Xtr.shape[2])),
        keras.layers.GRU(16, dropout=dropout),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr, batch_size=32, epochs=15, verbose=0, shuffle=True)
    return float(np.mean(model.predict(Xte, verbose=0).argmax(1) == yte))


def builder_fit(Xtr, ytr, Xte, yte, seed, init_seed=None, fit_seed=None):
    from sklearn_rnn._backend import keras
    from sklearn_rnn._models import build_rnn_model

    if init_seed is None:  # the seed RNNClassifier(random_state=seed) builds with
        init_seed = int(np.random.RandomState(seed).randint(np.iinfo(np.int32).max))
    model = build_rnn_model(
        n_classes=3, input_type="numeric", n_features=Xtr.shape[2], units=16, dropout=0.0,
        seed=init_seed,
    )  # fmt: skip
    keras.utils.set_random_seed(seed if fit_seed is None else fit_seed)
    model.fit(Xtr, ytr, batch_size=32, epochs=15, verbose=0, shuffle=True)
    return float(np.mean(model.predict(Xte, verbose=0).argmax(1) == yte))


def keras_init_fit(Xtr, ytr, Xte, yte, init_seed, fit_seed):
    from sklearn_rnn._backend import keras

    keras.utils.set_random_seed(init_seed)
    model = keras.Sequential([
        keras.Input((None, Xtr.shape[2])),
        keras.layers.GRU(16),
        keras.layers.Dense(3, activation="softmax"),
    ])  # fmt: skip
    keras.utils.set_random_seed(fit_seed)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(Xtr, ytr, batch_size=32, epochs=15, verbose=0, shuffle=True)
    return float(np.mean(model.predict(Xte, verbose=0).argmax(1) == yte))


def ours(Xtr, ytr, Xte, yte, seed, **params):
    from sklearn_rnn import RNNClassifier

    clf = RNNClassifier(units=16, epochs=15, batch_size=32, random_state=seed, **params)
    return clf.fit(Xtr, ytr).score(Xte, yte)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--init-only", action="store_true")
    args = parser.parse_args(argv)
    if args.init_only:
        columns = {
            "build_rnn_model(seed=k) + model.fit": lambda *a: builder_fit(*a[:4], 0, a[4], 0),
            "Keras default initialisers, set_random_seed(k)": lambda *a: keras_init_fit(*a[:4], a[4], 0),
        }
    else:
        columns = {
            "Keras, no dropout": lambda *a: hand_keras(*a),
            "Keras, dropout=0.2": lambda *a: hand_keras(*a, dropout=0.2),
            "RNNClassifier defaults (dropout=0.2)": lambda *a: ours(*a),
            "RNNClassifier dropout=0": lambda *a: ours(*a, dropout=0.0),
            "build_rnn_model + model.fit, RNNClassifier's initial weights": builder_fit,
        }
    results = {name: [] for name in columns}
    for seed in range(args.seeds):
        task = 0 if args.init_only else seed  # --init-only: one task, k varies the init
        Xtr, ytr = make_task(600, task)
        Xte, yte = make_task(2000, 1000 + task)
        for name, run in columns.items():
            results[name].append(run(Xtr, ytr, Xte, yte, seed))
            print(f"seed {seed} {name}: {results[name][-1]:.3f}", file=sys.stderr, flush=True)
    print("| model | test accuracy, mean ± std over %d seeds |" % args.seeds)
    print("|---|---|")
    for name, scores in results.items():
        print(f"| {name} | {np.mean(scores):.3f} ± {np.std(scores):.3f} |")


if __name__ == "__main__":
    main()
