"""Save estimators and pipelines with their Keras networks to one file that
loads without running code from the file.

File layout, format version 2 (a zip archive):

``manifest.json``
    Format name and version, the versions of the libraries that wrote the
    file, and the SHA-256 of every other member.
``state.skops``
    The object (an estimator, a Pipeline, a fitted search's
    ``best_estimator_``, ...) in skops' format: JSON and ``.npy`` arrays,
    loaded by building only types that are trusted. Every Keras network that
    an sklearn_rnn object holds as ``model_`` is replaced by the attribute
    ``_sklearn_rnn_model_member``, the name of the member holding it.
``models/<i>.keras``
    One network in Keras' own format, loaded with ``safe_mode=True`` after its
    ``config.json`` has been checked for layers that are neither Keras' own
    nor sklearn_rnn's.

Format version 1 held the estimator as a pickle (``estimator.pkl``) and its
network as ``model.keras``; such files load only with ``trusted=True``.

Nothing is built before every member has been checked: names, declared sizes
and compression ratios before inflating, sizes while inflating (a bounded
read), checksums, and the types the file names.
"""

import codecs
import copy
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import warnings
import zipfile
import zlib

from sklearn_rnn._keras_io import model_from_bytes as _model_from_bytes
from sklearn_rnn._keras_io import model_to_bytes as _model_to_bytes

FORMAT = "sklearn_rnn.estimator"
FORMAT_VERSION = 2
_MANIFEST = "manifest.json"
_STATE = "state.skops"
_MODEL_MEMBER = re.compile(r"models/(0|[1-9][0-9]{0,5})\.keras")
_PLACEHOLDER = "_sklearn_rnn_model_member"
_PACKAGE = "sklearn_rnn"
# Format 1 members.
_LEGACY_STATE = "estimator.pkl"
_LEGACY_MODEL = "model.keras"

#: Limits checked on the sizes a zip archive declares, before inflating.
MAX_MEMBER_SIZE = 4 << 30  # one member, uncompressed
MAX_TOTAL_SIZE = 8 << 30  # all members of one archive, uncompressed
MAX_MEMBERS = 10_000  # members of one archive (nested archives included)
MAX_RATIO = 200  # uncompressed / compressed size ...
_RATIO_FLOOR = 1 << 20  # ... for members larger than this
_MAX_MANIFEST_SIZE = 1 << 20

# Members of the archives nested in a file: Keras' ``.keras`` and skops'.
_KERAS_MEMBER = re.compile(
    r"(config\.json|metadata\.json|model\.weights\.(h5|npz)|assets/[\w.\-/]+)"
)
_SKOPS_MEMBER = re.compile(r"(schema\.json|[\w.\-]+\.(npy|npz|json))")
# ``class_name`` values in a Keras config that are never loaded unless trusted.
_KERAS_REFUSED = {"Lambda", "__lambda__"}


class UntrustedTypesError(ValueError):
    """A saved file names types that are not trusted; nothing was built."""

    def __init__(self, message, types):
        super().__init__(message)
        self.types = types


# ---------------------------------------------------------------------- save


