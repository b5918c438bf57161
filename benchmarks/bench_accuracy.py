"""Test accuracy of RNNClassifier against simple baselines on real labelled sequences.

Every data set ships inside an installed wheel, so nothing is downloaded:

- seven UCR/UEA time-series sets bundled with ``aeon`` (equal and variable
  length, univariate and multivariate), with their official train/test split
  (an eighth, ACSF1, with ``--sets ACSF1``: its 1,460 steps take minutes per fit);
- two text sets: scikit-learn's API docstrings labelled by module (as in the
  examples) and NumPy's API docstrings labelled by sub-package, each split
  70/30 stratified with seed 0.

For each set, in the same run: the default pipeline (``SequencePadder`` +
``SequenceScaler`` or ``TextTokenizer``, then ``RNNClassifier(random_state=seed)``),
the same with ``early_stopping=True`` (on sets too small to hold out 20
validation sequences it trains exactly as the default does, so the default's
fits are reported again instead of repeated), any ``--variant``, and baselines: a
random forest on per-channel summary statistics (series), aeon's MiniRocket +
ridge (series), TF-IDF + logistic regression (text). ``--full`` adds a small
``RandomizedSearchCV`` (10 candidates, 3-fold). Cells are mean +- std of test
accuracy over the seeds. Run from the repository root (needs the ``bench``
extra: ``pip install sklearn-rnn[bench]``)::

    PYTHONPATH=. python benchmarks/bench_accuracy.py [--quick] [--seeds 3] \
        [--variant head=mean --variant batch_size=auto] [--markdown docs/accuracy.md]

``--quick`` uses three small sets, a subset of their rows and one seed (seconds,
for CI). ``--markdown FILE`` writes the table into FILE between the lines
``<!-- accuracy-table:start -->`` and ``<!-- accuracy-table:end -->``.
"""

import argparse
import ast
import importlib
import inspect
import os
import re
import sys
import time
import warnings

import numpy as np

#: Published test accuracy of 1-NN with full-window DTW, 1 - the error rate in
#: the UCR archive's table (Dau et al., "The UCR Time Series Archive", 2018,
#: arXiv:1810.07758; www.cs.ucr.edu/~eamonn/time_series_data_2018/).
PUBLISHED = {
    "GunPoint": 0.907,
    "ItalyPowerDemand": 0.950,
    "ArrowHead": 0.703,
    "OSULeaf": 0.591,
}

#: Published test accuracy of a recurrent network: TWIESN, the time-warping
#: invariant echo state network, the one recurrent model in Ismail Fawaz et
#: al., "Deep learning for time series classification: a review", Data Mining
#: and Knowledge Discovery 33, 2019 (arXiv:1809.04356). Mean of 10 runs from
#: the table in the README of the authors' repository, hfawaz/dl-4-tsc (UCR
#: 2015 archive; JapaneseVowels from the MTS archive); PickupGestureWiimoteZ,
#: only in the 2018 archive, is the mean of the 5 runs in its
#: results/results-ucr-128.csv.
PUBLISHED_RNN = {
    "ArrowHead": 0.659,
    "GunPoint": 0.961,
    "ItalyPowerDemand": 0.880,
    "OSULeaf": 0.595,
    "JapaneseVowels": 0.965,
    "PickupGestureWiimoteZ": 0.616,
}

SERIES = [
    "ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand",
    "JapaneseVowels", "PickupGestureWiimoteZ", "OSULeaf",
]  # fmt: skip
#: Also bundled, but 1,460 steps long: minutes per fit on a CPU. Pass --sets ACSF1.
LONG_SERIES = ["ACSF1"]
#: "-chars": the same paragraphs read character by character
#: (TextTokenizer(analyzer="char"); baseline: character n-gram TF-IDF)
TEXTS = ["sklearn-docstrings", "numpy-docstrings", "sklearn-docstrings-chars", "numpy-docstrings-chars"]
QUICK_SETS = ["ItalyPowerDemand", "JapaneseVowels", "sklearn-docstrings"]


