"""Benchmark runner for skweighted (issue 5): one command, all targets.

Usage::

    python benchmarks/run.py            # full run (about 10-15 min on 2 cores)
    python benchmarks/run.py --quick    # small sizes, for development

Every number that is judged against a target is a ratio against a reference
measured in the same process, interleaved with it, and the median of at least
three repeats: absolute times on a shared machine are noisy, ratios much less.
Results go to ``benchmarks/results/`` (JSON, markdown and a PNG plot).

The JAX backend and the memory measurement run in subprocesses (a process has
one Keras backend; peak RSS needs a clean process); each subprocess measures
its own reference.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for _common, _protos when run as a script

from _common import (  # noqa: E402
    environment,
    epoch_timer,
    keras_mlp,
    make_data,
    median,
    quiet,
    random_table,
    scikeras_classifier,
    sklearn_mlp,
    timed,
    w_categorical_crossentropy,
)

FULL = {
    "repeats": 3,
    # epochs of 0.1 s or less (n=20,000) drown a 10 % difference in noise
    "overhead_n": 100_000,
    "overhead_ks": [2, 10, 100],
    "overhead_epochs": 5,
    "overhead_repeats": 5,
    "full_tables_max_k": 10,  # (n, K, K) tables above this are fed as (n, K) rows
    "kloop_ks": [2, 10, 30],
    "kloop_budget_s": 60.0,
    "kloop_n": 10_000,
    "kloop_epochs": 4,
    "scaling_ns": [1_000, 10_000, 100_000],
    "scaling_k_n": 10_000,
    "scaling_ks": [2, 10, 30, 100],
    "bench_n": 100_000,
    "bench_k": 5,
    "epochs": 5,
    "small_repeats": 3,
    "memory_n": 200_000,
    "memory_k": 30,
}
QUICK = {
    "repeats": 3,
    "overhead_n": 4_000,
    "overhead_ks": [2, 10, 100],
    "overhead_epochs": 4,
    "overhead_repeats": 3,
    "full_tables_max_k": 10,
    "kloop_ks": [2, 10],
    "kloop_budget_s": 60.0,
    "kloop_n": 4_000,
    "kloop_epochs": 3,
    "scaling_ns": [1_000, 5_000],
    "scaling_k_n": 4_000,
    "scaling_ks": [2, 10],
    "bench_n": 10_000,
    "bench_k": 5,
    "epochs": 5,
    "small_repeats": 3,
    "memory_n": 20_000,
    "memory_k": 30,
}
HIDDEN = 64
BATCH = 256


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ------------------------------------------------------------------- fits
def fit_skweighted(X, y, epochs, cls=None, **params):
    from skweighted import WeightedMLPClassifier

    cls = cls or WeightedMLPClassifier
    clf = cls(
        hidden_layer_sizes=(HIDDEN,),
        batch_size=BATCH,
        epochs=epochs,
        n_iter_no_change=10**6,
        random_state=0,
        **params,
    )
    seconds, _ = timed(lambda: clf.fit(X, y))
    return seconds, clf


def fit_sklearn(X, y, epochs):
    clf = sklearn_mlp(HIDDEN, BATCH, epochs)
    seconds, _ = timed(lambda: clf.fit(X, y))
    return seconds, clf


def fit_scikeras(X, y, epochs):
    clf = scikeras_classifier(len(set(y.tolist())), HIDDEN, BATCH, epochs)
    seconds, _ = timed(lambda: clf.fit(X, y))
    return seconds, clf


def fit_keras(X, y, epochs, k=None, batch_loop=False, **compile_options):
    """Build, compile and fit the plain Keras network (all inside the timing)."""
    import numpy as np

    k = k or int(y.max()) + 1

    def run():
        model = keras_mlp(X.shape[1], k, HIDDEN, **compile_options)
        Y = np.eye(k, dtype="float32")[y]
        if batch_loop:
            rng = np.random.default_rng(0)
            for _ in range(epochs):
                order = rng.permutation(len(y))
                for s in range(0, len(y), BATCH):
                    idx = order[s : s + BATCH]
                    model.train_on_batch(X[idx], Y[idx])
        else:
            model.fit(X, Y, batch_size=BATCH, epochs=epochs, verbose=0)
        return model

    seconds, model = timed(run)
    return seconds, model


def accuracy(model, X, y):
    import numpy as np

    if hasattr(model, "score"):
        return float(model.score(X, y))
    proba = model.predict(X, verbose=0, batch_size=8192)
    return float((np.argmax(proba, axis=1) == y).mean())


# ------------------------------------------------------------- sections
def section_overhead(cfg):
    """Target (a): weighted vs unweighted, per epoch after warm-up."""
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
            # prototype: the global table inside the loss, no (n, K) rows input
            variants.append((f"global-in-loss/{weighting}", "loss", weighting, None))
        per_epoch = {name: [] for name, *_ in variants}
        per_fit = {name: [] for name, *_ in variants}
        per_epoch_cpu = {name: [] for name, *_ in variants}
        for rep in range(cfg["overhead_repeats"]):
            # rotate the order, so that no variant always runs first or last
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
            ratios = [
                a / b
                for a, b in zip(per_epoch[name], per_epoch["unweighted"], strict=True)
            ]
            fit_ratios = [
                a / b for a, b in zip(per_fit[name], per_fit["unweighted"], strict=True)
            ]
            cpu_ratios = [
                a / b
                for a, b in zip(
                    per_epoch_cpu[name], per_epoch_cpu["unweighted"], strict=True
                )
            ]
            rows.append(
                {
                    "K": k,
                    "variant": name,
                    "tables_form": (
                        "(n, K, K)"
                        if name.startswith("per-example") and full
                        else "(n, K) rows"
                        if name.startswith(("per-example", "global/"))
                        else "-"
                    ),
                    "epoch_s": median(per_epoch[name]),
                    "epoch_ratio": median(ratios),
                    "epoch_cpu_s": median(per_epoch_cpu[name]),
                    "epoch_cpu_ratio": median(cpu_ratios),
                    "fit_s": median(per_fit[name]),
                    "fit_ratio": median(fit_ratios),
                }
            )
        log(f"  overhead K={k}: base epoch {base_epoch:.3f}s, fit {base_fit:.2f}s")
    # the estimator's own forms; "global-in-loss" is a prototype, shown only
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


def section_kloop(cfg):
    """Reference: the K x K Python-loop tutorial loss vs the built-in loss."""
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
            "tutorial K x K loop": w_categorical_crossentropy(table),
        }
        first = {name: [] for name in losses}
        later = {name: [] for name in losses}
        for rep in range(cfg["repeats"]):
            for name, loss in losses.items():
                if (
                    rep > 0
                    and name == "tutorial K x K loop"
                    and spent > cfg["kloop_budget_s"]
                ):
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
                if name == "tutorial K x K loop":
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


METHODS = {
    "skweighted": lambda X, y, e: fit_skweighted(X, y, e),
    "SciKeras KerasClassifier": fit_scikeras,
    "Keras model.fit": lambda X, y, e: fit_keras(X, y, e),
    "sklearn MLPClassifier": fit_sklearn,
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
        ref = times["sklearn MLPClassifier"]
        for name in METHODS:
            out.append(
                {
                    "n": n,
                    "K": k,
                    "method": name,
                    "fit_s": median(times[name]),
                    "ratio_vs_sklearn": median(
                        [a / b for a, b in zip(times[name], ref, strict=True)]
                    ),
                    "accuracy": median(accs[name]),
                }
            )
        log(
            f"  {label} n={n} K={k}: "
            + ", ".join(f"{m} {median(t):.2f}s" for m, t in times.items())
        )
    return out


def section_scaling(cfg):
    k = cfg["bench_k"]
    by_n = _scaling([(n, k) for n in cfg["scaling_ns"]], cfg, "time vs n")
    by_k = _scaling(
        [(cfg["scaling_k_n"], kk) for kk in cfg["scaling_ks"]], cfg, "time vs K"
    )
    return {"epochs": cfg["epochs"], "by_n": by_n, "by_k": by_k}


def lever_variants(backend):
    """(name, fit function) pairs for the levers section."""
    from _protos import BatchLoopMLP, ReusingMLP, with_options

    reusing_spe = type(
        "ReusingSPE", (ReusingMLP,), {"compile_options": {"steps_per_execution": 32}}
    )
    variants = [
        ("skweighted (as shipped)", lambda X, y, e: fit_skweighted(X, y, e)),
        (
            "skweighted + steps_per_execution=32",
            lambda X, y, e: fit_skweighted(
                X, y, e, cls=with_options(steps_per_execution=32)
            ),
        ),
        (
            "skweighted + jit_compile=True",
            lambda X, y, e: fit_skweighted(X, y, e, cls=with_options(jit_compile=True)),
        ),
        (
            "skweighted + train_on_batch loop (no tf.data)",
            lambda X, y, e: fit_skweighted(X, y, e, cls=BatchLoopMLP),
        ),
        (
            "skweighted + reuse traced model + steps_per_execution=32",
            lambda X, y, e: fit_skweighted(X, y, e, cls=reusing_spe),
        ),
        ("Keras model.fit", lambda X, y, e: fit_keras(X, y, e)),
        (
            "Keras model.fit + steps_per_execution=32",
            lambda X, y, e: fit_keras(X, y, e, steps_per_execution=32),
        ),
        ("sklearn MLPClassifier", fit_sklearn),
    ]
    if backend == "jax":
        # jit_compile=True is already the default on JAX.
        variants = [
            v for v in variants if "jit_compile" not in v[0] and "both" not in v[0]
        ]
    return variants


def section_levers(cfg, backend="tensorflow"):
    """Target (b) and the levers, at n = bench_n, side by side."""
    n, k = cfg["bench_n"], cfg["bench_k"]
    X, y, Xt, yt = make_data(n, k, seed=1, n_test=20_000)
    variants = lever_variants(backend)
    times = {name: [] for name, _ in variants}
    accs = {name: [] for name, _ in variants}
    # warm-up: one fit of each, discarded (imports, first-time set-up)
    Xw, yw = X[:2000], y[:2000]
    for _, fit in variants:
        fit(Xw, yw, 1)
    for _ in range(cfg["repeats"]):
        for name, fit in variants:
            seconds, model = fit(X, y, cfg["epochs"])
            times[name].append(seconds)
            accs[name].append(accuracy(model, Xt, yt))
            log(f"  levers[{backend}] {name}: {seconds:.2f}s")
    ref = times["sklearn MLPClassifier"]
    ref_acc = median(accs["sklearn MLPClassifier"])
    rows = []
    for name, _ in variants:
        rows.append(
            {
                "backend": backend,
                "variant": name,
                "fit_s": median(times[name]),
                "ratio_vs_sklearn": median(
                    [a / b for a, b in zip(times[name], ref, strict=True)]
                ),
                "accuracy": median(accs[name]),
                "accuracy_diff_points": 100 * (median(accs[name]) - ref_acc),
            }
        )
    return {"n": n, "K": k, "epochs": cfg["epochs"], "backend": backend, "rows": rows}


def section_small(cfg, backend="tensorflow"):
    """Target (c): iris, 20 epochs, fit time after the first fit in the process."""
    from _protos import BatchLoopMLP, ReusingMLP, with_options
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype("float32")
    epochs = 20

    class ReusingBatchLoop(ReusingMLP, BatchLoopMLP):
        pass

    def sk(cls=None):
        def fit(X, y, e):
            from skweighted import WeightedMLPClassifier

            clf = (cls or WeightedMLPClassifier)(
                hidden_layer_sizes=(HIDDEN,), epochs=e, random_state=0
            )
            return timed(lambda: clf.fit(X, y))

        return fit

    variants = [
        ("skweighted (as shipped, batch 200)", sk()),
        ("skweighted + reuse traced model", sk(ReusingMLP)),
        ("skweighted + train_on_batch loop", sk(BatchLoopMLP)),
        ("skweighted + reuse + train_on_batch loop", sk(ReusingBatchLoop)),
        (
            "skweighted + steps_per_execution=32",
            sk(with_options(steps_per_execution=32)),
        ),
        ("SciKeras KerasClassifier", lambda X, y, e: fit_scikeras(X, y, e)),
        ("Keras model.fit", lambda X, y, e: fit_keras(X, y, e)),
        ("sklearn MLPClassifier", lambda X, y, e: fit_sklearn(X, y, e)),
    ]
    first = {}
    later = {name: [] for name, _ in variants}
    for name, fit in variants:
        first[name], _ = fit(X, y, epochs)
    for _ in range(cfg["small_repeats"]):
        for name, fit in variants:
            later[name].append(fit(X, y, epochs)[0])
    ref = later["sklearn MLPClassifier"]
    rows = [
        {
            "backend": backend,
            "variant": name,
            "first_fit_s": first[name],
            "later_fit_s": median(later[name]),
            "ratio_vs_sklearn": median(
                [a / b for a, b in zip(later[name], ref, strict=True)]
            ),
        }
        for name, _ in variants
    ]
    for r in rows:
        log(
            f"  small[{backend}] {r['variant']}: first {r['first_fit_s']:.2f}s later {r['later_fit_s']:.2f}s"
        )
    return {"n": len(y), "epochs": epochs, "backend": backend, "rows": rows}


MEMORY_CHILD = r"""
import gc, json, sys, threading, time, tracemalloc
sys.path.insert(0, {here!r})
import numpy as np, psutil
from _common import quiet
quiet()
from skweighted import WeightedMLPClassifier
from skweighted.keras import build_mlp  # import Keras before the baseline
n, k, form, trace = {n}, {k}, {form!r}, {trace}
rng = np.random.default_rng(0)
X = rng.normal(size=(n, 20)).astype(np.float32)
y = rng.integers(0, k, size=n)
# warm-up fit (first-time TF set-up is not the table's cost)
WeightedMLPClassifier(hidden_layer_sizes=(64,), epochs=1, batch_size=256,
                      random_state=0).fit(X[:512], y[:512])
