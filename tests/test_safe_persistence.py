"""sklearn_rnn.save / load: compositions round-trip in a fresh process, and
hostile files are refused before anything from them runs or is built."""

import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import sklearn_rnn
from sklearn_rnn._persistence import UntrustedTypesError

from .conftest import make_numeric_task, make_token_task

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(units=4, embedding_dim=4, conv_filters=4, epochs=1, batch_size=64, random_state=0)

#: What a FunctionTransformer of the user's own function needs in ``trusted``.
OWN_FUNCTION = ["tests.test_safe_persistence.double"]


def double(X):
    """A user's own function, saved by name inside a FunctionTransformer."""
    return 2 * X


def make_inputs():
    """Deterministic inputs, rebuilt identically in the fresh process."""
    rng = np.random.RandomState(0)
    tokens, y_tokens = make_token_task(n_samples=16, n_steps=6, vocab=12)
    numeric, y_numeric = make_numeric_task(n_samples=16, n_steps=5, n_features=2)
    flat = rng.rand(16, 5)  # 2-D floats: univariate sequences
    docs = ["good movie", "bad film", "great plot and cast", "awful acting"] * 4
    ragged = [rng.normal(size=(n, 2)) for n in rng.randint(2, 6, size=16)]
    return {
        "tokens": (tokens, y_tokens),
        "numeric": (numeric, y_numeric),
        "regression": (numeric, np.c_[np.nanmean(numeric[:, :, 0], axis=1), y_numeric]),
        "flat": (flat, y_numeric),
        "docs": (docs, [1, 0, 1, 0] * 4),
        "ragged": (ragged, y_numeric),
    }


def make_objects(inputs):
    """``{name: (object, input name, methods, trusted)}``, fitted unless named so."""
    from imblearn.pipeline import Pipeline as ImbPipeline
    from imblearn.under_sampling import RandomUnderSampler
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from sklearn_rnn import (
        RNNClassifier,
        RNNRegressor,
        SequencePadder,
        SequenceScaler,
        TextTokenizer,
    )

    proba = ("predict_proba", "predict")

    def fit(obj, kind):
        return obj.fit(*inputs[kind])

    # Few fits keep this fast: one split for the search, a frozen (already
    # fitted) classifier to calibrate, one network in the vote.
    index = np.arange(16)
    grid = GridSearchCV(  # ragged sequences padded to 3-D
        make_pipeline(SequencePadder(), SequenceScaler(), RNNClassifier(**TINY)),
        {"rnnclassifier__units": [4]},
        cv=[(index[::2], index[1::2])],
    )
    voting = VotingClassifier(
        [
            ("lstm", RNNClassifier(**{**TINY, "cell": "lstm"})),
            ("linear", make_pipeline(StandardScaler(), LogisticRegression())),
        ],
        voting="soft",
    )
    columns = ColumnTransformer(
        [("scale", StandardScaler(), [0, 1, 2]), ("log", FunctionTransformer(np.log1p), [3, 4])]
    )
    classifier = fit(RNNClassifier(**TINY), "tokens")
    return {
        "classifier": (classifier, "tokens", proba, None),
        "unfitted": (RNNClassifier(**{**TINY, "cell": "lstm", "units": (4, 2)}), None, (), None),
        "tokenizer": (fit(TextTokenizer(), "docs"), "docs", ("transform",), None),
        "scaler": (fit(SequenceScaler(), "numeric"), "numeric", ("transform",), None),
        "framed_classifier": (  # the Frames layer, max-pooling head
            fit(RNNClassifier(**TINY, frame_length=2), "numeric"), "numeric", proba, None
        ),
        "text_pipeline": (
            fit(make_pipeline(TextTokenizer(), RNNClassifier(**TINY)), "docs"), "docs", proba, None
        ),
        "column_and_function_transformer": (
            fit(make_pipeline(columns, RNNClassifier(**TINY)), "flat"), "flat", proba, None
        ),
        "imblearn_pipeline": (
            fit(ImbPipeline([("under", RandomUnderSampler(random_state=0)),
                             ("rnn", RNNClassifier(**TINY))]), "tokens"),
            "tokens", proba, None,
        ),
        "grid_best": (fit(grid, "ragged").best_estimator_, "ragged", proba, None),
        "calibrated": (
            fit(CalibratedClassifierCV(FrozenEstimator(classifier)), "tokens"),
            "tokens", proba, None,
        ),
        "voting": (fit(voting, "flat"), "flat", proba, None),
        "own_function": (
            fit(make_pipeline(FunctionTransformer(double), RNNClassifier(**TINY)), "flat"),
            "flat", proba, OWN_FUNCTION,
        ),
        "regressor_pipeline": (  # two outputs, standardised targets
            fit(make_pipeline(SequenceScaler(), RNNRegressor(**TINY, loss="huber")), "regression"),
            "regression", ("predict",), None,
        ),
    }  # fmt: skip