# ------------------------------------------------------------------ data
def load_series(name, quick=False):
    """aeon's bundled train/test split as lists of (n_timesteps, n_channels) arrays."""
    from aeon.datasets import load_classification

    out = []
    for split in ("train", "test"):
        X, y = load_classification(name, split=split)
        seqs = [np.asarray(x, dtype=np.float32).T for x in X]  # aeon: (channels, steps)
        if quick:
            keep = np.random.RandomState(0).permutation(len(seqs))[:60]
            seqs, y = [seqs[i] for i in keep], y[keep]
        out += [seqs, np.asarray(y)]
    return out


def _paragraphs(doc):
    for paragraph in re.split(r"\n\s*\n", doc):
        if ">>>" in paragraph or "---" in paragraph or len(paragraph.split()) < 8:
            continue
        yield " ".join(paragraph.split())


def _docstrings(package, modules):
    texts, labels = [], []
    for module_name in modules:
        module = importlib.import_module(f"{package}.{module_name}")
        names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
        seen = set()
        for name in sorted(names):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    obj = getattr(module, name)
                except (ImportError, AttributeError):
                    continue
            doc = inspect.getdoc(obj) or ""
            if id(obj) in seen or not doc or isinstance(obj, (int, float, str)):
                continue
            seen.add(id(obj))
            for paragraph in _paragraphs(doc):
                texts.append(paragraph)
                labels.append(module_name)
    return texts, np.asarray(labels)


def load_text(name, quick=False):
    from sklearn.model_selection import train_test_split

    name = name.removesuffix("-chars")
    if name == "sklearn-docstrings":
        texts, labels = _docstrings("sklearn", ("cluster", "linear_model", "metrics", "preprocessing"))
    else:
        texts, labels = _docstrings("numpy", ("fft", "linalg", "ma", "polynomial", "random", "strings"))
    texts = np.asarray(texts, dtype=object)
    if quick:
        keep = np.random.RandomState(0).permutation(len(texts))[:200]
        texts, labels = texts[keep], labels[keep]
    Xtr, Xte, ytr, yte = train_test_split(texts, labels, test_size=0.3, stratify=labels, random_state=0)
    return list(Xtr), ytr, list(Xte), yte


def describe(name, Xtr, ytr, Xte):
    chars = name.endswith("-chars")
    lengths = [len(x) if not isinstance(x, str) or chars else len(x.split()) for x in Xtr]
    if isinstance(Xtr[0], str):
        kind = "text, characters" if chars else "text"
    else:
        kind = f"{Xtr[0].shape[1]}-ch"
        kind += ", var. length" if min(lengths) != max(lengths) else ""
    return f"{name} ({kind}; {len(Xtr)}/{len(Xte)}; {len(np.unique(ytr))} cl.; len {min(lengths)}-{max(lengths)})"


