"""Correctness of the fast paths: length bucketing, the tf.data feed, compiled predict."""

import copy
import warnings

import numpy as np
import pytest

from sklearn_rnn import RNNClassifier, _batching
from tests.conftest import FAST_PARAMS, make_numeric_task, make_token_task

pytestmark = pytest.mark.backend_core  # CI runs these again on JAX (.ci/run)


def _pre_padded(X):
    """The same token sequences with their padding moved to the front."""
    out = np.zeros_like(X)
    for i, row in enumerate(X):
        real = row[row != 0]
        out[i, X.shape[1] - len(real) :] = real
    return out


@pytest.fixture(scope="module")
def bucketed_clf():
    from sklearn_rnn import RNNClassifier

    X, y = make_token_task(n_samples=60, n_steps=40)
    X[:, 20:] = 0  # at least half of every row is padding: "auto" buckets
    return RNNClassifier(**FAST_PARAMS, length_bucketing=True).fit(X, y), X


def test_padding_plan_finds_side_and_lengths():
    X = np.array([[5, 6, 0, 0], [7, 0, 0, 0], [0, 0, 0, 0]])
    side, keep = _batching.padding_plan(X, "tokens")
    assert side == "post"
    assert keep.tolist() == [2, 1, 0]
    side, keep = _batching.padding_plan(X[:, ::-1], "tokens")
    assert side == "pre"
    assert keep.tolist() == [2, 1, 0]
    side, keep = _batching.padding_plan(np.array([[5, 0, 0], [0, 0, 6]]), "tokens")
    assert side is None
    assert keep.tolist() == [3, 3]


def test_padding_plan_numeric_uses_all_nan_steps():
    X, _ = make_numeric_task(n_samples=10, n_steps=6)
    side, keep = _batching.padding_plan(X, "numeric")
    assert side == "post"
    assert keep.tolist() == (~np.isnan(X[:, :, 0])).sum(axis=1).tolist()


def test_bucket_widths_are_a_small_fixed_set():
    widths = _batching.bucket_widths(400)
    assert widths.tolist() == sorted(set(widths.tolist()))
    assert widths[-1] == 400 and widths.max() <= 400
    assert len(widths) <= 16
    assert _batching.bucket_widths(400).tolist() == widths.tolist()
    assert _batching.batch_width(np.array([3, 17, 9]), widths) == 24
    assert _batching.batch_width(np.array([0, 0]), widths) == widths[0]
    assert _batching.batch_width(np.array([400]), widths) == 400


def test_epoch_batches_cover_every_row_once_and_shuffle_across_buckets():
    rng = np.random.RandomState(0)
    keep = rng.randint(1, 200, size=1000)
    indices = np.arange(1000)
    epochs = [_batching.epoch_batches(rng, indices, keep, 10, True) for _ in range(3)]
    for batches in epochs:
        assert sorted(np.concatenate(batches).tolist()) == indices.tolist()
        assert all(len(b) == 10 for b in batches)
        # Rows of one batch have similar lengths ...
        spread = np.mean([np.ptp(keep[b]) for b in batches])
        assert spread < 0.2 * np.ptp(keep)
        # ... but batches do not come shortest first.
        longest = [keep[b].max() for b in batches]
        assert longest != sorted(longest)
    assert not np.array_equal(np.concatenate(epochs[0]), np.concatenate(epochs[1]))


def test_flat_plan_packs_batches_and_widths():
    keep = np.array([3, 9, 1, 30])
    batches = [np.array([0, 2]), np.array([1, 3])]
    rows, offsets, widths = _batching.flat_plan(batches, keep, _batching.bucket_widths(32), 32)
    assert rows.tolist() == [0, 2, 1, 3]
    assert offsets.tolist() == [0, 2, 4]
    assert widths.tolist() == [8, 32]
    _, _, widths = _batching.flat_plan(batches, keep, None, 32)
    assert widths.tolist() == [32, 32]