def save(obj, path):
    """Save an estimator, transformer or pipeline, Keras networks included, to one file.

    The file is a zip archive that [`sklearn_rnn.load`][sklearn_rnn.load] reads back
    without running code from it: the scikit-learn side is stored with skops
    (no pickle), each network in Keras' own ``.keras`` format. Works for every
    sklearn_rnn estimator and transformer, fitted or not, and for
    scikit-learn compositions holding them (``Pipeline``,
    ``ColumnTransformer``, ``VotingClassifier``, ``CalibratedClassifierCV``,
    a search's ``best_estimator_``, imbalanced-learn's ``Pipeline``, ...).

    Parameters
    ----------
    obj : estimator
        What to save. The user's object is never modified.
    path : str or path-like
        Destination. The archive is written to a temporary file in the same
        directory and then renamed, so an interrupted save never leaves a
        half-written file at ``path``, and an existing file stays intact
        until the new one is complete.

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``obj`` holds a Keras model anywhere other than the ``model_`` of
        an sklearn_rnn estimator, or an object skops cannot store.

    See Also
    --------
    sklearn_rnn.load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> import sklearn_rnn
    >>> from sklearn_rnn import RNNClassifier, SequenceScaler
    >>> X = np.random.RandomState(0).normal(size=(4, 3, 2))
    >>> pipe = make_pipeline(SequenceScaler(), RNNClassifier(units=4, epochs=1, random_state=0))
    >>> pipe = pipe.fit(X, [0, 1, 0, 1])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sklearn_rnn.save(pipe, os.path.join(folder, "pipe.zip"))
    ...     restored = sklearn_rnn.load(os.path.join(folder, "pipe.zip"))
    >>> bool((restored.predict_proba(X) == pipe.predict_proba(X)).all())
    True
    """
    import skops.io

    path = os.fspath(path)
    _check_destination(path)
    _check_optimizers(obj)
    stripper = _ModelStripper()
    stripped = stripper.strip(obj)
    members = {_STATE: skops.io.dumps(stripped)}
    for name, model in stripper.models.items():
        members[name] = _model_to_bytes(model)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": type(obj).__name__,
        "versions": _versions(),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    members = {_MANIFEST: json.dumps(manifest, indent=2, sort_keys=True).encode(), **members}
    _write_atomically(path, members)


def _check_optimizers(obj):
    """Refuse an optimizer instance, which skops cannot store, with a clear message."""
    for estimator in _own_objects(obj):
        optimizer = getattr(estimator, "optimizer", None)
        if optimizer is not None and not isinstance(optimizer, str):
            raise TypeError(
                f"sklearn_rnn.save cannot store {type(estimator).__name__}(optimizer="
                f"{type(optimizer).__name__} instance): a Keras optimizer object has no "
                "file form that loads without running code. Pass the optimizer by name "
                "with learning_rate (e.g. optimizer='adam', learning_rate=1e-3), or use "
                "pickle or joblib for a file only you will load."
            )


def _check_destination(path):
    """Refuse a destination that cannot be written, before serialising anything."""
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"save needs a file path, got the directory {path!r}. Name a file in it, "
            f"e.g. {os.path.join(path, 'model.skrnn')!r}."
        )
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"save cannot write {path!r}: the directory {directory!r} does not exist. "
            "Create it first, e.g. os.makedirs(directory, exist_ok=True)."
        )


def _write_atomically(path, members):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sklearn_rnn-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file, zipfile.ZipFile(file, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data, compress_type=_compression(name, data))
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _compression(name, data):
    """Deflate small members; store networks and very compressible data as is.

    A ``.keras`` file is mostly float weights that barely compress. Data that
    deflates beyond ``MAX_RATIO / 2`` is stored, so that no member this
    function writes looks like a zip bomb to ``load``.
    """
    if name.endswith(".keras") or len(data) < 64:
        return zipfile.ZIP_STORED
    if len(data) > _RATIO_FLOOR and len(data) > len(zlib.compress(data, 1)) * MAX_RATIO // 2:
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _is_own(obj):
    """Whether ``obj``'s class is defined in the sklearn_rnn package."""
    module = getattr(type(obj), "__module__", None) or ""
    return module == _PACKAGE or module.startswith(_PACKAGE + ".")


def _is_keras_model(obj):
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(obj, keras.Model)


