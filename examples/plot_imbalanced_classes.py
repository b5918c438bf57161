"""
=========================================
Imbalanced classes
=========================================

When one class is rare, a network trained on the plain loss learns to ignore
it. Two remedies are built into :class:`~sklearn_rnn.RNNClassifier`:

- ``class_weight="balanced"`` weights every sample by
  ``n_samples / (n_classes * count(class))``;
- ``sampler=RandomUnderSampler()`` draws a fresh balanced subset of the
  training data at every epoch, so no sample is thrown away for good.

We compare both with the plain model on balanced accuracy and recall per
class.

**Data**: paragraphs of scikit-learn's API docstrings (BSD-3-Clause licence,
shipped with scikit-learn), made skewed on purpose: all linear-model and
metrics paragraphs, and only 40 of the preprocessing ones.
"""

# %%
# A skewed three-class task
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
from _example_data import load_sklearn_docstrings, save_figure, scaled
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, TextTokenizer

texts, labels = load_sklearn_docstrings(
    ("linear_model", "metrics", "preprocessing"), n_samples=scaled(None, 300)
)
rng = np.random.RandomState(0)
rare = np.flatnonzero(labels == "preprocessing")
drop = rng.choice(rare, size=len(rare) - scaled(40, 20), replace=False)
keep = np.setdiff1d(np.arange(len(labels)), drop)
texts, labels = [texts[i] for i in keep], labels[keep]
classes, counts = np.unique(labels, return_counts=True)
print("class counts:", dict(zip(classes.tolist(), counts.tolist())))

X_train, X_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.3, stratify=labels, random_state=0
)

# %%
# Three classifiers, one difference each
# --------------------------------------
common = dict(cell="gru", units=32, embedding_dim=32, epochs=scaled(8, 2), random_state=0)
models = {
    "plain": RNNClassifier(**common),
    'class_weight="balanced"': RNNClassifier(class_weight="balanced", **common),
    # Each under-sampled epoch sees only 3 x (rare count) samples, so it is
    # cheap; give it more epochs to get a similar number of gradient steps.
    "RandomUnderSampler": RNNClassifier(
        sampler=RandomUnderSampler(), **{**common, "epochs": scaled(40, 2)}
    ),
}
recalls = {}
for name, rnn in models.items():
    clf = make_pipeline(TextTokenizer(max_len=48), rnn).fit(X_train, y_train)
    y_pred = clf.predict(X_test)
    recalls[name] = recall_score(y_test, y_pred, labels=classes, average=None, zero_division=0)
    print(f"{name:>24}: balanced accuracy {balanced_accuracy_score(y_test, y_pred):.3f}")

# %%
# Recall per class
# ----------------
# The rare class is where the remedies pay off; the frequent classes lose a
# little recall in exchange.
print(f"{'recall':>24}: " + "  ".join(f"{c:>13}" for c in classes))
for name, recall in recalls.items():
    print(f"{name:>24}: " + "  ".join(f"{r:13.2f}" for r in recall))

fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.8 / len(recalls)
for i, (name, recall) in enumerate(recalls.items()):
    ax.bar(np.arange(len(classes)) + i * width, recall, width, label=name)
ax.set_xticks(np.arange(len(classes)) + width, classes)
ax.set_ylabel("recall on the test set")
ax.set_ylim(0, 1)
ax.legend(loc="lower left")
ax.set_title("Recall per class, rare class: preprocessing")
save_figure(fig, "imbalanced_recall")
plt.show()
