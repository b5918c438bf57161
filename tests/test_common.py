"""scikit-learn's own estimator checks for every public estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import RNNClassifier, SequenceScaler
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
}


@parametrize_with_checks(
    [RNNClassifier(**FAST_PARAMS)],
    expected_failed_checks=lambda est: CLASSIFIER_EXPECTED_FAILED_CHECKS,
)
def test_classifier_common(estimator, check):
    check(estimator)


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