# ------------------------------------------------------------- pipelines
def _parse_value(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_variant(spec):
    """``"head=mean,batch_size=auto"`` -> {"head": "mean", "batch_size": "auto"}."""
    return {k: _parse_value(v) for k, v in (item.split("=", 1) for item in spec.split(","))}


def rnn_pipeline(name, seed, **params):
    """The benchmark's pipeline for data set ``name``, ``params`` set on the RNN."""
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNClassifier, SequencePadder, SequenceScaler, TextTokenizer

    # "tokenizer.NAME=value" in a variant sets the TextTokenizer's parameter
    tokenizer = {k.split(".", 1)[1]: params.pop(k) for k in list(params) if k.startswith("tokenizer.")}
    if name.endswith("-chars"):
        tokenizer.setdefault("analyzer", "char")
    clf = RNNClassifier(random_state=seed, **params)
    if name in TEXTS:
        return make_pipeline(TextTokenizer(**tokenizer), clf)
    return make_pipeline(SequencePadder(), SequenceScaler(), clf)


def rnn_search(name, seed):
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV

    space = {
        "rnnclassifier__units": [32, 64, 128],
        "rnnclassifier__head": ["last", "max", "mean", "attention"],
        "rnnclassifier__learning_rate": loguniform(3e-4, 1e-2),
        "rnnclassifier__epochs": [10, 30],
        "rnnclassifier__batch_size": [8, 32],
    }
    if name in TEXTS:
        space["rnnclassifier__bidirectional"] = [False, True]
    else:
        space["rnnclassifier__frame_length"] = ["auto", 1]
    return RandomizedSearchCV(
        rnn_pipeline(name, seed), space, n_iter=10, cv=3, random_state=seed, n_jobs=1
    )


def summary_features(seqs):
    """Per-channel summary statistics of each sequence, plus its length."""
    rows = []
    for x in seqs:
        x = x[~np.all(np.isnan(x), axis=1)]
        t = np.arange(len(x))
        slope = np.polyfit(t, x, 1)[0] if len(x) > 1 else np.zeros(x.shape[1])
        diff = np.abs(np.diff(x, axis=0)).mean(axis=0) if len(x) > 1 else np.zeros(x.shape[1])
        stats = [x.mean(0), x.std(0), x.min(0), x.max(0), np.median(x, 0),
                 np.percentile(x, 25, 0), np.percentile(x, 75, 0), x[0], x[-1], slope, diff]  # fmt: skip
        rows.append(np.concatenate([*stats, [len(x)]]))
    return np.asarray(rows)


def forest(seed):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(summary_features),
        RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1),
    )


def _zero_padded(seqs, width):
    """(n, channels, width) for aeon: zero-padded at the end."""
    out = np.zeros((len(seqs), seqs[0].shape[1], width), dtype=np.float64)
    for i, x in enumerate(seqs):
        n = min(len(x), width)
        out[i, :, :n] = x[:n].T
    return out


class MiniRocketRidge:
    """aeon's MiniRocket features + ridge; variable lengths zero-padded.

    ``regression=False``: ``RidgeClassifierCV``; ``True``: ``RidgeCV`` (same alphas).
    """

    def __init__(self, seed, regression=False):
        self.seed = seed
        self.regression = regression

    def fit(self, seqs, y):
        from aeon.transformations.collection.convolution_based import MiniRocket
        from sklearn.linear_model import RidgeClassifierCV, RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.width_ = max(max(len(x) for x in seqs), 9)
        self.transform_ = MiniRocket(random_state=self.seed).fit(_zero_padded(seqs, self.width_))
        ridge = (RidgeCV if self.regression else RidgeClassifierCV)(np.logspace(-3, 3, 10))
        self.model_ = make_pipeline(StandardScaler(), ridge)
        self.model_.fit(self._features(seqs), y)
        return self

    def _features(self, seqs):
        return self.transform_.transform(_zero_padded(seqs, self.width_))

    def predict(self, seqs):
        return self.model_.predict(self._features(seqs))

    def score(self, seqs, y):
        return self.model_.score(self._features(seqs), y)


def tfidf_logreg(name):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    vectorizer = TfidfVectorizer(sublinear_tf=True)
    if name.endswith("-chars"):  # n-grams of 2 to 5 characters within word boundaries
        vectorizer.set_params(analyzer="char_wb", ngram_range=(2, 5))
    return make_pipeline(vectorizer, LogisticRegression(C=10, max_iter=2000))


