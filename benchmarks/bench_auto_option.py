"""What an ``"auto"`` option of RNNClassifier costs and gives on series sets.

Fits the benchmark's default pipeline (``bench_accuracy.rnn_pipeline``) with
one parameter turned off (``--param NAME --off VALUE``) and at its default,
in turn, in the same process, and prints for each set the best-of-``--repeat``
fit time of each, their ratio, and the test accuracy of each (seed
``--seed``; runs are deterministic on CPU). For example, the summary
statistics beside the head (``summary_stats``) and the weight averaging
(``ema_momentum``; ``bench_weight_averaging.py`` runs this one)::

    PYTHONPATH=. python benchmarks/bench_auto_option.py --param summary_stats --off False \
        [--sets BasicMotions PickupGestureWiimoteZ] [--repeat 2] [--seed 0]

From the repository root (needs the ``bench`` extra).
"""

import argparse
import ast
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import load_series, rnn_pipeline  # noqa: E402


def measure(name, seed, repeat, param, off):
    """Best fit time and test accuracy with ``param=off`` and at its default."""
    Xtr, ytr, Xte, yte = load_series(name)
    out = {}
    for _ in range(repeat):
        for label, params in (("off", {param: off}), ("default", {})):  # alternated: same load
            start = time.perf_counter()
            pipe = rnn_pipeline(name, seed, **params).fit(Xtr, ytr)
            elapsed = time.perf_counter() - start
            best, _ = out.get(label, (float("inf"), None))
            out[label] = (min(best, elapsed), pipe.score(Xte, yte))
    return out


def main(argv=None, *, param=None, off=None, sets=("ArrowHead", "OSULeaf")):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--param", default=param, required=param is None)
    parser.add_argument("--off", default=None if off is None else repr(off),
                        required=off is None, help="the value that turns it off, e.g. False or 0")
    parser.add_argument("--sets", nargs="+", default=list(sets))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    off = ast.literal_eval(args.off)
    for name in args.sets:
        out = measure(name, args.seed, args.repeat, args.param, off)
        (t_off, acc_off), (t_on, acc_on) = out["off"], out["default"]
        print(
            f"{name:24s} fit {t_on:6.1f} s default / {t_off:6.1f} s {args.param}={off!r} = "
            f"{t_on / t_off:.3f}; test accuracy {acc_on:.3f} / {acc_off:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
