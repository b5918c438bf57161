"""Skewed classes: class weights, imbalanced-learn pipelines, the per-epoch sampler."""

import re

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from imblearn.under_sampling import RandomUnderSampler
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.class_weight import compute_class_weight

from sklearn_rnn import RNNClassifier, SequencePadder, TextTokenizer, _batching
from tests.conftest import FAST_PARAMS, make_numeric_task, make_token_task


def make_skewed_tokens(n_samples, seed, proportions=(0.9, 0.07, 0.03), n_steps=6):
    """Token sequences of 3 classes (90/7/3) with one noisy marker token each.

    The marker (id 2, 3 or 4) names the true class 70% of the time and another
    class otherwise. Given the 90/7/3 prior, the most accurate rule always
    answers the majority class, while the rule with the best balanced accuracy
    follows the marker: only a model that re-weights or re-samples the classes
    finds it.
    """
    rng = np.random.RandomState(seed)
    y = rng.choice(3, size=n_samples, p=proportions)
    X = rng.randint(5, 20, size=(n_samples, n_steps))
    names_true_class = rng.rand(n_samples) < 0.7
    marker = np.where(names_true_class, y, (y + rng.randint(1, 3, size=n_samples)) % 3)
    X[np.arange(n_samples), rng.randint(n_steps, size=n_samples)] = 2 + marker
    return X, y


def _weights_for(clf, y, sample_weight=None):
    """The per-sample weights ``fit`` hands to Keras for labels ``y``."""
    clf.classes_ = np.unique(y)
    codes = np.searchsorted(clf.classes_, y)
    return clf._sample_weights(np.zeros((len(y), 3)), codes, sample_weight)


Y_SKEWED = np.array(["spam"] * 2 + ["ham"] * 7 + ["eggs"] * 3)


def test_balanced_class_weight_matches_scikit_learn():
    weights = _weights_for(RNNClassifier(class_weight="balanced"), Y_SKEWED)
    per_class = compute_class_weight("balanced", classes=np.unique(Y_SKEWED), y=Y_SKEWED)
    expected = dict(zip(np.unique(Y_SKEWED), per_class))
    np.testing.assert_allclose(weights, [expected[label] for label in Y_SKEWED], rtol=1e-6)


def test_class_weight_dict_is_keyed_by_label_and_defaults_to_one():
    weights = _weights_for(RNNClassifier(class_weight={"spam": 5.0, "eggs": 0.5}), Y_SKEWED)
    expected = {"spam": 5.0, "ham": 1.0, "eggs": 0.5}
    np.testing.assert_allclose(weights, [expected[label] for label in Y_SKEWED])


@pytest.mark.parametrize("class_weight", ["balanced", {"spam": 5.0, "eggs": 0.5}])
def test_class_weight_multiplies_sample_weight(class_weight):
    sample_weight = np.linspace(0.5, 2.0, len(Y_SKEWED))
    clf = RNNClassifier(class_weight=class_weight)
    combined = _weights_for(clf, Y_SKEWED, sample_weight)
    np.testing.assert_allclose(combined, _weights_for(clf, Y_SKEWED) * sample_weight, rtol=1e-6)


def test_no_weights_without_class_weight_or_sample_weight():
    assert _weights_for(RNNClassifier(), Y_SKEWED) is None


@pytest.mark.slow
def test_class_weight_trains_like_the_same_sample_weight():
    X, y = make_token_task(n_samples=40, n_steps=8)
    class_weight = {0: 3.0, 1: 0.5}
    by_class = RNNClassifier(**FAST_PARAMS, class_weight=class_weight).fit(X, y)
    sample_weight = np.where(y == 0, 3.0, 0.5)
    by_sample = RNNClassifier(**FAST_PARAMS).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X), rtol=1e-5)


def test_imblearn_pipeline_oversamples_token_ids():
    docs = ["a good film", "a great plot", "good and fine", "nice story"] * 4 + [
        "a bad film",
        "awful plot",
    ]
    y = np.array(["pos"] * 16 + ["neg"] * 2)
    pipe = make_imblearn_pipeline(
        TextTokenizer(), RandomOverSampler(random_state=0), RNNClassifier(**FAST_PARAMS)
    )
    pipe.fit(docs, y)
    assert list(pipe.classes_) == ["neg", "pos"]
    assert pipe.predict(["a bad plot"]).shape == (1,)
    # The sampler sits between the tokenizer's 2-D ids and the classifier.
    ids = pipe[0].transform(docs)
    _, y_resampled = RandomOverSampler(random_state=0).fit_resample(ids, y)
    assert np.bincount(np.unique(y_resampled, return_inverse=True)[1]).tolist() == [16, 16]


