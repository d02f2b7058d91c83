"""
=======================================================
Searching weight tables in parallel, locally or on Dask
=======================================================

A grid of weight tables x network sizes x folds is many small, independent
fits. This example runs one :class:`~sklearn.model_selection.GridSearchCV` with
per-example tables three ways and checks that all three agree:

* sequentially,
* on 2 local processes with ``n_jobs=2`` (joblib's default *loky* backend),
  each capped to its share of the cores,
* on a 2-process Dask cluster on this machine, with the tables sent to the
  workers once by :func:`skweighted.scatter_array`. This part is skipped when
  Dask is not installed (``pip install "skweighted[dask]"``).

See :doc:`/scaling` for the thread settings, the bytes each variant sends and
multi-GPU training.

Dask starts its workers as new Python processes, which import this script
again: the work below sits under ``if __name__ == "__main__":`` so that they do
not run it a second time.
"""

# %%
# Data and per-example tables
# ---------------------------
# Three classes; each example carries its own table of misclassification
# weights (``tables[k, true, predicted]``): here, mistaking class 2 costs more
# for larger values of the first feature.
import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skweighted import WeightedMLPClassifier

X, y = make_classification(
    n_samples=300,
    n_features=6,
    n_informative=4,
    n_redundant=0,
    n_classes=3,
    n_clusters_per_class=1,
    random_state=0,
)
X = StandardScaler().fit_transform(X).astype(np.float32)
tables = np.ones((len(y), 3, 3))
tables[:, 2, :2] = 1.0 + 2.0 * (X[:, :1] > 0)

# Per-example tables win over the global ``misclass_weights``, so with them
# the search is over the network; without them, put ``misclass_weights``
# candidates in the grid instead, the rest is the same.
grid = {"hidden_layer_sizes": [(8,), (16,)], "alpha": [1e-4, 1e-1]}
estimator = WeightedMLPClassifier(epochs=5, batch_size=32, random_state=0)


def search():
    return GridSearchCV(estimator, grid, cv=2, refit=False)


# %%
# Sequential and with ``n_jobs=2``
# --------------------------------
# With ``n_jobs=2`` joblib starts 2 worker processes and gives each a thread
# budget of ``cpu_count() // 2`` (as ``OMP_NUM_THREADS``);
# :func:`skweighted.limit_backend_threads` turns that budget into TensorFlow's
# thread-pool sizes. ``inner_max_num_threads`` sets the budget explicitly.
if __name__ == "__main__":
    sequential = search().fit(X, y, sample_tables=tables).cv_results_

    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        gs = search().set_params(n_jobs=2)
        local = gs.fit(X, y, sample_tables=tables).cv_results_

    print(
        "n_jobs=2 equals sequential:",
        np.array_equal(local["mean_test_score"], sequential["mean_test_score"]),
    )

# %%
# On a Dask cluster
# -----------------
# A ``LocalCluster`` of 2 single-threaded worker processes on the loopback
# interface stands in for a real cluster (pass the scheduler's address to
# ``Client`` instead). The tables are scattered to both workers once; each task
# then carries a small reference instead of a pickled copy.
try:
    from distributed import Client, LocalCluster
except ImportError:
    LocalCluster = None
    print("Dask is not installed: skipping the cluster run.")

distributed_results = None
if __name__ == "__main__" and LocalCluster is not None:
    from skweighted import scatter_array

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        shared = scatter_array(tables, client=client)
        with joblib.parallel_backend("dask"):
            distributed_results = search().fit(X, y, sample_tables=shared).cv_results_
    print(
        "Dask equals sequential:",
        np.array_equal(
            distributed_results["mean_test_score"], sequential["mean_test_score"]
        ),
    )

# %%
# The scores
# ----------
# Each fit is seeded by ``random_state`` wherever it runs, with explicit
# seeds and no global random state (see the note in :doc:`/scaling`), so the
# three runs give the same scores.
if __name__ == "__main__":
    labels = [
        f"{p['hidden_layer_sizes'][0]} units\nalpha={p['alpha']:g}"
        for p in sequential["params"]
    ]
    runs = {"sequential": sequential, "n_jobs=2": local}
    if distributed_results is not None:
        runs["Dask"] = distributed_results
    width = 0.8 / len(runs)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for i, (name, results) in enumerate(runs.items()):
        ax.bar(
            np.arange(len(labels)) + i * width,
            results["mean_test_score"],
            width=width,
            label=name,
        )
    ax.set_xticks(np.arange(len(labels)) + width * (len(runs) - 1) / 2, labels)
    ax.set_ylabel("mean CV accuracy")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right")
    fig.tight_layout()
    plt.show()
