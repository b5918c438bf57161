"""Start a token embedding from pretrained word vectors."""

import numpy as np

from sklearn_rnn._validation import OOV_ID, PAD_ID


def embedding_matrix(vectors, vocabulary, *, scale=None, random_state=0):
    """Build an embedding matrix aligned with a tokenizer's token ids.

    Row ``i`` is the vector of the token whose id is ``i``. Use the result as
    ``RNNClassifier(embeddings=...)`` together with a ``TextTokenizer`` whose
    ``vocabulary`` is fixed to the same ``vocabulary``, so that the ids (and so
    the rows) are the same in every fit, every fold of a grid search included.

    Parameters
    ----------
    vectors : mapping of str to array-like
        Word vectors, all of one length: a dict, or anything with ``in`` and
        ``[token]`` such as gensim's ``KeyedVectors``.
    vocabulary : mapping of str to int or iterable of str
        Token ids as ``TextTokenizer(vocabulary=...)`` reads them: a mapping
        of tokens to ids from 2, or tokens numbered 2, 3, ... in order. A
        fitted tokenizer's ``vocabulary_`` works too.
    scale : float, default=None
        Standard deviation of the rows drawn for ids without a vector. None
        uses the standard deviation of the vectors that were found.
    random_state : int, RandomState instance or None, default=0
        Seeds the rows drawn for ids without a vector.

    Returns
    -------
    matrix : ndarray of shape (largest id + 1, vector length), dtype float32
        Row 0 (padding) is zeros; rows of tokens without a vector, and row 1
        (out-of-vocabulary), are drawn from a normal distribution with mean 0
        and standard deviation ``scale``.

    Examples
    --------
    >>> from sklearn_rnn import embedding_matrix
    >>> vectors = {"cat": [1.0, 0.0], "dog": [0.0, 1.0]}
    >>> matrix = embedding_matrix(vectors, ["cat", "dog", "emu"])
    >>> matrix.shape
    (5, 2)
    >>> matrix[2].tolist(), matrix[3].tolist(), matrix[0].tolist()
    ([1.0, 0.0], [0.0, 1.0], [0.0, 0.0])
    """
    from sklearn.utils import check_random_state

    from sklearn_rnn._text import _fixed_vocabulary

    if isinstance(vectors, np.ndarray) or not (
        hasattr(vectors, "__contains__") and hasattr(vectors, "__getitem__")
    ):
        raise TypeError(
            "embedding_matrix needs vectors as a mapping from token to vector (a dict, "
            f"or gensim's KeyedVectors), got {type(vectors).__name__}. A matrix already "
            "aligned with the token ids needs no conversion: pass it as "
            "RNNClassifier(embeddings=matrix)."
        )
    if hasattr(vocabulary, "get_params") or hasattr(vocabulary, "vocabulary_"):
        raise TypeError(
            "embedding_matrix needs the vocabulary itself (token -> id, or a list of "
            f"tokens), got the estimator {type(vocabulary).__name__}. Pass "
            "tokenizer.vocabulary_ of a fitted TextTokenizer, or the list you give to "
            "TextTokenizer(vocabulary=...)."
        )
    ids = _fixed_vocabulary(vocabulary, "embedding_matrix")
    found = {token: np.asarray(vectors[token], dtype=np.float32) for token in ids if token in vectors}
    for token, vector in found.items():
        if not np.isfinite(vector).all():
            raise ValueError(
                f"embedding_matrix got a vector with NaN or infinity for token {token!r}. "
                "Drop that token from the vectors (it then gets a drawn row) or fix "
                "its vector."
            )
    if not found:
        examples = ", ".join(repr(token) for token in list(ids)[:3])
        raise ValueError(
            f"embedding_matrix found none of the {len(ids)} vocabulary tokens (such as "
            f"{examples or 'none: the vocabulary is empty'}) among the vectors; check "
            "that both use the same case and tokenisation (TextTokenizer lowercases by "
            "default)."
        )
    dims = {v.shape for v in found.values()}
    if len(dims) != 1 or len(next(iter(dims))) != 1:
        raise ValueError(f"embedding_matrix needs 1-D vectors of one length, got shapes {sorted(dims)}.")
    dim = next(iter(dims))[0]
    known = np.stack(list(found.values()))
    if scale is None:
        scale = float(known.std()) if known.size > 1 else 1.0
    rng = check_random_state(random_state)
    matrix = rng.normal(0.0, scale, size=(max(ids.values(), default=OOV_ID) + 1, dim))
    matrix = matrix.astype(np.float32)
    matrix[PAD_ID] = 0.0
    for token, vector in found.items():
        matrix[ids[token]] = vector
    return matrix