# ------------------------------------------------------------------ run
def run(sets, seeds, variants, full, quick, log):
    columns = ["RNN default", "RNN early_stopping=True"]
    columns += [f"RNN {', '.join(f'{k}={v}' for k, v in v.items())}" for v in variants]
    columns += ["RNN RandomizedSearchCV"] if full else []
    columns += ["baseline: RF on summary stats / TF-IDF+LogReg", "baseline: MiniRocket+ridge"]
    columns += ["published 1-NN DTW", "published recurrent net (TWIESN)"]
    rows = []
    for name in sets:
        is_text = name in TEXTS
        Xtr, ytr, Xte, yte = (load_text if is_text else load_series)(name, quick=quick)
        builders = [
            ("RNN default", lambda s: rnn_pipeline(name, s)),
            ("RNN early_stopping=True", lambda s: rnn_pipeline(name, s, early_stopping=True)),
        ]
        for label, params in zip(columns[2:], variants):
            builders.append((label, lambda s, p=params: rnn_pipeline(name, s, **p)))
        if full:
            builders.append(("RNN RandomizedSearchCV", lambda s: rnn_search(name, s)))
        builders.append((columns[-4], (lambda s: tfidf_logreg(name)) if is_text else forest))
        if not is_text:
            builders.append(("baseline: MiniRocket+ridge", MiniRocketRidge))
        cells, seconds = {}, {}
        # early_stopping=True holds nothing out below 20 validation sequences
        # (validation_size == 0) and then trains exactly as the default column
        # does, seed for seed: reuse those fits instead of repeating them
        from sklearn_rnn._defaults import validation_size

        no_holdout = validation_size(len(ytr), len(np.unique(ytr)), 0.1) == 0
        for label, make in builders:
            if no_holdout and label == "RNN early_stopping=True" and "RNN default" in cells:
                cells[label] = cells["RNN default"]
                log(f"  {name:24s} {label:45s} {cells[label]}  (same fits as the default: nothing held out)")
                continue
            scores, start = [], time.perf_counter()
            for seed in seeds:
                try:
                    scores.append(make(seed).fit(Xtr, ytr).score(Xte, yte))
                except ImportError as exc:
                    log(f"  {label}: skipped ({exc})")
                    break
                except ValueError as exc:  # reported in the table, not hidden
                    log(f"  {label}: fails ({exc})")
                    cells[label] = "fails"
                    break
            if scores and label not in cells:
                cells[label] = f"{np.mean(scores):.3f} ± {np.std(scores):.3f}"
                seconds[label] = time.perf_counter() - start
                # a variant's time against the default's, both fitted in this run
                ratio = (f", {seconds[label] / seconds['RNN default']:.2f}x the default's time"
                         if label in columns[2:2 + len(variants)] and "RNN default" in seconds else "")  # fmt: skip
                each = " ".join(f"{score:.4f}" for score in scores)  # seed by seed, from seed 0
                log(f"  {name:24s} {label:45s} {cells[label]}  ({seconds[label]:.0f} s{ratio}; seeds: {each})")
        for column, table in ((columns[-2], PUBLISHED), (columns[-1], PUBLISHED_RNN)):
            published = table.get(name)
            cells[column] = f"{published:.3f}" if published is not None else ""
        rows.append([describe(name, Xtr, ytr, Xte), *(cells.get(c, "n/a") for c in columns)])
    return ["data set (train/test)", *columns], rows


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_markdown(path, table, marker="accuracy-table"):
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    text = open(path).read() if os.path.exists(path) else ""
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 small sets, 1 seed (CI)")
    parser.add_argument("--full", action="store_true", help="add a 10-candidate RandomizedSearchCV")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sets", nargs="*", help="data set names (default: all)")
    parser.add_argument("--variant", action="append", default=[], help="extra RNN column, e.g. head=mean,epochs=30; tokenizer.min_frequency=2 "
                        "sets a TextTokenizer parameter")
    parser.add_argument("--markdown", help="write the table into this file")
    args = parser.parse_args(argv)
    sets = args.sets or (QUICK_SETS if args.quick else SERIES + TEXTS)
    seeds = list(range(1 if args.quick else args.seeds))
    variants = [parse_variant(v) for v in args.variant]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    header, rows = run(sets, seeds, variants, args.full, args.quick, log)
    table = markdown(header, rows)
    print(table)
    print(f"\n{len(seeds)} seed(s), {time.perf_counter() - start:.0f} s", file=sys.stderr)
    if args.markdown:
        write_markdown(args.markdown, table)
    return table


if __name__ == "__main__":
    main()
