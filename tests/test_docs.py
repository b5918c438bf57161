"""Documentation consistency: the API page lists __all__, docstrings match signatures."""

import ast
import inspect
import re
from pathlib import Path

import pytest

import sklearn_rnn

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = sorted(name for name in sklearn_rnn.__all__ if not name.startswith("__"))
ESTIMATORS = {"RNNClassifier", "RNNRegressor", "SequencePadder", "SequenceScaler", "TextTokenizer"}
_HEADING = re.compile(r"^(\w[\w ]*)\n-+\n", re.MULTILINE)
_DEFAULT = re.compile(r"default=(.+)$")


def numpydoc_sections(doc):
    """Map each numpydoc section title ('Parameters', ...) to its body text."""
    marks = list(_HEADING.finditer(doc))
    ends = [m.start() for m in marks[1:]] + [len(doc)]
    return {m.group(1): doc[m.end() : end] for m, end in zip(marks, ends)}


def documented_parameters(doc):
    """``[(name, type_text)]`` from the Parameters section, in order."""
    body = numpydoc_sections(doc).get("Parameters", "")
    params = []
    for line in body.splitlines():
        if not line.strip() or line[0].isspace():
            continue  # blank, or a description line
        names, _, type_text = line.partition(" :")
        params += [(name.strip(), type_text.strip()) for name in names.split(",")]
    return params


def parameter_mismatches(obj, where):
    """Differences between obj's signature and its docstring's Parameters."""
    doc = inspect.getdoc(obj)
    if not doc:
        return [f"{where} has no docstring"]
    signature = inspect.signature(obj)
    expected = [
        p
        for p in signature.parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    documented = documented_parameters(doc)
    problems = []
    if [p.name for p in expected] != [name for name, _ in documented]:
        problems.append(
            f"{where}: signature parameters {[p.name for p in expected]} != "
            f"documented {[name for name, _ in documented]}"
        )
    types = dict(documented)
    for p in expected:
        match = _DEFAULT.search(types.get(p.name, ""))
        if p.default is p.empty:
            if match:
                problems.append(f"{where}: {p.name} has no default but is documented as {match.group(0)}")
            continue
        # ``y : None`` ("Ignored") documents a None default, as in scikit-learn.
        if p.name in types and not match and types[p.name] != repr(p.default):
            problems.append(f"{where}: {p.name} default={p.default!r} is not documented")
        elif match and not _same_default(match.group(1), p.default):
            problems.append(f"{where}: {p.name} documented {match.group(0)}, code has {p.default!r}")
    return problems


def _same_default(text, value):
    try:
        return ast.literal_eval(text) == value
    except (ValueError, SyntaxError):
        return text == str(value)


def _public_objects():
    for name in PUBLIC:
        obj = getattr(sklearn_rnn, name)
        yield name, obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attr}", member


def test_api_page_lists_exactly_the_public_names():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    listed = re.findall(r"^::: ([\w.]+)$", text, flags=re.MULTILINE)
    assert sorted(path.rsplit(".", 1)[1] for path in listed) == PUBLIC
    for path in listed:
        module, name = path.rsplit(".", 1)
        assert getattr(__import__(module, fromlist=[name]), name) is getattr(sklearn_rnn, name)


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_sections(name):
    obj = getattr(sklearn_rnn, name)
    sections = numpydoc_sections(inspect.getdoc(obj) or "")
    required = {"Parameters", "Examples"} | ({"Attributes"} if name in ESTIMATORS else set())
    assert required <= set(sections), f"{name} lacks {sorted(required - set(sections))}"


def test_docstring_parameters_match_signatures():
    problems = [p for where, obj in _public_objects() for p in parameter_mismatches(obj, where)]
    assert not problems, "\n".join(problems)


def test_parameter_check_catches_wrong_order_and_default():
    def f(a, b=1, *, c="x"):
        """Do f.

        Parameters
        ----------
        b : int, default=2
            B.
        a : int
            A.
        c : str, default="x"
            C.
        """

    assert parameter_mismatches(f, "f") == [
        "f: signature parameters ['a', 'b', 'c'] != documented ['b', 'a', 'c']",
        "f: b documented default=2, code has 1",
    ]


def _readme_python_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_readme_quick_start_runs():
    """The first Python snippet of the README (the one a new user copies) runs and predicts."""
    blocks = _readme_python_blocks()
    assert blocks, "README.md has no python code block"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    model = namespace["model"]
    prediction = model.predict(["loved the cast"])
    assert prediction.shape == (1,)
    assert prediction[0] in {"pos", "neg"}


def test_readme_snippets_use_public_names():
    """Every ``from sklearn_rnn import ...`` in the README names an exported object."""
    for block in _readme_python_blocks():
        for match in re.finditer(r"^from sklearn_rnn import (.+)$", block, flags=re.MULTILINE):
            for name in match.group(1).split(","):
                assert name.strip() in sklearn_rnn.__all__, name


def test_docstrings_use_cross_references_the_docs_tool_renders():
    """mkdocstrings shows Sphinx roles (":class:`X`") literally; use autorefs links."""
    for where, obj in _public_objects():
        text = inspect.getdoc(obj) or ""
        assert not re.search(r":(class|func|meth|attr|data|mod):`", text), where
