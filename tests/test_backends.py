"""Core behaviour on every Keras backend, each in a fresh process.

Each backend's script runs with ``KERAS_BACKEND`` set and, for JAX and
PyTorch, with TensorFlow made unimportable (as where it is not installed). It
fits, predicts, trains further, stops early, weights classes, resamples,
pickles and saves; a second fresh process loads the saved file. The script
reports what it saw as JSON and the tests below check it. Standard error must
stay empty throughout: importing and running the package prints nothing on
any backend.

JAX is part of the ``dev`` extra, so its tests always run. PyTorch is not (on
PyPI, ``torch`` for Linux is the multi-GB CUDA build): its tests run where it
is installed and are reported as skipped, with the reason, where it is not.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ["tensorflow", "jax", "torch"]

def _pythonpath():
    """This checkout first, then whatever PYTHONPATH already held (packages
    installed with ``pip --target``, as on a machine without a venv)."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)


#: Makes ``import tensorflow`` fail, as where TensorFlow is not installed.
_NO_TENSORFLOW = """
import sys

class _HideTensorFlow:
    # Wraps each import finder: TensorFlow is "not found", as where it is not
    # installed (find_spec gives None, import raises ModuleNotFoundError).
    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "tensorflow":
            return None
        find = getattr(self._finder, "find_spec", None)
        return None if find is None else find(name, path, target)

    def __getattr__(self, name):
        return getattr(self._finder, name)

sys.meta_path[:] = [_HideTensorFlow(finder) for finder in sys.meta_path]
"""

_SCRIPT = """
import copy, json, pickle, sys
import numpy as np
report = {}
import sklearn_rnn
report["keras_on_import"] = "keras" in sys.modules
from imblearn.under_sampling import RandomUnderSampler
from sklearn.model_selection import GridSearchCV
from sklearn_rnn import RNNClassifier
from tests.conftest import FAST_PARAMS, make_numeric_task, make_token_task

Xt, yt = make_token_task(n_samples=60, n_steps=12)
Xn, yn = make_numeric_task(n_samples=60, n_steps=10)
clf = RNNClassifier(**FAST_PARAMS).fit(Xt, yt)
report["backend"] = __import__("keras").backend.backend()
report["tensorflow_loaded"] = "tensorflow" in sys.modules
proba = clf.predict_proba(Xt)
report["proba_shape"] = list(proba.shape)
report["proba_sums"] = float(np.abs(proba.sum(axis=1) - 1).max())
report["predict_in_classes"] = bool(np.isin(clf.predict(Xt), clf.classes_).all())
report["one_row"] = float(np.abs(clf.predict_proba(Xt[3:4]) - proba[3:4]).max())

# random_state: the same int, the same network and predictions
again = RNNClassifier(**FAST_PARAMS).fit(Xt, yt).predict_proba(Xt)
other = RNNClassifier(**{**FAST_PARAMS, "random_state": 1}).fit(Xt, yt).predict_proba(Xt)
report["same_seed_equal"] = bool(np.array_equal(proba, again))
report["other_seed_differs"] = not bool(np.allclose(proba, other))

# length bucketing (post- and pre-padded, tokens and numeric) predicts alike
Xb = Xt.copy(); Xb[:, 6:] = 0
Xpre = np.zeros_like(Xb)
for i, row in enumerate(Xb):
    kept = row[row != 0]; Xpre[i, len(row) - len(kept):] = kept
Xnb = Xn.copy(); Xnb[:, 5:] = np.nan
diffs = []
for X, y in [(Xb, yt), (Xpre, yt), (Xnb, yn)]:
    on = RNNClassifier(**FAST_PARAMS, length_bucketing=True).fit(X, y)
    off = copy.copy(on).set_params(length_bucketing=False)
    diffs.append(float(np.abs(on.predict_proba(X) - off.predict_proba(X)).max()))
report["bucketing_diffs"] = diffs

# numeric 3-D input, early stopping with restored weights
early = RNNClassifier(
    **{**FAST_PARAMS, "epochs": 4}, early_stopping=True, patience=1, validation_fraction=0.4
)
early.fit(Xn, yn)
report["early"] = [sorted(early.history_), early.best_epoch_, early.n_iter_]

# partial_fit and warm_start continue the same network
part = RNNClassifier(**FAST_PARAMS)
part.partial_fit(Xt, yt, classes=[0, 1]).partial_fit(Xt, yt)
warm = RNNClassifier(**FAST_PARAMS, warm_start=True).fit(Xt, yt)
first = warm.model_
warm.fit(Xt, yt)
report["partial_warm"] = [part.n_iter_, warm.n_iter_, warm.model_ is first]

# class weights and a sampler redrawn every epoch
yi = (np.arange(60) % 4 == 0).astype(int)
weighted = RNNClassifier(**FAST_PARAMS, class_weight="balanced").fit(Xt, yi)
sampled = RNNClassifier(**FAST_PARAMS, sampler=RandomUnderSampler()).fit(Xt, yi)
report["weighted_sampled"] = [weighted.n_iter_, sampled.n_iter_]

# pickle round trip, and save for a fresh process
restored = pickle.loads(pickle.dumps(clf))
report["pickle_equal"] = bool(np.array_equal(restored.predict_proba(Xt), proba))
clf.save(sys.argv[1])
np.save(sys.argv[2], proba)

# parallel search in loky worker processes (same backend, from the environment)
search = GridSearchCV(
    RNNClassifier(**{**FAST_PARAMS, "epochs": 1}), {"units": [2, 4]}, cv=2, n_jobs=2
).fit(Xt, yt)
report["search"] = [list(search.cv_results_["mean_test_score"].shape), search.predict(Xt[:3]).shape[0]]
print(json.dumps(report))
"""

