"""What weight averaging costs and gives on the benchmark's series sets.

``RNNClassifier(ema_momentum="auto")`` ends training on numeric sequences
with an exponential moving average of the network's weights (momentum 0.95;
Keras' ``use_ema``). This script runs ``bench_auto_option.py`` with
``--param ema_momentum --off 0``: the benchmark's default pipeline with the
last step's weights and with ``"auto"``, in turn, in the same process, and
prints for each set the best-of-``--repeat`` fit time of each, their ratio,
and the test accuracy of each (seed ``--seed``; runs are deterministic on
CPU).

From the repository root (needs the ``bench`` extra)::

    PYTHONPATH=. python benchmarks/bench_weight_averaging.py [--sets ArrowHead OSULeaf]
        [--repeat 2] [--seed 0]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_auto_option import main  # noqa: E402

if __name__ == "__main__":
    main(param="ema_momentum", off=0.0)
