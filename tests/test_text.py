"""Tests for TextTokenizer."""

import copy
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from sklearn_rnn import TextTokenizer
from sklearn_rnn._validation import OOV_ID, PAD_ID

JUNK_FOOD_DOCS = [
    "the pizza pizza beer copyright",
    "the pizza burger beer copyright",
    "the the pizza beer beer copyright",
    "the burger beer beer copyright",
    "the coke burger coke copyright",
    "the coke burger burger",
]
NOTJUNK_FOOD_DOCS = [
    "the salad celeri copyright",
    "the salad salad sparkling water copyright",
    "the the celeri celeri copyright",
    "the tomato tomato salad water",
    "the tomato salad water copyright",
    "the salad water",
]
ALL_FOOD_DOCS = JUNK_FOOD_DOCS + NOTJUNK_FOOD_DOCS
LABELS = [1] * len(JUNK_FOOD_DOCS) + [0] * len(NOTJUNK_FOOD_DOCS)


def test_text_tokenizer_vocabulary_by_frequency_then_alphabetical():
    tokenizer = TextTokenizer().fit(["b a c", "c b", "d"])
    # b and c twice (tie -> alphabetical), then a and d once.
    assert tokenizer.vocabulary_ == {"b": 2, "c": 3, "a": 4, "d": 5}
    assert tokenizer.vocab_size_ == 6


def test_text_tokenizer_vocabulary_ignores_document_order():
    forward = TextTokenizer().fit(ALL_FOOD_DOCS)
    backward = TextTokenizer().fit(ALL_FOOD_DOCS[::-1])
    assert forward.vocabulary_ == backward.vocabulary_
    assert forward.vocabulary_["the"] == 2  # most frequent token
    assert min(forward.vocabulary_.values()) == 2


def test_text_tokenizer_transform_pads_and_maps_unknown_tokens():
    tokenizer = TextTokenizer().fit(["b a c", "c b", "d"])
    X = tokenizer.transform(["a zebra", "", "d d d"])
    assert X.dtype == np.int32
    assert_array = np.testing.assert_array_equal
    assert_array(X, [[4, OOV_ID, PAD_ID], [PAD_ID] * 3, [5, 5, 5]])