@pytest.mark.parametrize("side", ["post", "pre"])
@pytest.mark.parametrize("n_samples, batch", [(50, 10), (75, 4)])
def test_training_feed_gathers_and_trims_batches(side, n_samples, batch):
    # (75, 4): 19 batches, the last of 3 rows: on TensorFlow two blocks of
    # TF_BATCHES_PER_CALL, the second stacking batches of unequal sizes
    from sklearn_rnn._feed import training_feed

    X, y = make_token_task(n_samples=n_samples, n_steps=16)
    if side == "pre":
        X = _pre_padded(X)
    w = np.linspace(0.5, 1.5, len(X)).astype(np.float32)
    found_side, keep = _batching.padding_plan(X, "tokens")
    assert found_side == side
    widths = _batching.bucket_widths(X.shape[1])
    rng = np.random.RandomState(0)
    dataset = training_feed(
        X, (y.astype(np.int32), w), side=side, keep=keep, widths=widths,
        n_batches=-(-n_samples // batch),
        plan_epoch=lambda: _batching.epoch_batches(rng, np.arange(len(X)), keep, batch, True),
    )  # fmt: skip
    for _ in range(2):  # every pass is a new epoch, each row once
        seen = []
        for xb, yb, wb in _batches(dataset):
            xb, yb, wb = np.asarray(xb), np.asarray(yb), np.asarray(wb)
            rows = [int(np.flatnonzero(np.isclose(w, v))[0]) for v in wb]
            assert xb.shape[1] == _batching.batch_width(keep[rows], widths)  # its own width
            expected = X[rows, : xb.shape[1]] if side == "post" else X[rows, -xb.shape[1] :]
            np.testing.assert_array_equal(xb, expected)
            np.testing.assert_array_equal(yb, y[rows])
            assert (X[rows] != 0).sum() == (xb != 0).sum()  # only padding trimmed
            seen.extend(rows)
        assert sorted(seen) == list(range(len(X)))


def test_training_feed_serves_every_epoch_from_one_pass():
    # On TensorFlow a feed of several epochs is one dataset that Model.fit
    # iterates once (steps_per_epoch); each epoch is planned anew, in order.
    from sklearn_rnn._backend import BACKEND
    from sklearn_rnn._feed import fit_arguments, training_feed

    X, y = make_token_task(n_samples=30, n_steps=8)
    _, keep = _batching.padding_plan(X, "tokens")
    rng = np.random.RandomState(0)
    plans = []

    def plan_epoch():
        plans.append(_batching.epoch_batches(rng, np.arange(len(X)), keep, 7, False))
        return plans[-1]

    feed = training_feed(
        X, (y.astype(np.int32),), side="post", keep=keep, widths=None,
        n_batches=5, plan_epoch=plan_epoch, epochs=3,
    )  # fmt: skip
    if BACKEND == "tensorflow":
        assert fit_arguments(5, 3) == {"steps_per_epoch": 5}
        batches = [np.asarray(xb) for xb, _ in feed]
    else:
        assert fit_arguments(5, 3) == {}
        batches = [np.asarray(xb) for _ in range(3) for xb, _ in _batches(feed)]
    assert len(plans) == 3 and len(batches) == 15
    for epoch, plan in enumerate(plans):
        assert sorted(np.concatenate(plan).tolist()) == list(range(len(X)))  # each row once
        for xb, rows in zip(batches[5 * epoch : 5 * epoch + 5], plan):
            np.testing.assert_array_equal(xb, X[rows])
    assert not np.array_equal(np.concatenate(plans[0]), np.concatenate(plans[1]))  # reshuffled


def test_tf_feed_refuses_an_epoch_plan_of_the_wrong_length():
    # epochs share one iterator on TensorFlow: a plan one batch short would
    # shift every later epoch's boundary, so it is an error, not a warning
    from sklearn_rnn._backend import BACKEND
    from sklearn_rnn._feed import training_feed

    if BACKEND != "tensorflow":
        pytest.skip("the PyDataset feed indexes batches per epoch (JAX, PyTorch)")
    from sklearn_rnn._backend import tf

    X, y = make_token_task(n_samples=30, n_steps=8)
    _, keep = _batching.padding_plan(X, "tokens")
    feed = training_feed(
        X, (y.astype(np.int32),), side="post", keep=keep, widths=None, n_batches=6,
        plan_epoch=lambda: _batching.epoch_batches(np.random.RandomState(0), np.arange(30), keep, 7, False),
        epochs=2,
    )  # fmt: skip
    # raised inside tf.numpy_function: TensorFlow re-raises it as an OpError
    with pytest.raises(tf.errors.OpError, match="planned 5 batches for an epoch of 6"):
        list(feed)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_runs_its_epochs_without_keras_warnings(early_stopping):
    # steps_per_epoch with a dataset of unknown length: no "ran out of data"
    # warning, every epoch recorded, also when early stopping ends the fit early
    X, y = make_token_task(n_samples=60, n_steps=8)
    clf = RNNClassifier(
        units=4, embedding_dim=4, epochs=4, batch_size=16, random_state=0,
        early_stopping=early_stopping, validation_fraction=0.3, patience=1,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.history_["loss"]) <= 4
    if not early_stopping:
        assert clf.n_iter_ == 4


def _batches(feed):
    """One epoch of a training feed, on any backend."""
    if hasattr(feed, "__getitem__"):  # a PyDataset (JAX, PyTorch)
        feed.on_epoch_begin()
        yield from (feed[i] for i in range(len(feed)))
        feed.on_epoch_end()
    else:  # a tf.data.Dataset: every pass is an epoch
        yield from feed


def test_bucketed_and_unbucketed_predictions_match(bucketed_clf):
    clf, X = bucketed_clf
    bucketed = clf.predict_proba(X)
    plain = copy.copy(clf).set_params(length_bucketing=False).predict_proba(X)
    np.testing.assert_allclose(bucketed, plain, atol=1e-5)


def test_compiled_predict_equals_model_predict(bucketed_clf):
    clf, X = bucketed_clf
    plain = copy.copy(clf).set_params(length_bucketing=False)
    expected = clf.model_.predict(X, verbose=0)
    np.testing.assert_allclose(plain._predict_array(X), expected, atol=1e-6)
    np.testing.assert_allclose(clf._predict_array(X), expected, atol=1e-5)


def test_pre_and_post_padding_predict_alike(bucketed_clf):
    clf, X = bucketed_clf
    np.testing.assert_allclose(
        clf.predict_proba(_pre_padded(X)), clf.predict_proba(X), atol=1e-5
    )


def test_predict_single_row(bucketed_clf):
    clf, X = bucketed_clf
    one = clf.predict_proba(X[3:4])
    assert one.shape == (1, len(clf.classes_))
    np.testing.assert_allclose(one, clf.predict_proba(X)[3:4], atol=1e-5)
    assert clf.predict(X[3:4]).shape == (1,)


def test_compiled_predict_does_not_retrace(bucketed_clf):
    from sklearn_rnn._backend import BACKEND

    if BACKEND != "tensorflow":
        pytest.skip("tf.function tracing: TensorFlow only (XLA compiles per shape on JAX)")
    clf, X = bucketed_clf
    clf.predict_proba(X[:1])
    traces = clf._predict_fn.function.experimental_get_tracing_count()
    rng = np.random.RandomState(0)
    for n_rows, length in [(1, 3), (2, 40), (7, 11), (33, 25), (5, 1), (60, 17)]:
        Xb = rng.randint(2, 20, size=(n_rows, X.shape[1]))
        Xb[:, length:] = 0  # a new batch size and a new trimmed width each time
        clf.predict_proba(Xb)
    assert clf._predict_fn.function.experimental_get_tracing_count() == traces == 1


@pytest.mark.slow
@pytest.mark.parametrize("pre", [False, True])
def test_bucketed_training_on_pre_and_post_padding(pre):
    from sklearn_rnn import RNNClassifier

    X, y = make_token_task(n_samples=60, n_steps=30)
    X[:, 15:] = 0
    if pre:
        X = _pre_padded(X)
    params = {**FAST_PARAMS, "batch_size": 16, "epochs": 1}
    clf = RNNClassifier(**params, length_bucketing=True).fit(X, y)
    assert clf.n_iter_ == 1
    assert np.all(np.isfinite(clf.history_["loss"]))
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_bucketing_with_numeric_sequences_predicts_alike():
    from sklearn_rnn import RNNClassifier

    X, y = make_numeric_task(n_samples=40, n_steps=12)
    X[:, 6:] = np.nan
    clf = RNNClassifier(**FAST_PARAMS, length_bucketing=True).fit(X, y)
    plain = copy.copy(clf).set_params(length_bucketing=False)
    np.testing.assert_allclose(clf.predict_proba(X), plain.predict_proba(X), atol=1e-5)


def test_auto_bucketing_on_compiling_backends_needs_enough_batches_per_width():
    """Where every batch shape is compiled (JAX), "auto" buckets only a fit long
    enough to repay one compilation per bucket width; an explicit True always
    buckets, and without a batch count the padding rule alone decides."""
    from sklearn_rnn._batching import BATCHES_PER_COMPILED_WIDTH, bucket_widths, use_bucketing

    keep = np.array([10, 20, 30, 60] * 10)  # half of 60 steps are padding
    enough = BATCHES_PER_COMPILED_WIDTH * len(bucket_widths(60))
    assert use_bucketing("auto", "post", keep, 60)
    assert use_bucketing("auto", "post", keep, 60, batches=enough)
    assert not use_bucketing("auto", "post", keep, 60, batches=enough - 1)
    assert use_bucketing(True, "post", keep, 60, batches=1)
    assert not use_bucketing("auto", "post", np.full(40, 60), 60, batches=10 * enough)
