"""Recurrent neural networks as first-class scikit-learn estimators."""

from typing import TYPE_CHECKING

from sklearn_rnn._classifier import RNNClassifier
from sklearn_rnn._embeddings import embedding_matrix
from sklearn_rnn._persistence import load, save
from sklearn_rnn._plotting import plot_history
from sklearn_rnn._regressor import RNNRegressor
from sklearn_rnn._sequence import SequencePadder, SequenceScaler
from sklearn_rnn._text import TextTokenizer

if TYPE_CHECKING:  # imported lazily at run time, see __getattr__ below
    from sklearn_rnn._models import build_rnn_model

__version__ = "0.1.0"

__all__ = [
    "RNNClassifier",
    "RNNRegressor",
    "SequencePadder",
    "SequenceScaler",
    "TextTokenizer",
    "build_rnn_model",
    "embedding_matrix",
    "load",
    "plot_history",
    "save",
    "__version__",
]


def __getattr__(name):
    # The model builder needs Keras; load it only when asked for, so that
    # ``import sklearn_rnn`` and the transformers stay light.
    if name == "build_rnn_model":
        from sklearn_rnn._models import build_rnn_model

        return build_rnn_model
    raise AttributeError(f"module 'sklearn_rnn' has no attribute {name!r}")