shape = (n, k, k) if form == "full" else (n, k)
tables = np.empty(shape, dtype=np.float32)
for s in range(0, n, 10000):  # fill in chunks: no temporary of the full size
    tables[s:s + 10000] = rng.uniform(1, 5, size=(min(10000, n - s),) + shape[1:])
table_bytes = tables.nbytes
if form == "none":
    tables = None
gc.collect()
proc = psutil.Process()
base = proc.memory_info().rss
peak = [base]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.002)
thread = threading.Thread(target=sample, daemon=True); thread.start()
if trace:
    tracemalloc.start()
clf = WeightedMLPClassifier(hidden_layer_sizes=(64,), epochs=1, batch_size=256,
                            random_state=0)
t0 = time.perf_counter()
clf.fit(X, y, sample_tables=tables)
seconds = time.perf_counter() - t0
traced = tracemalloc.get_traced_memory()[1] if trace else None
stop.set(); thread.join()
print(json.dumps({{"rss_growth": peak[0] - base, "tracemalloc_peak": traced,
                  "table_bytes": table_bytes, "rows_bytes": n * k * 4,
                  "fit_s": seconds}}))
"""


def run_child(code, env=None, timeout=900):
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def section_memory(cfg):
    """Target (d): peak memory growth during fit with per-example tables."""
    n, k = cfg["memory_n"], cfg["memory_k"]
    rows = []
    forms = (("none", False), ("full", False), ("full", True), ("rows", False))
    for form, trace in forms:
        res = run_child(
            MEMORY_CHILD.format(here=str(HERE), n=n, k=k, form=form, trace=trace)
        )
        label = {"none": "none (unweighted)", "full": "(n, K, K)", "rows": "(n, K)"}
        res.update(form=label[form], tracemalloc=trace)
        res["rss_growth_over_rows"] = res["rss_growth"] / res["rows_bytes"]
        res["rss_growth_over_table"] = res["rss_growth"] / res["table_bytes"]
        if trace:
            res["tracemalloc_over_rows"] = res["tracemalloc_peak"] / res["rows_bytes"]
        rows.append(res)
        log(
            f"  memory {res['form']} tracemalloc={trace}: RSS +{res['rss_growth'] / 2**20:.0f} MiB "
            f"(rows {res['rows_bytes'] / 2**20:.0f} MiB, table {res['table_bytes'] / 2**20:.0f} MiB)"
        )
    return {"n": n, "K": k, "rows": rows}


IMPORT_CHILD = r"""
import importlib, json, sys, time
t0 = time.perf_counter()
mods = {{}}
for name in {names!r}:
    try:
        importlib.import_module(name)
        mods[name] = "imported"
    except ModuleNotFoundError as exc:
        mods[name] = "missing: " + str(exc)
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"tensorflow", "keras", "scikeras", "jax", "torch"}})
print(json.dumps({{"modules": mods, "heavy_loaded": heavy, "seconds": time.perf_counter() - t0}}))
"""


def section_imports(cfg):
    """Target (e): numpy/sklearn-only modules do not import TF or Keras."""
    checks = [
        ["skweighted"],
        ["skweighted.metrics"],
        ["skweighted._tables"],
        ["skweighted.metrics", "skweighted._tables"],
        ["sklearn.metrics"],  # reference: what the numpy/sklearn side costs
    ]
    rows = []
    for names in checks:
        res = run_child(IMPORT_CHILD.format(names=names), timeout=300)
        res["import"] = " + ".join(names)
        rows.append(res)
        log(f"  import {res['import']}: heavy={res['heavy_loaded']} {res['modules']}")
    return {"rows": rows}


def section_jax(cfg, quick):
    """Run the levers and small-data sections in a KERAS_BACKEND=jax child."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import run; "
        f"print(json.dumps(run.jax_child({quick!r})))"
    )
    try:
        return run_child(code, env={"KERAS_BACKEND": "jax"}, timeout=1200)
    except Exception as exc:  # report, do not hide the rest of the run
        return {"error": str(exc)[-2000:]}


