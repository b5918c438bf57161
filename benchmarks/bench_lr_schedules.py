"""Learning-rate schedules measured against ``epochs="auto"`` (docs/accuracy.md).

The benchmark's default pipeline (``bench_accuracy.rnn_pipeline``) on a few
sets, with one of:

- ``plateau``: ``keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5,
  patience=10, min_lr=1e-5)`` passed as ``callbacks=``;
- ``cosine``: Adam whose learning rate decays from 1e-3 to 0 along a cosine
  over the fit's automatic number of steps (``keras.optimizers.schedules.CosineDecay``),
  passed as ``optimizer=``;
- ``ema`` / ``ema999``: Adam keeping an exponential moving average of the
  weights (``use_ema=True``, ``ema_momentum`` 0.99 / 0.999), which Keras
  writes into the model when ``fit`` ends, passed as ``optimizer=``;
- ``none``: the defaults.

On numeric series the defaults (``none``, ``plateau``) average the weights
with momentum 0.95 (``ema_momentum="auto"``); ``cosine`` and ``ema`` pass an
optimizer instance, whose own ``use_ema`` setting applies instead (none for
``cosine``), so against this release's defaults ``cosine`` also removes the
averaging.

``--epochs N`` fixes the epochs instead of ``"auto"``. Prints the mean and
spread of test accuracy over the seeds. Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_lr_schedules.py [--sets ArrowHead GunPoint]
        [--schedules none plateau cosine ema ema999] [--epochs 200] [--seeds 3]
"""

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_accuracy import TEXTS, load_series, load_text, rnn_pipeline  # noqa: E402


def schedule_params(schedule, n_train, epochs):
    """RNNClassifier parameters that add ``schedule`` to the default pipeline."""
    from sklearn_rnn._backend import keras
    from sklearn_rnn._defaults import resolve_batch_size, resolve_epochs

    if schedule == "none":
        return {}
    if schedule == "plateau":
        callback = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=10, min_lr=1e-5)
        return {"callbacks": [callback]}
    if schedule.startswith("ema"):
        momentum = 0.999 if schedule == "ema999" else 0.99
        return {"optimizer": keras.optimizers.Adam(learning_rate=1e-3, use_ema=True, ema_momentum=momentum)}
    batch = resolve_batch_size("auto", n_train)
    steps = math.ceil(n_train / batch) * resolve_epochs(epochs, n_train, batch)
    rate = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=steps)
    return {"optimizer": keras.optimizers.Adam(learning_rate=rate)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["ArrowHead", "GunPoint", "PickupGestureWiimoteZ"])
    parser.add_argument("--schedules", nargs="+", default=["none", "plateau", "cosine"],
                        choices=["none", "plateau", "cosine", "ema", "ema999"])  # fmt: skip
    parser.add_argument("--epochs", default="auto", type=lambda v: v if v == "auto" else int(v))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    print("| data set | schedule | epochs | test accuracy (mean ± std) |\n|---|---|---|---|")
    for name in args.sets:
        is_text = name in TEXTS
        Xtr, ytr, Xte, yte = (load_text if is_text else load_series)(name)
        for schedule in args.schedules:
            scores, used = [], set()
            for seed in range(args.seeds):
                params = schedule_params(schedule, len(ytr), args.epochs)
                pipe = rnn_pipeline(name, seed, epochs=args.epochs, **params)
                scores.append(pipe.fit(Xtr, ytr).score(Xte, yte))
                used.add(pipe[-1].epochs_)
            print(f"| {name} | {schedule} | {sorted(used)} | {np.mean(scores):.3f} ± {np.std(scores):.3f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
