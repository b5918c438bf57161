"""Epoch time of padded token sequences on each Keras backend, for a GPU.

Runs without TensorFlow (a GPU machine with only JAX or PyTorch and the
``keras`` wheel is enough). Each backend runs in its own child process
(``KERAS_BACKEND`` set there) and prints JSON; this script prints the table.
From the repository root::

    PYTHONPATH=. python benchmarks/bench_gpu.py [--backends jax torch]
        [--rows 10000] [--max-len 200] [--epochs 2] [--quick]

The data and network are issue 13's: ``--rows`` right-padded token rows,
lengths log-normal, clipped to ``[1, --max-len]``, 6 classes, Embedding(128)
-> GRU or LSTM(128) -> Dense(6), batch 256. Every figure is the time of the
last epoch of a ``--epochs`` fit (the first pays for compilation), measured
by a callback, in the same child process:

- ``Keras masked`` / ``Keras unmasked``: a hand-written Keras model,
  ``Embedding(mask_zero=True/False)``, ``model.fit`` on the padded array;
- ``RNNClassifier``: the same network (``head="last"``, no input
  corruption), ``length_bucketing=False`` and ``True``;
- ``PyTorch packed``: plain PyTorch (``nn.Embedding``, ``nn.GRU``/``nn.LSTM``
  on ``pack_padded_sequence``, cuDNN on a GPU), the torch child only; the
  ceiling the issue names.

Also printed per backend: one-row ``predict_proba`` latency (median of 200
calls) and the largest difference between ``predict_proba`` (length-sorted
batches trimmed to bucket widths) and the Keras model called on the rows at
their full width, which must be float rounding only.
"""

import argparse
import importlib
import json
import os
import subprocess
import sys
import time

import numpy as np

UNITS, VOCAB, CLASSES, BATCH = 128, 10000, 6, 256


def padded_tokens(n_rows, max_len, seed=0):
    rng = np.random.RandomState(seed)
    lengths = np.clip(np.round(rng.lognormal(np.log(max_len / 4), 0.7, size=n_rows)), 1, max_len).astype(int)
    X = rng.randint(CLASSES + 1, VOCAB, size=(n_rows, max_len)).astype(np.int32)
    y = rng.randint(CLASSES, size=n_rows)
    X[np.arange(n_rows), rng.randint(lengths)] = 1 + y  # one label token per row
    X[np.arange(max_len)[None, :] >= lengths[:, None]] = 0
    return X, y, lengths


