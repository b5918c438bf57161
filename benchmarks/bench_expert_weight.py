"""How the n-gram expert and the network combine: a sweep of their weights after the fit.

``RNNClassifier`` with ``ngram_expert > 0`` predicts the normalised geometric
mean of two models' probabilities (``ProductOfExperts``): the network's and
the linear n-gram expert's, weighed equally. For each seed this script fits
the benchmark's text pipeline (``bench_accuracy.rnn_pipeline``) once, reads
both models' outputs on the test set, and scores the product with weight
``a`` on the expert's log-probabilities and ``1 - a`` on the network's:
``a=0`` is the network alone, ``a=0.5`` the classifier's own prediction and
``a=1`` the expert alone. The weights are applied to the test set, so the
best of them is an upper bound of what any rule for choosing the weight
could reach on these fits, not a method. With ``--variant early_stopping=True``
it also reports the weight a rule could choose without the test set: the
one of lowest log loss on the rows early stopping held out. From the
repository root::

    PYTHONPATH=. python benchmarks/bench_expert_weight.py --sets sklearn-docstrings-chars
        numpy-docstrings-chars [--seeds 3] [--variant early_stopping=True]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import TEXTS, load_text, parse_variant, rnn_pipeline  # noqa: E402

WEIGHTS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0)


def expert_outputs(clf, X, batch_size=64):
    """The network's log-probabilities and the expert's scaled log-softmax for token ids ``X``."""
    from sklearn_rnn._backend import keras
    from sklearn_rnn._models import ProductOfExperts

    products = [layer for layer in clf.model_.layers if isinstance(layer, ProductOfExperts)]
    if not products:
        raise ValueError("The fitted model has no n-gram expert (ngram_expert_=0).")
    product = products[0]
    both = keras.Model(clf.model_.inputs, product.input)
    network, logits = [], []
    for start in range(0, len(X), batch_size):
        p, z = both([X[start : start + batch_size]])
        network.append(keras.ops.convert_to_numpy(p))
        logits.append(keras.ops.convert_to_numpy(z))
    log_network = np.log(np.clip(np.concatenate(network), 1e-7, 1.0))
    z = product.scale * np.concatenate(logits).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    log_expert = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return log_network, log_expert


def sweep(name, seed, weights=WEIGHTS, **params):
    """Test accuracies of one fit: the pipeline's, per weight, and at the validation-chosen weight.

    Returns ``(accuracy, {weight: accuracy}, chosen)``. With
    ``early_stopping=True``, ``chosen`` is ``(weight, test accuracy)`` for the
    weight in 0, 0.1, ..., 1 of lowest log loss on the rows early stopping
    held out (what a rule could choose without the test set); else None.
    """
    from sklearn_rnn import RNNClassifier

    Xtr, ytr, Xte, yte = load_text(name)
    held_out = {}
    split = RNNClassifier._split

    def recording_split(self, targets, rng):
        train_rows, val_rows = split(self, targets, rng)
        held_out["rows"] = val_rows
        return train_rows, val_rows

    RNNClassifier._split = recording_split
    try:
        pipeline = rnn_pipeline(name, seed, **params).fit(Xtr, ytr)
    finally:
        RNNClassifier._split = split
    clf, prepare = pipeline[-1], pipeline[:-1]
    log_network, log_expert = expert_outputs(clf, prepare.transform(Xte))
    codes = np.searchsorted(clf.classes_, yte)

    def accuracy(a):
        return float(np.mean(((1 - a) * log_network + a * log_expert).argmax(axis=1) == codes))

    scores = {a: accuracy(a) for a in weights}
    chosen = None
    rows = held_out.get("rows")
    if rows is not None and len(rows):
        val_network, val_expert = expert_outputs(clf, prepare.transform(np.asarray(Xtr, dtype=object)[rows]))
        val_codes = np.searchsorted(clf.classes_, np.asarray(ytr)[rows])
        losses = {}
        for a in np.round(np.linspace(0, 1, 11), 1):
            z = (1 - a) * val_network + a * val_expert
            z = z - z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            losses[float(a)] = -float(np.mean(log_p[np.arange(len(rows)), val_codes]))
        best = min(losses, key=lambda a: (losses[a], abs(a - 0.5)))
        chosen = (best, accuracy(best))
    return pipeline.score(Xte, yte), scores, chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="*", default=list(TEXTS), help="text sets (default: all four)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--variant", default="", help="RNN parameters, e.g. early_stopping=True")
    args = parser.parse_args(argv)
    params = parse_variant(args.variant) if args.variant else {}
    unknown = sorted(set(args.sets) - set(TEXTS))
    if unknown:
        parser.error(f"--sets takes text sets only ({', '.join(TEXTS)}), got {unknown}")
    header = "a (weight on the expert): " + "  ".join(f"{a:5.1f}" for a in WEIGHTS)
    for name in args.sets:
        label = f"{name} {params}" if params else name
        per_seed, chosen_seeds = [], []
        for seed in range(args.seeds):
            start = time.perf_counter()
            accuracy, scores, chosen = sweep(name, seed, **dict(params))
            per_seed.append(scores)
            cells = "  ".join(f"{scores[a]:.3f}" for a in WEIGHTS)
            if chosen is not None:
                chosen_seeds.append(chosen)
                cells += f"; weight chosen on the held-out rows {chosen[0]:.1f}: {chosen[1]:.3f}"
            print(f"{label} seed {seed}: pipeline {accuracy:.3f}; "
                  f"{cells} ({time.perf_counter() - start:.0f} s)", flush=True)
        means = "  ".join(f"{np.mean([s[a] for s in per_seed]):.3f}" for a in WEIGHTS)
        best = np.mean([max(s.values()) for s in per_seed])
        print(f"{label} {header}\n  mean over {args.seeds} seeds:      "
              f"{means}; best weight per seed: {best:.3f}", flush=True)
        if chosen_seeds:
            print(f"  weight chosen on early stopping's held-out rows: "
                  f"{np.mean([c[1] for c in chosen_seeds]):.3f}", flush=True)


if __name__ == "__main__":
    main()
