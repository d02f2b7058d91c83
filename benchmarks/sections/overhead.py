"""What the weighting costs: weighted vs unweighted training.

Two paths, at several K, both weightings, global and per-example tables:

- the default path, what users get: whole ``WeightedMLPClassifier`` fits
  with no callbacks (on TensorFlow all epochs then run in one traced call),
  timed as wall and process CPU time after one warm-up fit of each variant
  (the compiled models are kept between fits, so tracing is excluded);
- the ``Model.fit`` path: ``WeightedKerasClassifier`` with the MLP and a
  Keras callback timing each epoch (any callback makes the fit go through
  ``keras.Model.fit``); per-epoch times skip the first (tracing) epoch. The
  global table inside the loss is measured here as an alternative.

The order of the variants rotates between repeats, so that no variant always
runs first or last; ratios are per repeat against the unweighted fit of the
same repeat, then the median.
"""

from _common import (
    BATCH,
    HIDDEN,
    epoch_timer,
    log,
    make_data,
    median,
    paired_ratios,
    quartiles,
    random_table,
    timed,
    timed_cpu,
)


def _tables_form(name, full):
    if name.startswith("per-example"):
        return "(n, K, K)" if full else "(n, K) rows"
    if name.startswith("global/"):
        return "(K, K)"
    return "-"


def _rotated(variants, rep):
    shift = rep % len(variants)
    return variants[shift:] + variants[:shift]


def _ratio(times, name):
    return median(paired_ratios(times[name], times["unweighted"]))


def _spread(times, name):
    """Quartiles ``(q1, q3)`` of the paired ratios."""
    return quartiles(paired_ratios(times[name], times["unweighted"]))


def default_path(X, y, variants, epochs, repeats):
    """Whole fits with no callbacks: ({name: wall times}, {name: CPU times})."""
    from skweighted import WeightedMLPClassifier

    def fit(w, weighting, st, seed):
        clf = WeightedMLPClassifier(
            hidden_layer_sizes=(HIDDEN,),
            batch_size=BATCH,
            epochs=epochs,
            alpha=0.0,
            n_iter_no_change=10**6,
            early_stopping=False,
            misclass_weights=w,
            weighting=weighting,
            random_state=seed,
        )
        return timed_cpu(lambda: clf.fit(X, y, sample_tables=st))

    for _, w, weighting, st in variants:  # warm-up: traces, then kept for reuse
        fit(w, weighting, st, 0)
    wall = {name: [] for name, *_ in variants}
    cpu = {name: [] for name, *_ in variants}
    for rep in range(repeats):
        for name, w, weighting, st in _rotated(variants, rep):
            seconds, cpu_s = fit(w, weighting, st, rep)
            wall[name].append(seconds)
            cpu[name].append(cpu_s)
    return wall, cpu


def model_fit_path(X, y, variants, table, epochs, repeats):
    """Fits with a Keras callback timing each epoch, through ``Model.fit``.

    Returns {name: per-epoch wall times, per-epoch CPU times, whole-fit times}.
    """
    from skweighted import WeightedKerasClassifier
    from skweighted.keras import MisclassificationWeightedCrossentropy, build_mlp

    def build(meta):
        return build_mlp(
            meta["n_features_in_"], meta["n_classes_"], hidden_layer_sizes=(HIDDEN,)
        )

    epoch = {name: [] for name, *_ in variants}
    epoch_cpu = {name: [] for name, *_ in variants}
    fit = {name: [] for name, *_ in variants}
    for rep in range(repeats):
        for name, w, weighting, st in _rotated(variants, rep):
            timer = epoch_timer()
            loss = "categorical_crossentropy"
            if isinstance(w, str):
                loss = MisclassificationWeightedCrossentropy(table, weighting)
                w = None
            clf = WeightedKerasClassifier(
                build,
                misclass_weights=w,
                weighting=weighting,
                loss=loss,
                epochs=epochs,
                batch_size=BATCH,
                callbacks=[timer],
                random_state=rep,
            )
            seconds, _ = timed(lambda: clf.fit(X, y, sample_tables=st))  # noqa: B023
            epoch[name].append(median(timer.times[1:]))
            epoch_cpu[name].append(median(timer.cpu_times[1:]))
            fit[name].append(seconds)
    return epoch, epoch_cpu, fit


