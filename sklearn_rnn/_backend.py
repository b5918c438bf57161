"""Import Keras (and its backend) once, quietly, without changing global state.

Keras runs on whichever backend ``KERAS_BACKEND`` names: TensorFlow by default
(a dependency of this package), JAX or PyTorch when the user has them. Nothing
here selects a backend; ``keras.backend.backend()`` is the answer.

Backends write start-up lines (TensorFlow's "Could not find cuda drivers",
CPU feature notes, absl's "All log messages before absl::InitializeLog()";
JAX's platform probing) straight to the process's standard error at import
time and when they first list devices. Those are not the user's business, so
the import and the first device listing run with file descriptor 2 pointed at
a temporary file. If the import fails, what the backend wrote is attached to
the error. No environment variable, log level, seed or determinism flag is
changed.

TensorFlow only, for worker processes only: when this process was started by
``multiprocessing`` (a joblib/loky worker, a dask nanny worker) and
``OMP_NUM_THREADS`` is set, TensorFlow's intra- and inter-op thread pools are
sized to that number before any operation runs. joblib sets it to
``cpu_count() // n_jobs`` in each loky worker (unless the parent process set it)
and dask to 1 per worker, so ``n_jobs`` workers do not each start one thread per
core. A user's main process is never changed. (PyTorch reads
``OMP_NUM_THREADS`` itself; JAX's CPU client sizes its pool per process.)

Module attributes: ``keras``; ``BACKEND``, the backend's name; ``tf``, the
TensorFlow module on the TensorFlow backend and None on the others.
"""

import contextlib
import logging
import multiprocessing
import os
import sys
import tempfile

_INSTALL_HINT = {
    "tensorflow": "pip install 'tensorflow>=2.16'",
    "jax": "pip install jax",
    "torch": "pip install torch",
}


def _worker_thread_budget():
    """Threads a pool worker may use (from ``OMP_NUM_THREADS``), else None.

    None in the user's main process, or when the variable is unset or invalid.
    """
    if multiprocessing.parent_process() is None:
        return None
    try:
        n_threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return n_threads if n_threads >= 1 else None


def _limit_worker_threads(tf):
    """Size TensorFlow's thread pools to a worker's share of the CPU."""
    n_threads = _worker_thread_budget()
    if n_threads is None:
        return
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:  # pragma: no cover - TensorFlow ran ops before us
        pass


def _start_backend(name):
    """Import the backend's own module and list its devices; TensorFlow's or None."""
    if name == "tensorflow":
        import tensorflow as tf

        _limit_worker_threads(tf)  # before the first op fixes the pools
        tf.config.list_physical_devices()
        return tf
    if name == "jax":
        import jax

        jax.devices()
    elif name == "torch":
        import torch  # noqa: F401
    return None


def _quiet_import():
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):  # pragma: no cover - closed stderr
        pass
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no fd 2 (embedded interpreters)
        saved = None
    requested = os.environ.get("KERAS_BACKEND", "tensorflow (the default)")
    with tempfile.TemporaryFile(mode="w+b") as captured:
        if saved is not None:
            os.dup2(captured.fileno(), 2)
        try:
            import keras

            name = keras.backend.backend()
            tf = _start_backend(name)
        except Exception as exc:
            if saved is not None:
                os.dup2(saved, 2)
            captured.seek(0)
            log = captured.read().decode(errors="replace")[-4000:]
            hint = _INSTALL_HINT.get(requested.split()[0], "")
            raise ImportError(
                f"sklearn_rnn runs Keras 3 on the backend that KERAS_BACKEND selects, "
                f"here {requested}; importing it failed with: {exc!r}. Install it"
                f"{f' ({hint})' if hint else ''}, or set KERAS_BACKEND to an installed "
                f"backend (tensorflow, jax or torch).\nThe backend's log:\n{log}"
            ) from exc
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
    if name not in ("tensorflow", "jax", "torch"):
        raise ImportError(
            f"sklearn_rnn runs Keras on TensorFlow, JAX or PyTorch, but KERAS_BACKEND "
            f"selects {name!r}. Set KERAS_BACKEND to 'tensorflow', 'jax' or 'torch'."
        )
    return tf, keras, name


tf, keras, BACKEND = _quiet_import()


class _RetracingFilter(logging.Filter):
    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def no_retracing_warning():
    """Drop TensorFlow's "frequent retracing" warning for the duration of a fit.

    Every fit builds a new Keras model whose step functions trace once each,
    but TensorFlow counts traces per *code object*, which all those models
    share; after a handful of short fits (a grid search on small data) it warns
    of retracing that is not happening. The filter sits on the ``tensorflow``
    logger only while ``Model.fit`` runs and is removed afterwards; the
    logger's level is never touched. On JAX and PyTorch it does nothing.
    """
    if BACKEND != "tensorflow":
        yield
        return
    logger = logging.getLogger("tensorflow")
    retracing = _RetracingFilter()
    logger.addFilter(retracing)
    try:
        yield
    finally:
        logger.removeFilter(retracing)


@contextlib.contextmanager
def global_rng_kept():
    """Leave the backend's global random state as it was, whatever fit draws.

    On PyTorch, Keras feeds training batches through a
    ``torch.utils.data.DataLoader``, which draws a base seed from torch's
    global generator every epoch; a fit would otherwise advance the user's
    ``torch`` random stream. The CPU (and CUDA) generator states are saved
    before and restored after. Our own randomness is seeded explicitly from
    ``random_state`` and does not use the global generator. TensorFlow and JAX
    need nothing here: they draw from no global state during fit.
    """
    if BACKEND != "torch":
        yield
        return
    import torch

    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        yield