def test_text_tokenizer_max_len_learned_from_longest_document():
    tokenizer = TextTokenizer().fit(ALL_FOOD_DOCS)
    assert tokenizer.max_len_ == 6
    assert tokenizer.transform(ALL_FOOD_DOCS).shape == (12, 6)
    assert TextTokenizer().fit(["", "a"]).max_len_ == 1
    assert TextTokenizer(max_len=3).fit(ALL_FOOD_DOCS).max_len_ == 3


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[2, 3, 4], [6, 0, 0]]),
        ("pre", "post", [[2, 3, 4], [0, 0, 6]]),
        ("post", "pre", [[3, 4, 5], [6, 0, 0]]),
        ("pre", "pre", [[3, 4, 5], [0, 0, 6]]),
    ],
)
def test_text_tokenizer_padding_and_truncating_sides(padding, truncating, expected):
    docs = ["a b c d", "e"]
    tokenizer = TextTokenizer(max_len=3, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(tokenizer.fit_transform(docs), expected)
    np.testing.assert_array_equal(tokenizer.transform(docs), expected)


def test_text_tokenizer_max_tokens_keeps_most_frequent():
    tokenizer = TextTokenizer(max_tokens=4).fit(ALL_FOOD_DOCS)
    assert tokenizer.vocabulary_ == {"the": 2, "copyright": 3}
    assert tokenizer.vocab_size_ == 4
    assert tokenizer.transform(ALL_FOOD_DOCS).max() < 4


def test_text_tokenizer_min_frequency_counts_all_occurrences():
    tokenizer = TextTokenizer(min_frequency=2).fit(["a a b", "c c", "d"])
    # "a" appears twice in one document: term frequency, not document frequency.
    assert tokenizer.vocabulary_ == {"a": 2, "c": 3}


def test_text_tokenizer_char_analyzer():
    tokenizer = TextTokenizer(analyzer="char").fit(["Abba", "ab"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3}
    np.testing.assert_array_equal(tokenizer.transform(["bac"]), [[3, 2, 1, 0]])


def test_text_tokenizer_lowercase_false_keeps_case():
    tokenizer = TextTokenizer(lowercase=False).fit(["Cat cat"])
    assert tokenizer.vocabulary_ == {"Cat": 2, "cat": 3}


def test_text_tokenizer_token_pattern():
    tokenizer = TextTokenizer(token_pattern=r"[a-z]{2,}").fit(["a bb ccc"])
    assert tokenizer.vocabulary_ == {"bb": 2, "ccc": 3}


def test_text_tokenizer_inverse_transform_drops_padding():
    tokenizer = TextTokenizer(padding="pre").fit(ALL_FOOD_DOCS)
    X = tokenizer.transform(["the coke pizza", "", "the unknownword"])
    assert tokenizer.inverse_transform(X) == [
        ["the", "coke", "pizza"],
        [],
        ["the", "[UNK]"],
    ]


def test_text_tokenizer_inverse_transform_rejects_foreign_ids():
    tokenizer = TextTokenizer().fit(["a b"])
    msg = "received token id 4, but the vocabulary holds ids 0 to 3."
    with pytest.raises(ValueError, match=re.escape(msg)):
        tokenizer.inverse_transform([[2, 4]])
    with pytest.raises(ValueError, match=re.escape("expected integer token ids")):
        tokenizer.inverse_transform([[2.5, 0.0]])


def test_text_tokenizer_feature_names_out():
    tokenizer = TextTokenizer(max_len=3).fit(ALL_FOOD_DOCS)
    names = tokenizer.get_feature_names_out()
    assert names.tolist() == ["texttokenizer0", "texttokenizer1", "texttokenizer2"]
    assert names.dtype == object


def test_text_tokenizer_set_output_pandas():
    pd = pytest.importorskip("pandas")
    tokenizer = TextTokenizer(max_len=2).set_output(transform="pandas")
    X = tokenizer.fit_transform(pd.Series(["a b c", "b"]))
    assert list(X.columns) == ["texttokenizer0", "texttokenizer1"]


def test_text_tokenizer_does_not_modify_input():
    docs = list(ALL_FOOD_DOCS)
    tokenizer = TextTokenizer(max_len=2).fit(docs)
    tokenizer.transform(docs)
    assert docs == ALL_FOOD_DOCS


def test_text_tokenizer_accepts_generators_and_series():
    pd = pytest.importorskip("pandas")
    expected = TextTokenizer().fit_transform(ALL_FOOD_DOCS)
    from_generator = TextTokenizer().fit_transform(doc for doc in ALL_FOOD_DOCS)
    from_series = TextTokenizer().fit_transform(pd.Series(ALL_FOOD_DOCS))
    np.testing.assert_array_equal(from_generator, expected)
    np.testing.assert_array_equal(from_series, expected)


def test_text_tokenizer_fit_transform_equals_fit_then_transform():
    tokenizer = TextTokenizer(max_len=4, padding="pre", truncating="pre")
    np.testing.assert_array_equal(
        tokenizer.fit_transform(ALL_FOOD_DOCS),
        clone(tokenizer).fit(ALL_FOOD_DOCS).transform(ALL_FOOD_DOCS),
    )


@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_text_tokenizer_rejects_a_bare_string(method):
    msg = "TextTokenizer expected an iterable over raw text documents, got a single string"
    with pytest.raises(ValueError, match=re.escape(msg)):
        getattr(TextTokenizer(), method)("the pizza")
    with pytest.raises(ValueError, match=re.escape(msg)):
        TextTokenizer().fit(ALL_FOOD_DOCS).transform("the pizza")


def test_text_tokenizer_rejects_non_string_documents():
    msg = "TextTokenizer expected every document to be a str, got NoneType None at position 1."
    with pytest.raises(TypeError, match=re.escape(msg)):
        TextTokenizer().fit(["a", None])
    with pytest.raises(TypeError, match=re.escape("got int 3 at position 0")):
        TextTokenizer().fit(["a"]).transform([3])


def test_text_tokenizer_rejects_no_documents():
    msg = "TextTokenizer needs at least one document to learn a vocabulary, got an empty"
    with pytest.raises(ValueError, match=re.escape(msg)):
        TextTokenizer().fit([])
    transformed = TextTokenizer(max_len=2).fit(["a"]).transform([])
    assert transformed.shape == (0, 2)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"max_tokens": 2}, "The 'max_tokens' parameter of TextTokenizer must be"),
        ({"min_frequency": 0}, "The 'min_frequency' parameter of TextTokenizer must be"),
        ({"max_len": 0}, "The 'max_len' parameter of TextTokenizer must be"),
        ({"padding": "left"}, "The 'padding' parameter of TextTokenizer must be"),
        ({"analyzer": "char_wb"}, "The 'analyzer' parameter of TextTokenizer must be"),
    ],
)
def test_text_tokenizer_parameter_validation(params, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        TextTokenizer(**params).fit(ALL_FOOD_DOCS)


def test_text_tokenizer_not_fitted():
    with pytest.raises(NotFittedError):
        TextTokenizer().transform(ALL_FOOD_DOCS)


def test_text_tokenizer_tags():
    tags = get_tags(TextTokenizer())
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array
    assert tags.requires_fit


@pytest.mark.parametrize(
    "check",
    [
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_parameters_default_constructible,
        check_set_params,
        check_do_not_raise_errors_in_init_or_set_params,
    ],
)
def test_text_tokenizer_applicable_estimator_checks(check):
    check("TextTokenizer", TextTokenizer())


def test_text_tokenizer_pickle_round_trip():
    tokenizer = TextTokenizer(max_tokens=6, padding="pre").fit(ALL_FOOD_DOCS)
    restored = pickle.loads(pickle.dumps(tokenizer))
    assert restored.vocabulary_ == tokenizer.vocabulary_
    np.testing.assert_array_equal(
        restored.transform(ALL_FOOD_DOCS), tokenizer.transform(ALL_FOOD_DOCS)
    )


def test_text_tokenizer_clone_drops_fitted_state():
    tokenizer = TextTokenizer(max_len=3, analyzer="char").fit(ALL_FOOD_DOCS)
    cloned = clone(tokenizer)
    assert cloned.get_params() == tokenizer.get_params()
    assert not hasattr(cloned, "vocabulary_")
    deep = copy.deepcopy(tokenizer)
    assert deep.vocabulary_ == tokenizer.vocabulary_


def test_text_tokenizer_grid_search_in_pipeline():
    pipe = make_pipeline(TextTokenizer(), LogisticRegression())
    search = GridSearchCV(pipe, {"texttokenizer__max_len": [2, 4]}, cv=2)
    search.fit(ALL_FOOD_DOCS, LABELS)
    assert search.best_params_["texttokenizer__max_len"] in (2, 4)
    assert search.predict(["the pizza beer"]).shape == (1,)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.text(max_size=30), min_size=1, max_size=8),
    st.lists(st.text(max_size=30), max_size=8),
    st.sampled_from(["word", "char"]),
)
def test_text_tokenizer_any_strings_tokenize(train, test, analyzer):
    tokenizer = TextTokenizer(analyzer=analyzer)
    if not any(map(tokenizer._build_analyzer(), train)):
        with pytest.raises(ValueError, match="so the vocabulary is empty"):
            tokenizer.fit(train)  # no token at all: refused, as CountVectorizer does
        return
    tokenizer.fit(train)
    X = tokenizer.transform(test)
    assert X.shape == (len(test), tokenizer.max_len_)
    assert X.dtype == np.int32
    assert ((X >= 0) & (X < tokenizer.vocab_size_)).all()
    assert len(tokenizer.inverse_transform(X)) == len(test)
    # Training documents are never truncated with the learned max_len_.
    recovered = tokenizer.inverse_transform(tokenizer.transform(train))
    assert sum(map(len, recovered)) == (tokenizer.transform(train) != 0).sum()


