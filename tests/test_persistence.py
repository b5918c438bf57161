"""Pickle, joblib and save/load round trips of RNNClassifier; damaged files are refused.

Compositions, hostile files and fuzzing: test_safe_persistence.py."""

import json
import os
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_rnn import RNNClassifier
from sklearn_rnn._persistence import load

from .conftest import FAST_PARAMS, make_numeric_task, make_token_task

TINY = {**FAST_PARAMS, "epochs": 1}
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tasks():
    return {
        "tokens": make_token_task(n_samples=16, n_steps=6, vocab=12),
        "numeric": make_numeric_task(n_samples=16, n_steps=5, n_features=2),
    }


@pytest.fixture(scope="module")
def fitted(tasks):
    return {kind: RNNClassifier(**TINY).fit(*data) for kind, data in tasks.items()}


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    """The fitted token classifier written with save; read-only."""
    path = tmp_path_factory.mktemp("saved") / "clf.zip"
    fitted["tokens"].save(path)
    return path


def _rewrite(source, target, *, drop=(), replace=None):
    """Copy a zip archive, leaving out ``drop`` and replacing members by name."""
    replace = replace or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            if name not in drop:
                dst.writestr(name, replace.get(name, src.read(name)))


def _manifest(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def _assert_same_fitted_state(a, b):
    assert a.get_params() == b.get_params()
    np.testing.assert_array_equal(a.classes_, b.classes_)
    for name in ("n_features_in_", "input_type_", "n_iter_"):
        assert getattr(a, name) == getattr(b, name)
    assert a.history_ == b.history_


@pytest.mark.parametrize("kind", ["tokens", "numeric"])
@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip(fitted, tasks, tmp_path, kind, dump):
    clf, X = fitted[kind], tasks[kind][0]
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "clf.joblib")
        restored = joblib.load(tmp_path / "clf.joblib")
    _assert_same_fitted_state(clf, restored)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("kind", ["tokens", "numeric"])
def test_save_load_round_trip(fitted, tasks, tmp_path, kind):
    clf, X = fitted[kind], tasks[kind][0]
    before = clf.predict_proba(X)
    clf.save(tmp_path / "clf.zip")
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # save changes nothing
    restored = load(tmp_path / "clf.zip")
    assert type(restored) is RNNClassifier and restored.model_ is not clf.model_
    _assert_same_fitted_state(clf, restored)
    np.testing.assert_array_equal(restored.predict_proba(X), before)


def test_save_writes_keras_model_manifest_and_state(saved, fitted, tasks):
    with zipfile.ZipFile(saved) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "models/0.keras", "state.skops"]
    manifest = _manifest(saved)
    assert manifest["format"] == "sklearn_rnn.estimator" and manifest["format_version"] == 2
    assert manifest["estimator"] == "RNNClassifier"
    assert set(manifest["versions"]) == {
        "sklearn_rnn", "scikit-learn", "skops", "keras", "keras_backend"
    }  # fmt: skip
    assert set(manifest["sha256"]) == {"state.skops", "models/0.keras"}


def test_saved_model_loads_with_keras_alone(saved, fitted, tmp_path):
    from sklearn_rnn._backend import keras

    with zipfile.ZipFile(saved) as zf:
        (tmp_path / "model.keras").write_bytes(zf.read("models/0.keras"))
    model = keras.saving.load_model(tmp_path / "model.keras")
    X = make_token_task(n_samples=16, n_steps=6, vocab=12)[0].astype(np.int32)
    np.testing.assert_allclose(
        np.asarray(model(X, training=False)), fitted["tokens"].predict_proba(X), rtol=1e-5
    )


@pytest.mark.slow
def test_loaded_estimator_trains_further(saved, tasks):
    restored = load(saved).set_params(warm_start=True)
    assert restored.fit(*tasks["tokens"]).n_iter_ == 2
    assert restored.partial_fit(*tasks["tokens"]).n_iter_ == 3


def test_save_load_estimator_fitted_with_user_callbacks(tasks, tmp_path):
    """Keras leaves the network in each callback it ran; fit detaches the user's."""
    from sklearn_rnn._backend import keras

    X, y = tasks["tokens"]
    callback = keras.callbacks.TerminateOnNaN()
    clf = RNNClassifier(**TINY, callbacks=[callback]).fit(X, y)
    assert callback.model is None
    clf.save(tmp_path / "clf.zip")
    restored = load(tmp_path / "clf.zip", trusted=[type(callback)])
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    pickled = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(pickled.predict_proba(X), clf.predict_proba(X))


