"""Run every example in its reduced form (``SKLEARN_RNN_EXAMPLE_QUICK=1``)."""

import runpy
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))

#: Figures each example saves when SKLEARN_RNN_EXAMPLE_OUTPUT is set; the docs show them.
FIGURES = {
    "plot_gru_text_classification": {"gru_confusion_matrix.png", "learning_curve.png"},
    "plot_hyperparameter_search": set(),
    "plot_imbalanced_classes": {"imbalanced_recall.png"},
    "plot_numeric_sequences": {"numeric_sequences.png"},
    "plot_sequence_regression": {"sequence_regression.png"},
    "plot_stacked_lstm": {"stacked_lstm_learning_curve.png"},
}


def test_every_example_is_listed():
    assert {path.stem for path in EXAMPLES} == set(FIGURES)


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_in_quick_mode(path, tmp_path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv("SKLEARN_RNN_EXAMPLE_QUICK", "1")
    monkeypatch.setenv("SKLEARN_RNN_EXAMPLE_OUTPUT", str(tmp_path))
    monkeypatch.syspath_prepend(str(EXAMPLES_DIR))
    monkeypatch.chdir(tmp_path)
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")
    assert {p.name for p in tmp_path.glob("*.png")} == FIGURES[path.stem]
    assert capsys.readouterr().out.strip()


def test_examples_state_their_data_source_and_licence():
    for path in EXAMPLES:
        text = path.read_text(encoding="utf-8")
        docstring = text.split('"""')[1]
        assert "**Data**" in docstring, path.name
        assert "licence" in docstring or "CC BY" in docstring, path.name
        assert "# %%" in text, path.name


def test_demo_command_line(capsys):
    # `python -m sklearn_rnn [EPOCHS]`, the README's first command: a usage
    # message and a clear error instead of a traceback
    from sklearn_rnn.__main__ import _parse_args

    assert _parse_args([]).epochs == 15
    assert _parse_args(["3"]).epochs == 3
    with pytest.raises(SystemExit) as exit_help:
        _parse_args(["--help"])
    assert exit_help.value.code == 0
    assert "usage: python -m sklearn_rnn [-h] [epochs]" in capsys.readouterr().out
    for bad in ("abc", "0"):
        with pytest.raises(SystemExit) as exit_bad:
            _parse_args([bad])
        assert exit_bad.value.code == 2
        assert f"expected a whole number of epochs >= 1, got '{bad}'" in capsys.readouterr().err
