"""
=====================================
Text classification with a GRU
=====================================

A ``TextTokenizer -> RNNClassifier`` pipeline learns which scikit-learn module
a paragraph of documentation comes from: clustering, linear models, metrics or
preprocessing. We report precision and recall per class, plot the confusion
matrix, and draw the learning curve with :func:`~sklearn_rnn.plot_history`.

**Data**: the paragraphs of scikit-learn's own API docstrings, read from the
installed ``sklearn`` package (real English text, BSD-3-Clause licence,
no download). See ``_example_data.py``.
"""

# %%
# Load the documentation paragraphs
# ---------------------------------
# Each sample is one paragraph of prose; its label is the module it documents.
import matplotlib.pyplot as plt
import numpy as np
from _example_data import load_sklearn_docstrings, save_figure, scaled
from sklearn.metrics import ConfusionMatrixDisplay, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, TextTokenizer, plot_history

texts, labels = load_sklearn_docstrings(n_samples=scaled(None, 400))
modules, counts = np.unique(labels, return_counts=True)
print(f"{len(texts)} paragraphs:", dict(zip(modules.tolist(), counts.tolist())))
print("Example:", texts[0][:120], "...")

X_train, X_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.25, stratify=labels, random_state=0
)

# %%
# Tokenizer and GRU in one pipeline
# ---------------------------------
# ``TextTokenizer`` maps each paragraph to a row of token ids (0 is padding,
# 1 an unknown word) and pads it to ``max_len``; the classifier's embedding
# masks the padding. ``early_stopping=True`` holds out 10% of the training
# data and keeps the weights of the epoch with the best validation loss.
clf = make_pipeline(
    TextTokenizer(max_tokens=8000, max_len=64),
    RNNClassifier(
        cell="gru",
        embedding_dim=128,
        units=128,
        dropout=0.2,
        epochs=scaled(10, 2),
        early_stopping=True,
        patience=2,
        random_state=0,
    ),
)
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)
print(classification_report(y_test, y_pred, zero_division=0))

# %%
# Confusion matrix
# ----------------
# Rows are true modules, columns predicted ones. Paragraphs about shared
# parameters (``random_state``, ``n_jobs``) look alike in every module, so
# some confusion remains.
disp = ConfusionMatrixDisplay.from_predictions(y_test, y_pred, xticks_rotation=30)
disp.ax_.set_title("GRU on scikit-learn docstrings")
save_figure(disp.figure_, "gru_confusion_matrix")

# %%
# Learning curve
# --------------
# ``plot_history`` draws the per-epoch training and validation loss from
# ``history_`` and marks the epoch whose weights early stopping restored.
ax = plot_history(clf)
ax.set_title("GRU learning curve")
save_figure(ax.figure, "learning_curve")
plt.show()
