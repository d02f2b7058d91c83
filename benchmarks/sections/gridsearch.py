"""A grid search of small fits, as users run it.

``GridSearchCV`` over four values of the L2 penalty ``alpha`` x 5 stratified
folds (20 fits, ``refit=False``) on breast cancer (569 x 30):
``StandardScaler`` then one hidden layer of 32, batch 32, Adam with learning
rate 1e-3, a fixed number of epochs (no early stop, so every estimator does
the same 450 optimizer steps a fit at 30 epochs). Estimators:
scikit-learn's MLPClassifier (the reference), WeightedMLPClassifier without a
table, and, on TensorFlow, the same WeightedMLPClassifier search with a
do-nothing Keras callback passed as a fit parameter (any callback makes its
fits go through ``keras.Model.fit`` instead of training in one call: the
gain of the one-call training, side by side) and SciKeras' KerasClassifier
with an equivalent model (the same network and penalty). Each is timed in
this process after one warm-up search of its own; the reference and
skweighted are interleaved for ``gridsearch_repeats`` repeats, SciKeras
(minutes a search) runs once. Wall time and process CPU time (less disturbed
by other jobs) are both recorded.

The time of WeightedMLPClassifier's (default) search is split through public
means only:

- fit and predict: GridSearchCV's own ``cv_results_`` (``mean_fit_time``,
  ``mean_score_time``: scoring a held-out fold is one ``predict``);
- training: in each repeat the same search runs again at 1 epoch; the fit
  time that grows with the epochs is training, the rest (build, set-up,
  anything else done once per fit) is fixed;
- the search's own work (cloning, splitting) is the wall time minus fit and
  predict.

Building the network and the rest of the set-up are one figure: telling them
apart needs the estimator's internals. For scale, the time to build the same
network alone with ``skweighted.keras.build_mlp`` is reported.
"""

from _common import (
    log,
    median,
    paired_ratios,
    scikeras_classifier,
    sklearn_mlp,
    timed,
    timed_cpu,
)

ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1)
HIDDEN = 32
BATCH = 32
REFERENCE = "sklearn MLPClassifier"
SKWEIGHTED = "skweighted WeightedMLPClassifier"
MODEL_FIT = "skweighted WeightedMLPClassifier, Model.fit path"
SCIKERAS = "SciKeras KerasClassifier"


def _skweighted(epochs):
    from skweighted import WeightedMLPClassifier

    return WeightedMLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        batch_size=BATCH,
        epochs=epochs,
        n_iter_no_change=10**6,
        random_state=0,
    )


def estimators(backend):
    """(name, factory of epochs, grid parameter, repeats, fit params) each."""
    out = [
        (REFERENCE, lambda e: sklearn_mlp(HIDDEN, BATCH, e), "alpha", None, {}),
        (SKWEIGHTED, _skweighted, "alpha", None, {}),
    ]
    if backend == "tensorflow":
        import keras

        # a callback that does nothing; any callback needs keras.Model.fit
        callbacks = {"clf__callbacks": [keras.callbacks.Callback()]}
        out += [
            (MODEL_FIT, _skweighted, "alpha", None, callbacks),
            (
                SCIKERAS,
                lambda e: scikeras_classifier(2, HIDDEN, BATCH, e, alpha=ALPHAS[0]),
                "model__alpha",
                1,
                {},
            ),
        ]
    return out