def rows_for_k(cfg, k):
    """Both paths at one K: a row per variant."""
    import numpy as np

    n, epochs = cfg["overhead_n"], cfg["overhead_epochs"]
    X, y = make_data(n, k, seed=k)
    table = random_table(k, seed=k)
    rng = np.random.default_rng(k)
    full = k <= cfg["full_tables_max_k"]
    shape = (n, k, k) if full else (n, k)
    tables = rng.uniform(1.0, 5.0, size=shape).astype(np.float32)
    variants = [("unweighted", None, "argmax", None)]
    for weighting in ("argmax", "expected"):
        variants.append((f"global/{weighting}", table, weighting, None))
        variants.append((f"per-example/{weighting}", None, weighting, tables))
    # alternative: the global table inside the loss, no (n, K) rows input
    in_loss = [
        (f"global-in-loss/{weighting}", "loss", weighting, None)
        for weighting in ("argmax", "expected")
    ]
    wall, cpu = default_path(X, y, variants, epochs, cfg["overhead_repeats"])
    repeats = cfg["overhead_model_fit_repeats"]
    epoch, epoch_cpu, fit = model_fit_path(
        X, y, variants + in_loss, table, epochs, repeats
    )
    log(
        f"  overhead K={k}: default fit {median(wall['unweighted']):.2f}s, "
        f"Model.fit epoch {median(epoch['unweighted']):.3f}s"
    )
    rows = []
    for name, *_ in variants + in_loss:
        default = name in wall  # not for the in-loss alternative
        q1, q3 = _spread(cpu, name) if default else (None, None)
        rows.append(
            {
                "K": k,
                "variant": name,
                "tables_form": _tables_form(name, full),
                "fit_s": median(wall[name]) if default else None,
                "fit_ratio": _ratio(wall, name) if default else None,
                "fit_cpu_s": median(cpu[name]) if default else None,
                "fit_cpu_ratio": _ratio(cpu, name) if default else None,
                "fit_cpu_ratio_q1": q1,
                "fit_cpu_ratio_q3": q3,
                "model_fit_epoch_s": median(epoch[name]),
                "model_fit_epoch_ratio": _ratio(epoch, name),
                "model_fit_epoch_cpu_s": median(epoch_cpu[name]),
                "model_fit_epoch_cpu_ratio": _ratio(epoch_cpu, name),
                "model_fit_fit_s": median(fit[name]),
                "model_fit_fit_ratio": _ratio(fit, name),
            }
        )
    return rows


def run(cfg):
    from skweighted import set_model_reuse

    # keep the compiled models of every variant of a K between its fits
    previous = set_model_reuse(True, max_models=32)
    try:
        rows = [r for k in cfg["overhead_ks"] for r in rows_for_k(cfg, k)]
    finally:
        set_model_reuse(**previous)
    # the estimator's own forms; "global-in-loss" is an alternative, shown only
    weighted = [r for r in rows if r["variant"].startswith(("global/", "per-example"))]
    largest_k = max(cfg["overhead_ks"])
    largest = [
        r for r in weighted if r["K"] == largest_k and r["variant"].endswith("argmax")
    ]
    return {
        "n": cfg["overhead_n"],
        "epochs": cfg["overhead_epochs"],
        "repeats": cfg["overhead_repeats"],
        "model_fit_repeats": cfg["overhead_model_fit_repeats"],
        "rows": rows,
        "largest_K": largest_k,
        # the target: worst of global and per-example, argmax, at the largest K
        "default_path_k100_argmax_cpu_ratio": max(r["fit_cpu_ratio"] for r in largest),
        # the quartiles of the paired ratios of those two rows: the noise
        "default_path_k100_argmax_cpu_quartiles": [
            min(r["fit_cpu_ratio_q1"] for r in largest),
            max(r["fit_cpu_ratio_q3"] for r in largest),
        ],
        "default_path_k100_argmax_ratio": max(r["fit_ratio"] for r in largest),
        "default_path_worst_cpu_ratio": max(r["fit_cpu_ratio"] for r in weighted),
        "default_path_median_cpu_ratio": median([r["fit_cpu_ratio"] for r in weighted]),
        "default_path_median_ratio": median([r["fit_ratio"] for r in weighted]),
        "model_fit_worst_epoch_ratio": max(
            r["model_fit_epoch_ratio"] for r in weighted
        ),
        "model_fit_median_epoch_ratio": median(
            [r["model_fit_epoch_ratio"] for r in weighted]
        ),
        "model_fit_worst_epoch_cpu_ratio": max(
            r["model_fit_epoch_cpu_ratio"] for r in weighted
        ),
        "model_fit_median_epoch_cpu_ratio": median(
            [r["model_fit_epoch_cpu_ratio"] for r in weighted]
        ),
    }