_LOAD = """
import json, sys
import numpy as np
from sklearn_rnn import load
from tests.conftest import make_token_task

Xt, _ = make_token_task(n_samples=60, n_steps=12)
clf = load(sys.argv[1])
proba = clf.predict_proba(Xt)
print(json.dumps({
    "loaded_equal": bool(np.array_equal(proba, np.load(sys.argv[2]))),
    "tensorflow_loaded": "tensorflow" in sys.modules,
}))
"""


def _run(backend, code, *args):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": _pythonpath()}
    preamble = _NO_TENSORFLOW if backend != "tensorflow" else ""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(preamble + code), *map(str, args)],
        capture_output=True, text=True, timeout=900, cwd=ROOT, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stderr == "", done.stderr[-4000:]  # quiet on every backend
    return json.loads(done.stdout.strip().splitlines()[-1])


def _require(backend):
    if backend == "tensorflow" or importlib.util.find_spec(backend) is not None:
        return
    if backend == "torch":
        pytest.skip("PyTorch is not installed (not in the dev extra; pip install torch)")
    pytest.fail(f"{backend} is not installed; install the dev extra: pip install -e '.[dev]'")


@pytest.fixture(scope="module", params=BACKENDS)
def report(request, tmp_path_factory):
    backend = request.param
    _require(backend)
    folder = tmp_path_factory.mktemp(f"backend_{backend}")
    saved, expected = folder / "clf.zip", folder / "proba.npy"
    report = _run(backend, _SCRIPT, saved, expected)
    report.update(_run(backend, _LOAD, saved, expected))
    return backend, report


pytestmark = pytest.mark.slow


def test_runs_on_the_requested_backend_without_tensorflow(report):
    backend, seen = report
    assert seen["backend"] == backend
    assert seen["keras_on_import"] is False
    if backend != "tensorflow":
        assert seen["tensorflow_loaded"] is False


def test_fit_and_predict(report):
    _, seen = report
    assert seen["proba_shape"] == [60, 2]
    assert seen["proba_sums"] < 1e-6
    assert seen["predict_in_classes"]
    assert seen["one_row"] < 1e-5


def test_random_state_reproducible(report):
    _, seen = report
    assert seen["same_seed_equal"] and seen["other_seed_differs"]


def test_bucketed_and_unbucketed_predictions_match(report):
    _, seen = report
    assert max(seen["bucketing_diffs"]) < 1e-5, seen["bucketing_diffs"]


def test_early_stopping_partial_fit_warm_start(report):
    _, seen = report
    keys, best_epoch, n_iter = seen["early"]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(keys)
    assert 0 <= best_epoch < n_iter <= 4
    assert seen["partial_warm"] == [2, 4, True]


def test_class_weight_and_sampler(report):
    _, seen = report
    assert seen["weighted_sampled"] == [2, 2]


def test_pickle_save_load_and_parallel_search(report):
    _, seen = report
    assert seen["pickle_equal"] and seen["loaded_equal"]
    assert seen["search"] == [[2], 3]


@pytest.mark.parametrize("backend", BACKENDS)
def test_import_quiet_loads_no_keras(backend):
    """``import sklearn_rnn`` loads no Keras and prints nothing, on every backend."""
    _require(backend)
    code = "import sys, sklearn_rnn; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": _pythonpath()}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env
    )
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, ["False", "False"], "")


