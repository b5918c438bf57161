"""
==============================================
Variable-length multivariate time series
==============================================

Numeric sequences of different lengths go through two transformers before the
network: :class:`~sklearn_rnn.SequencePadder` pads a list of
``(n_timesteps_i, n_features)`` arrays into one 3-D array, marking padded steps
with NaN, and :class:`~sklearn_rnn.SequenceScaler` standardises every feature
over the real (non-padded) steps only. The classifier masks the NaN steps, so
padding never reaches the recurrent layer.

**Data**: scikit-learn's bundled handwritten digits (``load_digits``; the UCI
"Optical Recognition of Handwritten Digits" data, CC BY 4.0, shipped with
scikit-learn, no download). Each 8x8 image is read as a sequence of its rows:
8 time steps of 8 features. To make the lengths vary, we cut 0 to 2 rows off
the bottom of every image at random.
"""

# %%
# Ragged sequences
# ----------------
import matplotlib.pyplot as plt
import numpy as np
from _example_data import save_figure, scaled
from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier, SequencePadder, SequenceScaler

digits = load_digits()
n_samples = scaled(len(digits.images), 300)
rng = np.random.RandomState(0)
lengths = rng.randint(6, 9, size=n_samples)
sequences = [image[:length] for image, length in zip(digits.images, lengths)]
y = digits.target[:n_samples]
print("sequence shapes:", sorted({s.shape for s in sequences}))

seq_train, seq_test, y_train, y_test = train_test_split(
    sequences, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Pad, scale, classify
# --------------------
clf = make_pipeline(
    SequencePadder(),
    SequenceScaler(),
    RNNClassifier(cell="lstm", units=64, epochs=scaled(30, 2), batch_size=32, random_state=0),
)
clf.fit(seq_train, y_train)
print(f"test accuracy: {accuracy_score(y_test, clf.predict(seq_test)):.3f}")

# %%
# What the network sees
# ---------------------
# Padded and scaled sequences: one row per time step, one column per feature.
# White rows are padding (all NaN) and are masked inside the network.
padded = clf[:2].transform(seq_test[:4])
fig, axes = plt.subplots(1, 4, figsize=(8, 2.6))
for ax, sequence, label in zip(axes, padded, y_test[:4]):
    ax.imshow(sequence, cmap="viridis")
    ax.set_title(f"digit {label}")
    ax.set_xlabel("feature")
axes[0].set_ylabel("time step")
fig.suptitle("Padded, scaled sequences (white = padding)")
save_figure(fig, "numeric_sequences")
plt.show()
