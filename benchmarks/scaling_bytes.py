"""Bytes sent to the workers of a grid search, with and without shared tables.

A ``GridSearchCV`` of 4 candidates x 5 folds (20 tasks) over a
``WeightedMLPClassifier`` with per-example ``sample_tables`` of shape
(n, K, K) passed as a fit parameter, run four ways on 2 local workers:

``dask_plain``
    joblib's Dask backend, tables as a plain array (pickled into each task).
``dask_scattered``
    joblib's Dask backend, tables wrapped by ``skweighted.scatter_array``
    (copied to each worker once).
``loky_pickled``
    ``n_jobs=2`` with joblib's loky backend and memory-mapping turned off
    (``parallel_config(max_nbytes=None)``).
``loky_memmap``
    ``n_jobs=2`` with loky's defaults: arrays over 1 MB are dumped once to a
    memory-mapped file that the workers open.

Counted: for Dask, every byte written to a TCP connection by the client and
scheduler process and by the worker processes (``distributed.comm.tcp.TCP.write``
returns the size of each message); for loky, every byte of the pickled calls
put on the workers' queue, and separately every byte written to memmap files.

Also measured (``--threads``): the threads of a loky worker (``n_jobs=2``)
after one fit, with and without ``skweighted.limit_backend_threads()``.

Run::

    .venv/bin/python benchmarks/scaling_bytes.py            # n=100,000, K=10
    .venv/bin/python benchmarks/scaling_bytes.py --n 5000   # a quick look

It prints a table and writes JSON (``--out``, default
``benchmarks/results/scaling_bytes.json``). Everything stays on 127.0.0.1.
"""

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

N_CANDIDATES = 4
N_FOLDS = 5


# --------------------------------------------------------------- counters
def _install_tcp_counter():
    """Count the bytes that this process writes to Dask's TCP connections."""
    from distributed.comm import tcp

    if getattr(tcp.TCP, "_skw_counting", False):
        return
    original = tcp.TCP.write

    async def write(self, msg, serializers=None, on_error="message"):
        nbytes = await original(self, msg, serializers=serializers, on_error=on_error)
        tcp.TCP._skw_bytes += nbytes
        return nbytes

    tcp.TCP._skw_bytes = 0
    tcp.TCP._skw_counting = True
    tcp.TCP.write = write


def _tcp_bytes(reset=False):
    from distributed.comm import tcp

    nbytes = tcp.TCP._skw_bytes
    if reset:
        tcp.TCP._skw_bytes = 0
    return nbytes


class _LokyCounter:
    """Count pickled calls sent to loky workers and bytes dumped to memmaps."""

    def __init__(self):
        from joblib import _memmapping_reducer
        from joblib.externals.loky.backend import queues

        self.queue_bytes = 0
        self.memmap_bytes = 0
        self.calls = 0
        self._queues, self._reducer = queues, _memmapping_reducer
        self._dumps, self._dump = queues.dumps, _memmapping_reducer.dump

    def __enter__(self):
        def dumps(obj, reducers=None):
            data = self._dumps(obj, reducers=reducers)
            self.queue_bytes += len(data)
            self.calls += 1
            return data

        def dump(value, filename, *args, **kwargs):
            files = self._dump(value, filename, *args, **kwargs)
            self.memmap_bytes += sum(os.path.getsize(f) for f in files)
            return files

        self._queues.dumps, self._reducer.dump = dumps, dump
        return self

    def __exit__(self, *exc):
        self._queues.dumps, self._reducer.dump = self._dumps, self._dump


# ------------------------------------------------------------------ search
def _data(n, k, n_features=8, seed=0):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n,
        n_features=n_features,
        n_informative=min(n_features, 6),
        n_redundant=0,
        n_classes=k,
        n_clusters_per_class=1,
        random_state=seed,
    )
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    tables = np.random.default_rng(seed).uniform(0.5, 3.0, size=(n, k, k))
    return X, y, tables


def _search(X, y, sample_tables, n_jobs=None):
    from sklearn.model_selection import GridSearchCV

    from skweighted import WeightedMLPClassifier

    k = int(y.max()) + 1
    costly = np.ones((k, k))
    costly[:, -1] = 3.0
    grid = {"misclass_weights": [None, costly], "hidden_layer_sizes": [(4,), (8,)]}
    assert N_CANDIDATES == 4
    estimator = WeightedMLPClassifier(epochs=1, batch_size=4096, random_state=0)
    search = GridSearchCV(estimator, grid, cv=N_FOLDS, refit=False, n_jobs=n_jobs)
    start = time.perf_counter()
    search.fit(X, y, sample_tables=sample_tables)
    return time.perf_counter() - start, search.cv_results_["mean_test_score"]


