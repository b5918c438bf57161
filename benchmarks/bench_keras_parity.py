"""Does RNNClassifier learn as fast as a hand-written Keras model of the same shape?

Synthetic task from issue 12: 600 sequences of 20 steps and 3 channels of
standard normal noise, the class is the channel with the largest mean;
GRU(16) -> softmax, Adam(1e-3), batch 32, 15 epochs; accuracy on 2,000 fresh
test sequences, mean over ``--seeds`` seeds. Columns differ in one thing at a
time, so each gap has a cause. Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_keras_parity.py [--seeds 5]
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


def ours(Xtr, ytr, Xte, yte, seed, **params):
    from sklearn_rnn import RNNClassifier

    clf = RNNClassifier(units=16, epochs=15, batch_size=32, random_state=seed, **params)
    return clf.fit(Xtr, ytr).score(Xte, yte)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    columns = {
        "Keras, no dropout": lambda *a: hand_keras(*a),
        "Keras, dropout=0.2": lambda *a: hand_keras(*a, dropout=0.2),
        "RNNClassifier defaults (dropout=0.2)": lambda *a: ours(*a),
        "RNNClassifier dropout=0": lambda *a: ours(*a, dropout=0.0),
    }
    results = {name: [] for name in columns}
    for seed in range(args.seeds):
        Xtr, ytr = make_task(600, seed)
        Xte, yte = make_task(2000, 1000 + seed)
        for name, run in columns.items():
            results[name].append(run(Xtr, ytr, Xte, yte, seed))
            print(f"seed {seed} {name}: {results[name][-1]:.3f}", file=sys.stderr, flush=True)
    print("| model | test accuracy, mean ± std over %d seeds |" % args.seeds)
    print("|---|---|")
    for name, scores in results.items():
        print(f"| {name} | {np.mean(scores):.3f} ± {np.std(scores):.3f} |")


if __name__ == "__main__":
    main()
