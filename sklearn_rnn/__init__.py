"""Recurrent neural networks as first-class scikit-learn estimators."""

from sklearn_rnn._classifier import RNNClassifier

__version__ = "0.1.0"

__all__ = ["RNNClassifier", "__version__"]
