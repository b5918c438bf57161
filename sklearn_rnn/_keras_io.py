"""A Keras network as bytes in Keras' own ``.keras`` format, and back.

Used by the estimators' pickling (``PickledModel``) and by
``sklearn_rnn._persistence``; it imports neither, so neither imports the other
through it.
"""

import os
import tempfile

_MODEL = "model.keras"


def model_to_bytes(model):
    """The ``.keras`` file of ``model``, as bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        file = os.path.join(tmp, _MODEL)
        model.save(file)
        with open(file, "rb") as f:
            return f.read()


def model_from_bytes(data, *, safe_mode=True):
    """Load a network from ``.keras`` bytes, sklearn_rnn's layers registered.

    Parameters
    ----------
    data : bytes
        A ``.keras`` file's content.
    safe_mode : bool, default=True
        Passed to ``keras.saving.load_model``: refuses to deserialise lambdas.
    """
    from sklearn_rnn._backend import keras
    from sklearn_rnn import _models  # registers the package's custom layers

    with tempfile.TemporaryDirectory() as tmp:
        file = os.path.join(tmp, _MODEL)
        with open(file, "wb") as f:
            f.write(data)
        return keras.saving.load_model(file, custom_objects=_models.CUSTOM_OBJECTS, safe_mode=safe_mode)


class PickledModel:
    """Pickles a Keras model as ``.keras`` bytes that unpickle through this module.

    A Keras model pickles on its own, but unpickling it needs the custom
    layers of ``sklearn_rnn._models`` registered first, which a fresh process
    has not done. Unpickling this wrapper calls ``model_from_bytes``,
    which imports them (and the Keras backend, quietly, sized for a worker
    process) and gives back the model itself.
    """

    def __init__(self, model):
        self.model = model

    def __reduce__(self):
        return model_from_bytes, (model_to_bytes(self.model),)
