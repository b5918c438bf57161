"""Data and settings shared by the examples (not an example itself).

The text examples classify real English text that ships with scikit-learn:
the paragraphs of its own API documentation (the docstrings of the public
classes and functions), each labelled with the scikit-learn module it comes
from. Every installed scikit-learn has them, so the examples run offline. The
text is scikit-learn's, under the BSD-3-Clause licence; the exact paragraphs
depend on the installed scikit-learn version.

Set ``SKLEARN_RNN_EXAMPLE_QUICK=1`` to shrink data and training (used by the
tests), and ``SKLEARN_RNN_EXAMPLE_OUTPUT=<folder>`` to save each figure there
as a PNG.
"""

import importlib
import inspect
import os
import re
import warnings

import numpy as np

#: True when the examples should run in seconds (tests, CI).
QUICK = os.environ.get("SKLEARN_RNN_EXAMPLE_QUICK") == "1"


def scaled(full, quick):
    """``quick`` when running in reduced form, else ``full``."""
    return quick if QUICK else full


def _paragraphs(doc):
    """Prose paragraphs of a docstring: no headings, doctests or tiny lines."""
    for paragraph in re.split(r"\n\s*\n", doc):
        if ">>>" in paragraph or "---" in paragraph or len(paragraph.split()) < 8:
            continue
        yield " ".join(paragraph.split())


def load_sklearn_docstrings(
    modules=("cluster", "linear_model", "metrics", "preprocessing"), n_samples=None
):
    """Paragraphs of scikit-learn's API docstrings, labelled by module.

    Parameters
    ----------
    modules : tuple of str
        Sub-packages of ``sklearn`` to read; each one is a class.
    n_samples : int, default=None
        Keep a random subset (seed 0) of this many paragraphs; None keeps all.

    Returns
    -------
    texts : list of str
        One paragraph of documentation each.
    labels : ndarray of str
        The module each paragraph comes from.
    """
    texts, labels = [], []
    for module_name in modules:
        module = importlib.import_module(f"sklearn.{module_name}")
        for name in sorted(getattr(module, "__all__", [])):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    obj = getattr(module, name)
                except ImportError:  # experimental names need an opt-in import
                    continue
            for paragraph in _paragraphs(inspect.getdoc(obj) or ""):
                texts.append(paragraph)
                labels.append(module_name)
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    if n_samples is not None:
        keep = np.random.RandomState(0).permutation(len(texts))[:n_samples]
        texts, labels = texts[keep], labels[keep]
    return texts.tolist(), labels


def save_figure(fig, name):
    """Save ``fig`` as ``<SKLEARN_RNN_EXAMPLE_OUTPUT>/<name>.png`` when asked to."""
    folder = os.environ.get("SKLEARN_RNN_EXAMPLE_OUTPUT")
    if folder:
        os.makedirs(folder, exist_ok=True)
        fig.savefig(os.path.join(folder, f"{name}.png"), dpi=80, bbox_inches="tight")