def search(estimator, param, data, folds, fit_params=None):
    """Run one grid search; return its wall time and what cv_results_ says."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = data
    fit_params = fit_params or {}
    grid = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("clf", estimator)]),
        {f"clf__{param}": list(ALPHAS)},
        # explicit folds: SciKeras 0.13 is not tagged a classifier, and an
        # integer cv would give it plain KFold instead of StratifiedKFold
        cv=StratifiedKFold(folds),
        scoring="accuracy",
        refit=False,
    )
    wall, cpu = timed_cpu(lambda: grid.fit(X, y, **fit_params))
    res = grid.cv_results_
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "fit_s": float(res["mean_fit_time"].sum() * folds),
        "predict_s": float(res["mean_score_time"].sum() * folds),
        "best_cv_accuracy": float(grid.best_score_),
        "best_alpha": grid.best_params_[f"clf__{param}"],
    }


def build_alone_s(repeats=20):
    """Median time to build the network alone (input 30, 2 classes)."""
    from skweighted.keras import build_mlp

    build_mlp(30, 2, hidden_layer_sizes=(HIDDEN,))
    return median(
        [
            timed(lambda: build_mlp(30, 2, hidden_layer_sizes=(HIDDEN,)))[0]
            for _ in range(repeats)
        ]
    )


def split(plain, one_epoch, epochs, fits, build_alone):
    """WeightedMLPClassifier's search time by part (see the module docstring).

    ``plain`` and ``one_epoch`` are searches at ``epochs`` and at 1 epoch,
    run one after the other in each repeat; each pair gives one split, under
    the same load, and each part is the median over the repeats.
    """
    per_repeat = []
    for full, one in zip(plain, one_epoch, strict=True):
        training = epochs * (full["fit_s"] - one["fit_s"]) / (epochs - 1)
        per_repeat.append(
            {
                "wall_s": full["wall_s"],
                "fit_s": full["fit_s"],
                "predict_s": full["predict_s"],
                "one_epoch_fit_s": one["fit_s"],
                "training_s": training,
                "build_setup_s": full["fit_s"] - training,
                "search_other_s": full["wall_s"] - full["fit_s"] - full["predict_s"],
            }
        )
    out = {key: median([r[key] for r in per_repeat]) for key in per_repeat[0]}
    out.update(
        fits=fits,
        epochs=epochs,
        repeats=len(per_repeat),
        build_alone_s=build_alone,
    )
    return out


def run(cfg, backend="tensorflow"):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    data = (X.astype("float32"), y)
    epochs, folds = cfg["gridsearch_epochs"], cfg["gridsearch_folds"]
    if epochs < 2:
        raise ValueError("gridsearch_epochs must be at least 2 to split the time.")
    chosen = estimators(backend)
    results = {name: [] for name, *_ in chosen}
    one_epoch = []  # WeightedMLPClassifier's search at 1 epoch, for the split
    for name, factory, param, _, fit_params in chosen:  # warm-up search of each
        seconds = search(factory(epochs), param, data, folds, fit_params)["wall_s"]
        log(f"  gridsearch[{backend}] warm-up {name}: {seconds:.1f}s")
    search(_skweighted(1), "alpha", data, folds)
    for rep in range(cfg["gridsearch_repeats"]):
        for name, factory, param, repeats, fit_params in chosen:
            if repeats is not None and rep >= repeats:
                continue
            results[name].append(
                search(factory(epochs), param, data, folds, fit_params)
            )
            log(f"  gridsearch[{backend}] {name}: {results[name][-1]['wall_s']:.1f}s")
            if name == SKWEIGHTED:
                one_epoch.append(search(factory(1), param, data, folds))
    ref = results[REFERENCE]
    ref_acc = median([r["best_cv_accuracy"] for r in ref])
    rows = []
    for name, *_ in chosen:
        runs = results[name]
        acc = median([r["best_cv_accuracy"] for r in runs])

        def ratio(key, runs=runs, ref=ref):
            return median(paired_ratios([r[key] for r in runs], [r[key] for r in ref]))

        vs_default = {}
        if name == MODEL_FIT:  # against the default search of the same repeats
            vs_default = {
                "ratio_vs_default": ratio("wall_s", ref=results[SKWEIGHTED]),
                "cpu_ratio_vs_default": ratio("cpu_s", ref=results[SKWEIGHTED]),
            }

        rows.append(
            {
                "backend": backend,
                "estimator": name,
                "wall_s": median([r["wall_s"] for r in runs]),
                "ratio_vs_sklearn": ratio("wall_s"),
                "cpu_s": median([r["cpu_s"] for r in runs]),
                "cpu_ratio_vs_sklearn": ratio("cpu_s"),
                "fit_s": median([r["fit_s"] for r in runs]),
                "predict_s": median([r["predict_s"] for r in runs]),
                "best_cv_accuracy": acc,
                "accuracy_diff_points": 100 * (acc - ref_acc),
                "best_alpha": f"{runs[-1]['best_alpha']:g}",
                "repeats": len(runs),
                **vs_default,
            }
        )
    fits = folds * len(ALPHAS)
    parts = split(results[SKWEIGHTED], one_epoch, epochs, fits, build_alone_s())
    log(
        f"  gridsearch[{backend}] split: fit {parts['fit_s']:.1f}s "
        f"(training {parts['training_s']:.1f}s), "
        f"predict {parts['predict_s']:.1f}s"
    )
    n, d = X.shape
    return {
        "backend": backend,
        "dataset": f"breast cancer ({n} x {d})",
        "grid": {"alpha": list(ALPHAS)},
        "folds": folds,
        "fits": fits,
        "hidden": HIDDEN,
        "batch_size": BATCH,
        "epochs": epochs,
        "rows": rows,
        "split": parts,
    }