def _split_on_bars(document):
    """A module-level analyzer (picklable), as a user's custom tokenizer would be."""
    return [token for token in document.split("|") if token]


def test_text_tokenizer_callable_analyzer(tmp_path):
    docs = ["北京|欢迎|你", "欢迎|Tokyo", "你|好"]
    tokenizer = TextTokenizer(analyzer=_split_on_bars)
    X = tokenizer.fit_transform(docs)
    # counts: 欢迎 2, 你 2 (ties alphabetical by code point), then the rest once
    assert tokenizer.vocabulary_ == {"你": 2, "欢迎": 3, "Tokyo": 4, "北京": 5, "好": 6}
    np.testing.assert_array_equal(X, [[5, 3, 2], [3, 4, 0], [2, 6, 0]])
    # lowercase is not applied to a callable's tokens, as in CountVectorizer
    assert "Tokyo" in tokenizer.vocabulary_
    assert tokenizer.inverse_transform(X[:1]) == [["北京", "欢迎", "你"]]
    restored = pickle.loads(pickle.dumps(tokenizer))
    np.testing.assert_array_equal(restored.transform(docs), X)
    assert clone(tokenizer).get_params()["analyzer"] is _split_on_bars
    # the safe file format names the function and loads it only when trusted
    import sklearn_rnn

    sklearn_rnn.save(tokenizer, tmp_path / "tokenizer.zip")
    name = f"{__name__}._split_on_bars"
    with pytest.raises(sklearn_rnn._persistence.UntrustedTypesError, match=re.escape(name)):
        sklearn_rnn.load(tmp_path / "tokenizer.zip")
    loaded = sklearn_rnn.load(tmp_path / "tokenizer.zip", trusted=[name])
    np.testing.assert_array_equal(loaded.transform(docs), X)


def test_fixed_vocabulary_gives_the_same_ids_in_every_fit():
    tokens = ["cat", "dog", "emu"]
    a = TextTokenizer(vocabulary=tokens).fit(["dog dog emu"])
    b = TextTokenizer(vocabulary=tokens).fit(["cat zebra", "a b c d e"])
    assert a.vocabulary_ == b.vocabulary_ == {"cat": 2, "dog": 3, "emu": 4}
    assert a.vocab_size_ == 5
    np.testing.assert_array_equal(b.transform(["emu zebra cat"]), [[4, 1, 2, 0, 0]])
    gaps = TextTokenizer(vocabulary={"cat": 7, "dog": 2}).fit(["cat"])
    assert gaps.vocab_size_ == 8
    assert gaps.inverse_transform([[7, 3, 2]]) == [["cat", "[UNK]", "dog"]]
    with pytest.raises(ValueError, match="distinct and >= 2"):
        TextTokenizer(vocabulary={"cat": 1}).fit(["cat"])
