"""What the weighting costs: weighted vs unweighted training, per epoch.

``WeightedKerasClassifier`` with the MLP, with and without a table, at
several K; per-epoch times come from a Keras callback and skip the first
(tracing) epoch. The order of the variants rotates between repeats, so that
no variant always runs first or last.
"""

from _common import (
    BATCH,
    HIDDEN,
    epoch_timer,
    log,
    make_data,
    median,
    paired_ratios,
    random_table,
    timed,
)


def _tables_form(name, full):
    if name.startswith("per-example") and full:
        return "(n, K, K)"
    if name.startswith(("per-example", "global/")):
        return "(n, K) rows"
    return "-"


def run(cfg):
    import numpy as np

    from skweighted import WeightedKerasClassifier
    from skweighted.keras import MisclassificationWeightedCrossentropy, build_mlp

    def build(meta):
        return build_mlp(
            meta["n_features_in_"], meta["n_classes_"], hidden_layer_sizes=(HIDDEN,)
        )

    rows = []
    n, epochs = cfg["overhead_n"], cfg["overhead_epochs"]
    for k in cfg["overhead_ks"]:
        X, y = make_data(n, k, seed=k)
        table = random_table(k, seed=k)
        rng = np.random.default_rng(k)
        full = k <= cfg["full_tables_max_k"]
        if full:
            tables = rng.uniform(1.0, 5.0, size=(n, k, k)).astype(np.float32)
        else:
            tables = rng.uniform(1.0, 5.0, size=(n, k)).astype(np.float32)
        variants = [("unweighted", None, "argmax", None)]
        for weighting in ("argmax", "expected"):
            variants.append((f"global/{weighting}", table, weighting, None))
            variants.append((f"per-example/{weighting}", None, weighting, tables))
            # alternative: the global table inside the loss, no (n, K) rows input
            variants.append((f"global-in-loss/{weighting}", "loss", weighting, None))
        per_epoch = {name: [] for name, *_ in variants}
        per_fit = {name: [] for name, *_ in variants}
        per_epoch_cpu = {name: [] for name, *_ in variants}
        for rep in range(cfg["overhead_repeats"]):
            shift = rep % len(variants)
            for name, w, weighting, st in variants[shift:] + variants[:shift]:
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
                per_epoch[name].append(median(timer.times[1:]))
                per_epoch_cpu[name].append(median(timer.cpu_times[1:]))
                per_fit[name].append(seconds)
        base_epoch = median(per_epoch["unweighted"])
        base_fit = median(per_fit["unweighted"])
        for name, *_ in variants:
            rows.append(
                {
                    "K": k,
                    "variant": name,
                    "tables_form": _tables_form(name, full),
                    "epoch_s": median(per_epoch[name]),
                    "epoch_ratio": median(
                        paired_ratios(per_epoch[name], per_epoch["unweighted"])
                    ),
                    "epoch_cpu_s": median(per_epoch_cpu[name]),
                    "epoch_cpu_ratio": median(
                        paired_ratios(per_epoch_cpu[name], per_epoch_cpu["unweighted"])
                    ),
                    "fit_s": median(per_fit[name]),
                    "fit_ratio": median(
                        paired_ratios(per_fit[name], per_fit["unweighted"])
                    ),
                }
            )
        log(f"  overhead K={k}: base epoch {base_epoch:.3f}s, fit {base_fit:.2f}s")
    # the estimator's own forms; "global-in-loss" is an alternative, shown only
    weighted = [r for r in rows if r["variant"].startswith(("global/", "per-example"))]
    return {
        "n": n,
        "epochs": epochs,
        "rows": rows,
        "worst_epoch_ratio": max(r["epoch_ratio"] for r in weighted),
        "median_epoch_ratio": median([r["epoch_ratio"] for r in weighted]),
        "worst_epoch_cpu_ratio": max(r["epoch_cpu_ratio"] for r in weighted),
        "median_epoch_cpu_ratio": median([r["epoch_cpu_ratio"] for r in weighted]),
    }