class _ModelStripper:
    """Copy an object tree with every sklearn_rnn ``model_`` replaced by a placeholder.

    Only the objects on a path to a network are copied (shallowly); every
    other object is shared with the original, which is never modified.
    ``models`` maps each member name to its network.
    """

    def __init__(self):
        self.models = {}
        self._model_names = {}  # id(model) -> member name: a shared network is stored once
        self._memo = {}  # id(obj) -> copy, so shared objects stay shared
        self._keep = []  # keeps every visited object alive: ids stay unique

    def strip(self, obj):
        key = id(obj)
        if key in self._memo:
            return self._memo[key]
        self._keep.append(obj)
        self._memo[key] = obj  # a reference cycle ends here, at the original
        new = self._strip(obj)
        self._memo[key] = new
        return new

    def _strip(self, obj):
        if obj is None or isinstance(obj, (str, bytes, int, float, complex, type)):
            return obj
        if _is_keras_model(obj):
            raise TypeError(
                "sklearn_rnn.save stores Keras networks only as the model_ attribute "
                f"of sklearn_rnn estimators; got a {type(obj).__name__} elsewhere. Wrap "
                "it in an sklearn_rnn estimator, or save it with keras.Model.save."
            )
        if isinstance(obj, dict):
            items = [(k, self.strip(v)) for k, v in obj.items()]
            if all(new is obj[k] for k, new in items):
                return obj
            new = copy.copy(obj)
            new.clear()
            new.update(items)
            return new
        if isinstance(obj, (list, tuple)):
            values = [self.strip(v) for v in obj]
            if all(a is b for a, b in zip(values, obj)):
                return obj
            if type(obj) is tuple or type(obj) is list:
                return type(obj)(values)
            if isinstance(obj, tuple):  # a namedtuple
                return type(obj)(*values)
            new = copy.copy(obj)
            new[:] = values
            return new
        if type(obj).__module__ == "numpy":
            if getattr(obj, "dtype", None) == object and getattr(obj, "ndim", 0) > 0:
                values = [self.strip(v) for v in obj.flat]
                if any(a is not b for a, b in zip(values, obj.flat)):
                    new = obj.copy()
                    new.flat[:] = values
                    return new
            return obj
        if _is_own(obj) and hasattr(obj, "__dict__"):
            return self._strip_own(obj)
        try:
            attrs = vars(obj)
        except TypeError:  # no __dict__: functions' do not matter, the rest skops judges
            return obj
        if callable(obj) and not hasattr(obj, "get_params"):
            return obj  # functions, methods, modules: stored by name by skops
        stripped = {k: self.strip(v) for k, v in attrs.items()}
        if all(stripped[k] is v for k, v in attrs.items()):
            return obj
        new = type(obj).__new__(type(obj))
        new.__dict__.update(stripped)
        return new

    def _strip_own(self, obj):
        state = obj.__getstate__() if hasattr(obj, "__getstate__") else vars(obj)
        state = dict(state if isinstance(state, dict) else vars(obj))
        model = vars(obj).get("model_")
        state.pop("model_", None)
        state.pop("_predict_fn", None)  # a compiled function; rebuilt by __setstate__
        state = {k: self.strip(v) for k, v in state.items()}
        if model is not None:
            name = self._model_names.get(id(model))
            if name is None:
                name = f"models/{len(self.models)}.keras"
                self._model_names[id(model)] = name
                self.models[name] = model
                self._keep.append(model)
            state[_PLACEHOLDER] = name
        new = type(obj).__new__(type(obj))
        new.__dict__.update(state)
        return new


# ---------------------------------------------------------------------- load


