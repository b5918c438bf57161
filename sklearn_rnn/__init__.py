"""Recurrent neural networks as first-class scikit-learn estimators."""

from sklearn_rnn._classifier import RNNClassifier
from sklearn_rnn._sequence import SequencePadder, SequenceScaler
from sklearn_rnn._text import TextTokenizer

__version__ = "0.1.0"

__all__ = [
    "RNNClassifier",
    "SequencePadder",
    "SequenceScaler",
    "TextTokenizer",
    "__version__",
]