_FRESH_PROCESS = """
import json, re, sys
import numpy as np
import sklearn_rnn
from tests.test_safe_persistence import make_inputs
folder, spec = sys.argv[1], json.loads(sys.argv[2])
inputs = make_inputs()
out = {}
for name, (kind, methods, trusted) in spec.items():
    obj = sklearn_rnn.load(f"{folder}/{name}.zip", trusted=trusted)
    out[f"{name}.repr"] = np.array(re.sub(r" at 0x[0-9a-f]+", "", repr(obj)))
    for method in methods:
        out[f"{name}.{method}"] = np.asarray(getattr(obj, method)(inputs[kind][0]))
np.savez(f"{folder}/outputs.npz", **out)
print("ok")
"""


def _run_fresh(script, *args, cwd):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_compositions_round_trip_in_a_fresh_process(tmp_path):
    inputs = make_inputs()
    objects = make_objects(inputs)
    expected, spec = {}, {}
    for name, (obj, kind, methods, trusted) in objects.items():
        before = repr(vars(obj))
        sklearn_rnn.save(obj, tmp_path / f"{name}.zip")
        assert repr(vars(obj)) == before  # save never alters the object
        if trusted:  # refused with the list of what to trust, nothing built
            with pytest.raises(UntrustedTypesError) as info:
                sklearn_rnn.load(tmp_path / f"{name}.zip")
            assert info.value.types == sorted(trusted)
            assert f"trusted={sorted(trusted)!r}" in str(info.value)
        spec[name] = (kind, methods, trusted)
        expected[f"{name}.repr"] = re.sub(r" at 0x[0-9a-f]+", "", repr(obj))  # function addresses
        for method in methods:
            expected[f"{name}.{method}"] = np.asarray(getattr(obj, method)(inputs[kind][0]))
    _run_fresh(_FRESH_PROCESS, str(tmp_path), json.dumps(spec), cwd=tmp_path)
    with np.load(tmp_path / "outputs.npz") as outputs:
        assert sorted(outputs.files) == sorted(expected)
        for key, value in expected.items():
            if key.endswith(".repr"):
                assert str(outputs[key]) == value, key
            elif value.dtype.kind == "f":
                np.testing.assert_allclose(outputs[key], value, rtol=1e-6, atol=1e-7, err_msg=key)
            else:
                np.testing.assert_array_equal(outputs[key], value, err_msg=key)


@pytest.fixture(scope="module")
def fitted_clf():
    from sklearn_rnn import RNNClassifier

    X, y = make_token_task(n_samples=16, n_steps=6, vocab=12)
    return RNNClassifier(**TINY).fit(X, y), X


@pytest.fixture(scope="module")
def saved_bytes(fitted_clf, tmp_path_factory):
    path = tmp_path_factory.mktemp("saved") / "clf.zip"
    sklearn_rnn.save(fitted_clf[0], path)
    return path.read_bytes()


