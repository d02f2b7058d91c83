"""Small data: iris (150 rows), 20 epochs, the first fit and the later ones.

A first fit in a process traces (TensorFlow) or compiles (JAX) the train
step; later fits of the same configuration show the per-fit overhead. The
alternatives measured for comparison are plain SciKeras, plain Keras
``model.fit`` and a plain Keras ``train_on_batch`` loop (no tf.data).

SciKeras is timed after the others rather than interleaved with them: in this
process a SciKeras fit made the next ``skweighted`` fit several times slower
(0.51 s against 0.07-0.09 s in one run; a plain Keras fit did not), which a
grid search of ``skweighted`` alone never sees.
"""

from _common import (
    HIDDEN,
    fit_keras,
    fit_scikeras,
    fit_sklearn,
    log,
    median,
    paired_ratios,
    timed,
)

SKWEIGHTED = "skweighted (batch 200)"
REFERENCE = "sklearn MLPClassifier"
EPOCHS = 20


def fit_skweighted_default_batch(X, y, epochs):
    """WeightedMLPClassifier with its default batch of 200 (one batch here)."""
    from skweighted import WeightedMLPClassifier

    clf = WeightedMLPClassifier(
        hidden_layer_sizes=(HIDDEN,), epochs=epochs, random_state=0
    )
    return timed(lambda: clf.fit(X, y))


def run(cfg, backend="tensorflow"):
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype("float32")
    variants = [
        (SKWEIGHTED, fit_skweighted_default_batch),
        ("SciKeras KerasClassifier", fit_scikeras),
        ("Keras model.fit", fit_keras),
        (
            "Keras train_on_batch loop",
            lambda X, y, e: fit_keras(X, y, e, batch_loop=True),
        ),
        (REFERENCE, fit_sklearn),
    ]
    first = {}
    later = {name: [] for name, _ in variants}
    alone = [v for v in variants if v[0].startswith("SciKeras")]
    for group in ([v for v in variants if v not in alone], alone):
        for name, fit in group:
            first[name], _ = fit(X, y, EPOCHS)
        for _ in range(cfg["small_repeats"]):
            for name, fit in group:
                later[name].append(fit(X, y, EPOCHS)[0])
    rows = [
        {
            "backend": backend,
            "variant": name,
            "first_fit_s": first[name],
            "later_fit_s": median(later[name]),
            "ratio_vs_sklearn": median(paired_ratios(later[name], later[REFERENCE])),
        }
        for name, _ in variants
    ]
    for r in rows:
        log(
            f"  small[{backend}] {r['variant']}: first {r['first_fit_s']:.2f}s "
            f"later {r['later_fit_s']:.2f}s"
        )
    return {"n": len(y), "epochs": EPOCHS, "backend": backend, "rows": rows}
