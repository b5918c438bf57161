"""Tests for plot_history, the learning-curve helper."""

import re
import sys

import pytest

from sklearn_rnn._plotting import plot_history
from tests.conftest import FAST_PARAMS, make_token_task

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labels(ax):
    return [line.get_label() for line in ax.get_lines()]


def test_plot_history_dict_draws_training_loss_only():
    ax = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]})
    assert _labels(ax) == ["training loss"]
    x, y = ax.get_lines()[0].get_data()
    assert list(x) == [1, 2] and list(y) == [1.0, 0.5]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")


def test_plot_history_draws_on_given_axes():
    _, ax = plt.subplots()
    assert plot_history({"loss": [1.0], "val_loss": [2.0]}, ax=ax) is ax
    assert _labels(ax) == ["training loss", "validation loss"]


def test_plot_history_does_not_modify_history():
    history = {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}
    plot_history(history)
    assert history == {"loss": [1.0, 0.5], "val_loss": [1.2, 0.9]}


@pytest.mark.slow
def test_plot_history_fitted_pipeline_marks_restored_epoch():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_rnn import RNNClassifier

    X, y = make_token_task(n_samples=80)  # a validation set of 20, the minimum size
    params = {**FAST_PARAMS, "epochs": 3, "early_stopping": True, "validation_fraction": 0.25}
    pipe = make_pipeline(FunctionTransformer(), RNNClassifier(**params)).fit(X, y)
    clf = pipe[-1]
    ax = plot_history(pipe)
    assert _labels(ax) == ["training loss", "validation loss", "restored epoch"]
    assert ax.get_lines()[2].get_xdata()[0] == clf.best_epoch_ + 1
    assert list(ax.get_lines()[1].get_ydata()) == clf.history_["val_loss"]


@pytest.mark.parametrize("bad", [None, [0.5, 0.4], "loss"])
def test_plot_history_rejects_non_history(bad):
    msg = (
        "plot_history expects a fitted RNNClassifier or RNNRegressor (or a pipeline "
        f"ending in one) or its history_ dict, got {type(bad).__name__}."
    )
    with pytest.raises(TypeError, match=re.escape(msg)):
        plot_history(bad)


def test_plot_history_rejects_history_without_loss():
    msg = "plot_history needs a 'loss' entry with at least one epoch, got a history with keys ['accuracy']."
    with pytest.raises(ValueError, match=re.escape(msg)):
        plot_history({"accuracy": [0.5]})


def test_plot_history_without_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape('pip install "sklearn-rnn[plot]"')):
        plot_history({"loss": [1.0]})


def test_plot_history_of_a_regressor():
    from sklearn_rnn import RNNRegressor
    from tests.conftest import make_numeric_task

    X, y = make_numeric_task(n_samples=40)
    reg = RNNRegressor(**FAST_PARAMS).fit(X, y.astype(float))
    ax = plot_history(reg)
    assert _labels(ax) == ["training loss"]
    assert list(ax.get_lines()[0].get_ydata()) == reg.history_["loss"]
