"""Is the n-gram expert trained enough? Its logit factor, swept on the text sets.

``RNNClassifier``'s n-gram expert (``ngram_expert``) is a linear model whose
class logits are the mean, over a row's tokens and hashed n-grams, of one
learned logit vector each, times a factor (``expert_scale_``: 10 for rows of
up to 5 tokens, growing as the square root of the median row length, the rule
this script led to; before it, 10 on every input). Adam moves each
weight by about the learning rate a step, and in a mean one n-gram's share
falls with the row's length, so the factor sets how far the expert gets in
the network's budget of steps, and more so on long rows (characters).

Two measurements, on the benchmark's text sets (``bench_accuracy.TEXTS``):

* default: the expert alone, built by the package's own ``_ngram_logits``
  and trained as inside ``RNNClassifier`` (Adam at ``learning_rate=1e-3``,
  the automatic batch size and epochs, label smoothing 0.1), test accuracy
  per factor and seed. It also prints each set's median real tokens per
  training row.
* ``--product``: the benchmark's whole pipeline (``bench_accuracy.rnn_pipeline``,
  network and expert together) with the factor fixed at each value,
  as the table of ``docs/accuracy.md`` fits it.

From the repository root::

    PYTHONPATH=. python benchmarks/bench_expert_scale.py [--sets ...] [--scales 10 20 40 80]
        [--seeds 2] [--product] [--variant early_stopping=True]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import TEXTS, load_text, parse_variant, rnn_pipeline  # noqa: E402


def tokens(name):
    """The benchmark's token ids of text set ``name``: train, test, labels."""
    from sklearn_rnn import TextTokenizer

    Xtr, ytr, Xte, yte = load_text(name)
    tokenizer = TextTokenizer(analyzer="char" if name.endswith("-chars") else "word").fit(Xtr)
    return tokenizer.transform(Xtr), ytr, tokenizer.transform(Xte), yte


def expert_alone(name, seed, scale):
    """Test accuracy of the n-gram expert trained alone with logit factor ``scale``."""
    from sklearn_rnn._backend import keras
    from sklearn_rnn._defaults import resolve_batch_size, resolve_epochs, resolve_ngram_expert
    from sklearn_rnn._models import _ngram_logits, _seeds

    A, ytr, B, yte = tokens(name)
    classes, codes = np.unique(ytr, return_inverse=True)
    vocab = int(max(A.max(), B.max())) + 1
    max_n = resolve_ngram_expert("auto", "tokens", vocab, len(classes))
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((None,), dtype="int32")
    logits = _ngram_logits(inputs, vocab, len(classes), max_n, _seeds(seed))
    outputs = keras.layers.Activation("softmax")(keras.layers.Rescaling(scale)(logits))
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    )
    batch_size = resolve_batch_size("auto", len(A))
    epochs = resolve_epochs("auto", len(A), batch_size)
    target = keras.utils.to_categorical(codes, len(classes))
    model.fit(A, target, batch_size=batch_size, epochs=epochs, verbose=0, shuffle=True)
    predicted = classes[model.predict(B, verbose=0).argmax(axis=1)]
    return float(np.mean(predicted == yte))


def product(name, seed, scale, **params):
    """Test accuracy of the benchmark's pipeline with the expert's factor fixed at ``scale``."""
    import sklearn_rnn._classifier as classifier

    Xtr, ytr, Xte, yte = load_text(name)
    rule = classifier.resolve_expert_scale
    classifier.resolve_expert_scale = lambda lengths: float(scale)
    try:
        pipeline = rnn_pipeline(name, seed, **params).fit(Xtr, ytr)
    finally:
        classifier.resolve_expert_scale = rule
    return float(pipeline.score(Xte, yte))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=TEXTS, choices=TEXTS)
    parser.add_argument("--scales", nargs="+", type=float, default=[10.0, 20.0, 40.0, 80.0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--product", action="store_true",
                        help="fit the whole pipeline (network and expert), not the expert alone")
    parser.add_argument("--variant", default=None,
                        help="with --product: RNNClassifier parameters, e.g. early_stopping=True")
    args = parser.parse_args(argv)
    params = parse_variant(args.variant) if args.variant else {}
    what = "pipeline (network x expert)" if args.product else "expert alone"
    print(f"{what}; test accuracy, mean over seeds 0-{args.seeds - 1} (per seed)", flush=True)
    for name in args.sets:
        if not args.product:
            from sklearn_rnn._defaults import resolve_expert_scale

            lengths = (tokens(name)[0] > 0).sum(axis=1)
            print(f"{name}: median real tokens per training row {np.median(lengths):.0f} "
                  f"(RNNClassifier's factor {resolve_expert_scale(lengths):.1f})")
        for scale in args.scales:
            start, scores = time.perf_counter(), []
            for seed in range(args.seeds):
                if args.product:
                    scores.append(product(name, seed, scale, **params))
                else:
                    scores.append(expert_alone(name, seed, scale))
            per_seed = ", ".join(f"{s:.3f}" for s in scores)
            print(f"{name} factor {scale:g}: {np.mean(scores):.3f} +- {np.std(scores):.3f} "
                  f"({per_seed}; {time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
