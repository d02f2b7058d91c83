"""The report of a run: verdicts, the markdown tables and the scaling plot.

Everything here reads the results dict that ``run.py`` writes as JSON, so
``run.py --from-json`` re-renders a report without measuring again.
"""

import json
import shutil

from _common import log
from sections.gridsearch import SKWEIGHTED as GRIDSEARCH_SKWEIGHTED
from sections.scaling import METHODS

REFERENCE = "sklearn MLPClassifier"


# ---------------------------------------------------------------- verdicts
def _shipped(rows):
    """The first skweighted row of a levers or small-data table."""
    return next(r for r in rows if r["variant"].startswith("skweighted"))


def _alternatives(rows):
    """Rows other than skweighted's own and the MLPClassifier reference."""
    shipped = _shipped(rows)
    return [r for r in rows if r is not shipped and r["variant"] != REFERENCE]


# results written before the default path was measured: only the Model.fit
# path, under these names
_OLD_OVERHEAD_KEYS = {
    "epoch_s": "model_fit_epoch_s",
    "epoch_ratio": "model_fit_epoch_ratio",
    "epoch_cpu_s": "model_fit_epoch_cpu_s",
    "epoch_cpu_ratio": "model_fit_epoch_cpu_ratio",
    "fit_s": "model_fit_fit_s",
    "fit_ratio": "model_fit_fit_ratio",
}


def _overhead(o):
    """The overhead section, older results renamed to the current keys."""
    if "model_fit_repeats" in o:
        return o
    rows = [{_OLD_OVERHEAD_KEYS.get(k, k): v for k, v in r.items()} for r in o["rows"]]
    summary = {
        f"model_fit_{k}": v
        for k, v in o.items()
        if k.endswith(("_epoch_ratio", "_epoch_cpu_ratio"))
    }
    return {**o, **summary, "rows": rows}


def _quartiles_text(o):
    """The quartiles of the target's paired ratios as text, where recorded."""
    q = o.get("default_path_k100_argmax_cpu_quartiles")
    return "" if not q or None in q else f" (quartiles {q[0]:.2f}-{q[1]:.2f})"


def _verdicts_overhead(o):
    o = _overhead(o)
    out = {}
    if "default_path_k100_argmax_cpu_ratio" in o:
        ratio = o["default_path_k100_argmax_cpu_ratio"]
        out["weighted_vs_unweighted"] = {
            "name": f"weighted vs unweighted whole fits at n={o['n']:,}, "
            "default path (no callbacks)",
            "target": f"at K={o['largest_K']}, argmax: weighted / unweighted CPU "
            "time <= 1.10 (worst of global and per-example tables)",
            "measured": f"CPU time {ratio:.2f}{_quartiles_text(o)}, wall "
            f"{o['default_path_k100_argmax_ratio']:.2f}; all K, both weightings: "
            f"CPU time median {o['default_path_median_cpu_ratio']:.2f}, worst "
            f"{o['default_path_worst_cpu_ratio']:.2f}, wall median "
            f"{o['default_path_median_ratio']:.2f}",
            "met": ratio <= 1.10,
        }
    worst = o["model_fit_worst_epoch_ratio"]
    out["weighted_vs_unweighted_model_fit"] = {
        "name": f"weighted vs unweighted training per epoch at n={o['n']:,}, "
        "Model.fit path (with callbacks)",
        "target": "weighted / unweighted per epoch <= 1.10",
        "measured": f"wall: worst {worst:.2f}, "
        f"median {o['model_fit_median_epoch_ratio']:.2f}; "
        f"CPU time: worst {o['model_fit_worst_epoch_cpu_ratio']:.2f}, "
        f"median {o['model_fit_median_epoch_cpu_ratio']:.2f}",
        "met": worst <= 1.10,
    }
    return out


