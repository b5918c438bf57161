"""Import TensorFlow and Keras once, quietly, without changing global state.

TensorFlow writes start-up lines ("Could not find cuda drivers", CPU feature
notes, absl's "All log messages before absl::InitializeLog()") straight to the
process's standard error at import time, when it first lists devices and when
it first runs a generator-backed dataset. Those
are not the user's business, so the import and the first device listing run
with file descriptor 2 pointed at a temporary file. If the import fails, what
TensorFlow wrote is attached to the error. No environment variable, log level,
seed or determinism flag is changed.

One exception, for worker processes only: when this process was started by
``multiprocessing`` (a joblib/loky worker, a dask nanny worker) and
``OMP_NUM_THREADS`` is set, TensorFlow's intra- and inter-op thread pools are
sized to that number before any operation runs. joblib sets it to
``cpu_count() // n_jobs`` in each loky worker (unless the parent process set it)
and dask to 1 per worker, so ``n_jobs`` workers do not each start one thread per
core. A user's main process is never changed.
"""

import contextlib
import logging
import multiprocessing
import os
import sys
import tempfile


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


def _quiet_import():
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):  # pragma: no cover - closed stderr
        pass
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no fd 2 (embedded interpreters)
        saved = None
    with tempfile.TemporaryFile(mode="w+b") as captured:
        if saved is not None:
            os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf
            import keras

            _limit_worker_threads(tf)  # before the first op fixes the pools
            tf.config.list_physical_devices()
            # The first generator-backed dataset logs a C++ "memory patch"
            # line; run one here, while standard error is captured.
            for _ in tf.data.Dataset.from_generator(
                lambda: iter([0]), output_signature=tf.TensorSpec((), tf.int32)
            ):
                pass
        except Exception as exc:
            if saved is not None:
                os.dup2(saved, 2)
            captured.seek(0)
            log = captured.read().decode(errors="replace")[-4000:]
            raise ImportError(
                "sklearn_rnn needs TensorFlow with Keras 3 "
                "(pip install 'tensorflow>=2.16'). Importing it failed with: "
                f"{exc!r}\nTensorFlow's log:\n{log}"
            ) from exc
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            "sklearn_rnn runs Keras on the TensorFlow backend, but KERAS_BACKEND "
            f"selects {keras.backend.backend()!r}. Unset KERAS_BACKEND or set it to "
            "'tensorflow'."
        )
    return tf, keras


tf, keras = _quiet_import()


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
    logger's level is never touched.
    """
    logger = logging.getLogger("tensorflow")
    retracing = _RetracingFilter()
    logger.addFilter(retracing)
    try:
        yield
    finally:
        logger.removeFilter(retracing)