def test_save_load_unfitted_estimator(tmp_path):
    clf = RNNClassifier(**{**TINY, "cell": "lstm", "units": (4, 2)})
    clf.save(tmp_path / "clf.zip")
    restored = load(tmp_path / "clf.zip")
    assert restored.get_params() == clf.get_params()
    with pytest.raises(NotFittedError):
        restored.predict(np.ones((2, 3), dtype=int))


def test_save_replaces_file_atomically(saved, fitted, tmp_path, monkeypatch):
    from sklearn_rnn import _persistence

    path = tmp_path / "clf.zip"
    path.write_bytes(saved.read_bytes())

    def fail(model):
        raise OSError("disk full")

    monkeypatch.setattr(_persistence, "_model_to_bytes", fail)
    with pytest.raises(OSError, match="disk full"):
        fitted["tokens"].save(path)
    assert path.read_bytes() == saved.read_bytes()  # the old file is intact
    assert os.listdir(tmp_path) == ["clf.zip"]  # no temporary file left behind


@pytest.mark.parametrize(
    "damage, problem",
    [
        ("truncate", "the file is not a zip archive (truncated, or not written by save)"),
        ("no model", "the archive has no 'models/0.keras', which its manifest lists"),
        ("no manifest", "the archive has no 'manifest.json'"),
        ("altered state", "the checksum of 'state.skops' does not match its manifest"),
        ("flipped byte", "member 'models/0.keras' of the file is damaged"),
        ("other format", "'manifest.json' does not describe a 'sklearn_rnn.estimator' file"),
    ],
)
def test_load_refuses_damaged_files(saved, tmp_path, damage, problem):
    path = tmp_path / "damaged.zip"
    data = saved.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "no model":
        _rewrite(saved, path, drop=["models/0.keras"])
    elif damage == "no manifest":
        _rewrite(saved, path, drop=["manifest.json"])
    elif damage == "altered state":
        _rewrite(saved, path, replace={"state.skops": b"PK\x05\x06" + bytes(18)})
    elif damage == "flipped byte":
        _rewrite(saved, path)  # stored uncompressed: a flipped byte fails the zip CRC
        raw = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("models/0.keras")
        raw[info.header_offset + 30 + len(info.filename) + info.file_size // 2] ^= 0xFF
        path.write_bytes(bytes(raw))
    else:
        manifest = {**_manifest(saved), "format": "something else"}
        _rewrite(saved, path, replace={"manifest.json": json.dumps(manifest)})
    message = re.escape(f"Cannot load {str(path)!r}: {problem}") + ".*" + re.escape(
        "save the object again with sklearn_rnn.save."
    )
    with pytest.raises(ValueError, match=message):
        load(path)


def _write_foreign(kind, path):
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"a": 1}))
    elif kind == "joblib":
        joblib.dump(np.arange(3), path)
    elif kind == "joblib compressed":
        joblib.dump(np.arange(3), path, compress=3)
    elif kind == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hi")
    elif kind == "keras":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("config.json", "{}")
            zf.writestr("model.weights.h5", b"")
    elif kind == "text":
        path.write_text("not a model\n")
    else:
        path.write_bytes(bytes(range(16)))


PICKLE_FIX = (
    "If pickle.dump or joblib.dump wrote it, read it with pickle.load or joblib.load "
    "instead, and only if you trust the file"
)


@pytest.mark.parametrize(
    "kind, got, fix",
    [
        ("pickle", "a pickle (as pickle.dump and joblib.dump write)", PICKLE_FIX),
        ("joblib", "a pickle (as pickle.dump and joblib.dump write)", PICKLE_FIX),
        ("joblib compressed", "a compressed file (as joblib.dump(..., compress=...) writes)",
         PICKLE_FIX),
        ("zip", "a zip archive of 1 member(s) ('readme.txt')", "Check the path: pass a file"),
        ("keras", "a Keras model file (config.json, model.weights.h5)",
         "Read a Keras model with keras.saving.load_model"),
        ("text", "a text file beginning 'not a model\\n'", PICKLE_FIX),
        ("binary", "a file beginning with the bytes b'\\x00\\x01", PICKLE_FIX),
    ],
)
def test_load_says_a_foreign_file_is_not_a_sklearn_rnn_file(tmp_path, kind, got, fix):
    path = tmp_path / "foreign"
    _write_foreign(kind, path)
    message = (
        re.escape(f"Cannot load {str(path)!r}: it is not a sklearn_rnn file but {got}")
        + ".*"
        + re.escape(
            "sklearn_rnn.load reads only the zip archives that sklearn_rnn.save writes "
            "(manifest.json, state.skops, models/*.keras). "
        )
        + re.escape(fix)
    )
    with pytest.raises(ValueError, match=message):
        load(path)