def load(path, *, trusted=None):
    """Load what [`sklearn_rnn.save`][sklearn_rnn.save] wrote, without running code from the file.

    Every member is checked before anything is built: zip member names
    (no ``../``), declared sizes and compression ratios (zip bombs), sizes
    while inflating, and SHA-256 checksums. The types the file names must be
    trusted: sklearn_rnn's estimators and what skops trusts by default
    (scikit-learn's estimators, NumPy, builtins) are; any other type makes
    ``load`` raise an error listing it. Networks load with Keras'
    ``safe_mode=True``; a network with a ``Lambda`` layer or a layer that is
    neither Keras' nor sklearn_rnn's is refused unless trusted.

    Parameters
    ----------
    path : str or path-like
        A file written by [`sklearn_rnn.save`][sklearn_rnn.save] (or by ``save`` of an
        estimator).
    trusted : list of str or type, or True, default=None
        Types to trust beyond the defaults, by type or by the names that the
        refusal lists (e.g. ``["imblearn.pipeline.Pipeline"]`` or
        ``["keras.layers.Lambda"]``). ``True`` trusts everything in the file,
        including the pickle of a format-1 file and the code of ``Lambda``
        layers: pass it only for files you wrote yourself.

    Returns
    -------
    obj : estimator
        The saved object, ready to predict (and to train further with
        ``warm_start=True`` or ``partial_fit``).

    Raises
    ------
    ValueError
        If the file is not a sklearn_rnn file at all (a pickle, a joblib
        file, text, another zip archive), is not a zip archive (truncated),
        is damaged, misses a member, fails a checksum or a size
        limit, holds an unexpected member, was written by a newer file format,
        or is a format-1 file (a pickle) and ``trusted`` is not ``True``.
    UntrustedTypesError
        A ``ValueError``: the file names types that are not trusted. Its
        ``types`` attribute lists them; nothing was built.

    Warns
    -----
    UserWarning
        If the file was written with another version of sklearn_rnn or Keras.
        scikit-learn's own ``InconsistentVersionWarning`` covers scikit-learn.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_rnn import RNNClassifier, load
    >>> X = np.array([[2, 3, 0], [4, 5, 6], [2, 2, 0], [5, 4, 6]])
    >>> clf = RNNClassifier(units=4, embedding_dim=4, epochs=1, random_state=0)
    >>> clf = clf.fit(X, ["a", "b", "a", "b"])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     clf.save(os.path.join(folder, "clf.zip"))
    ...     restored = load(os.path.join(folder, "clf.zip"))
    >>> bool((restored.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    path = os.fspath(path)
    trusted = _check_trusted(trusted)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No sklearn_rnn save file at {path!r}.")
    with open(path, "rb") as file:
        data = file.read()
    _check_own_file(data, path)
    archive = _Archive(data, path, allowed=_top_level_name)
    try:
        manifest = _read_manifest(archive, path)
        if manifest["format_version"] == 1:
            return _load_format_1(archive, manifest, path, trusted)
        members = _read_listed_members(archive, manifest, path)
    finally:
        archive.close()
    state = members.pop(_STATE, None)
    if state is None:
        raise _corrupt(path, f"the manifest lists no {_STATE!r}")
    _warn_on_version_mismatch(path, manifest["versions"])
    state = _repack(state, path, _STATE, _SKOPS_MEMBER)
    models = {name: _repack(data, path, name, _KERAS_MEMBER) for name, data in members.items()}

    # Everything is checked before anything is built.
    skops_types, skops_untrusted = _skops_types(state, path, trusted)
    keras_untrusted = {}
    for name, data in models.items():
        for item in _keras_untrusted(data, path, name, trusted):
            keras_untrusted.setdefault(item, name)
    untrusted = sorted(skops_untrusted) + sorted(keras_untrusted)
    if untrusted:
        where = ""
        if keras_untrusted:
            where = " (" + ", ".join(f"{t!r} in {m!r}" for t, m in keras_untrusted.items()) + ")"
        raise UntrustedTypesError(
            f"Cannot load {path!r}: it names types that are not trusted: {untrusted}"
            f"{where}. Loading builds these objects, which can run their code. "
            "If you trust the file and these types, pass them: "
            f"sklearn_rnn.load(path, trusted={untrusted!r}).",
            untrusted,
        )
    safe_mode = not (trusted is True or _KERAS_REFUSED & _trusted_keras_names(trusted))
    return _build(state, models, skops_types, path, safe_mode=safe_mode)


def _top_level_name(name):
    return name in (_MANIFEST, _STATE, _LEGACY_STATE, _LEGACY_MODEL) or bool(
        _MODEL_MEMBER.fullmatch(name)
    )


# How the files of joblib.dump(..., compress=...) begin: gzip, bz2, xz, lzma,
# lz4 and (with its usual headers) zlib.
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x5d\x00\x00", b"\x04\x22\x4d\x18")
_ZLIB_HEADERS = (b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


def _check_own_file(data, path):
    """Refuse a file that is no sklearn_rnn archive at all (a pickle, text,
    another zip archive), saying so, before it is read as a damaged one.

    An empty file, a zip archive with any member ``save`` writes, and bytes
    that start like a zip archive (a truncated one) pass: ``_Archive`` and the
    manifest checks describe their damage.
    """
    is_zip = zipfile.is_zipfile(io.BytesIO(data))
    if not data or (data.startswith((b"PK\x03\x04", b"PK\x05\x06")) and not is_zip):
        return
    fix = (
        "If pickle.dump or joblib.dump wrote it, read it with pickle.load or "
        "joblib.load instead, and only if you trust the file: unpickling runs any "
        "code the file names"
    )
    if is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, *_ZIP_ERRORS):
            return
        if any(_top_level_name(name) for name in names):
            return
        if "config.json" in names and "model.weights.h5" in names:
            got = "a Keras model file (config.json, model.weights.h5)"
            fix = "Read a Keras model with keras.saving.load_model"
        elif "schema.json" in names:
            got = "a skops file (schema.json)"
            fix = "Read a skops file with skops.io.load"
        else:
            shown = ", ".join(repr(name) for name in names[:3])
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            got = f"a zip archive of {len(names)} member(s) ({shown}{more})"
            fix = "Check the path: pass a file that sklearn_rnn.save wrote"
    elif data.startswith(b"\x80"):
        got = "a pickle (as pickle.dump and joblib.dump write)"
    elif data.startswith(_COMPRESSED_MAGIC) or data[:2] in _ZLIB_HEADERS:
        got = "a compressed file (as joblib.dump(..., compress=...) writes)"
    else:
        try:  # an incremental decoder keeps a character cut at byte 1024 back
            text = codecs.getincrementaldecoder("utf-8")().decode(data[:1024])
        except UnicodeDecodeError:
            text = ""
        if text and all(char.isprintable() or char in "\t\r\n" for char in text):
            got = f"a text file beginning {text[:40]!r}"
        else:
            got = f"a file beginning with the bytes {data[:8]!r}"
    raise ValueError(
        f"Cannot load {path!r}: it is not a sklearn_rnn file but {got}. "
        "sklearn_rnn.load reads only the zip archives that sklearn_rnn.save writes "
        f"(manifest.json, state.skops, models/*.keras). {fix}; to get a file "
        "sklearn_rnn.load reads, save the estimator with sklearn_rnn.save."
    )


class _Archive:
    """A zip archive whose members were checked before any is inflated."""

    def __init__(self, data, path, *, label=None, allowed=None):
        self.path = path
        self.label = label  # the member this archive is nested in, if any
        where = f"the archive {label!r}" if label else "the file"
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise _corrupt(path, f"{where} is not a zip archive (truncated, or not written by save)")
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, *_ZIP_ERRORS) as exc:
            raise _corrupt(path, f"{where} is a damaged zip archive ({exc})") from None
        if len(infos) > MAX_MEMBERS:
            raise _corrupt(path, f"{where} has {len(infos)} members, more than {MAX_MEMBERS}")
        self.infos = {}
        total = 0
        for info in infos:
            name = info.filename
            if not _safe_name(name):
                raise _corrupt(
                    path,
                    f"{where} has a member named {name!r}, a path outside the archive; "
                    "save never writes one",
                )
            if allowed is not None and not allowed(name):
                raise _corrupt(path, f"{where} has an unexpected member {name!r}")
            if name in self.infos:
                raise _corrupt(path, f"{where} has the member {name!r} twice")
            if info.flag_bits & 0x1:
                raise _corrupt(path, f"{where} has an encrypted member {name!r}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _corrupt(
                    path, f"{where} has member {name!r} with compression method {info.compress_type}"
                    "; save writes stored or deflated members only"
                )  # fmt: skip
            if info.file_size > MAX_MEMBER_SIZE:
                raise _corrupt(
                    path, f"member {name!r} of {where} declares {info.file_size} bytes, more "
                    f"than the limit of {MAX_MEMBER_SIZE} (sklearn_rnn._persistence.MAX_MEMBER_SIZE)"
                )  # fmt: skip
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
                raise _corrupt(
                    path, f"member {name!r} of {where} declares {info.file_size} bytes from "
                    f"{info.compress_size} compressed, a ratio of {ratio:.0f} above the limit "
                    f"of {MAX_RATIO}: a zip bomb"
                )  # fmt: skip
            total += info.file_size
            self.infos[name] = info
        if total > MAX_TOTAL_SIZE:
            raise _corrupt(
                path, f"{where} declares {total} bytes in all, more than the limit of "
                f"{MAX_TOTAL_SIZE} (sklearn_rnn._persistence.MAX_TOTAL_SIZE)"
            )  # fmt: skip
        self.where = where

    def names(self):
        return list(self.infos)

    def read(self, name, *, limit=None):
        """The member's bytes, inflating at most its declared size (and ``limit``)."""
        info = self.infos[name]
        if limit is not None and info.file_size > limit:
            raise _corrupt(self.path, f"{name!r} declares {info.file_size} bytes, more than {limit}")
        size = info.file_size
        out = bytearray()
        try:
            with self.zf.open(info) as member:
                while len(out) <= size:
                    chunk = member.read(min(1 << 20, size + 1 - len(out)))
                    if not chunk:
                        break
                    out += chunk
        except (zipfile.BadZipFile, *_ZIP_ERRORS) as exc:
            raise _corrupt(
                self.path, f"member {name!r} of {self.where} is damaged ({exc})"
            ) from None
        if len(out) > size:
            raise _corrupt(
                self.path, f"member {name!r} of {self.where} inflates beyond the "
                f"{size} bytes it declares: a zip bomb, or a damaged archive"
            )  # fmt: skip
        if len(out) != size:
            raise _corrupt(
                self.path, f"member {name!r} of {self.where} holds {len(out)} bytes, not the "
                f"{size} it declares"
            )  # fmt: skip
        return bytes(out)

    def close(self):
        self.zf.close()


