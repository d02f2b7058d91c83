"""skweighted against MLPClassifier at n = bench_n, with alternatives measured
for comparison: plain Keras with the options that speed up small networks
(``steps_per_execution``, ``jit_compile``) and a ``train_on_batch`` loop
without tf.data.

With its defaults (``early_stopping="auto"``), skweighted holds out a
validation fraction for early stopping on more than 10,000 examples (the full
n); ``MLPClassifier`` does not stop early by default, so ``early_stopping=
False`` is the like-for-like row. On TensorFlow both run all their epochs in
one call (the held-out loss evaluated inside it); one more row trains the
defaults through ``keras.Model.fit`` (a do-nothing Keras callback, since any
callback needs it; TensorFlow only, where the paths differ).

Whole ``fit`` (build, trace, train) after one warm-up fit of each variant in
the process; ratios are per repeat against MLPClassifier, then the median.
"""

from _common import (
    accuracy,
    fit_keras,
    fit_sklearn,
    fit_skweighted,
    log,
    make_data,
    median,
    paired_ratios,
)

SKWEIGHTED = "skweighted"
NO_HOLDOUT = "skweighted, early_stopping=False"
MODEL_FIT = "skweighted, Model.fit path (a do-nothing callback)"
REFERENCE = "sklearn MLPClassifier"


def fit_no_holdout(X, y, epochs):
    return fit_skweighted(X, y, epochs, early_stopping=False)


def fit_model_fit(X, y, epochs):
    """With a callback that does nothing: trains through Model.fit."""
    import keras

    callbacks = [keras.callbacks.Callback()]
    return fit_skweighted(X, y, epochs, callbacks=callbacks)


def variants(backend):
    """(name, fit function) pairs; jit_compile is already JAX's default, and
    the Model.fit path is JAX's only path."""
    out = [
        (SKWEIGHTED, fit_skweighted),
        (NO_HOLDOUT, fit_no_holdout),
        (MODEL_FIT, fit_model_fit),
        ("Keras model.fit", fit_keras),
        (
            "Keras model.fit + steps_per_execution=32",
            lambda X, y, e: fit_keras(X, y, e, steps_per_execution=32),
        ),
        (
            "Keras model.fit + steps_per_execution=32 + jit_compile=True",
            lambda X, y, e: fit_keras(
                X, y, e, steps_per_execution=32, jit_compile=True
            ),
        ),
        (
            "Keras train_on_batch loop (no tf.data)",
            lambda X, y, e: fit_keras(X, y, e, batch_loop=True),
        ),
        (REFERENCE, fit_sklearn),
    ]
    if backend == "jax":
        out = [v for v in out if "jit_compile" not in v[0] and v[0] != MODEL_FIT]
    return out


def run(cfg, backend="tensorflow"):
    n, k = cfg["bench_n"], cfg["bench_k"]
    X, y, Xt, yt = make_data(n, k, seed=1, n_test=20_000)
    chosen = variants(backend)
    times = {name: [] for name, _ in chosen}
    accs = {name: [] for name, _ in chosen}
    # warm-up: one fit of each, discarded (imports, first-time set-up); on all
    # of X, so that skweighted's kept compiled models and its early-stopping
    # choice are those of the timed fits
    for _, fit in chosen:
        fit(X, y, 1)
    for _ in range(cfg["repeats"]):
        for name, fit in chosen:
            seconds, model = fit(X, y, cfg["epochs"])
            times[name].append(seconds)
            accs[name].append(accuracy(model, Xt, yt))
            log(f"  levers[{backend}] {name}: {seconds:.2f}s")
    ref_acc = median(accs[REFERENCE])
    rows = [
        {
            "backend": backend,
            "variant": name,
            "fit_s": median(times[name]),
            "ratio_vs_sklearn": median(paired_ratios(times[name], times[REFERENCE])),
            "accuracy": median(accs[name]),
            "accuracy_diff_points": 100 * (median(accs[name]) - ref_acc),
        }
        for name, _ in chosen
    ]
    return {"n": n, "K": k, "epochs": cfg["epochs"], "backend": backend, "rows": rows}