def jax_child(quick):
    quiet()
    cfg = QUICK if quick else FULL
    import jax
    import keras

    assert keras.backend.backend() == "jax"
    out = {"jax_version": jax.__version__}
    out["levers"] = section_levers(cfg, backend="jax")
    out["small"] = section_small(cfg, backend="jax")
    out["tf_imported_under_jax"] = "tensorflow" in sys.modules
    return out


# ---------------------------------------------------------------- verdicts
def verdicts(res):
    v = {}
    if "overhead" in res:
        o = res["overhead"]
        worst = o["worst_epoch_ratio"]
        v["a"] = {
            "target": "weighted / unweighted per epoch <= 1.10",
            "measured": f"wall: worst {worst:.2f}, median {o['median_epoch_ratio']:.2f}; "
            f"CPU time: worst {o['worst_epoch_cpu_ratio']:.2f}, "
            f"median {o['median_epoch_cpu_ratio']:.2f}",
            "met": worst <= 1.10,
        }
    if "levers" in res:
        rows = {r["variant"]: r for r in res["levers"]["rows"]}
        r = rows["skweighted (as shipped)"]
        best = min(
            (x for x in res["levers"]["rows"] if x["variant"].startswith("skweighted")),
            key=lambda x: x["ratio_vs_sklearn"],
        )
        tf_ok = r["ratio_vs_sklearn"] <= 1.5 and abs(r["accuracy_diff_points"]) <= 1
        v["b_tf"] = {
            "met_with_prototype": best["ratio_vs_sklearn"] <= 1.5,
            "target": "skweighted / MLPClassifier <= 1.5 on TF, accuracy +-1 point",
            "measured": f"{r['ratio_vs_sklearn']:.2f} as shipped "
            f"(accuracy {r['accuracy_diff_points']:+.1f} pt); best lever "
            f"'{best['variant']}' {best['ratio_vs_sklearn']:.2f}",
            "met": tf_ok,
        }
        fastest = [best]
        jax_rows = res.get("jax", {}).get("levers", {}).get("rows", [])
        fastest += [x for x in jax_rows if x["variant"].startswith("skweighted")]
        top = min(fastest, key=lambda x: x["ratio_vs_sklearn"])
        shipped = [r] + [x for x in jax_rows if x["variant"] == r["variant"]]
        ship = min(shipped, key=lambda x: x["ratio_vs_sklearn"])
        v["b_fastest"] = {
            "target": "<= 1.0 on the fastest backend",
            "measured": f"{ship['ratio_vs_sklearn']:.2f} as shipped ({ship['backend']}); "
            f"best prototype {top['ratio_vs_sklearn']:.2f} ({top['backend']}, "
            f"{top['variant']}, accuracy {top['accuracy_diff_points']:+.1f} pt)",
            "met": ship["ratio_vs_sklearn"] <= 1.0
            and abs(ship["accuracy_diff_points"]) <= 1,
            "met_with_prototype": top["ratio_vs_sklearn"] <= 1.0
            and abs(top["accuracy_diff_points"]) <= 1,
        }
    if "small" in res:
        rows = {r["variant"]: r for r in res["small"]["rows"]}
        r = rows["skweighted (as shipped, batch 200)"]
        best = min(
            (x for x in res["small"]["rows"] if x["variant"].startswith("skweighted")),
            key=lambda x: x["later_fit_s"],
        )
        jax_rows = {
            x["variant"]: x for x in res.get("jax", {}).get("small", {}).get("rows", [])
        }
        jax_ship = jax_rows.get(r["variant"])
        jax_text = (
            f"; JAX as shipped {jax_ship['later_fit_s']:.2f} s" if jax_ship else ""
        )
        v["c"] = {
            "target": "iris, 20 epochs: fit <= 1.0 s after the first",
            "measured": f"TF {r['later_fit_s']:.2f} s as shipped; best TF prototype "
            f"'{best['variant']}' {best['later_fit_s']:.2f} s{jax_text}",
            "met": r["later_fit_s"] <= 1.0,
            "met_with_prototype": best["later_fit_s"] <= 1.0,
        }
    if "memory" in res:
        full = [
            r
            for r in res["memory"]["rows"]
            if r["form"] == "(n, K, K)" and not r["tracemalloc"]
        ][0]
        none = [r for r in res["memory"]["rows"] if r["form"].startswith("none")]
        extra = ""
        if none:
            ratio = (full["rss_growth"] - none[0]["rss_growth"]) / full["rows_bytes"]
            extra = f"; {ratio:.1f}x rows more than an unweighted fit"
        v["d"] = {
            "target": "peak growth a small multiple of the (n, K) rows; no (n,K,K) copy",
            "measured": f"RSS +{full['rss_growth_over_rows']:.1f}x rows "
            f"= {full['rss_growth_over_table']:.2f}x the (n,K,K) table{extra}",
            "met": full["rss_growth_over_rows"] <= 8
            and full["rss_growth_over_table"] < 0.5,
        }
    if "imports" in res:
        rows = res["imports"]["rows"]
        clean = all(
            not r["heavy_loaded"] for r in rows if r["import"] != "skweighted" or True
        )
        missing = [
            r["import"]
            for r in rows
            if any(s.startswith("missing") for s in r["modules"].values())
        ]
        v["e"] = {
            "target": "skweighted.metrics and table utilities import no TF/Keras",
            "measured": "no heavy module loaded" if clean else "heavy modules loaded",
            "met": clean and not missing,
            "missing_modules": missing,
        }
    return v