# What zipfile and zlib raise on damaged input besides BadZipFile.
_ZIP_ERRORS = (
    zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError,
    UnicodeDecodeError, IndexError, KeyError, OverflowError,
)  # fmt: skip


def _safe_name(name):
    """Whether a zip member name stays inside the archive (no ``..``, no root)."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    if re.match(r"[A-Za-z]:", name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _repack(data, path, label, pattern):
    """A nested archive rebuilt from its checked members, stored uncompressed.

    skops and Keras then read only members whose names, sizes and content
    were checked here.
    """
    archive = _Archive(data, path, label=label, allowed=pattern.fullmatch)
    try:
        members = {name: archive.read(name) for name in archive.names()}
    finally:
        archive.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def _check_trusted(trusted):
    if trusted is None or trusted is True:
        return trusted
    if isinstance(trusted, (str, type)):
        trusted = [trusted]
    try:
        items = list(trusted)
    except TypeError:
        items = None
    if items is None or not all(isinstance(t, (str, type)) for t in items):
        raise TypeError(
            f"trusted must be None, True, or a list of type names or types; got "
            f"{trusted!r}. Pass the names that load's error lists, e.g. "
            "trusted=['imblearn.pipeline.Pipeline']."
        )
    return [t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in items]


def _read_manifest(archive, path):
    if _MANIFEST not in archive.infos:
        raise _corrupt(path, f"the archive has no {_MANIFEST!r}")
    raw = archive.read(_MANIFEST, limit=_MAX_MANIFEST_SIZE)
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise _corrupt(path, f"{_MANIFEST!r} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, f"{_MANIFEST!r} does not describe a {FORMAT!r} file")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _corrupt(path, f"{_MANIFEST!r} has no valid format_version ({version!r})")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"Cannot load {path!r}: it has file format version {version!r}, but this "
            f"sklearn_rnn reads versions up to {FORMAT_VERSION}. Upgrade sklearn_rnn "
            f"to the version that wrote it ({manifest.get('versions', {})!r})."
        )
    digests = manifest.get("sha256")
    if not isinstance(digests, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in digests.items()
    ):
        raise _corrupt(path, f"{_MANIFEST!r} lists no valid checksums")
    if not isinstance(manifest.get("versions"), dict):
        raise _corrupt(path, f"{_MANIFEST!r} lists no library versions")
    return manifest


def _read_listed_members(archive, manifest, path):
    """Every member the manifest lists, checksums verified; no other member allowed."""
    digests = manifest["sha256"]
    if manifest["format_version"] == 1:
        expected = {_LEGACY_STATE, _LEGACY_MODEL}
        allowed = expected.__contains__
    else:
        allowed = lambda name: name == _STATE or _MODEL_MEMBER.fullmatch(name)  # noqa: E731
    for name in archive.names():
        if name != _MANIFEST and (name not in digests or not allowed(name)):
            raise _corrupt(path, f"the archive has an unexpected member {name!r}")
    members = {}
    for name, digest in digests.items():
        if not allowed(name):
            raise _corrupt(path, f"the manifest lists an unexpected member {name!r}")
        if name not in archive.infos:
            raise _corrupt(path, f"the archive has no {name!r}, which its manifest lists")
        data = archive.read(name)
        if hashlib.sha256(data).hexdigest() != digest:
            raise _corrupt(path, f"the checksum of {name!r} does not match its manifest")
        members[name] = data
    return members


def _load_format_1(archive, manifest, path, trusted):
    if trusted is not True:
        raise ValueError(
            f"Cannot load {path!r}: it was written in file format version 1, which "
            "stores the estimator as a pickle, and loading a pickle runs code from "
            "the file. If you trust the file, load it with "
            "sklearn_rnn.load(path, trusted=True), then convert it with "
            "sklearn_rnn.save(obj, path): format 2 loads without running code."
        )
    members = _read_listed_members(archive, manifest, path)
    if _LEGACY_STATE not in members:
        raise _corrupt(path, f"the manifest lists no {_LEGACY_STATE!r}")
    _warn_on_version_mismatch(path, manifest["versions"])
    import pickle

    cls, state = pickle.loads(members[_LEGACY_STATE])  # trusted=True: the caller opted in
    if _LEGACY_MODEL in members:
        state["model_"] = _model_from_bytes(members[_LEGACY_MODEL])
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    return estimator


# --------------------------------------------------------------- trusted types


#: Classes of scikit-learn and imbalanced-learn that the compositions this
#: package documents hold and that skops does not trust by default. Each is a
#: class, not a function, and loading one only builds an instance and sets its
#: attributes (skops calls ``__new__`` and sets the state), so a file naming
#: them runs no code of its own: a Bunch (``VotingClassifier.named_estimators_``),
#: CalibratedClassifierCV's fitted calibrators, imbalanced-learn's Pipeline and
#: the two samplers ``RNNClassifier(sampler=...)`` takes.
_LIBRARY_TYPES = frozenset({
    "sklearn.utils._bunch.Bunch",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "imblearn.pipeline.Pipeline",
    "imblearn.under_sampling._prototype_selection._random_under_sampler.RandomUnderSampler",
    "imblearn.over_sampling._random_over_sampler.RandomOverSampler",
})  # fmt: skip


def _own_types():
    """Names of sklearn_rnn's estimator classes, which load by default."""
    import sklearn_rnn  # noqa: F401  (imports the estimators' modules)
    from sklearn.base import BaseEstimator

    names = set()
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == _PACKAGE or module_name.startswith(_PACKAGE + ".")):
            continue
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and issubclass(value, BaseEstimator)
                and value.__module__ == module_name
            ):
                names.add(f"{module_name}.{value.__name__}")
    return names


