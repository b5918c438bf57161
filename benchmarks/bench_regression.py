"""Test error of RNNRegressor against simple baselines on real sequence regression data.

Every data set ships inside an installed wheel, so nothing is downloaded:

- Covid3Month and CardanoSentiment, the two time-series extrinsic regression
  sets bundled with ``aeon`` (Tan et al., "Time series extrinsic
  regression", DMKD 2021), with their official train/test split;
- Sunspots: yearly sunspot activity from the ``statsmodels`` wheel, 20-year
  windows, the next year's value as target, the last fifth of the years as
  test set (the split of ``examples/plot_sequence_regression.py``).

For each set, in the same run: the default pipeline (``SequencePadder`` +
``SequenceScaler`` + ``RNNRegressor(random_state=seed)``), the same with
``early_stopping=True``, any ``--variant`` (``key=value,...`` set on the
regressor), and baselines: the training mean (``DummyRegressor``), a random
forest on per-channel summary statistics (the features of
``bench_accuracy.py``) and aeon's MiniRocket + ``RidgeCV``. Cells are the test
RMSE in the target's units (lower is better; the archive's metric), mean +-
std over the seeds, with the mean test R^2 after it. Run from the repository
root (needs the ``bench`` extra)::

    PYTHONPATH=. python benchmarks/bench_regression.py [--seeds 3] [--sets Covid3Month] \
        [--variant batch_size=32,epochs=10] [--markdown docs/regression.md]
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import (  # noqa: E402
    MiniRocketRidge, markdown, parse_variant, summary_features, write_markdown,
)  # fmt: skip

SETS = ["Covid3Month", "CardanoSentiment", "Sunspots"]


def load(name):
    """``(X_train, y_train, X_test, y_test)``, X as lists of (steps, channels) arrays."""
    if name == "Sunspots":
        from statsmodels.datasets import sunspots

        series = sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=np.float32)
        window = 20
        X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)[:, :, None]
        y = series[window:].astype(np.float64)
        split = int(0.8 * len(X))
        return list(X[:split]), y[:split], list(X[split:]), y[split:]
    from aeon.datasets import load_regression

    out = []
    for split in ("train", "test"):
        X, y = load_regression(name, split=split)
        out += [[np.asarray(x, dtype=np.float32).T for x in X], np.asarray(y, dtype=np.float64)]
    return out


def describe(name, Xtr, Xte):
    lengths = [len(x) for x in Xtr]
    return f"{name} ({Xtr[0].shape[1]}-ch; {len(Xtr)}/{len(Xte)}; len {min(lengths)}-{max(lengths)})"


def rnn_pipeline(seed, **params):
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNRegressor, SequencePadder, SequenceScaler

    return make_pipeline(SequencePadder(), SequenceScaler(), RNNRegressor(random_state=seed, **params))


def dummy(seed):
    from sklearn.dummy import DummyRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(FunctionTransformer(summary_features), DummyRegressor())


def forest(seed):
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        FunctionTransformer(summary_features),
        RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=1),
    )


def minirocket(seed):
    return MiniRocketRidge(seed, regression=True)


def run(sets, seeds, variants, log):
    from sklearn.metrics import mean_squared_error, r2_score

    columns = ["RNN default", "RNN early_stopping=True"]
    columns += [f"RNN {', '.join(f'{k}={v}' for k, v in v.items())}" for v in variants]
    columns += ["baseline: training mean", "baseline: RF on summary stats", "baseline: MiniRocket+ridge"]
    rows = []
    for name in sets:
        Xtr, ytr, Xte, yte = load(name)
        builders = [
            ("RNN default", lambda s: rnn_pipeline(s)),
            ("RNN early_stopping=True", lambda s: rnn_pipeline(s, early_stopping=True)),
        ]
        for label, params in zip(columns[2:], variants):
            builders.append((label, lambda s, p=params: rnn_pipeline(s, **p)))
        builders += list(zip(columns[-3:], (dummy, forest, minirocket)))
        cells = {}
        # below 20 validation sequences early_stopping=True holds nothing out and
        # trains exactly as the default does: its fits are reported again
        from sklearn_rnn._defaults import validation_size

        no_holdout = validation_size(len(ytr), 1, 0.1) == 0
        for label, make in builders:
            if no_holdout and label == "RNN early_stopping=True" and "RNN default" in cells:
                cells[label] = cells["RNN default"]
                log(f"  {name:18s} {label:45s} {cells[label]}  (same fits as the default: nothing held out)")
                continue
            rmse, r2, start = [], [], time.perf_counter()
            for seed in seeds:
                try:
                    pred = make(seed).fit(Xtr, ytr).predict(Xte)
                except ImportError as exc:
                    log(f"  {label}: skipped ({exc})")
                    break
                rmse.append(mean_squared_error(yte, pred) ** 0.5)
                r2.append(r2_score(yte, pred))
                log(f"    {name} {label} seed {seed}: RMSE {rmse[-1]:.4g}, R2 {r2[-1]:.3f}")
            if rmse:
                cells[label] = f"{np.mean(rmse):.4g} ± {np.std(rmse):.2g} (R² {np.mean(r2):.3f})"
                log(f"  {name:18s} {label:45s} {cells[label]}  ({time.perf_counter() - start:.0f} s)")
        rows.append([describe(name, Xtr, Xte), *(cells.get(c, "n/a") for c in columns)])
    return ["data set (train/test)", *columns], rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sets", nargs="*", choices=SETS, help="data set names (default: all)")
    parser.add_argument("--variant", action="append", default=[], help="extra RNN column, e.g. head=max,epochs=30")
    parser.add_argument("--markdown", help="write the table into this file (between the "
                        "<!-- regression-table:start/end --> markers)")  # fmt: skip
    args = parser.parse_args(argv)
    variants = [parse_variant(spec) for spec in args.variant]
    start = time.perf_counter()
    header, rows = run(args.sets or SETS, list(range(args.seeds)), variants, lambda m: print(m, flush=True))
    table = markdown(header, rows)
    print(table)
    print(f"total {time.perf_counter() - start:.0f} s")
    if args.markdown:
        write_markdown(args.markdown, table, marker="regression-table")


if __name__ == "__main__":
    main()