def child(args):
    import keras

    from sklearn_rnn import RNNClassifier
    from sklearn_rnn._backend import BACKEND

    X, y, lengths = padded_tokens(args.rows, args.max_len)
    backend_module = importlib.import_module(BACKEND)
    versions = f"Keras {keras.__version__}, {BACKEND} {backend_module.__version__}"
    out = {"backend": BACKEND, "device": device_name(BACKEND), "versions": versions,
           "epoch": [], "predict": []}  # fmt: skip

    class LastEpoch(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    def record(label, cell, seconds):
        out["epoch"].append([label, cell, seconds])
        print(BACKEND, label, cell, f"{seconds:.3f} s", file=sys.stderr, flush=True)

    for cell in ("gru", "lstm"):
        layer = keras.layers.GRU if cell == "gru" else keras.layers.LSTM
        for masked in (True, False):
            if masked and BACKEND == "torch" and args.skip_keras_masked_torch:
                continue
            keras.utils.set_random_seed(0)
            model = keras.Sequential([
                keras.Input((None,), dtype="int32"),
                keras.layers.Embedding(VOCAB, UNITS, mask_zero=masked),
                layer(UNITS),
                keras.layers.Dense(CLASSES, activation="softmax"),
            ])  # fmt: skip
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            timer = LastEpoch()
            model.fit(X, y, batch_size=BATCH, epochs=args.epochs, verbose=0, callbacks=[timer])
            record("Keras masked" if masked else "Keras unmasked", cell, timer.seconds)
            del model

        for bucketing in (False, True):
            timer = LastEpoch()
            clf = RNNClassifier(
                cell=cell, units=UNITS, embedding_dim=UNITS, head="last", frame_length=1,
                conv_width=0, token_dropout=0.0, input_noise=0.0, label_smoothing=0.0,
                ngram_expert=0,
                batch_size=BATCH, epochs=args.epochs,
                length_bucketing=bucketing, random_state=0, callbacks=[timer],
            ).fit(X, y)  # fmt: skip
            label = "RNNClassifier, bucketing" if bucketing else "RNNClassifier, no bucketing"
            record(label, cell, timer.seconds)
        one = X[:1]
        clf.predict_proba(one)
        calls = []
        for _ in range(200):
            start = time.perf_counter()
            clf.predict_proba(one)
            calls.append(time.perf_counter() - start)
        rows = X[:2000]  # predict_proba sorts by length and trims to bucket widths
        whole = np.concatenate([
            keras.ops.convert_to_numpy(clf.model_(rows[i : i + 500], training=False))
            for i in range(0, len(rows), 500)
        ])  # fmt: skip
        diff = float(np.abs(clf.predict_proba(rows) - whole).max())
        out["predict"].append([cell, float(np.median(calls)), diff])

        if BACKEND == "torch":
            record("PyTorch packed", cell, torch_packed_epoch(X, y, lengths, cell, args.epochs))
    print(json.dumps(out))


def device_name(backend):
    if backend == "jax":
        import jax

        return str(jax.devices()[0])
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    import tensorflow as tf

    return ", ".join(d.name for d in tf.config.list_logical_devices()) or "cpu"


def torch_packed_epoch(X, y, lengths, cell, epochs):
    """Seconds of the last epoch of plain PyTorch on packed sequences."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, UNITS, padding_idx=0)
            self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(UNITS, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, CLASSES)

        def forward(self, x, n):
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(x), n, batch_first=True, enforce_sorted=False)
            _, state = self.rnn(packed)
            h = state[0] if cell == "lstm" else state
            return self.out(h[-1])

    net = Net().to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X).long(), torch.from_numpy(y).long()
    nt = torch.from_numpy(lengths).long()
    rng = np.random.RandomState(0)
    for _ in range(epochs):
        start = time.perf_counter()
        for rows in np.array_split(rng.permutation(len(X)), int(np.ceil(len(X) / BATCH))):
            rows = torch.from_numpy(rows)
            n = nt[rows]
            x = Xt[rows, : int(n.max())].to(device, non_blocking=True)
            optimizer.zero_grad()
            loss = loss_fn(net(x, n), yt[rows].to(device, non_blocking=True))
            loss.backward()
            optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", nargs="+", default=["jax", "torch"])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--max-len", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="1,000 rows of at most 60 steps")
    parser.add_argument(
        "--skip-keras-masked-torch", action="store_true", help="skip Keras' own masked loop on PyTorch (slow)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.max_len = 1000, 60
    if args.child:
        return child(args)

    runs = {}
    for backend in args.backends:
        env = {**os.environ, "KERAS_BACKEND": backend}
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--rows", str(args.rows),
               "--max-len", str(args.max_len), "--epochs", str(args.epochs)]  # fmt: skip
        if args.skip_keras_masked_torch:
            cmd.append("--skip-keras-masked-torch")
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
        if done.returncode != 0:
            print(f"{backend}: failed (see its standard error above)", file=sys.stderr)
            continue
        runs[backend] = json.loads(done.stdout.strip().splitlines()[-1])

    print(f"Last-epoch seconds of a {args.epochs}-epoch fit, {args.rows:,} right-padded token rows "
          f"(log-normal lengths, at most {args.max_len}), Embedding({UNITS}) -> cell({UNITS}) -> "
          f"Dense({CLASSES}), batch {BATCH}")  # fmt: skip
    print("; ".join(run["versions"] for run in runs.values()))
    print("| backend (device) | path | GRU epoch (s) | LSTM epoch (s) |\n|---|---|---:|---:|")
    for backend, run in runs.items():
        by_label = {}
        for label, cell, seconds in run["epoch"]:
            by_label.setdefault(label, {})[cell] = seconds
        for label, cells in by_label.items():
            gru, lstm = (f"{cells[c]:.2f}" if c in cells else "" for c in ("gru", "lstm"))
            print(f"| {backend} ({run['device']}) | {label} | {gru} | {lstm} |")
    print("\n| backend | cell | 1-row predict_proba (ms) | max diff vs the model on the full width |\n|---|---|---:|---:|")
    for backend, run in runs.items():
        for cell, seconds, diff in run["predict"]:
            print(f"| {backend} | {cell.upper()} | {seconds * 1e3:.2f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