def test_save_in_process_round_trip_and_layout(fitted_clf, tmp_path):
    from sklearn.ensemble import VotingClassifier
    from sklearn.frozen import FrozenEstimator

    clf, X = fitted_clf
    voting = VotingClassifier([("a", clf), ("b", clf)], voting="soft")
    voting.estimators_ = [clf, clf]  # one network held by two estimators (and named_estimators_)
    voting.le_ = None
    before = {key: value for key, value in vars(clf).items()}
    sklearn_rnn.save(voting, tmp_path / "v.zip")
    assert vars(clf) == before and "_predict_fn" in vars(clf)
    with zipfile.ZipFile(tmp_path / "v.zip") as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "models/0.keras", "state.skops"]
        assert not any(name.endswith(".pkl") for name in zf.namelist())
        assert b"PickledModel" not in zf.read("state.skops")
    restored = sklearn_rnn.load(tmp_path / "v.zip")
    first, second = restored.estimators_
    assert first.model_ is second.model_  # still one network
    np.testing.assert_array_equal(first.predict_proba(X), clf.predict_proba(X))


def test_save_refuses_a_keras_model_outside_an_estimator(fitted_clf, tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    odd = FunctionTransformer(np.log1p, kw_args={"model": fitted_clf[0].model_})
    with pytest.raises(TypeError, match="only as the model_ attribute of sklearn_rnn estimators"):
        sklearn_rnn.save(odd, tmp_path / "odd.zip")
    assert os.listdir(tmp_path) == []


def test_save_refuses_an_optimizer_instance_and_names_it(tmp_path):
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNClassifier, SequenceScaler
    from sklearn_rnn._backend import keras

    clf = RNNClassifier(units=4, optimizer=keras.optimizers.SGD())
    message = (
        "sklearn_rnn.save cannot store RNNClassifier(optimizer=SGD instance): a Keras "
        "optimizer object has no file form that loads without running code. Pass the "
        "optimizer by name with learning_rate"
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        sklearn_rnn.save(make_pipeline(SequenceScaler(), clf), tmp_path / "pipe.zip")
    assert not (tmp_path / "pipe.zip").exists()


def test_save_refuses_a_directory_or_a_missing_directory(tmp_path):
    from sklearn_rnn import SequenceScaler

    message = f"save needs a file path, got the directory {str(tmp_path)!r}."
    with pytest.raises(IsADirectoryError, match=re.escape(message)):
        sklearn_rnn.save(SequenceScaler(), tmp_path)
    missing = tmp_path / "not_there"
    message = f"the directory {str(missing)!r} does not exist. Create it first"
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        sklearn_rnn.save(SequenceScaler(), missing / "scaler.zip")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("trusted", [1, [1], "True", (None,)])
def test_load_rejects_a_bad_trusted_argument(saved_bytes, tmp_path, trusted):
    path = tmp_path / "clf.zip"
    path.write_bytes(saved_bytes)
    if trusted == "True":  # a string is one type name: fine, just not needed
        assert sklearn_rnn.load(path, trusted=trusted) is not None
        return
    with pytest.raises(TypeError, match="trusted must be None, True, or a list of type names"):
        sklearn_rnn.load(path, trusted=trusted)


# ------------------------------------------------------------- hostile files


class WritesMarker:
    """Builds a marker file when unpickled or built from its state."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __setstate__(self, state):
        Path(state["marker"]).write_text("ran")
        self.__dict__.update(state)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "ran"))


def _archive(path, members, *, manifest=None, version=2):
    """Write a zip archive with a manifest listing ``members`` with their checksums."""
    if manifest is None:
        manifest = {
            "format": "sklearn_rnn.estimator",
            "format_version": version,
            "estimator": "RNNClassifier",
            "versions": _current_versions(),
            "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
        }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)


def _current_versions():
    from sklearn_rnn._persistence import _versions

    return _versions()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != "manifest.json"}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A working folder and a marker path; checks afterwards that nothing ran or leaked."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    marker = tmp_path / "marker"
    before = set(os.listdir(tmp_path.parent))
    yield work, marker
    assert not marker.exists(), "code from the file ran"
    assert os.listdir(work) == [], "load wrote into the working folder"
    assert set(os.listdir(tmp_path.parent)) == before, "load wrote outside its folder"


def test_pickle_state_member_is_never_unpickled(tmp_path, sandbox):
    work, marker = sandbox
    payload = pickle.dumps(WritesMarker(marker))
    cases = {
        "v2-pickle-as-state": ({"state.skops": payload}, 2, "the archive 'state.skops' is not a zip archive"),
        "v2-extra-pickle": ({"estimator.pkl": payload}, 2, "unexpected member 'estimator.pkl'"),
        "v1": ({"estimator.pkl": payload}, 1, "it was written in file format version 1"),
    }
    for name, (members, version, message) in cases.items():
        path = tmp_path / f"{name}.zip"
        _archive(path, members, version=version)
        with pytest.raises(ValueError, match=re.escape(message)):
            sklearn_rnn.load(path)
        with pytest.raises(ValueError, match=re.escape(message)):
            sklearn_rnn.load(path, trusted=["sklearn_rnn._classifier.RNNClassifier"])


def test_untrusted_class_is_refused_before_it_is_built(tmp_path, sandbox):
    work, marker = sandbox
    path = tmp_path / "untrusted.zip"
    sklearn_rnn.save(WritesMarker(marker), path)
    name = f"{__name__}.WritesMarker"
    with pytest.raises(UntrustedTypesError, match=re.escape(f"trusted={[name]!r}")) as info:
        sklearn_rnn.load(path)
    assert info.value.types == [name]
    assert "not trusted" in str(info.value)


def test_trusting_the_class_builds_it(tmp_path):
    """The control for the test above: a trusted class is built (and its code runs)."""
    marker = tmp_path / "marker"
    sklearn_rnn.save(WritesMarker(marker), tmp_path / "trusted.zip")
    loaded = sklearn_rnn.load(tmp_path / "trusted.zip", trusted=[WritesMarker])
    assert isinstance(loaded, WritesMarker) and marker.read_text() == "ran"


def _replace_keras_config(keras_bytes, edit):
    with zipfile.ZipFile(io.BytesIO(keras_bytes)) as src:
        members = {name: src.read(name) for name in src.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return buffer.getvalue()


def _file_with_a_lambda_layer(path, saved_bytes, marker):
    """A saved classifier whose network is a Lambda layer that writes ``marker``."""
    from sklearn_rnn._backend import keras
    from sklearn_rnn._keras_io import model_to_bytes

    marker_path = str(marker)  # a closure Keras can store
    inputs = keras.Input((3,))
    outputs = keras.layers.Lambda(lambda x: (open(marker_path, "w").close(), x)[1])(inputs)
    lambda_bytes = model_to_bytes(keras.Model(inputs, outputs))
    marker.unlink()  # written while Keras traced the layer, here, not by load
    _archive(path, {**_members(saved_bytes), "models/0.keras": lambda_bytes})


def test_lambda_layer_is_refused_before_deserialising(tmp_path, saved_bytes, sandbox):
    work, marker = sandbox
    path = tmp_path / "lambda.zip"
    _file_with_a_lambda_layer(path, saved_bytes, marker)
    with pytest.raises(UntrustedTypesError, match=re.escape("'keras.layers.Lambda' in 'models/0.keras'")):
        sklearn_rnn.load(path)


def test_trusting_the_lambda_layer_runs_it(tmp_path, saved_bytes):
    """The control for the test above: a trusted Lambda layer is deserialised (and runs)."""
    marker = tmp_path / "marker"
    path = tmp_path / "lambda.zip"
    _file_with_a_lambda_layer(path, saved_bytes, marker)
    loaded = sklearn_rnn.load(path, trusted=["keras.layers.Lambda"])
    assert type(loaded.model_.layers[-1]).__name__ == "Lambda"
    assert marker.exists()


def test_layer_from_a_foreign_module_is_refused_before_import(tmp_path, saved_bytes, sandbox):
    work, marker = sandbox
    members = _members(saved_bytes)

    def edit(config):
        layer = config["config"]["layers"][-1]
        layer.update(module="tests.hostile_module", class_name="Evil", registered_name=None)

    members["models/0.keras"] = _replace_keras_config(members["models/0.keras"], edit)
    path = tmp_path / "foreign.zip"
    _archive(path, members)
    with pytest.raises(UntrustedTypesError, match=re.escape("'tests.hostile_module.Evil'")):
        sklearn_rnn.load(path)
    assert "tests.hostile_module" not in sys.modules


ESCAPED = "sklearn_rnn-escaped-member"


@pytest.mark.parametrize(
    "name",
    [f"../{ESCAPED}", f"models/../../{ESCAPED}", f"/tmp/{ESCAPED}", f"models\\..\\{ESCAPED}", f"C:/{ESCAPED}"],
)
def test_member_names_outside_the_archive_are_refused(tmp_path, saved_bytes, name, sandbox):
    path = tmp_path / "traversal.zip"
    _archive(path, {**_members(saved_bytes), name: b"x"})
    with pytest.raises(ValueError, match=re.escape(f"a member named {name!r}, a path outside the archive")):
        sklearn_rnn.load(path)
    assert not (tmp_path.parent / ESCAPED).exists() and not (Path("/tmp") / ESCAPED).exists()


def test_unexpected_member_is_refused(tmp_path, saved_bytes, sandbox):
    path = tmp_path / "extra.zip"
    _archive(path, {**_members(saved_bytes), "models/readme.txt": b"x"})
    with pytest.raises(ValueError, match=re.escape("unexpected member 'models/readme.txt'")):
        sklearn_rnn.load(path)


def _patch_sizes(data, name, size):
    """Rewrite the uncompressed size of member ``name`` in both zip headers."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    raw[info.header_offset + 22 : info.header_offset + 26] = size.to_bytes(4, "little")
    central = raw.rfind(b"PK\x01\x02")  # the last central record; walk back to ours
    while central >= 0:
        length = int.from_bytes(raw[central + 28 : central + 30], "little")
        if raw[central + 46 : central + 46 + length] == name.encode():
            raw[central + 24 : central + 28] = size.to_bytes(4, "little")
            return bytes(raw)
        central = raw.rfind(b"PK\x01\x02", 0, central)
    raise AssertionError(name)


def test_zip_bombs_are_refused_without_inflating(tmp_path, saved_bytes, monkeypatch, sandbox):
    opened = []
    original_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return original_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    members = _members(saved_bytes)

    # 1. A member that really inflates 1000-fold (32 MiB of zeros).
    bomb = tmp_path / "ratio.zip"
    _archive(bomb, {**members, "models/0.keras": bytes(32 << 20)})
    assert bomb.stat().st_size < 100_000
    opened.clear()
    with pytest.raises(ValueError, match="a zip bomb"):
        sklearn_rnn.load(bomb)
    assert "models/0.keras" not in opened

    # 2. A member claiming ~4 GiB from a few bytes.
    claim = tmp_path / "claim.zip"
    _archive(claim, {**members, "models/0.keras": b"tiny"})
    claim.write_bytes(_patch_sizes(claim.read_bytes(), "models/0.keras", 0xFFFFFFF0))
    opened.clear()
    with pytest.raises(ValueError, match="declares 4294967280 bytes"):
        sklearn_rnn.load(claim)
    assert "models/0.keras" not in opened

    # 3. A member that declares 1000 bytes and inflates to 16 MiB: the read stops
    # at the declared size (zipfile then finds the CRC wrong; load's own bound
    # would stop it one byte later).
    liar = tmp_path / "liar.zip"
    _archive(liar, {**members, "state.skops": bytes(16 << 20)})
    liar.write_bytes(_patch_sizes(liar.read_bytes(), "state.skops", 1000))
    tracemalloc.start()
    try:
        message = "member 'state.skops' of the file (inflates beyond the 1000 bytes|is damaged)"
        with pytest.raises(ValueError, match=message):
            sklearn_rnn.load(liar)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20  # never near the 16 MiB the member inflates to


def test_nested_archive_bomb_is_refused(tmp_path, saved_bytes, sandbox):
    """The archives inside the file (skops' and Keras') get the same checks."""
    members = _members(saved_bytes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("schema.json", bytes(32 << 20))
    path = tmp_path / "nested.zip"
    _archive(path, {**members, "state.skops": buffer.getvalue()})
    with pytest.raises(ValueError, match="member 'schema.json' of the archive 'state.skops'.*zip bomb"):
        sklearn_rnn.load(path)


@pytest.mark.slow
def test_fuzzed_archives_raise_only_value_error(saved_bytes, fitted_clf, tmp_path):
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    path = tmp_path / "fuzzed.zip"
    X = fitted_clf[1]
    expected = fitted_clf[0].predict_proba(X)
    n = len(saved_bytes)

    damage = st.one_of(
        st.tuples(st.just("truncate"), st.integers(0, n - 1)),
        st.tuples(st.just("flip"), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 7)), min_size=1, max_size=4)),
    )  # fmt: skip

    @hypothesis.settings(max_examples=50, deadline=None, database=None)
    @hypothesis.given(damage)
    def check(how):
        kind, where = how
        if kind == "truncate":
            data = saved_bytes[:where]
        else:
            raw = bytearray(saved_bytes)
            for position, bit in where:
                raw[position] ^= 1 << bit
            data = bytes(raw)
        path.write_bytes(data)
        try:
            restored = sklearn_rnn.load(path)
        except ValueError:
            return
        # A flip the format does not depend on (e.g. a timestamp) loads unchanged.
        np.testing.assert_array_equal(restored.predict_proba(X), expected)

    check()


