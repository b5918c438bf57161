"""scikit-learn's estimator checks for every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rnn import SequenceScaler

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