def test_load_refuses_newer_file_format(saved, tmp_path):
    path = tmp_path / "newer.zip"
    manifest = {**_manifest(saved), "format_version": 99}
    _rewrite(saved, path, replace={"manifest.json": json.dumps(manifest)})
    message = "it has file format version 99, but this sklearn_rnn reads versions up to 2."
    with pytest.raises(ValueError, match=re.escape(message)):
        load(path)


def test_load_warns_on_version_mismatch(saved, tasks, tmp_path):
    path = tmp_path / "old.zip"
    manifest = _manifest(saved)
    manifest["versions"] = {**manifest["versions"], "sklearn_rnn": "0.0.1"}
    _rewrite(saved, path, replace={"manifest.json": json.dumps(manifest)})
    message = f"{str(path)!r} was saved with sklearn_rnn '0.0.1' (now "
    with pytest.warns(UserWarning, match=re.escape(message)):
        restored = load(path)
    assert restored.predict(tasks["tokens"][0]).shape == (16,)


def _write_format_1(clf, path):
    """A file as sklearn_rnn wrote it before format 2: the estimator as a pickle."""
    import hashlib

    from sklearn_rnn._keras_io import model_to_bytes

    state = dict(clf.__getstate__())
    state.pop("model_")
    members = {
        "estimator.pkl": pickle.dumps((type(clf), state)),
        "model.keras": model_to_bytes(clf.model_),
    }
    manifest = {
        "format": "sklearn_rnn.estimator",
        "format_version": 1,
        "estimator": type(clf).__name__,
        "versions": _manifest_versions(),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(name, data)


def _manifest_versions():
    from sklearn_rnn._persistence import _versions

    return _versions()


def test_format_1_loads_only_when_trusted_and_converts(fitted, tasks, tmp_path):
    clf, X = fitted["tokens"], tasks["tokens"][0]
    old = tmp_path / "old.zip"
    _write_format_1(clf, old)
    message = "it was written in file format version 1, which stores the estimator as a pickle"
    for trusted in (None, ["sklearn_rnn._classifier.RNNClassifier"]):
        with pytest.raises(ValueError, match=re.escape(message)) as info:
            load(old, trusted=trusted)
        assert "sklearn_rnn.load(path, trusted=True)" in str(info.value)
        assert "sklearn_rnn.save(obj, path)" in str(info.value)
    restored = load(old, trusted=True)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    restored.save(tmp_path / "new.zip")  # converted: format 2 loads without trusted
    assert _manifest(tmp_path / "new.zip")["format_version"] == 2
    np.testing.assert_array_equal(load(tmp_path / "new.zip").predict_proba(X), clf.predict_proba(X))


def test_load_missing_file(tmp_path):
    missing = tmp_path / "nothing.zip"
    message = f"No sklearn_rnn save file at {str(missing)!r}"
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        load(missing)


_FRESH_PROCESS = """
import json, pickle, sys
import numpy as np
from sklearn_rnn._persistence import load
X = np.load(sys.argv[1])
with open(sys.argv[2], "rb") as f:
    unpickled = pickle.load(f)
loaded = load(sys.argv[3])
print(json.dumps([unpickled.predict_proba(X).tolist(), loaded.predict_proba(X).tolist()]))
"""


@pytest.mark.slow
def test_pickle_and_save_load_in_a_fresh_process(fitted, tasks, tmp_path):
    clf, X = fitted["numeric"], tasks["numeric"][0]
    files = ("X.npy", "clf.pkl", "clf.zip")
    np.save(tmp_path / "X.npy", X)
    with open(tmp_path / "clf.pkl", "wb") as f:
        pickle.dump(clf, f)
    clf.save(tmp_path / "clf.zip")
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    result = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS, *(str(tmp_path / n) for n in files)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    unpickled, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(unpickled, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(loaded, expected, rtol=1e-6, atol=1e-7)