def run_dask(X, y, tables, *, scattered):
    import joblib
    from distributed import Client, LocalCluster

    from skweighted import scatter_array

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster) as client,
    ):
        _install_tcp_counter()
        client.run(_install_tcp_counter)
        client.run(lambda: __import__("skweighted").WeightedMLPClassifier)  # imports
        _tcp_bytes(reset=True)
        client.run(_tcp_bytes, reset=True)
        fit_tables = scatter_array(tables, client=client) if scattered else tables
        with joblib.parallel_backend("dask"):
            seconds, scores = _search(X, y, fit_tables)
        main = _tcp_bytes()
        workers = sum(client.run(_tcp_bytes).values())
    return {
        "bytes_sent_client_and_scheduler": int(main),
        "bytes_sent_workers": int(workers),
        "bytes_sent_total": int(main + workers),
        "seconds": round(seconds, 1),
        "mean_test_score": scores.tolist(),
    }


def run_loky(X, y, tables, *, memmap):
    import joblib
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor(max_workers=1, reuse=False).shutdown(wait=True)
    config = {} if memmap else {"max_nbytes": None}
    with joblib.parallel_config(backend="loky", **config), _LokyCounter() as counter:
        seconds, scores = _search(X, y, tables, n_jobs=2)
    return {
        "bytes_sent_total": int(counter.queue_bytes + counter.memmap_bytes),
        "bytes_pickled_to_queue": int(counter.queue_bytes),
        "bytes_written_to_memmaps": int(counter.memmap_bytes),
        "queue_messages": counter.calls,
        "seconds": round(seconds, 1),
        "mean_test_score": scores.tolist(),
    }


# ----------------------------------------------------------------- threads
def _worker_threads(limit):
    import psutil
    import tensorflow as tf

    from skweighted import WeightedMLPClassifier, limit_backend_threads

    if limit:
        limit_backend_threads()
    X, y, _ = _data(2000, 3, seed=1)
    WeightedMLPClassifier((32,), epochs=2, batch_size=64, random_state=0).fit(X, y)
    return {
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
        "os_threads": psutil.Process().num_threads(),
    }


def run_threads():
    import joblib
    from joblib.externals.loky import get_reusable_executor

    out = {"cpu_count": joblib.cpu_count()}
    for limit in (False, True):
        get_reusable_executor(max_workers=1, reuse=False).shutdown(wait=True)
        out["limited" if limit else "default"] = joblib.Parallel(n_jobs=2)(
            joblib.delayed(_worker_threads)(limit) for _ in range(2)
        )
    get_reusable_executor(max_workers=1, reuse=False).shutdown(wait=True)
    return out


# -------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument(
        "--variants",
        default="dask_plain,dask_scattered,loky_pickled,loky_memmap",
        help="comma-separated subset",
    )
    parser.add_argument("--threads", action="store_true", help="also count threads")
    parser.add_argument(
        "--out",
        default=os.path.join(
            os.path.dirname(__file__), "results", "scaling_bytes.json"
        ),
    )
    args = parser.parse_args(argv)

    import dask
    import distributed
    import joblib
    import keras
    import sklearn

    X, y, tables = _data(args.n, args.k)
    result = {
        "n": args.n,
        "K": args.k,
        "tasks": N_CANDIDATES * N_FOLDS,
        "tables_nbytes": int(tables.nbytes),
        "X_nbytes": int(X.nbytes),
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "joblib": joblib.__version__,
            "dask": dask.__version__,
            "distributed": distributed.__version__,
            "keras": keras.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "variants": {},
    }
    runners = {
        "dask_plain": lambda: run_dask(X, y, tables, scattered=False),
        "dask_scattered": lambda: run_dask(X, y, tables, scattered=True),
        "loky_pickled": lambda: run_loky(X, y, tables, memmap=False),
        "loky_memmap": lambda: run_loky(X, y, tables, memmap=True),
    }
    for name in args.variants.split(","):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        result["variants"][name] = runners[name]()
    if args.threads:
        print("counting threads ...", file=sys.stderr, flush=True)
        result["threads"] = run_threads()

    mb = 1e6
    print(
        f"\n{result['tasks']} tasks, n={args.n}, K={args.k}: tables "
        f"{tables.nbytes / mb:.1f} MB, X {X.nbytes / mb:.1f} MB"
    )
    print(f"{'variant':<16}{'MB sent':>10}{'x tables':>10}{'seconds':>9}")
    for name, row in result["variants"].items():
        sent = row["bytes_sent_total"]
        print(
            f"{name:<16}{sent / mb:>10.1f}{sent / tables.nbytes:>10.2f}"
            f"{row['seconds']:>9.1f}"
        )
    if args.threads:
        print(json.dumps(result["threads"], indent=1))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
