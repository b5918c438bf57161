"""scikit-learn's own estimator checks for every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import RNNClassifier
from tests.conftest import FAST_PARAMS

#: Checks RNNClassifier is expected to fail, each with its reason.
CLASSIFIER_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "training is stochastic mini-batch gradient descent: repeating a sample is "
        "not the same optimisation path as doubling its weight"
    ),
}


@parametrize_with_checks(
    [RNNClassifier(**FAST_PARAMS)],
    expected_failed_checks=lambda est: CLASSIFIER_EXPECTED_FAILURES,
)
def test_classifier_common(estimator, check):
    check(estimator)