@pytest.fixture
def epoch_rows(monkeypatch):
    """Record the rows that each training epoch is planned over."""
    seen = []
    plan = _batching.epoch_batches

    def recording(rng, indices, *args, **kwargs):
        seen.append(np.sort(indices))
        return plan(rng, indices, *args, **kwargs)

    monkeypatch.setattr(_batching, "epoch_batches", recording)
    return seen


def _skew(X, y, n_minority):
    """Keep every row of class 0 and the first ``n_minority`` rows of class 1."""
    keep = np.flatnonzero(y == 0).tolist() + np.flatnonzero(y == 1)[:n_minority].tolist()
    keep = np.sort(keep)
    return [X[i] for i in keep] if isinstance(X, list) else X[keep], y[keep]


def test_under_sampler_draws_new_majority_rows_every_epoch(epoch_rows):
    X, y = _skew(*make_numeric_task(n_samples=60, n_steps=5, n_features=2), n_minority=6)
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": 3}, sampler=RandomUnderSampler())
    clf.fit(X, y)

    assert len(epoch_rows) == 3
    minority = set(np.flatnonzero(y == 1))
    majority_draws = []
    for rows in epoch_rows:
        assert np.bincount(y[rows]).tolist() == [6, 6]
        assert minority <= set(rows)
        majority_draws.append(frozenset(rows) - minority)
    assert len(set(majority_draws)) == 3
    assert clf.sampler.get_params()["random_state"] is None  # never modified


def test_over_sampler_on_ragged_sequences_after_padding(epoch_rows):
    X, y = make_numeric_task(n_samples=40, n_steps=6, n_features=2)
    ragged = [seq[~np.isnan(seq[:, 0])] for seq in X]  # unpadded, of varying length
    ragged, y = _skew(ragged, y, n_minority=4)
    n_majority = int(np.sum(y == 0))
    clf = RNNClassifier(**{**FAST_PARAMS, "epochs": 2}, sampler=RandomOverSampler())
    pipe = make_pipeline(SequencePadder(), clf).fit(ragged, y)

    assert pipe.predict(ragged[:3]).shape == (3,)
    assert len(epoch_rows) == 2
    for rows in epoch_rows:
        assert np.bincount(y[rows]).tolist() == [n_majority, n_majority]
    assert not np.array_equal(epoch_rows[0], epoch_rows[1])


def test_smote_sampler_is_refused():
    X, y = make_numeric_task(n_samples=20, n_steps=4, n_features=2)
    clf = RNNClassifier(**FAST_PARAMS, sampler=SMOTE())
    msg = (
        "sampler must be an imblearn RandomUnderSampler or RandomOverSampler: it is "
        "re-drawn every epoch on sample indices, which only samplers that pick by "
        "label can use. Got SMOTE. For SMOTE and other feature-based samplers use an "
        "imblearn Pipeline before the classifier."
    )
    with pytest.raises(TypeError, match=re.escape(msg)):
        clf.fit(X, y)
    assert not hasattr(clf, "model_")


@pytest.mark.slow
def test_weighting_and_sampling_raise_balanced_accuracy_on_skewed_task():
    X, y = make_skewed_tokens(600, seed=0)
    X_test, y_test = make_skewed_tokens(2000, seed=1)
    params = dict(
        units=8, embedding_dim=8, epochs=15, batch_size=128, learning_rate=0.02, random_state=0
    )
    scores, minority_recall = {}, {}
    for name, extra in [
        ("plain", {}),
        ("balanced", {"class_weight": "balanced"}),
        ("sampler", {"sampler": RandomUnderSampler()}),
    ]:
        predicted = RNNClassifier(**params, **extra).fit(X, y).predict(X_test)
        scores[name] = balanced_accuracy_score(y_test, predicted)
        minority_recall[name] = recall_score(y_test, predicted, labels=[1, 2], average="macro")

    # The plain model learns the prior: about chance-level balanced accuracy.
    assert scores["plain"] < 0.4
    assert scores["balanced"] > scores["plain"] + 0.1
    assert scores["sampler"] > scores["plain"] + 0.1
    assert minority_recall["balanced"] > minority_recall["plain"] + 0.2
    assert minority_recall["sampler"] > minority_recall["plain"] + 0.2