# ---------------------------------------------------------------- output
def fmt(x, digits=2):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def md_table(rows, columns):
    head = "| " + " | ".join(c[0] for c in columns) + " |"
    sep = "|" + "|".join("---" for _ in columns) + "|"
    body = [
        "| " + " | ".join(fmt(r.get(key), d) for _, key, d in columns) + " |"
        for r in rows
    ]
    return "\n".join([head, sep, *body])


def markdown(res):
    env = res["environment"]
    lines = [
        "# skweighted benchmark results",
        "",
        f"Run {res['started']} ({'quick' if res['quick'] else 'full'} mode), "
        f"{res['wall_s']:.0f} s. Machine: {env['processor']}, {env['cpu_count']} cores, "
        f"{env['platform']}; **shared with other jobs** (load average at start "
        f"{', '.join(f'{x:.1f}' for x in env['load_average_at_start'])}): absolute times "
        "are noisy, ratios against a reference measured in the same process are not. "
        f"GPU: {env['gpu']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()) + ".",
        "",
        "## Verdicts",
        "",
        md_table(
            [{"id": k, **v} for k, v in res["verdicts"].items()],
            [
                ("target", "id", 0),
                ("goal", "target", 0),
                ("measured", "measured", 0),
                ("met as shipped", "met", 0),
                ("met with a prototype", "met_with_prototype", 0),
            ],
        ),
    ]
    s = res["sections"]
    if "overhead" in s:
        o = s["overhead"]
        lines += [
            "",
            f"## (a) Weighted vs unweighted, n={o['n']}, {o['epochs']} epochs",
            "",
            "Per-epoch time is the median of epochs 2.. of each fit; ratios are "
            "per repeat, then the median.",
            "",
            md_table(
                o["rows"],
                [
                    ("K", "K", 0),
                    ("variant", "variant", 0),
                    ("tables", "tables_form", 0),
                    ("epoch s", "epoch_s", 3),
                    ("epoch ratio", "epoch_ratio", 2),
                    ("epoch CPU s", "epoch_cpu_s", 3),
                    ("epoch CPU ratio", "epoch_cpu_ratio", 2),
                    ("whole fit s", "fit_s", 2),
                    ("whole-fit ratio", "fit_ratio", 2),
                ],
            ),
        ]
    if "kloop" in s:
        kl = s["kloop"]
        lines += [
            "",
            f"## Reference: the tutorial K x K loop loss, plain Keras, n={kl['n']}",
            "",
            f"{kl['note']} Time budget {kl['budget_s']:.0f} s for the loop loss; "
            f"skipped K: {kl['skipped_K'] or 'none'}.",
            "",
            md_table(
                kl["rows"],
                [
                    ("K", "K", 0),
                    ("loss", "loss", 0),
                    ("first epoch s (trace)", "first_epoch_s", 2),
                    ("later epoch s", "epoch_s", 3),
                    ("ratio vs built-in", "epoch_ratio", 2),
                    ("repeats", "repeats", 0),
                ],
            ),
        ]
    lever_cols = [
        ("backend", "backend", 0),
        ("variant", "variant", 0),
        ("fit s", "fit_s", 2),
        ("ratio vs MLPClassifier", "ratio_vs_sklearn", 2),
        ("accuracy", "accuracy", 3),
        ("acc. diff (pt)", "accuracy_diff_points", 1),
    ]
    if "levers" in s:
        lv = s["levers"]
        rows = list(lv["rows"]) + list(
            s.get("jax", {}).get("levers", {}).get("rows", [])
        )
        lines += [
            "",
            f"## (b) Against MLPClassifier, and the levers: n={lv['n']}, K={lv['K']}, "
            f"20 features, hidden 64, batch 256, {lv['epochs']} epochs",
            "",
            "Whole `fit` (build, trace, train), after one warm-up fit of each in the "
            "process. Each backend's ratios are against MLPClassifier in the same process.",
            "",
            md_table(rows, lever_cols),
        ]
    if "small" in s:
        rows = list(s["small"]["rows"]) + list(
            s.get("jax", {}).get("small", {}).get("rows", [])
        )
        lines += [
            "",
            "## (c) Iris (150 rows), 20 epochs",
            "",
            md_table(
                rows,
                [
                    ("backend", "backend", 0),
                    ("variant", "variant", 0),
                    ("first fit s", "first_fit_s", 2),
                    ("later fits s (median)", "later_fit_s", 3),
                    ("ratio vs MLPClassifier", "ratio_vs_sklearn", 1),
                ],
            ),
        ]
    if "memory" in s:
        m = s["memory"]
        rows = [
            {
                **r,
                "rss_mib": r["rss_growth"] / 2**20,
                "tm_mib": (r["tracemalloc_peak"] or 0) / 2**20
                if r["tracemalloc"]
                else None,
                "rows_mib": r["rows_bytes"] / 2**20,
                "table_mib": r["table_bytes"] / 2**20,
            }
            for r in m["rows"]
        ]
        lines += [
            "",
            f"## (d) Memory: per-example tables n={m['n']}, K={m['K']}, float32, 1 epoch",
            "",
            md_table(
                rows,
                [
                    ("tables passed", "form", 0),
                    ("tracemalloc on", "tracemalloc", 0),
                    ("table MiB", "table_mib", 0),
                    ("(n, K) rows MiB", "rows_mib", 1),
                    ("peak RSS growth MiB", "rss_mib", 1),
                    ("RSS growth / rows", "rss_growth_over_rows", 1),
                    ("tracemalloc peak MiB", "tm_mib", 1),
                ],
            ),
        ]
    if "imports" in s:
        lines += [
            "",
            "## (e) Imports (fresh subprocess each)",
            "",
            md_table(
                [
                    {
                        **r,
                        "heavy": ", ".join(r["heavy_loaded"]) or "none",
                        "mods": "; ".join(f"{k}: {v}" for k, v in r["modules"].items()),
                    }
                    for r in s["imports"]["rows"]
                ],
                [
                    ("import", "import", 0),
                    ("result", "mods", 0),
                    ("TF/Keras loaded", "heavy", 0),
                    ("s", "seconds", 2),
                ],
            ),
        ]
    if "scaling" in s:
        sc = s["scaling"]
        cols = [
            ("n", "n", 0),
            ("K", "K", 0),
            ("method", "method", 0),
            ("fit s", "fit_s", 2),
            ("ratio vs MLPClassifier", "ratio_vs_sklearn", 2),
            ("accuracy", "accuracy", 3),
        ]
        lines += [
            "",
            f"## Scaling ({sc['epochs']} epochs, whole fit)",
            "",
            md_table(sc["by_n"] + sc["by_k"], cols),
        ]
    if "jax" in s and "error" in s["jax"]:
        lines += ["", "## JAX child failed", "", "```", s["jax"]["error"], "```"]
    return "\n".join(lines) + "\n"


