"""What weight averaging costs and gives on the benchmark's series sets.

``RNNClassifier(ema_momentum="auto")`` ends training on numeric sequences
with an exponential moving average of the network's weights (momentum 0.95;
Keras' ``use_ema``). This script fits the benchmark's default pipeline
(``bench_accuracy.rnn_pipeline``) with ``ema_momentum=0`` (the last step's
weights) and with ``"auto"``, in turn, in the same process, and prints for
each set the best-of-``--repeat`` fit time of each, their ratio, and the
test accuracy of each (seed ``--seed``; runs are deterministic on CPU).

From the repository root (needs the ``bench`` extra)::

    PYTHONPATH=. python benchmarks/bench_weight_averaging.py [--sets ArrowHead OSULeaf]
        [--repeat 2] [--seed 0]
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import load_series, rnn_pipeline  # noqa: E402


def measure(name, seed, repeat):
    """Best fit time and test accuracy per ``ema_momentum`` value."""
    Xtr, ytr, Xte, yte = load_series(name)
    out = {}
    for _ in range(repeat):
        for momentum in (0.0, "auto"):  # alternated, so both see the same machine load
            start = time.perf_counter()
            pipe = rnn_pipeline(name, seed, ema_momentum=momentum).fit(Xtr, ytr)
            elapsed = time.perf_counter() - start
            best, _ = out.get(momentum, (float("inf"), None))
            out[momentum] = (min(best, elapsed), pipe.score(Xte, yte))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["ArrowHead", "OSULeaf"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name in args.sets:
        out = measure(name, args.seed, args.repeat)
        (t_none, acc_none), (t_avg, acc_avg) = out[0.0], out["auto"]
        print(
            f"{name:24s} fit {t_avg:6.1f} s averaged / {t_none:6.1f} s last step = "
            f"{t_avg / t_none:.3f}; test accuracy {acc_avg:.3f} / {acc_none:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