_TORCH_KERNELS = """
import json
import warnings
import numpy as np
import keras
# On CUDA the reference layers (Keras' own cuDNN call) warn at every call that
# the weights are not one flat buffer; ours drop that message (_call_kernel)
warnings.filterwarnings("ignore", "RNN module weights", UserWarning, "keras[.]src[.]backend")
import torch
# cuDNN rounds recurrent matmuls to TF32 on recent GPUs (PyTorch's default):
# compare the float32 computations, which is what the paths must agree on
torch.backends.cudnn.allow_tf32 = False
from sklearn_rnn._models import GRU, LSTM
from sklearn_rnn._torch_rnn import native_inner_loop

rng = np.random.RandomState(0)
B, T, F = 6, 9, 4
x = keras.ops.convert_to_tensor(rng.normal(size=(B, T, F)).astype("float32"))  # Keras' device
lengths = np.array([9, 3, 5, 1, 9, 7])
post = np.arange(T)[None] < lengths[:, None]
masks = {
    "none": None, "all": np.ones((B, T), bool), "post": post,
    "pre": post[:, ::-1].copy(), "empty_row": post * (np.arange(B) != 2)[:, None],
}
errors, grad_errors, native = {}, {}, {}
for ours_cls, keras_cls in ((GRU, keras.layers.GRU), (LSTM, keras.layers.LSTM)):
    for backwards in (False, True):
        for sequences in (False, True):
            for zero in (False, True):
                for name, mask in masks.items():
                    kw = dict(go_backwards=backwards, return_sequences=sequences,
                              zero_output_for_mask=zero)
                    ours, ref = ours_cls(5, **kw), keras_cls(5, **kw)
                    ours.build((None, T, F)); ref.build((None, T, F))
                    weights = [w + rng.normal(scale=0.3, size=w.shape).astype("float32")
                               for w in ours.get_weights()]
                    ours.set_weights(weights); ref.set_weights(weights)
                    m = None if mask is None else keras.ops.convert_to_tensor(mask)
                    key = f"{ours_cls.__name__} back={backwards} seq={sequences} zero={zero} {name}"
                    a, b = ours(x, mask=m), ref(x, mask=m)
                    errors[key] = float((a - b).abs().max().detach())
                    a.square().sum().backward(); b.square().sum().backward()
                    ga = ours.cell.kernel.value.grad; gb = ref.cell.kernel.value.grad
                    grad_errors[key] = float((ga - gb).abs().max() / (gb.abs().max() + 1e-12))
                    state = [keras.ops.zeros((B, 5))] * (2 if ours_cls is LSTM else 1)
                    native[key] = native_inner_loop(ours, x, state, m, False) is not None
print(json.dumps({"errors": errors, "grad_errors": grad_errors, "native": native}))
"""


def test_torch_native_recurrent_loop_matches_keras_loop():
    """On PyTorch, GRU and LSTM run PyTorch's own kernel for unmasked and
    right-padded batches (``_torch_rnn``) and give Keras' masked loop's
    outputs and gradients, every layout option included; other masks fall
    back to Keras' loop."""
    _require("torch")
    seen = _run("torch", _TORCH_KERNELS)
    assert max(seen["errors"].values()) < 1e-5, seen["errors"]
    assert max(seen["grad_errors"].values()) < 1e-4, seen["grad_errors"]
    for key, ran in seen["native"].items():
        assert ran == (key.split()[-1] in ("none", "all", "post")), key


def test_cudnn_weight_compaction_warning_silenced_and_nothing_else():
    """On CUDA, cuDNN warns at every call that the recurrent weights are not
    one flat buffer (they are rebuilt from the Keras variables per call, so
    the copy it makes is inherent). ``_call_kernel`` drops that message,
    lets every other warning through and leaves the filters as they were."""
    import warnings

    from sklearn_rnn._torch_rnn import _call_kernel

    def kernel(a, b):  # stands in for torch._VF.gru on a CUDA tensor
        warnings.warn(
            "RNN module weights are not part of single contiguous chunk of memory. This "
            "means they need to be compacted at every call, possibly greatly increasing "
            "memory usage. To compact weights again call flatten_parameters().",
            UserWarning,
        )
        warnings.warn("an unrelated warning", UserWarning)
        return a + b

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        filters = list(warnings.filters)
        assert _call_kernel(kernel, 1, 2) == 3
        assert warnings.filters == filters
    assert [str(w.message) for w in seen] == ["an unrelated warning"]
