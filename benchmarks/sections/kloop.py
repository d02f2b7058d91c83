"""Reference: the tutorial K x K Python-loop loss against the built-in loss.

Plain Keras, the same network, three losses; the loop loss gets a time
budget because its graph (and its tracing time) grows as K^2.
"""

from functools import partial

from _common import (
    BATCH,
    HIDDEN,
    epoch_timer,
    keras_mlp,
    log,
    make_data,
    median,
    random_table,
    timed,
    w_categorical_crossentropy,
)

LOOP = "tutorial K x K loop"


def run(cfg):
    import keras
    import numpy as np

    from skweighted.keras import MisclassificationWeightedCrossentropy

    n, epochs = cfg["kloop_n"], cfg["kloop_epochs"]
    rows = []
    skipped = []
    spent = 0.0
    for k in cfg["kloop_ks"]:
        X, y = make_data(n, k, seed=k)
        Y = np.eye(k, dtype="float32")[y]
        table = random_table(k, seed=k)
        losses = {
            "built-in crossentropy": "categorical_crossentropy",
            "MisclassificationWeightedCrossentropy": (
                MisclassificationWeightedCrossentropy(table)
            ),
            LOOP: w_categorical_crossentropy(table),
        }
        first = {name: [] for name in losses}
        later = {name: [] for name in losses}
        for rep in range(cfg["repeats"]):
            for name, loss in losses.items():
                if rep > 0 and name == LOOP and spent > cfg["kloop_budget_s"]:
                    continue
                keras.utils.set_random_seed(rep)
                timer = epoch_timer()
                model = keras_mlp(X.shape[1], k, HIDDEN, loss=loss)
                seconds, _ = timed(
                    partial(
                        model.fit,
                        X,
                        Y,
                        batch_size=BATCH,
                        epochs=epochs,
                        verbose=0,
                        callbacks=[timer],
                    )
                )
                if name == LOOP:
                    spent += seconds
                first[name].append(timer.times[0])
                later[name].append(median(timer.times[1:]))
        base = median(later["built-in crossentropy"])
        for name in losses:
            rows.append(
                {
                    "K": k,
                    "loss": name,
                    "first_epoch_s": median(first[name]),
                    "epoch_s": median(later[name]),
                    "epoch_ratio": median(later[name]) / base,
                    "repeats": len(later[name]),
                }
            )
        log(f"  kloop K={k}: spent {spent:.0f}s on the loop loss")
        if spent > cfg["kloop_budget_s"]:
            skipped = [kk for kk in cfg["kloop_ks"] if kk > k]
            break
    return {
        "n": n,
        "epochs": epochs,
        "rows": rows,
        "budget_s": cfg["kloop_budget_s"],
        "skipped_K": skipped,
        "note": "K=100 is not run: its first epoch takes minutes to trace.",
    }