def _verdicts_levers(lv, jax_rows):
    rows = lv["rows"]
    r = _shipped(rows)
    alt = min(_alternatives(rows), key=lambda x: x["ratio_vs_sklearn"])
    where = f"at n={lv['n']:,}"
    out = {
        "vs_mlp_tensorflow": {
            "name": f"overhead vs MLPClassifier {where}, TensorFlow",
            "target": "skweighted / MLPClassifier <= 1.5, accuracy +-1 point",
            "measured": f"{r['ratio_vs_sklearn']:.2f} "
            f"(accuracy {r['accuracy_diff_points']:+.1f} pt); fastest alternative "
            f"'{alt['variant']}' {alt['ratio_vs_sklearn']:.2f}",
            "met": r["ratio_vs_sklearn"] <= 1.5 and abs(r["accuracy_diff_points"]) <= 1,
        }
    }
    shipped = [r] + ([_shipped(jax_rows)] if jax_rows else [])
    ship = min(shipped, key=lambda x: x["ratio_vs_sklearn"])
    out["vs_mlp_fastest_backend"] = {
        "name": f"overhead vs MLPClassifier {where}, fastest backend",
        "target": "skweighted / MLPClassifier <= 1.0 on the fastest backend, "
        "accuracy +-1 point",
        "measured": f"{ship['ratio_vs_sklearn']:.2f} ({ship['backend']}, "
        f"accuracy {ship['accuracy_diff_points']:+.1f} pt)",
        "met": ship["ratio_vs_sklearn"] <= 1.0
        and abs(ship["accuracy_diff_points"]) <= 1,
    }
    return out


def _verdict_small(sm, jax_rows):
    r = _shipped(sm["rows"])
    alt = min(_alternatives(sm["rows"]), key=lambda x: x["later_fit_s"])
    jax_text = ""
    if jax_rows:
        jax_text = f"; JAX {_shipped(jax_rows)['later_fit_s']:.2f} s"
    return {
        "name": f"small-data fit time (iris, {sm['epochs']} epochs)",
        "target": "fit <= 1.0 s after the first fit in the process",
        "measured": f"TF {r['later_fit_s']:.2f} s{jax_text}; fastest TF "
        f"alternative '{alt['variant']}' {alt['later_fit_s']:.2f} s",
        "met": r["later_fit_s"] <= 1.0,
    }


def _verdict_memory(m):
    full = [r for r in m["rows"] if r["form"] == "(n, K, K)" and not r["tracemalloc"]]
    full = full[0]
    none = [r for r in m["rows"] if r["form"].startswith("none")]
    extra = ""
    if none:
        ratio = (full["rss_growth"] - none[0]["rss_growth"]) / full["rows_bytes"]
        extra = f"; {ratio:.1f}x rows more than an unweighted fit"
    return {
        "name": f"memory with per-example tables, n={m['n']:,}, K={m['K']}",
        "target": "peak growth a small multiple of the (n, K) rows; no (n,K,K) copy",
        "measured": f"RSS +{full['rss_growth_over_rows']:.1f}x rows "
        f"= {full['rss_growth_over_table']:.2f}x the (n,K,K) table{extra}",
        "met": full["rss_growth_over_rows"] <= 8
        and full["rss_growth_over_table"] < 0.5,
    }


def _verdict_imports(im):
    rows = im["rows"]
    clean = all(not r["heavy_loaded"] for r in rows)
    missing = [
        r["import"]
        for r in rows
        if any(s.startswith("missing") for s in r["modules"].values())
    ]
    return {
        "name": "imports of the numpy/scikit-learn-only modules",
        "target": "skweighted.metrics and table utilities import no TF/Keras",
        "measured": "no heavy module loaded" if clean else "heavy modules loaded",
        "met": clean and not missing,
        "missing_modules": missing,
    }


def _verdict_gridsearch(gs, limit):
    r = next(x for x in gs["rows"] if x["estimator"] == GRIDSEARCH_SKWEIGHTED)
    backend = "TensorFlow" if gs["backend"] == "tensorflow" else "JAX"
    return {
        "name": f"grid search of {gs['fits']} small fits vs MLPClassifier, {backend}",
        "target": f"skweighted / MLPClassifier <= {limit}, best CV accuracy +-1 point",
        "measured": f"{r['ratio_vs_sklearn']:.2f} ({r['wall_s']:.1f} s); best CV "
        f"accuracy {r['best_cv_accuracy']:.3f} "
        f"({r['accuracy_diff_points']:+.1f} pt)",
        "met": r["ratio_vs_sklearn"] <= limit and abs(r["accuracy_diff_points"]) <= 1,
    }


