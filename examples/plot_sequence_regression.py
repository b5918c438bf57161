"""
==============================================
Sequence regression: forecasting sunspots
==============================================

:class:`~sklearn_rnn.RNNRegressor` is the regression sibling of
``RNNClassifier``, as ``MLPRegressor`` is ``MLPClassifier``'s. Here it reads the
last 20 years of yearly sunspot activity and predicts the next year's. Targets
are standardised inside the estimator and predictions come back in the units
of ``y``; ``score`` is R². Two scikit-learn baselines on the same windows are
measured in the same run: "next year = this year" and ``Ridge`` regression.

**Data**: the yearly sunspot numbers 1700-2008 that ship inside the
``statsmodels`` wheel (``statsmodels.datasets.sunspots``; from NOAA's National
Geophysical Data Center; a US-government work in the public domain, so no
licence restricts it; no download). The split is by time:
the model is fitted on the years up to about 1947 and tested on the later ones.
"""

# %%
# Windows over one series
# -----------------------
import matplotlib.pyplot as plt
import numpy as np
from _example_data import save_figure, scaled
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from statsmodels.datasets import sunspots

from sklearn_rnn import RNNRegressor, SequenceScaler

series = sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(dtype=float)
window = 20
X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)  # (n, 20): 2-D, univariate
y = series[window:]
years = sunspots.load_pandas().data["YEAR"].to_numpy()[window:]
split = int(0.8 * len(X))
X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]
print(f"{len(X_train)} training windows, {len(X_test)} test windows of {window} years")

# %%
# An RNN regressor and two baselines
# ----------------------------------
rnn = make_pipeline(
    SequenceScaler(),
    RNNRegressor(units=32, epochs=scaled(150, 3), batch_size=16, learning_rate=3e-3,
                 dropout=0.0, random_state=0),
)  # fmt: skip
rnn.fit(X_train, y_train)
ridge = make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X_train, y_train)
scores = {
    "RNNRegressor (GRU 32)": rnn.score(X_test, y_test),
    "Ridge on the window": ridge.score(X_test, y_test),
    "next year = this year": r2_score(y_test, X_test[:, -1]),
}
for name, score in scores.items():
    print(f"test R2 {name:<24} {score:.3f}")

# %%
# Forecasts on the test years
# ---------------------------
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(years[split:], y_test, color="black", label="observed")
ax.plot(years[split:], rnn.predict(X_test), label="RNNRegressor")
ax.plot(years[split:], ridge.predict(X_test), linestyle="--", label="Ridge")
ax.set_xlabel("year")
ax.set_ylabel("sunspot activity")
ax.legend()
ax.set_title("One-year-ahead forecasts on held-out years")
save_figure(fig, "sequence_regression")
plt.show()
