"""Time TextTokenizer against CountVectorizer on the same synthetic corpus.

Both use scikit-learn's word analyzer, so the tokenisation cost is shared; the
figure of merit is what each does with the tokens (id look-up and padding
versus counting into a sparse matrix). Run from the repository root (drop
``PYTHONPATH=.`` once the package is installed)::

    PYTHONPATH=. python benchmarks/bench_tokenizer.py [--n-docs 20000] [--repeat 5]

Prints one row per figure: our time, the baseline's time and their ratio
(ours / baseline; below 1 means TextTokenizer is faster).
"""

import argparse
import time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from sklearn_rnn import TextTokenizer


def make_corpus(n_docs, *, vocabulary_size=5000, mean_length=60, seed=0):
    """Documents of Zipf-distributed words, generated in memory (no download)."""
    rng = np.random.RandomState(seed)
    words = np.array([f"w{i}" for i in range(vocabulary_size)])
    ranks = np.minimum(rng.zipf(1.3, size=n_docs * mean_length * 2), vocabulary_size) - 1
    lengths = rng.poisson(mean_length, size=n_docs)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    return [" ".join(words[ranks[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]


def best_time(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    docs = make_corpus(args.n_docs)
    # Same analyzer on both sides: CountVectorizer's default token_pattern drops
    # one-letter tokens, TextTokenizer's keeps them.
    pattern = r"(?u)\b\w+\b"
    ours = TextTokenizer(token_pattern=pattern).fit(docs)
    baseline = CountVectorizer(token_pattern=pattern).fit(docs)

    rows = [
        (
            "fit",
            best_time(lambda: TextTokenizer(token_pattern=pattern).fit(docs), args.repeat),
            best_time(lambda: CountVectorizer(token_pattern=pattern).fit(docs), args.repeat),
        ),
        (
            "transform",
            best_time(lambda: ours.transform(docs), args.repeat),
            best_time(lambda: baseline.transform(docs), args.repeat),
        ),
    ]
    print(
        f"{args.n_docs} documents, {int((ours.transform(docs) != 0).sum())} tokens, "
        f"vocabulary {len(ours.vocabulary_)}, max_len_ {ours.max_len_}; "
        f"best of {args.repeat}"
    )
    print(f"{'figure':<10} {'ours (s)':>10} {'baseline (s)':>13} {'ratio':>7}")
    for figure, ours_s, baseline_s in rows:
        print(f"{figure:<10} {ours_s:>10.4f} {baseline_s:>13.4f} {ours_s / baseline_s:>7.2f}")
    print("baseline: sklearn.feature_extraction.text.CountVectorizer; ratio = ours / baseline")


if __name__ == "__main__":
    main()
