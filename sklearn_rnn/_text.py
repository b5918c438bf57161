"""Turn raw text documents into padded sequences of token ids."""

import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import repeat
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer

from sklearn_rnn._validation import (
    OOV_ID,
    PAD_ID,
    Interval,
    StrOptions,
    _fit_context,
    check_array,
    check_is_fitted,
    check_raw_documents,
    filled_steps,
)

#: Token returned by ``inverse_transform`` for the out-of-vocabulary id.
OOV_TOKEN = "[UNK]"


class TextTokenizer(TransformerMixin, BaseEstimator):
    """Turn raw text documents into padded sequences of token ids.

    The tokenizer learns a vocabulary from the training documents and maps each
    document to a fixed-length row of integer ids, ready for a Keras
    ``Embedding`` layer. Id ``0`` is padding and id ``1`` stands for every
    token outside the vocabulary; real tokens get ids from ``2``, the most
    frequent token first.

    Parameters
    ----------
    analyzer : {"word", "char"} or callable, default="word"
        Split documents into words (with ``token_pattern``) or into single
        characters. Tokenisation is scikit-learn's, from
        ``CountVectorizer.build_analyzer``;
        the ``"char"`` analyzer collapses runs of white space into one space.
        A callable takes one document and returns its list of str tokens
        (for example a tokenizer for a language written without spaces);
        ``lowercase`` and ``token_pattern`` are then not used, as in
        ``CountVectorizer``. A pickled or saved tokenizer needs the callable
        to be importable (a module-level function, not a lambda).

    lowercase : bool, default=True
        Convert all characters to lowercase before tokenising.

    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression denoting what constitutes a token, used only when
        ``analyzer="word"``. Unlike ``CountVectorizer``'s default, one-letter
        words are tokens too. If it has a capturing group, the group content
        is the token.

    max_tokens : int, default=None
        Upper bound on the number of ids, padding and out-of-vocabulary ids
        included: at most ``max_tokens - 2`` real tokens are kept, the most
        frequent ones. Must be at least 3. ``None`` keeps every token.

    min_frequency : int, default=1
        Drop tokens seen fewer than ``min_frequency`` times in all training
        documents together (term frequency, not document frequency).

    max_len : int, default=None
        Number of token ids per document. ``None`` learns it in ``fit`` as the
        number of tokens of the longest training document (at least 1), so no
        training document is truncated; set an int to bound memory when a few
        training documents are very long.

    padding : {"post", "pre"}, default="post"
        Add padding after (``"post"``) or before (``"pre"``) the tokens of
        documents shorter than ``max_len_``.

    truncating : {"post", "pre"}, default="post"
        Drop tokens at the end (``"post"``) or at the start (``"pre"``) of
        documents longer than ``max_len_``.

    vocabulary : mapping of str to int or iterable of str, default=None
        A fixed vocabulary, as in ``CountVectorizer``: a mapping of tokens to
        distinct integer ids from 2, or distinct tokens that get ids 2, 3,
        ... in order. ``fit`` then learns only ``max_len_`` (``max_tokens``
        and ``min_frequency`` are not used), so token ids are the same in
        every fit, for example in every fold of a grid search: what an
        embedding matrix built with
        [`embedding_matrix`][sklearn_rnn.embedding_matrix] needs. ``None``
        learns the vocabulary from the training documents.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Mapping from each kept token to its id (from 2). Ids are assigned by
        decreasing frequency; ties are broken alphabetically, so the mapping
        does not depend on the order of the documents. With ``vocabulary``,
        a copy of it as a dict.

    vocab_size_ : int
        Number of distinct ids, padding and out-of-vocabulary included:
        ``len(vocabulary_) + 2`` (the largest id + 1 for a ``vocabulary``
        mapping with gaps). Use it as ``input_dim`` of an ``Embedding``.

    max_len_ : int
        Number of token ids per transformed document.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts of
        the same tokens.
    SequencePadder : Pad ragged numeric sequences to one length.

    Notes
    -----
    ``transform`` does one dictionary look-up per token and fills the output
    with a single vectorised assignment, so it runs at least as fast as
    ``CountVectorizer.transform`` on the same documents (see
    ``benchmarks/bench_tokenizer.py``).

    Examples
    --------
    >>> from sklearn_rnn import TextTokenizer
    >>> docs = ["the cat sat", "the dog sat down", "a cat"]
    >>> tokenizer = TextTokenizer().fit(docs)
    >>> tokenizer.vocabulary_
    {'cat': 2, 'sat': 3, 'the': 4, 'a': 5, 'dog': 6, 'down': 7}
    >>> tokenizer.max_len_
    4
    >>> tokenizer.transform(["the cat sat on the mat"])
    array([[4, 2, 3, 1]], dtype=int32)
    >>> tokenizer.inverse_transform([[4, 2, 3, 1], [5, 0, 0, 0]])
    [['the', 'cat', 'sat', '[UNK]'], ['a']]
    """

    _parameter_constraints: dict = {
        "analyzer": [StrOptions({"word", "char"}), callable],
        "lowercase": ["boolean"],
        "token_pattern": [str],
        "max_tokens": [Interval(Integral, 3, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "padding": [StrOptions({"post", "pre"})],
        "truncating": [StrOptions({"post", "pre"})],
        "vocabulary": [Mapping, Iterable, None],
    }

    def __init__(
        self,
        *,
        analyzer="word",
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",
        max_tokens=None,
        min_frequency=1,
        max_len=None,
        padding="post",
        truncating="post",
        vocabulary=None,
    ):
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.max_len = max_len
        self.padding = padding
        self.truncating = truncating
        self.vocabulary = vocabulary

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the vocabulary and the sequence length from documents.

        Parameters
        ----------
        raw_documents : iterable of str
            Training documents, e.g. a list of str or a pandas Series of text.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        self : object
            Fitted tokenizer.
        """
        self._fit(raw_documents, keep_tokens=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the padded token ids.

        Equivalent to ``fit(raw_documents).transform(raw_documents)``, but
        tokenises the documents only once.

        Parameters
        ----------
        raw_documents : iterable of str
            Training documents.

        y : None
            Ignored. Present for API consistency.

        Returns
        -------
        X : ndarray of shape (n_samples, max_len_), dtype=int32
            Token ids, padded with 0.
        """
        return self._encode(self._fit(raw_documents, keep_tokens=True))

    def transform(self, raw_documents):
        """Map documents to padded rows of token ids.

        Parameters
        ----------
        raw_documents : iterable of str
            Documents to encode. Tokens outside ``vocabulary_`` become 1; an
            empty document becomes a row of padding.

        Returns
        -------
        X : ndarray of shape (n_samples, max_len_), dtype=int32
            Token ids, padded with 0 and truncated to ``max_len_``.
        """
        check_is_fitted(self)
        documents = check_raw_documents(raw_documents, estimator_name=type(self).__name__)
        return self._encode(map(self._build_analyzer(), documents))

    def inverse_transform(self, X):
        """Map token ids back to lists of tokens.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Token ids, as returned by ``transform``.

        Returns
        -------
        tokens : list of list of str
            The tokens of each row, padding dropped. The out-of-vocabulary
            id becomes ``"[UNK]"``. Case and punctuation removed by the
            analyzer are not restored.
        """
        check_is_fitted(self)
        name = f"{type(self).__name__}.inverse_transform"
        raw = X
        X = check_array(
            X, dtype=None, ensure_2d=False, allow_nd=True, ensure_all_finite=False,
            ensure_min_samples=0, ensure_min_features=0, input_name="X",
        )  # fmt: skip
        if X.ndim != 2:
            raise ValueError(
                f"{name} expected a 2-D array of token ids (n_samples, n_timesteps), got "
                f"a {X.ndim}-D array of shape {X.shape}. Pass the output of transform "
                "(the ids of a single document are ids.reshape(1, -1))."
            )
        original = X
        # NumPy reads True as 1 and False as 0, in a list before check_array too
        given = X if hasattr(raw, "dtype") else np.asarray(raw, dtype=object)
        flags = given.dtype.kind == "b" or given.dtype.kind == "O" and (
            np.frompyfunc(_is_bool, 1, 1)(given).astype(bool)
        )
        flags = np.broadcast_to(flags, given.shape)
        if flags.any():
            where = tuple(np.argwhere(flags)[0].tolist())
            raise ValueError(
                f"{name} expected integer token ids, got {bool(given[where])!r} at index "
                f"{where}, a boolean: True would read as id 1 (out-of-vocabulary) and "
                "False as 0 (padding). Pass the output of transform."
            )
        if X.dtype.kind == "O":
            try:
                X = X.astype(np.float64)
            except (TypeError, ValueError):
                pass
        if X.dtype.kind not in "biuf":
            raise ValueError(
                f"{name} expected integer token ids, got an array of dtype {X.dtype}. "
                "Pass the output of transform."
            )
        if X.dtype.kind == "f" and not np.isfinite(X).all():
            where = tuple(np.argwhere(~np.isfinite(X))[0].tolist())
            value = original[where]
            value = value.item() if isinstance(value, np.generic) else value
            raise ValueError(
                f"{name} expected integer token ids, got {value!r} at index {where}. "
                "Pass the output of transform."
            )
        if X.dtype.kind not in "biu" and not np.array_equal(X, np.round(X)):
            raise ValueError(
                f"{name} expected integer token "
                f"ids, got an array of dtype {X.dtype} with fractional values. "
                "Pass the output of transform."
            )
        unknown = (X < 0) | (X >= self.vocab_size_)  # before the cast: 1e20 is no id
        if unknown.any():
            raise ValueError(
                f"{type(self).__name__}.inverse_transform received token id "
                f"{X[unknown][0].item()}, but the vocabulary holds ids 0 to "
                f"{self.vocab_size_ - 1}. Pass ids produced by this "
                "tokenizer's transform."
            )
        X = X.astype(np.int64, copy=False)
        id_to_token = np.full(self.vocab_size_, OOV_TOKEN, dtype=object)
        for token, idx in self.vocabulary_.items():
            id_to_token[idx] = token
        return [id_to_token[row[row != PAD_ID]].tolist() for row in X]

    def get_feature_names_out(self, input_features=None):
        """Get output feature names: one per token position.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Not used, present here for API consistency by convention.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``["texttokenizer0", ..., f"texttokenizer{max_len_ - 1}"]``.
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.max_len_)], dtype=object)

    def _fit(self, raw_documents, *, keep_tokens):
        """Validate, tokenise and learn the fitted attributes.

        Returns the token lists when ``keep_tokens`` (for ``fit_transform``);
        otherwise streams over the documents without storing their tokens.
        """
        documents = check_raw_documents(raw_documents, estimator_name=type(self).__name__)
        if not documents:
            raise ValueError(
                f"{type(self).__name__} needs at least one document to learn a "
                "vocabulary, got an empty iterable. Pass a list of str."
            )
        tokens = map(self._build_analyzer(), documents)
        if keep_tokens:
            tokens = list(tokens)
        counts = Counter()
        longest = 0
        for doc_tokens in tokens:
            counts.update(doc_tokens)
            longest = max(longest, len(doc_tokens))
        if self.vocabulary is not None:
            fixed = _fixed_vocabulary(self.vocabulary, type(self).__name__)
            if not fixed:
                raise ValueError(
                    f"{type(self).__name__} got an empty vocabulary "
                    f"({type(self.vocabulary).__name__} of no token), so every token would "
                    "be out-of-vocabulary. Pass the tokens to keep, or vocabulary=None to "
                    "learn them from the documents."
                )
            self.vocabulary_ = fixed
        else:
            kept = [item for item in counts.items() if item[1] >= self.min_frequency]
            kept.sort(key=lambda item: (-item[1], item[0]))
            if self.max_tokens is not None:
                kept = kept[: self.max_tokens - 2]
            if not kept:
                raise ValueError(self._empty_vocabulary_message(counts, len(documents)))
            self.vocabulary_ = {token: idx for idx, (token, _) in enumerate(kept, start=2)}
        self.vocab_size_ = max(self.vocabulary_.values(), default=1) + 1
        self.max_len_ = max(1, longest) if self.max_len is None else self.max_len
        return tokens if keep_tokens else None

    def _empty_vocabulary_message(self, counts, n_documents):
        """Why fitting learned no token, and what to change (as CountVectorizer refuses)."""
        name = type(self).__name__
        if not counts and callable(self.analyzer):
            found = f"got no token from the analyzer for any of the {n_documents} document(s)"
            fix = "Check that the analyzer returns the tokens of a document."
        elif not counts:
            found = (
                f"found no token in {n_documents} document(s): each is empty"
                + (
                    f" or has no match for token_pattern={self.token_pattern!r}"
                    if self.analyzer == "word"
                    else ""
                )
            )
            fix = "Pass documents with text" + (
                " or a token_pattern that matches them." if self.analyzer == "word" else "."
            )
        else:
            found = (
                f"kept no token: min_frequency={self.min_frequency} but the most frequent "
                f"of the {len(counts)} distinct tokens occurs {max(counts.values())} time(s)"
            )
            fix = "Lower min_frequency."
        return (
            f"{name} {found}, so the vocabulary is empty and every sequence would be "
            f"padding only. {fix}"
        )

    def _build_analyzer(self):
        name = type(self).__name__
        if callable(self.analyzer):
            return functools.partial(_checked_tokens, analyzer=self.analyzer, name=name)
        if self.analyzer == "word":
            try:
                re.compile(self.token_pattern)
            except re.error as exc:
                raise ValueError(
                    f"{name} got token_pattern={self.token_pattern!r}, which is not a "
                    f"regular expression: {exc}. Escape special characters with re.escape, "
                    "or keep the default."
                ) from None
        return CountVectorizer(
            analyzer=self.analyzer,
            lowercase=self.lowercase,
            token_pattern=self.token_pattern,
        ).build_analyzer()

    def _encode(self, token_lists):
        """Look up, cut and pad an iterable of token lists (consumed once)."""
        max_len = self.max_len_
        cut = slice(None, max_len) if self.truncating == "post" else slice(-max_len, None)
        lookup = self.vocabulary_.get
        ids, lengths = [], []
        for tokens in token_lists:
            tokens = tokens[cut]
            lengths.append(len(tokens))
            ids.extend(map(lookup, tokens, repeat(OOV_ID)))
        lengths = np.asarray(lengths, dtype=np.intp)
        out = np.full((len(lengths), max_len), PAD_ID, dtype=np.int32)
        out[filled_steps(lengths, max_len, self.padding)] = np.asarray(ids, dtype=np.int32)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _checked_tokens(document, *, analyzer, name):
    """Tokens of ``document`` from a user's analyzer, checked to be a list of str."""
    tokens = analyzer(document)
    if isinstance(tokens, str) or not isinstance(tokens, Iterable):
        raise TypeError(
            f"{name}'s analyzer must return a list of str tokens for each document, got "
            f"{type(tokens).__name__} {tokens!r:.60} for the document {document!r:.60}. "
            "Return a list, e.g. document.split() rather than one string."
        )
    tokens = list(tokens)
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(
                f"{name}'s analyzer must return str tokens, got {type(token).__name__} "
                f"{token!r:.60} for the document {document!r:.60}. Convert each token "
                "with str()."
            )
    return tokens


def _fixed_vocabulary(vocabulary, name):
    """A user's vocabulary as a dict of token -> id, ids distinct and >= 2."""
    if isinstance(vocabulary, str):
        raise ValueError(f"{name} vocabulary must be a mapping or a list of tokens, got a str.")
    fixed = {}
    if isinstance(vocabulary, Mapping):
        for token, idx in vocabulary.items():
            whole = isinstance(idx, Real) and np.isfinite(idx) and idx == int(idx)
            if isinstance(idx, bool) or not (isinstance(idx, Integral) or whole):
                raise ValueError(
                    f"{name} vocabulary must map each token to an integer id, got "
                    f"{type(idx).__name__} {idx!r} for the token {token!r}. Map tokens to "
                    "whole-number ids from 2, or pass a list of tokens to number them "
                    "from 2."
                )
            _add_token(fixed, token, int(idx), name)
    else:
        for token in vocabulary:
            _add_token(fixed, token, len(fixed) + 2, name)
    ids = list(fixed.values())
    if ids and (min(ids) < 2 or len(set(ids)) != len(ids)):
        raise ValueError(
            f"{name} vocabulary ids must be distinct and >= 2 (0 is padding and 1 the "
            f"out-of-vocabulary id), got ids from {min(ids)} to {max(ids)} with "
            f"{len(ids) - len(set(ids))} repeated. Pass a list of tokens to number them "
            "from 2."
        )
    if ids and max(ids) > np.iinfo(np.int32).max:
        raise ValueError(
            f"{name} vocabulary ids must fit in int32 (at most 2**31 - 1), got id "
            f"{max(ids)}: token ids are int32 and index the rows of an embedding. Pass "
            "a list of tokens to number them from 2."
        )
    return fixed


def _add_token(fixed, token, idx, name):
    """Add ``str(token)`` to ``fixed``; a token given twice is an error, as in
    ``CountVectorizer``."""
    key = str(token)
    if key in fixed:
        raise ValueError(
            f"{name} vocabulary holds the token {key!r} twice (ids {fixed[key]} and {idx}), "
            "so it would stand for two ids. Pass each token once, e.g. "
            "list(dict.fromkeys(tokens)) keeps the first of each."
        )
    fixed[key] = idx


def _is_bool(value) -> bool:
    """True for a Python or NumPy boolean, which NumPy would read as 0 or 1."""
    return isinstance(value, (bool, np.bool_))