def test_bounded_reader_stops_a_member_that_inflates_beyond_its_size(monkeypatch):
    """load's own bound, behind zipfile's: a stream longer than declared is cut off."""
    from sklearn_rnn import _persistence

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("manifest.json", b"{}")
    archive = _persistence._Archive(buffer.getvalue(), "f.zip")
    served = []

    def endless(self, info, *args, **kwargs):
        class Stream(io.RawIOBase):
            def read(self, n=-1):
                served.append(n)
                return b"\0" * n

        return Stream()

    monkeypatch.setattr(zipfile.ZipFile, "open", endless)
    with pytest.raises(ValueError, match="inflates beyond the 2 bytes it declares"):
        archive.read("manifest.json")
    assert sum(served) == 3  # the declared size plus one byte, then it stopped


def test_highly_compressible_state_is_stored_so_it_loads(tmp_path):
    """save never writes a member that load would take for a zip bomb."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.zeros((2, 300_000)))  # 7 MB of state, mostly zeros
    sklearn_rnn.save(scaler, tmp_path / "scaler.zip")
    with zipfile.ZipFile(tmp_path / "scaler.zip") as zf:
        assert zf.getinfo("state.skops").compress_type == zipfile.ZIP_STORED
    np.testing.assert_array_equal(sklearn_rnn.load(tmp_path / "scaler.zip").mean_, scaler.mean_)


@pytest.mark.parametrize("params, layer, attribute, value", [
    ({"conv_width": 3, "conv_pool": 2}, "conv_pool", "pool", 2),  # MaskedMaxPool1D
    ({"bag_dim": 3, "bag_ngrams": 3}, "bag_ngram_ids", "max_n", 3),  # HashedNgrams
    ({"ngram_expert": 3}, "probabilities", "scale", "expert_scale_"),  # ProductOfExperts
])  # fmt: skip
def test_package_layers_round_trip_without_trusting_anything(tmp_path, params, layer, attribute, value):
    """conv_pool's MaskedMaxPool1D, the bag path's HashedNgrams and the
    n-gram expert's ProductOfExperts are the package's own layers: saved and
    loaded with no `trusted` argument, predictions unchanged."""
    X, y = make_token_task(n_samples=40)
    clf = sklearn_rnn.RNNClassifier(**{**TINY, **params}).fit(X, y)
    sklearn_rnn.save(clf, tmp_path / "model.zip")
    loaded = sklearn_rnn.load(tmp_path / "model.zip")
    expected = getattr(clf, value) if isinstance(value, str) else value  # a fitted value
    assert getattr(loaded.model_.get_layer(layer), attribute) == expected
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
