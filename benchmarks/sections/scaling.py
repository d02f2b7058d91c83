"""Fit time against the number of examples n and the number of classes K.

One whole fit (build, trace, train) per method and size, for skweighted,
plain SciKeras, plain Keras ``model.fit`` and scikit-learn's MLPClassifier.
"""

from _common import (
    accuracy,
    fit_keras,
    fit_scikeras,
    fit_sklearn,
    fit_skweighted,
    log,
    make_data,
    median,
    paired_ratios,
)

REFERENCE = "sklearn MLPClassifier"
METHODS = {
    "skweighted": fit_skweighted,
    "SciKeras KerasClassifier": fit_scikeras,
    "Keras model.fit": fit_keras,
    REFERENCE: fit_sklearn,
}


def _scaling(points, cfg, label):
    out = []
    for n, k in points:
        X, y, Xt, yt = make_data(n, k, seed=n + k, n_test=min(20_000, n // 4 + 1))
        times = {m: [] for m in METHODS}
        accs = {m: [] for m in METHODS}
        for _ in range(cfg["repeats"]):
            for name, fit in METHODS.items():
                seconds, model = fit(X, y, cfg["epochs"])
                times[name].append(seconds)
                accs[name].append(accuracy(model, Xt, yt))
        for name in METHODS:
            out.append(
                {
                    "n": n,
                    "K": k,
                    "method": name,
                    "fit_s": median(times[name]),
                    "ratio_vs_sklearn": median(
                        paired_ratios(times[name], times[REFERENCE])
                    ),
                    "accuracy": median(accs[name]),
                }
            )
        log(
            f"  {label} n={n} K={k}: "
            + ", ".join(f"{m} {median(t):.2f}s" for m, t in times.items())
        )
    return out


def run(cfg):
    k = cfg["bench_k"]
    by_n = _scaling([(n, k) for n in cfg["scaling_ns"]], cfg, "time vs n")
    by_k = _scaling(
        [(cfg["scaling_k_n"], kk) for kk in cfg["scaling_ks"]], cfg, "time vs K"
    )
    return {"epochs": cfg["epochs"], "by_n": by_n, "by_k": by_k}
