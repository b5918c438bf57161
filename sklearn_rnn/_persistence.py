"""Save an estimator with its Keras network to one file, and load it back.

File layout (a zip archive):

``manifest.json``
    Format name and version, the versions of sklearn_rnn, scikit-learn, Keras
    and the Keras backend that wrote the file, and the SHA-256 of every other
    member.
``estimator.pkl``
    ``(estimator class, state)``: the estimator's pickled state without its
    network.
``model.keras``
    The network in Keras' own format (``keras.Model.save``); absent for an
    unfitted estimator. It loads without sklearn_rnn's estimator, e.g. with
    ``keras.saving.load_model`` after ``import sklearn_rnn._models``.
"""

import hashlib
import json
import os
import pickle
import tempfile
import warnings
import zipfile

from sklearn_rnn._keras_io import model_from_bytes as _model_from_bytes
from sklearn_rnn._keras_io import model_to_bytes as _model_to_bytes

FORMAT = "sklearn_rnn.estimator"
FORMAT_VERSION = 1
_MANIFEST = "manifest.json"
_STATE = "estimator.pkl"
_MODEL = "model.keras"


def save(estimator, path):
    """Write ``estimator`` (network included) to the zip archive ``path``.

    Parameters
    ----------
    estimator : RNNClassifier
        A fitted or unfitted estimator whose network, if any, is ``model_``.
    path : str or path-like
        Destination. The archive is written to a temporary file in the same
        directory and then renamed, so an interrupted save never leaves a
        half-written file at ``path``.
    """
    path = os.fspath(path)
    state = dict(estimator.__getstate__())
    state.pop("model_", None)
    model = getattr(estimator, "model_", None)
    members = {_STATE: pickle.dumps((type(estimator), state), protocol=pickle.HIGHEST_PROTOCOL)}
    if model is not None:
        members[_MODEL] = _model_to_bytes(model)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "versions": _versions(),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()},
    }
    members[_MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".sklearn_rnn-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file, zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in (_MANIFEST, _STATE, _MODEL):
                if name in members:
                    zf.writestr(name, members[name])
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path):
    """Load an estimator written by ``RNNClassifier.save``.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save``. It holds a pickle: load only files you
        trust.

    Returns
    -------
    estimator : RNNClassifier
        The estimator, ready to predict (and to train further with
        ``warm_start=True`` or ``partial_fit``).

    Raises
    ------
    ValueError
        If the file is not a zip archive (truncated or not written by
        ``save``), misses a member, fails its checksum, or was written by a
        newer file format.

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
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No sklearn_rnn save file at {path!r}.")
    if not zipfile.is_zipfile(path):
        raise _corrupt(path, "it is not a zip archive (truncated, or not written by save)")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _read_manifest(zf, path)
            members = {
                name: _read_member(zf, path, name, digest)
                for name, digest in manifest["sha256"].items()
            }
    except zipfile.BadZipFile as exc:
        raise _corrupt(path, f"the zip archive is damaged ({exc})") from None
    if _STATE not in members:
        raise _corrupt(path, f"the manifest lists no {_STATE!r}")
    _warn_on_version_mismatch(path, manifest["versions"])
    cls, state = pickle.loads(members[_STATE])
    if _MODEL in members:
        state["model_"] = _model_from_bytes(members[_MODEL])
    estimator = cls.__new__(cls)
    estimator.__setstate__(state)
    return estimator


def _corrupt(path, problem):
    return ValueError(
        f"Cannot load {path!r}: {problem}. The file is corrupted or incomplete; "
        "save the estimator again with RNNClassifier.save."
    )


def _read_manifest(zf, path):
    try:
        manifest = json.loads(zf.read(_MANIFEST))
    except KeyError:
        raise _corrupt(path, f"the archive has no {_MANIFEST!r}") from None
    except ValueError as exc:
        raise _corrupt(path, f"{_MANIFEST!r} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _corrupt(path, f"{_MANIFEST!r} does not describe a {FORMAT!r} file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"Cannot load {path!r}: it has file format version {version!r}, but this "
            f"sklearn_rnn reads versions up to {FORMAT_VERSION}. Upgrade sklearn_rnn "
            f"to the version that wrote it ({manifest.get('versions', {})!r})."
        )
    return manifest


def _read_member(zf, path, name, digest):
    try:
        data = zf.read(name)
    except KeyError:
        raise _corrupt(path, f"the archive has no {name!r}, which its manifest lists") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise _corrupt(path, f"the checksum of {name!r} does not match its manifest")
    return data


def _versions():
    import sklearn

    from sklearn_rnn import __version__
    from sklearn_rnn._backend import keras

    return {
        "sklearn_rnn": __version__,
        "scikit-learn": sklearn.__version__,
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