def verdicts(sections):
    """One verdict per measured target, named by what it measures."""
    v = {}
    jax = sections.get("jax", {})
    if "overhead" in sections:
        v.update(_verdicts_overhead(sections["overhead"]))
    if "levers" in sections:
        jax_rows = jax.get("levers", {}).get("rows", [])
        v.update(_verdicts_levers(sections["levers"], jax_rows))
    if "small" in sections:
        jax_rows = jax.get("small", {}).get("rows", [])
        v["small_data_fit"] = _verdict_small(sections["small"], jax_rows)
    if "memory" in sections:
        v["memory_per_example_tables"] = _verdict_memory(sections["memory"])
    if "imports" in sections:
        v["light_imports"] = _verdict_imports(sections["imports"])
    if "gridsearch" in sections:
        v["gridsearch_tensorflow"] = _verdict_gridsearch(sections["gridsearch"], 1.5)
    if "gridsearch" in jax:
        v["gridsearch_jax"] = _verdict_gridsearch(jax["gridsearch"], 1.0)
    return v


# ---------------------------------------------------------------- markdown
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


def _header(res):
    env = res["environment"]
    return [
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
            list(res["verdicts"].values()),
            [
                ("measure", "name", 0),
                ("target", "target", 0),
                ("measured", "measured", 0),
                ("met", "met", 0),
            ],
        ),
    ]


def _md_overhead(o):
    o = _overhead(o)
    repeats = f", {o['model_fit_repeats']} repeats" if "model_fit_repeats" in o else ""
    lines = [
        f"## Weighted vs unweighted training, n={o['n']}, {o['epochs']} epochs",
        "",
        "Ratios are per repeat against the unweighted fit of the same repeat, "
        "then the median.",
        "",
    ]
    if "default_path_k100_argmax_cpu_ratio" in o:
        lines += [
            "The default path (what users get): whole `WeightedMLPClassifier` fits "
            "with no callbacks (on TensorFlow all epochs in one traced call), after "
            "one warm-up fit of each variant (so tracing is excluded), "
            f"{o['repeats']} repeats. CPU time is the process's (all threads); "
            "Q1 and Q3 are the quartiles of the paired CPU ratios (the noise).",
            "",
            md_table(
                [r for r in o["rows"] if r["fit_s"] is not None],
                [
                    ("K", "K", 0),
                    ("variant", "variant", 0),
                    ("tables", "tables_form", 0),
                    ("fit s", "fit_s", 2),
                    ("fit ratio", "fit_ratio", 2),
                    ("fit CPU s", "fit_cpu_s", 2),
                    ("fit CPU ratio", "fit_cpu_ratio", 2),
                    ("CPU ratio Q1", "fit_cpu_ratio_q1", 2),
                    ("CPU ratio Q3", "fit_cpu_ratio_q3", 2),
                ],
            ),
            "",
        ]
    lines += [
        "The `Model.fit` path (with callbacks): `WeightedKerasClassifier` with the "
        "same network and a Keras callback timing each epoch (any callback makes a "
        f"fit go through `keras.Model.fit`){repeats}; a global table reaches the "
        "model there as each example's (n, K) row. Per-epoch time is the median "
        'of epochs 2.. of each fit. "global-in-loss" is an alternative measured for '
        "comparison: the K x K table inside the loss "
        "(`MisclassificationWeightedCrossentropy`), no (n, K) rows input.",
        "",
        md_table(
            o["rows"],
            [
                ("K", "K", 0),
                ("variant", "variant", 0),
                ("tables", "tables_form", 0),
                ("epoch s", "model_fit_epoch_s", 3),
                ("epoch ratio", "model_fit_epoch_ratio", 2),
                ("epoch CPU s", "model_fit_epoch_cpu_s", 3),
                ("epoch CPU ratio", "model_fit_epoch_cpu_ratio", 2),
                ("whole fit s", "model_fit_fit_s", 2),
                ("whole-fit ratio", "model_fit_fit_ratio", 2),
            ],
        ),
    ]
    return lines


