"""
=====================================
Hyperparameter search
=====================================

A pipeline's parameters are addressed as ``<step>__<parameter>``, so one
``RandomizedSearchCV`` tunes the tokenizer and the network together. With
``early_stopping=True`` each candidate stops when its own held-out loss stops
improving, so ``epochs`` is only an upper bound and need not be searched.

**Data**: paragraphs of scikit-learn's API docstrings for three modules,
a random 450 of them (BSD-3-Clause licence, shipped with scikit-learn).
"""

# %%
# Search space
# ------------
import numpy as np
from _example_data import load_sklearn_docstrings, scaled
from scipy.stats import loguniform
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, TextTokenizer

texts, labels = load_sklearn_docstrings(
    ("cluster", "metrics", "preprocessing"), n_samples=scaled(450, 120)
)
X_train, X_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.25, stratify=labels, random_state=0
)

pipe = make_pipeline(
    TextTokenizer(),
    RNNClassifier(
        embedding_dim=32,
        epochs=scaled(10, 2),
        early_stopping=True,
        validation_fraction=0.15,
        patience=2,
        random_state=0,
    ),
)
param_distributions = {
    "texttokenizer__max_len": [24, 48],
    "texttokenizer__min_frequency": [1, 2],
    "rnnclassifier__cell": ["gru", "lstm"],
    "rnnclassifier__units": [16, 32],
    "rnnclassifier__learning_rate": loguniform(1e-3, 1e-2),
}

# %%
# Run the search
# --------------
# ``n_jobs=1`` keeps the example light; see the user guide for parallel and
# distributed search.
search = RandomizedSearchCV(
    pipe,
    param_distributions,
    n_iter=scaled(3, 1),
    cv=2,
    scoring="accuracy",
    random_state=0,
)
search.fit(X_train, y_train)
print("best parameters:")
for name, value in sorted(search.best_params_.items()):
    print(f"  {name} = {value:.4g}" if isinstance(value, float) else f"  {name} = {value!r}")
print(f"best CV accuracy: {search.best_score_:.3f}")
print(f"test accuracy:    {search.score(X_test, y_test):.3f}")

# %%
# Results table
# -------------
# One row per candidate, best first; ``best epoch`` is where early stopping
# put the refitted best model.
results = search.cv_results_
columns = [name for name in param_distributions]
header = ["rank", "mean acc", "std"] + [c.split("__")[1] for c in columns]
print(" | ".join(f"{h:>13}" for h in header))
for i in np.argsort(results["rank_test_score"], kind="stable"):
    row = [results["rank_test_score"][i], f"{results['mean_test_score'][i]:.3f}"]
    row += [f"{results['std_test_score'][i]:.3f}"]
    row += [results[f"param_{c}"][i] for c in columns]
    print(" | ".join(f"{v:>13.4g}" if isinstance(v, float) else f"{v!s:>13}" for v in row))
best = search.best_estimator_[-1]
if best.validation_size_:  # 0 when too few sequences to hold out 20 (quick mode)
    print("refitted best model stopped at epoch", best.best_epoch_ + 1)
else:
    print("too few sequences to hold out for early stopping: trained", best.n_iter_, "epochs")