def plot(res, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sc = res["sections"].get("scaling")
    if not sc:
        return None
    fig, (ax_k, ax_n) = plt.subplots(1, 2, figsize=(10, 4))
    for method in METHODS:
        pts = [r for r in sc["by_k"] if r["method"] == method]
        ax_k.plot(
            [r["K"] for r in pts], [r["fit_s"] for r in pts], marker="o", label=method
        )
        pts = [r for r in sc["by_n"] if r["method"] == method]
        ax_n.plot(
            [r["n"] for r in pts], [r["fit_s"] for r in pts], marker="o", label=method
        )
    kl = res["sections"].get("kloop")
    if kl:
        pts = [r for r in kl["rows"] if r["loss"] == "tutorial K x K loop"]
        base = [r for r in kl["rows"] if r["loss"] == "built-in crossentropy"]
        # whole-fit estimate for the loop loss: trace epoch + (epochs-1) later epochs
        if pts:
            ax_k.plot(
                [r["K"] for r in pts],
                [r["first_epoch_s"] + (sc["epochs"] - 1) * r["epoch_s"] for r in pts],
                marker="x",
                linestyle="--",
                color="grey",
                label="Keras + tutorial K x K loop loss",
            )
            del base
    n_k = sc["by_k"][0]["n"] if sc["by_k"] else "?"
    ax_k.set(
        xscale="log",
        yscale="log",
        xlabel="classes K",
        ylabel="fit time (s)",
        title=f"time vs K (n={n_k}, {sc['epochs']} epochs)",
    )
    k_n = sc["by_n"][0]["K"] if sc["by_n"] else "?"
    ax_n.set(
        xscale="log",
        yscale="log",
        xlabel="training examples n",
        ylabel="fit time (s)",
        title=f"time vs n (K={k_n}, {sc['epochs']} epochs)",
    )
    for ax in (ax_k, ax_n):
        ax.grid(True, which="both", alpha=0.3)
    ax_k.legend(fontsize=7)
    fig.suptitle(
        "skweighted benchmark (TensorFlow CPU, shared 2-core machine)", fontsize=9
    )
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return str(path)


# ---------------------------------------------------------------- main
SECTIONS = (
    "imports",
    "memory",
    "overhead",
    "kloop",
    "small",
    "levers",
    "scaling",
    "jax",
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for development"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {SECTIONS}",
    )
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--plot-copy", default=None, help="also copy the PNG here")
    parser.add_argument(
        "--from-json", default=None, help="only re-render markdown and plot from a JSON"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        path = Path(args.from_json)
        res = json.loads(path.read_text())
        res["verdicts"] = verdicts(res["sections"])
        return render(res, path.parent, path.stem, args)
    quiet()
    cfg = QUICK if args.quick else FULL
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": args.quick,
        "config": cfg,
        "environment": environment(shared=True),
        "sections": {},
    }
    runners = {
        "imports": lambda: section_imports(cfg),
        "memory": lambda: section_memory(cfg),
        "overhead": lambda: section_overhead(cfg),
        "kloop": lambda: section_kloop(cfg),
        "small": lambda: section_small(cfg),
        "levers": lambda: section_levers(cfg),
        "scaling": lambda: section_scaling(cfg),
        "jax": lambda: section_jax(cfg, args.quick),
    }
    for name in SECTIONS:
        if name in chosen:
            log(f"[{time.perf_counter() - t0:6.0f}s] {name}")
            try:
                seconds, res["sections"][name] = timed(runners[name])
            except Exception as exc:  # keep the other sections' results
                import traceback

                log(traceback.format_exc())
                res.setdefault("errors", {})[name] = repr(exc)
                continue
            res["sections"][name]["section_s"] = seconds
    res["wall_s"] = time.perf_counter() - t0
    res["verdicts"] = verdicts(res["sections"])
    stem = "benchmarks-quick" if args.quick else "benchmarks"
    (out / f"{stem}.json").write_text(json.dumps(res, indent=1, default=str) + "\n")
    return render(res, out, stem, args)


def render(res, out, stem, args):
    """Write the markdown table and the plot from a results dict."""
    (out / f"{stem}.md").write_text(markdown(res))
    png = plot(res, out / f"{stem}.png")
    if png and args.plot_copy and args.quick:
        log("--quick: not copying the plot to --plot-copy (only full runs go there)")
    elif png and args.plot_copy:
        import shutil

        shutil.copyfile(png, args.plot_copy)
    log(f"done in {res['wall_s']:.0f}s: {out / stem}.{{json,md,png}}")
    for key, v in res["verdicts"].items():
        log(f"  ({key}) {'MET' if v['met'] else 'NOT MET'}: {v['measured']}")
    return res


if __name__ == "__main__":
    main()
