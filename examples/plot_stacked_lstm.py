"""
=================================================
Stacked LSTM with regularised embeddings
=================================================

Two LSTM layers on top of each other (``units=(128, 128)``): the first returns
its whole output sequence to the second. The embedding is regularised twice:
``spatial_dropout=0.2`` drops whole embedding channels during training, and
``embedding_l2=0.001`` adds an L2 penalty on the embedding matrix, which keeps
the vectors of rare words small.

**Data**: paragraphs of scikit-learn's API docstrings for four modules
(decomposition, ensemble, model selection, neighbors), a random 1200 of them,
read from the installed ``sklearn`` package (BSD-3-Clause licence, no
download).
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
from _example_data import load_sklearn_docstrings, save_figure, scaled
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, TextTokenizer, plot_history

texts, labels = load_sklearn_docstrings(
    ("decomposition", "ensemble", "model_selection", "neighbors"),
    n_samples=scaled(1200, 300),
)
X_train, X_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.25, stratify=labels, random_state=0
)

# %%
# Two stacked LSTM layers
# -----------------------
# A tuple of units stacks one recurrent layer per entry. Words seen only once
# in training are dropped (``min_frequency=2``) and become the unknown id 1.
clf = make_pipeline(
    TextTokenizer(min_frequency=2, max_len=48),
    RNNClassifier(
        cell="lstm",
        units=(128, 128),
        embedding_dim=64,
        spatial_dropout=0.2,
        embedding_l2=0.001,
        epochs=scaled(8, 2),
        early_stopping=True,
        patience=2,
        random_state=0,
    ),
)
clf.fit(X_train, y_train)
model = clf[-1].model_
print("Layers:", [layer.__class__.__name__ for layer in model.layers])

# %%
# Evaluation
# ----------
# The network has far more weights than there are paragraphs, so it overfits
# quickly: compare training and test accuracy. Spatial dropout, the embedding
# penalty and early stopping (which restores the epoch with the best
# validation loss) limit how far.
print(f"train accuracy: {accuracy_score(y_train, clf.predict(X_train)):.3f}")
print(f"test accuracy:  {accuracy_score(y_test, clf.predict(X_test)):.3f}")
print(classification_report(y_test, clf.predict(X_test), zero_division=0))

ax = plot_history(clf)
ax.set_title("Stacked LSTM learning curve")
save_figure(ax.figure, "stacked_lstm_learning_curve")
plt.show()
