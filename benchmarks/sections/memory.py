"""Peak memory growth during a fit with per-example tables.

Each measurement runs in a fresh subprocess (peak RSS needs a clean
process): an unweighted fit, (n, K, K) tables (with and without
tracemalloc) and the compact (n, K) rows.
"""

from _common import HERE, log, run_child

CHILD = r"""
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
LABELS = {"none": "none (unweighted)", "full": "(n, K, K)", "rows": "(n, K)"}


def run(cfg):
    n, k = cfg["memory_n"], cfg["memory_k"]
    rows = []
    for form, trace in (
        ("none", False),
        ("full", False),
        ("full", True),
        ("rows", False),
    ):
        res = run_child(CHILD.format(here=str(HERE), n=n, k=k, form=form, trace=trace))
        res.update(form=LABELS[form], tracemalloc=trace)
        res["rss_growth_over_rows"] = res["rss_growth"] / res["rows_bytes"]
        res["rss_growth_over_table"] = res["rss_growth"] / res["table_bytes"]
        if trace:
            res["tracemalloc_over_rows"] = res["tracemalloc_peak"] / res["rows_bytes"]
        rows.append(res)
        log(
            f"  memory {res['form']} tracemalloc={trace}: "
            f"RSS +{res['rss_growth'] / 2**20:.0f} MiB "
            f"(rows {res['rows_bytes'] / 2**20:.0f} MiB, "
            f"table {res['table_bytes'] / 2**20:.0f} MiB)"
        )
    return {"n": n, "K": k, "rows": rows}
