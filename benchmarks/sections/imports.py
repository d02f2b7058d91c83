"""Imports: the numpy/scikit-learn-only modules load no TensorFlow or Keras.

Each import runs in a fresh subprocess, which reports the heavy modules it
finds in ``sys.modules`` and the time the import took.
"""

from _common import log, run_child

CHILD = r"""
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
CHECKS = (
    ["skweighted"],
    ["skweighted.metrics"],
    ["skweighted._tables"],
    ["skweighted.metrics", "skweighted._tables"],
    ["sklearn.metrics"],  # reference: what the numpy/sklearn side costs
)


def run(cfg):
    rows = []
    for names in CHECKS:
        res = run_child(CHILD.format(names=names), timeout=300)
        res["import"] = " + ".join(names)
        rows.append(res)
        log(f"  import {res['import']}: heavy={res['heavy_loaded']} {res['modules']}")
    return {"rows": rows}
