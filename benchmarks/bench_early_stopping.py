"""Where early stopping gains or loses accuracy on the text sets.

For each seed, two fits of the benchmark's text pipeline
(``bench_accuracy.rnn_pipeline``), each recording the test accuracy after
every epoch with a callback: one with ``early_stopping=True`` and a patience
larger than the epoch budget (so every epoch is seen), one without early
stopping. The stopping rules are then replayed on the recorded validation
losses and accuracies. The callback's inference pass moves the random
stream, so the fits are further draws of the same procedure, not the seeds
of ``bench_accuracy.py``. From the repository root::

    PYTHONPATH=. python benchmarks/bench_early_stopping.py [--sets sklearn-docstrings numpy-docstrings]
        [--seeds 5] [--patience 10]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import TEXTS, load_text, rnn_pipeline  # noqa: E402


def trajectories(name, seed):
    """(early-stopping history with test accuracies, plain run's test accuracies)."""
    from sklearn_rnn._backend import keras

    Xtr, ytr, Xte, yte = load_text(name)
    codes = np.searchsorted(np.unique(ytr), yte)

    class TestAccuracy(keras.callbacks.Callback):
        def __init__(self, pipe):
            super().__init__()
            self.pipe, self.accuracies = pipe, []

        def on_epoch_end(self, epoch, logs=None):
            if not hasattr(self, "ids"):
                self.ids = self.pipe[0].transform(Xte)  # the tokenizer is fitted by now
            proba = np.concatenate([
                keras.ops.convert_to_numpy(self.model(self.ids[i : i + 256], training=False))
                for i in range(0, len(self.ids), 256)
            ])  # fmt: skip
            self.accuracies.append(float((proba.argmax(axis=1) == codes).mean()))

    out = []
    for early in (True, False):
        pipe = rnn_pipeline(name, seed, early_stopping=early, patience=10**6)
        recorder = TestAccuracy(pipe)
        pipe.set_params(rnnclassifier__callbacks=[recorder]).fit(Xtr, ytr)
        out.append((pipe[-1].history_, np.array(recorder.accuracies)))
    return out


def stop_epoch(val_loss, patience):
    """The epoch Keras' EarlyStopping(val_loss, restore_best_weights=True) restores."""
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, value in enumerate(val_loss):
        wait += 1
        if value < best:
            best, best_epoch, wait = value, epoch, 0
        elif wait >= patience and epoch > 0:
            break
    return best_epoch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", nargs="+", default=["sklearn-docstrings", "numpy-docstrings"], choices=TEXTS)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--patience", type=int, default=10)
    args = parser.parse_args()
    rows = {}
    for name in args.sets:
        cells = {}
        for seed in range(args.seeds):
            (history, early), (_, plain) = trajectories(name, seed)
            val_loss, val_acc = np.array(history["val_loss"]), np.array(history["val_accuracy"])
            smooth = np.convolve(np.pad(val_loss, 1, mode="edge"), np.ones(3) / 3, mode="valid")
            chosen = stop_epoch(val_loss, args.patience)
            picks = {
                "no early stopping, all training data, last epoch": plain[-1],
                "held-out tenth, last epoch": early[-1],
                f"held-out tenth, lowest validation loss (patience={args.patience})": early[chosen],
                "held-out tenth, highest validation accuracy": early[len(val_acc) - 1 - np.argmax(val_acc[::-1])],
                "held-out tenth, lowest 3-epoch mean validation loss": early[np.argmin(smooth)],
                "all data, the epochs early stopping chose (a refit)": plain[min(chosen, len(plain) - 1)],
            }
            for label, value in picks.items():
                cells.setdefault(label, []).append(value)
            print(f"{name} seed {seed}: restored epoch {chosen + 1} of {len(val_loss)}", file=sys.stderr, flush=True)
        rows[name] = cells
    print("| what is kept | " + " | ".join(rows) + " |")
    print("|---|" + "---|" * len(rows))
    for label in next(iter(rows.values())):
        print(f"| {label} | " + " | ".join(
            f"{np.mean(rows[n][label]):.3f} ± {np.std(rows[n][label]):.3f}" for n in rows
        ) + " |")  # fmt: skip


if __name__ == "__main__":
    main()
