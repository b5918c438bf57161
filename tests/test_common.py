"""scikit-learn's own estimator checks for every public estimator."""

from functools import partial

import pytest
from sklearn.utils.estimator_checks import (
    check_class_weight_classifiers,
    check_classifiers_train,
    check_regressors_train,
    parametrize_with_checks,
)

from sklearn_rnn import RNNClassifier, RNNRegressor, SequenceScaler
from tests.conftest import FAST_PARAMS

# %%
# RNNClassifier
# -------------
# sklearn's checks feed 2-D float X, which RNNClassifier reads as univariate
# sequences (n_timesteps x 1 feature), so the checks exercise the real code.

#: Checks RNNClassifier is expected to fail, each with its reason.
CLASSIFIER_EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "training is stochastic mini-batch gradient descent: repeating a sample is "
        "not the same optimisation path as doubling its weight"
    ),
    "check_methods_sample_order_invariance": (
        "the network computes in float32, and Keras' CPU matrix products round a row "
        "by its position in the batch: permuted rows get probabilities that differ by "
        "about one float32 unit in the last place (up to 2.9e-7 relative on this "
        "check's data), while the check asks for rtol=1e-7, float64 precision, and "
        "passes or fails with the permutation it draws. "
        "tests/test_classifier.py::test_predictions_do_not_depend_on_row_order checks "
        "the same invariance at float32 precision"
    ),
}


@parametrize_with_checks(
    [RNNClassifier(**FAST_PARAMS)],
    expected_failed_checks=lambda est: CLASSIFIER_EXPECTED_FAILED_CHECKS,
)
def test_classifier_common(estimator, check):
    check(estimator)


#: A configuration with enough training budget for scikit-learn's accuracy bars.
TRAINED_PARAMS = dict(units=8, epochs=15, learning_rate=0.02, batch_size=32, random_state=0)


def _without_poor_score(estimator_class, monkeypatch):
    """Switch the ``poor_score`` tag off for this test, so score bars apply."""
    declared = estimator_class.__sklearn_tags__

    def strict_tags(self):
        tags = declared(self)
        kind = "classifier_tags" if tags.classifier_tags is not None else "regressor_tags"
        getattr(tags, kind).poor_score = False
        return tags

    monkeypatch.setattr(estimator_class, "__sklearn_tags__", strict_tags)


@pytest.mark.slow
@pytest.mark.parametrize(
    "check",
    [
        check_classifiers_train,
        partial(check_classifiers_train, readonly_memmap=True),
        check_class_weight_classifiers,
    ],
    ids=["classifiers_train", "classifiers_train_memmap", "class_weight_classifiers"],
)
def test_score_asserting_checks_on_a_trained_network(check, monkeypatch):
    """The checks that ``poor_score=True`` relaxes pass once the network is trained.

    The common checks above use a 4-unit, 2-epoch network for speed, which is
    why the estimator declares ``poor_score``. Here the same checks run with
    that tag switched off, so their accuracy bars (> 0.83 on blobs; > 0.87
    with class weights) are asserted for a network given a real budget.
    """
    _without_poor_score(RNNClassifier, monkeypatch)
    check("RNNClassifier", RNNClassifier(**TRAINED_PARAMS))


# %%
# RNNRegressor
# ------------

#: Checks RNNRegressor is expected to fail, each with its reason.
REGRESSOR_EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "training is stochastic mini-batch gradient descent: repeating a sample is "
        "not the same optimisation path as doubling its weight"
    ),
}


@parametrize_with_checks(
    [RNNRegressor(**FAST_PARAMS)],
    expected_failed_checks=lambda est: REGRESSOR_EXPECTED_FAILED_CHECKS,
)
def test_regressor_common(estimator, check):
    check(estimator)


#: The regression check's data is 10 standardised columns, read here as 10 time
#: steps: the network has to learn a weight per step, which takes more epochs.
TRAINED_REGRESSOR_PARAMS = dict(units=16, epochs=40, learning_rate=0.02, dropout=0.0,
                                random_state=0)  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("readonly_memmap", [False, True], ids=["array", "memmap"])
def test_regressors_train_on_a_trained_network(readonly_memmap, monkeypatch):
    """``check_regressors_train`` with ``poor_score`` off: R² > 0.5 on its data.

    Measured: 0.84 training R² with these parameters (0.44 with the
    classifier's 15-epoch budget).
    """
    _without_poor_score(RNNRegressor, monkeypatch)
    check_regressors_train(
        "RNNRegressor", RNNRegressor(**TRAINED_REGRESSOR_PARAMS), readonly_memmap=readonly_memmap
    )


# %%
# Transformers
# ------------
# SequencePadder and TextTokenizer take ragged sequences and raw text
# (``two_d_array=False``), so ``parametrize_with_checks`` yields nothing for
# them; the checks that apply are run one by one in test_sequence.py and
# test_text.py.

SEQUENCE_TRANSFORMERS = [SequenceScaler()]

SEQUENCE_TRANSFORMERS_EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks(
    SEQUENCE_TRANSFORMERS,
    expected_failed_checks=lambda est: SEQUENCE_TRANSFORMERS_EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_sequence_transformers_common(estimator, check):
    check(estimator)
