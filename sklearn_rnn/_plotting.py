"""Learning curves: draw a fitted RNNClassifier's or RNNRegressor's per-epoch history."""

_INSTALL_HINT = 'plot_history needs matplotlib. Install it with: pip install "sklearn-rnn[plot]"'


def _as_history(estimator_or_history):
    """The ``history_`` dict of a fitted estimator, or a history dict as given."""
    history = getattr(estimator_or_history, "history_", estimator_or_history)
    if not isinstance(history, dict):
        raise TypeError(
            "plot_history expects a fitted RNNClassifier or RNNRegressor (or a "
            "pipeline ending in one) or its history_ dict, got "
            f"{type(estimator_or_history).__name__}. Fit the estimator first, or "
            "pass est.history_."
        )
    if not history.get("loss"):
        raise ValueError(
            "plot_history needs a 'loss' entry with at least one epoch, got a "
            f"history with keys {sorted(history)!r}. Pass the history_ of a fitted "
            "RNNClassifier or RNNRegressor."
        )
    return history


def _final_step(estimator_or_history):
    """The last step of a pipeline, or the object itself."""
    steps = getattr(estimator_or_history, "steps", None)
    return steps[-1][1] if steps else estimator_or_history


def plot_history(estimator_or_history, ax=None):
    """Plot training and validation loss per epoch (a learning curve).

    Draws the ``loss`` of every epoch and, when the estimator was fitted with
    ``early_stopping=True``, the ``val_loss`` too, with a dotted vertical line
    at the epoch whose weights were restored (``best_epoch_``). Matplotlib is
    an optional dependency: ``pip install "sklearn-rnn[plot]"``.

    Parameters
    ----------
    estimator_or_history : RNNClassifier, RNNRegressor, Pipeline or dict
        A fitted [`RNNClassifier`][sklearn_rnn.RNNClassifier] or
        [`RNNRegressor`][sklearn_rnn.RNNRegressor], a fitted pipeline whose last
        step is one, or a ``history_`` dict mapping metric names to per-epoch lists.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on. ``None`` creates a new figure and axes.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with one line per loss curve and a legend.

    See Also
    --------
    RNNClassifier : Its ``history_`` attribute holds the curves.
    RNNRegressor : The same for regression.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn_rnn._plotting import plot_history
    >>> history = {"loss": [0.9, 0.6, 0.5], "val_loss": [0.8, 0.7, 0.75]}
    >>> ax = plot_history(history)
    >>> [line.get_label() for line in ax.get_lines()]
    ['training loss', 'validation loss']
    >>> ax.get_xlabel()
    'epoch'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc

    source = _final_step(estimator_or_history)
    history = _as_history(source)
    if ax is None:
        _, ax = plt.subplots()
    epochs = range(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], marker="o", label="training loss")
    if history.get("val_loss"):
        ax.plot(epochs, history["val_loss"], marker="o", label="validation loss")
    best = getattr(source, "best_epoch_", None)
    if best is not None:
        ax.axvline(best + 1, color="grey", linestyle=":", label="restored epoch")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax
