"""Quick demo: ``python -m sklearn_rnn``.

Classifies handwritten digits read as sequences: each 8x8 image from
scikit-learn's bundled ``load_digits`` data (no download) becomes 8 time steps
of 8 pixel values, scanned top to bottom by a GRU. Prints a classification
report for a held-out quarter of the data.
"""

import argparse
import time


def main(epochs=15):
    """Train ``SequenceScaler -> RNNClassifier`` on digits and print a report."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import classification_report
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from sklearn_rnn import RNNClassifier, SequenceScaler

    digits = load_digits()
    X = digits.images  # (n_samples, 8 time steps, 8 features)
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    model = make_pipeline(
        SequenceScaler(),
        RNNClassifier(units=64, epochs=epochs, learning_rate=3e-3, random_state=0),
    )
    print(
        f"sklearn_rnn demo: GRU on {len(X_train)} digit images read as sequences of "
        f"{X.shape[1]} rows x {X.shape[2]} pixels ({epochs} epochs)..."
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(f"trained in {seconds:.1f} s; held-out accuracy {model.score(X_test, y_test):.3f}\n")
    print(classification_report(y_test, model.predict(X_test), digits=3))


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of epochs >= 1, got {text!r}")
    return value


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_rnn",
        description="Train a GRU on scikit-learn's bundled digits, read as sequences of "
        "8 rows of 8 pixels, and print a classification report (no download).",
    )
    parser.add_argument(
        "epochs", nargs="?", type=_positive_int, default=15,
        help="training epochs (default: 15)",
    )  # fmt: skip
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(epochs=_parse_args().epochs)
