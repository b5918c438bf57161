"""Keras callbacks used by RNNClassifier, and the helper that assembles them."""

from sklearn_rnn._backend import keras


def make_callbacks(user_callbacks, *, early_stopping, patience, verbose, averaged=False):
    """Return ``(callbacks, early_stopper)`` for one call to ``Model.fit``.

    Parameters
    ----------
    user_callbacks : list of keras.callbacks.Callback or None
        Extra callbacks; the list itself is never modified.
    early_stopping : bool
        Add ``keras.callbacks.EarlyStopping`` on ``val_loss`` that restores
        the weights of the best epoch at the end of training.
    patience : int
        Epochs without improvement before stopping.
    verbose : int
        Verbosity of the early-stopping messages.
    averaged : bool, default=False
        The optimizer averages the weights (``use_ema``). With early
        stopping, ``keras.callbacks.SwapEMAWeights`` then goes first, so that
        the validation loss, the epoch-end callbacks and the weights the
        stopper keeps and restores are the averaged ones, the weights that
        ``Model.fit`` leaves without early stopping.

    Returns
    -------
    callbacks : list of keras.callbacks.Callback
    early_stopper : keras.callbacks.EarlyStopping or None
    """
    callbacks = list(user_callbacks or [])
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                "callbacks must be a list of keras.callbacks.Callback instances, got "
                f"{type(callback).__name__} {callback!r}. Instantiate the callback "
                "class, e.g. callbacks=[keras.callbacks.TerminateOnNaN()]."
            )
    stopper = None
    if early_stopping and averaged:
        callbacks.insert(0, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    if early_stopping:
        stopper = keras.callbacks.EarlyStopping(
            monitor="val_loss",
            patience=patience,
            restore_best_weights=True,
            verbose=int(verbose > 0),
        )
        callbacks.append(stopper)
    return callbacks, stopper