def _skops_types(state, path, trusted):
    """``(types to pass skops, untrusted types)`` of a state member."""
    import skops.io

    try:
        found = skops.io.get_untrusted_types(data=state)
    except Exception as exc:  # a file crafted past the checksums
        raise _corrupt(path, f"{_STATE!r} is not a valid skops state ({type(exc).__name__}: {exc})") from None
    if trusted is True:
        return found, []
    allowed = _own_types() | _LIBRARY_TYPES | set(trusted or ())
    return [t for t in found if t in allowed], [t for t in found if t not in allowed]


def _trusted_keras_names(trusted):
    if trusted is None or trusted is True:
        return set()
    return {name.rsplit(".", 1)[-1] for name in trusted} | set(trusted)


def _keras_untrusted(data, path, name, trusted):
    """Objects in a ``.keras`` member's config that are neither Keras' nor ours."""
    from sklearn_rnn import _models

    archive = _Archive(data, path, label=name, allowed=_KERAS_MEMBER.fullmatch)
    try:
        if "config.json" not in archive.infos:
            raise _corrupt(path, f"{name!r} has no config.json")
        raw = archive.read("config.json")
    finally:
        archive.close()
    try:
        config = json.loads(raw)
    except ValueError as exc:
        raise _corrupt(path, f"the config.json of {name!r} is not valid JSON ({exc})") from None
    if trusted is True:
        return []
    ours = {(cls.__module__, cls.__name__) for cls in _models.CUSTOM_OBJECTS.values()}
    registered = set(_models.CUSTOM_OBJECTS)
    trusted = set(trusted or ())
    if _KERAS_REFUSED & _trusted_keras_names(trusted):
        trusted |= _KERAS_REFUSED  # a trusted Lambda layer brings its function
    found = []
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        class_name = node.get("class_name")
        if not isinstance(class_name, str):
            continue
        module = node.get("module")
        registered_name = node.get("registered_name")
        label = f"{module}.{class_name}" if module else class_name
        if isinstance(registered_name, str) and ">" in registered_name:
            label = registered_name
        if {label, class_name} & trusted or (module and f"{module}.{class_name}" in trusted):
            continue
        if class_name in _KERAS_REFUSED:
            found.append(label)
        elif isinstance(registered_name, str) and ">" in registered_name:
            if registered_name not in registered:
                found.append(label)
        elif module is not None and not isinstance(module, str):
            found.append(repr(module))
        elif module and module not in ("keras", "builtins") and not module.startswith("keras."):
            if (module, class_name) not in ours:
                found.append(label)
    return sorted(set(found))


# --------------------------------------------------------------------- build


def _build(state, models, skops_types, path, *, safe_mode):
    import skops.io

    try:
        obj = skops.io.loads(state, trusted=skops_types)
    except Exception as exc:  # a file crafted past the checksums
        raise _corrupt(path, f"{_STATE!r} could not be loaded ({type(exc).__name__}: {exc})") from None
    loaded = {}
    for owner in _own_objects(obj):
        name = vars(owner).pop(_PLACEHOLDER, None)
        if name is None:
            continue
        if not isinstance(name, str) or name not in models:
            raise _corrupt(path, f"{_STATE!r} names a network {name!r} that the archive lacks")
        if name not in loaded:
            try:
                loaded[name] = _model_from_bytes(models[name], safe_mode=safe_mode)
            except Exception as exc:
                raise _corrupt(
                    path, f"the network {name!r} could not be loaded ({type(exc).__name__}: {exc})"
                ) from None
        owner.__setstate__({**vars(owner), "model_": loaded[name]})
    return obj


def _own_objects(obj):
    """Every sklearn_rnn object reachable from ``obj`` (containers and attributes)."""
    seen = set()
    stack = [obj]
    found = []
    while stack:
        node = stack.pop()
        if id(node) in seen or node is None or isinstance(node, (str, bytes, int, float, type)):
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack.extend(node)
        elif type(node).__module__ == "numpy":
            if getattr(node, "dtype", None) == object and getattr(node, "ndim", 0) > 0:
                stack.extend(node.flat)
        elif hasattr(node, "get_params") or (hasattr(node, "__dict__") and not callable(node)):
            if _is_own(node):
                found.append(node)
            stack.extend(vars(node).values())
    return found


# ------------------------------------------------------------------- helpers


def _corrupt(path, problem):
    return ValueError(
        f"Cannot load {path!r}: {problem}. The file is corrupted, incomplete or "
        "was not written by sklearn_rnn.save; save the object again with "
        "sklearn_rnn.save."
    )


def _versions():
    import sklearn
    import skops

    from sklearn_rnn import __version__
    from sklearn_rnn._backend import keras

    return {
        "sklearn_rnn": __version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
    }


def _warn_on_version_mismatch(path, saved):
    current = _versions()
    differ = [
        f"{name} {saved.get(name)!r} (now {current[name]!r})"
        for name in ("sklearn_rnn", "keras", "keras_backend")
        if saved.get(name) != current[name]
    ]
    if differ:
        warnings.warn(
            f"{path!r} was saved with {', '.join(differ)}. It may load or predict "
            "differently; refit the estimator with the installed versions if "
            "results matter.",
            UserWarning,
            stacklevel=3,
        )


def _file_mode():
    """Permissions of a newly created file (mkstemp makes it owner-only)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