def _md_kloop(kl):
    return [
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


def _md_levers(runs):
    lv = runs[0]
    rows = [r for run in runs for r in run["rows"]]
    return [
        f"## Against MLPClassifier, with alternatives: n={lv['n']}, K={lv['K']}, "
        f"20 features, hidden 64, batch 256, {lv['epochs']} epochs",
        "",
        "Whole `fit` (build, trace, train), after one warm-up fit of each in the "
        "process. Each backend's ratios are against MLPClassifier in the same "
        'process. With its defaults (`early_stopping="auto"`) skweighted holds '
        "out a validation fraction for early stopping on more than 10,000 "
        "examples; `MLPClassifier` does not stop early by default, so "
        "`early_stopping=False` is the like-for-like row. On TensorFlow both "
        "run all their epochs in one call, the held-out loss evaluated inside "
        "it. The Model.fit path trains the defaults with a do-nothing Keras "
        "callback passed to `fit` (any callback makes a fit go through "
        "`keras.Model.fit`).",
        "",
        md_table(
            rows,
            [
                ("backend", "backend", 0),
                ("variant", "variant", 0),
                ("fit s", "fit_s", 2),
                ("ratio vs MLPClassifier", "ratio_vs_sklearn", 2),
                ("accuracy", "accuracy", 3),
                ("acc. diff (pt)", "accuracy_diff_points", 1),
            ],
        ),
    ]


def _md_small(runs):
    sm = runs[0]
    rows = [r for run in runs for r in run["rows"]]
    return [
        f"## Small data: iris ({sm['n']} rows), {sm['epochs']} epochs",
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


def _md_memory(m):
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
    return [
        f"## Memory: per-example tables n={m['n']}, K={m['K']}, float32, 1 epoch",
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


def _md_imports(im):
    rows = [
        {
            **r,
            "heavy": ", ".join(r["heavy_loaded"]) or "none",
            "mods": "; ".join(f"{k}: {v}" for k, v in r["modules"].items()),
        }
        for r in im["rows"]
    ]
    return [
        "## Imports (fresh subprocess each)",
        "",
        md_table(
            rows,
            [
                ("import", "import", 0),
                ("result", "mods", 0),
                ("TF/Keras loaded", "heavy", 0),
                ("s", "seconds", 2),
            ],
        ),
    ]


def _md_scaling(sc):
    return [
        f"## Scaling ({sc['epochs']} epochs, whole fit)",
        "",
        md_table(
            sc["by_n"] + sc["by_k"],
            [
                ("n", "n", 0),
                ("K", "K", 0),
                ("method", "method", 0),
                ("fit s", "fit_s", 2),
                ("ratio vs MLPClassifier", "ratio_vs_sklearn", 2),
                ("accuracy", "accuracy", 3),
            ],
        ),
    ]


def _md_split(gs):
    p = gs["split"]
    fits, wall = p["fits"], p["wall_s"]
    parts = [
        (
            "build + set-up (the part of fit that does not grow with epochs)",
            "build_setup_s",
        ),
        (f"training ({p['epochs']} epochs)", "training_s"),
        ("predict (scoring the held-out fold)", "predict_s"),
        ("the search's own work (cloning, splitting)", "search_other_s"),
        ("wall time of the search", "wall_s"),
    ]
    rows = [
        {
            "part": label,
            "s": p[key],
            "ms_per_fit": None if p[key] is None else 1000 * p[key] / fits,
            "share": None if p[key] is None else 100 * p[key] / wall,
        }
        for label, key in parts
    ]
    return [
        "",
        f"Where the time of WeightedMLPClassifier's default search (no callbacks) "
        f"goes ({gs['backend']}):",
        "",
        md_table(
            rows,
            [
                ("part", "part", 0),
                ("s in the search", "s", 2),
                ("ms per fit", "ms_per_fit", 0),
                ("% of wall", "share", 0),
            ],
        ),
        "",
        "Fit and predict times are GridSearchCV's `cv_results_`; training is the "
        "fit time that grows with the epochs, from the same search at 1 epoch run "
        f"right after it in each repeat (fit {p['one_epoch_fit_s']:.2f} s); each "
        f"part is the median of {p.get('repeats', 1)} such pairs. Building the "
        "network and the rest of the set-up are one figure: telling them apart "
        "needs the estimator's internals; building the same network alone "
        f"(`skweighted.keras.build_mlp`) takes {1000 * p['build_alone_s']:.0f} ms.",
    ]


def _md_gridsearch(searches):
    gs = searches[0]
    rows = [r for s in searches for r in s["rows"]]
    lines = [
        f"## Grid search: {gs['folds']}-fold GridSearchCV over "
        f"{len(gs['grid']['alpha'])} alphas ({gs['fits']} fits), {gs['dataset']}",
        "",
        f"`StandardScaler` + one hidden layer of {gs['hidden']}, batch "
        f"{gs['batch_size']}, {gs['epochs']} epochs (no early stop), Adam 1e-3, "
        f"alpha in {gs['grid']['alpha']}, stratified folds, `refit=False`; after a "
        "warm-up search of each in the process. Search time is wall time, CPU time "
        "is the process's (all threads); ratios are per repeat against "
        "MLPClassifier in the same process, then the median. The Model.fit path is "
        "the same WeightedMLPClassifier search with a do-nothing Keras callback "
        "passed as a fit parameter (any callback makes a fit go through "
        "`keras.Model.fit` instead of training in one call); its ratios vs the "
        "default are per repeat against the default search of the same repeat.",
        "",
        md_table(
            rows,
            [
                ("backend", "backend", 0),
                ("estimator", "estimator", 0),
                ("search s", "wall_s", 2),
                ("ratio vs MLPClassifier", "ratio_vs_sklearn", 2),
                ("CPU s", "cpu_s", 1),
                ("CPU ratio", "cpu_ratio_vs_sklearn", 2),
                ("ratio vs default", "ratio_vs_default", 2),
                ("CPU ratio vs default", "cpu_ratio_vs_default", 2),
                ("best CV accuracy", "best_cv_accuracy", 3),
                ("acc. diff (pt)", "accuracy_diff_points", 1),
                ("best alpha", "best_alpha", 0),
                ("fit s", "fit_s", 2),
                ("predict s", "predict_s", 2),
                ("repeats", "repeats", 0),
            ],
        ),
    ]
    for s in searches:
        lines += _md_split(s)
    return lines


def markdown(res):
    s = res["sections"]
    jax = s.get("jax", {})

    def both(name):
        """The TensorFlow run of a section and its JAX run, those that exist."""
        return [run for run in (s.get(name), jax.get(name)) if run]

    blocks = [
        ("overhead", _md_overhead),
        ("kloop", _md_kloop),
        ("levers", _md_levers),
        ("small", _md_small),
        ("memory", _md_memory),
        ("imports", _md_imports),
        ("scaling", _md_scaling),
        ("gridsearch", _md_gridsearch),
    ]
    lines = _header(res)
    for name, block in blocks:
        if name in ("levers", "small", "gridsearch"):
            if both(name):
                lines += ["", *block(both(name))]
        elif name in s:
            lines += ["", *block(s[name])]
    if "error" in jax:
        lines += ["", "## JAX child failed", "", "```", jax["error"], "```"]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- plot
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
    pts = [r for r in kl["rows"] if r["loss"] == "tutorial K x K loop"] if kl else []
    if pts:
        # whole-fit estimate for the loop loss: trace epoch + (epochs-1) later epochs
        ax_k.plot(
            [r["K"] for r in pts],
            [r["first_epoch_s"] + (sc["epochs"] - 1) * r["epoch_s"] for r in pts],
            marker="x",
            linestyle="--",
            color="grey",
            label="Keras + tutorial K x K loop loss",
        )
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


# ---------------------------------------------------------------- files
def write_json(res, path):
    path.write_text(json.dumps(res, indent=1, default=str) + "\n")


def render(res, out, stem, plot_copy=None):
    """Write the markdown and the plot of a results dict; log the verdicts."""
    (out / f"{stem}.md").write_text(markdown(res))
    png = plot(res, out / f"{stem}.png")
    if png and plot_copy and res["quick"]:
        log("--quick: not copying the plot to --plot-copy (only full runs go there)")
    elif png and plot_copy:
        shutil.copyfile(png, plot_copy)
    log(f"done in {res['wall_s']:.0f}s: {out / stem}.{{json,md,png}}")
    for v in res["verdicts"].values():
        log(f"  {v['name']}: {'MET' if v['met'] else 'NOT MET'}: {v['measured']}")
    return res
