"""Tests for scaling out: Dask searches, thread limits, shared tables, tf.distribute.

The Dask tests start a real ``LocalCluster`` of 2 worker processes on the
loopback interface and compare every search against the same search run
sequentially: equal seeds must give equal ``cv_results_``.

Seeded fits pass their seeds to every layer and to the shuffle, and read no
global random state, so the Dask scheduler's threads in this process cannot
change them.
"""

import contextlib
import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from joblib import cpu_count, parallel_backend
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.preprocessing import StandardScaler

from _helpers import small_mlp
from skweighted import (
    ScatteredArray,
    limit_backend_threads,
    scatter_array,
)

K = 3
W_COSTLY = [[1.0, 2.0, 1.0], [1.0, 1.0, 4.0], [1.0, 1.0, 1.0]]
GRID = {"misclass_weights": [None, W_COSTLY], "hidden_layer_sizes": [(4,), (8,)]}


def _mlp(**params):
    return small_mlp(**{"hidden_layer_sizes": (4,), **params})


def _intra_op(estimator, X, y):
    """Scorer: the intra-op threads of the process that fitted ``estimator``."""
    import tensorflow as tf

    return tf.config.threading.get_intra_op_parallelism_threads()


def _inter_op(estimator, X, y):
    """Scorer: the inter-op threads of the process that fitted ``estimator``."""
    import tensorflow as tf

    return tf.config.threading.get_inter_op_parallelism_threads()


THREAD_SCORING = {"accuracy": "accuracy", "intra": _intra_op, "inter": _inter_op}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=90,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        n_classes=K,
        n_clusters_per_class=1,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X).astype(np.float32)
    tables = np.random.default_rng(0).uniform(0.5, 3.0, size=(len(y), K, K))
    return X, y, tables


@contextlib.contextmanager
def _local_cluster():
    """A LocalCluster of 2 single-threaded worker processes on 127.0.0.1."""
    distributed = pytest.importorskip(
        "distributed",
        reason="dask.distributed is not installed: pip install skweighted[dask]",
    )
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def fresh_loky_workers():
    """Start loky's workers anew, so that TensorFlow starts in them afresh."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor(max_workers=1, reuse=False).shutdown(wait=True)
    yield
    get_reusable_executor(max_workers=1, reuse=False).shutdown(wait=True)


def _assert_same_results(seq, par):
    for key in seq:
        if key.startswith(("split", "mean_test", "rank_test", "param_")):
            np.testing.assert_array_equal(seq[key], par[key], err_msg=key)
    assert seq["params"] == par["params"]


def test_searches_on_dask_match_sequential(data):
    """Check that grid and randomized searches on Dask equal the sequential ones."""
    X, y, tables = data
    # Per-example tables win over misclass_weights: candidates that differ only
    # in misclass_weights must tie, which the comparison checks as well.
    distributions = {"alpha": [1e-4, 1e-2], "hidden_layer_sizes": [(4,), (8,)]}

    def grid_search(sample_tables):
        return GridSearchCV(_mlp(), GRID, cv=2, refit=False).fit(
            X, y, sample_tables=sample_tables
        )

    def randomized_search(sample_tables):
        return RandomizedSearchCV(
            _mlp(misclass_weights=W_COSTLY),
            distributions,
            n_iter=2,
            cv=2,
            random_state=0,
        ).fit(X, y, sample_tables=sample_tables)

    grid_sequential = grid_search(tables).cv_results_
    randomized_sequential = randomized_search(tables)
    with _local_cluster() as client:
        assert len(client.scheduler_info()["workers"]) == 2
        shared = scatter_array(tables, client=client)
        with parallel_backend("dask"):
            grid_dask = grid_search(tables).cv_results_
            randomized_dask = randomized_search(shared)
        # the refit ran here, on the local copy of the scattered tables
        proba_dask = randomized_dask.best_estimator_.predict_proba(X)

    _assert_same_results(grid_sequential, grid_dask)
    np.testing.assert_array_equal(
        grid_dask["mean_test_score"][[0, 2]], grid_dask["mean_test_score"][[1, 3]]
    )
    _assert_same_results(randomized_sequential.cv_results_, randomized_dask.cv_results_)
    np.testing.assert_array_equal(
        randomized_sequential.best_estimator_.predict_proba(X), proba_dask
    )


def test_scattered_array_sends_a_reference(data):
    """Check that a ScatteredArray pickles small and reads the data on workers."""
    _, _, tables = data
    big = np.repeat(tables, 20, axis=0)
    idx = np.arange(5, 500, 7)

    def read(array, idx):
        return np.asarray(array[idx]).sum(), type(array).__name__

    with _local_cluster() as client:
        shared = scatter_array(big, client=client)
        assert isinstance(shared, ScatteredArray)
        assert scatter_array(shared) is shared
        assert shared.shape == big.shape and len(shared) == len(big)
        assert shared.dtype == big.dtype and shared.ndim == 3
        assert shared.nbytes == big.nbytes
        assert len(pickle.dumps(shared)) < 500 < big.nbytes
        assert np.asarray(shared) is big
        # numpy 2's copy semantics, as for an ndarray
        assert np.array(shared, copy=True) is not big
        np.testing.assert_array_equal(np.array(shared, copy=True), big)
        if np.lib.NumpyVersion(np.__version__) >= "2.0.0":
            with pytest.raises(ValueError, match="copy"):
                np.asarray(shared, dtype=np.float16, copy=False)
        np.testing.assert_array_equal(shared[idx], big[idx])
        np.testing.assert_array_equal(shared.take(idx, axis=0), big[idx])
        for worker in client.scheduler_info()["workers"]:
            total, kind = client.submit(read, shared, idx, workers=[worker]).result()
            assert kind == "ScatteredArray"
            assert total == big[idx].sum()
        # the scheduler keeps the data until it is unpublished
        assert shared.key in client.list_datasets()
        client.unpublish_dataset(shared.key)
        assert shared.key not in client.list_datasets()


def test_thread_budget_is_the_workers_not_the_parents(monkeypatch):
    """Check Dask's workers get a budget and the process that started them not.

    Dask writes its workers' OMP_NUM_THREADS=1 into the environment of the
    process that starts them; that process must keep its own thread pools.
    """
    from skweighted._parallel import _thread_budget

    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # a job's own setting, no Dask yet
    monkeypatch.delitem(sys.modules, "distributed", raising=False)
    assert _thread_budget() == 2
    monkeypatch.undo()
    with _local_cluster() as client:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")  # as Dask leaves it here
        assert _thread_budget() is None
        budgets = [
            client.submit(_thread_budget, workers=[w], pure=False).result()
            for w in client.scheduler_info()["workers"]
        ]
    assert budgets == [1, 1]
    # a worker in threads of this process: this process' pools, no budget
    import distributed

    with (
        distributed.LocalCluster(
            n_workers=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert client.submit(_thread_budget, pure=False).result() is None
    # a worker process started on its own, without a nanny: its budget
    with (
        distributed.LocalCluster(
            n_workers=0, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        env = {**os.environ, "OMP_NUM_THREADS": "2"}
        command = [sys.executable, "-m", "distributed.cli.dask_worker"]
        worker = subprocess.Popen(
            [*command, cluster.scheduler_address, "--no-nanny", "--nthreads", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            client.wait_for_workers(1, timeout=60)
            assert client.submit(_thread_budget, pure=False).result() == 2
        finally:  # a worker's own shutdown can stall: then end it
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _pools_after_unpickling(data):
    """TensorFlow's (intra-op, inter-op) pools after unpickling ``data``."""
    import tensorflow as tf

    pickle.loads(data)
    t = tf.config.threading
    return t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads()


def test_unpickled_estimator_caps_threads_in_workers_only(data, fresh_loky_workers):
    """Check a fitted estimator unpickled in a worker process (as a fitted
    search sends its best_estimator_ to every task) caps the pools before
    loading starts TensorFlow, as a fit there would; in a main process
    (a fresh interpreter, OMP_NUM_THREADS exported) nothing changes."""
    from joblib.externals.loky import get_reusable_executor

    X, y, _ = data
    fitted = pickle.dumps(_mlp(epochs=1).fit(X, y))
    executor = get_reusable_executor(
        max_workers=1, reuse=False, env={"OMP_NUM_THREADS": "1"}
    )
    assert executor.submit(_pools_after_unpickling, fitted).result() == (1, 1)
    code = (
        "import sys, pickle, tensorflow as tf\n"
        "pickle.loads(sys.stdin.buffer.read())\n"
        "t = tf.config.threading\n"
        "print(t.get_intra_op_parallelism_threads(), "
        "t.get_inter_op_parallelism_threads())\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "KERAS_BACKEND": "tensorflow"}
    out = subprocess.run(
        [sys.executable, "-c", code], input=fitted, env=env, capture_output=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == [b"0", b"0"]  # TensorFlow's defaults


def test_scattered_array_of_another_cluster_says_so(data):
    """Check an array not published on the client's cluster gets an error
    that says so, not Dask's bare KeyError."""
    _, _, tables = data
    shared = ScatteredArray("published-elsewhere", tables.shape, tables.dtype)
    with _local_cluster(), pytest.raises(RuntimeError, match="another cluster"):
        shared[:2]


def test_scatter_array_refuses_a_dataframe(data):
    """Check a DataFrame, read by its column labels, is not scattered by position."""
    pd = pytest.importorskip("pandas")
    _, _, tables = data
    rows = pd.DataFrame(tables[:, 0, :], columns=[2, 0, 1])
    with pytest.raises(TypeError, match="not a DataFrame"):
        scatter_array(rows, client=object())  # refused before any cluster call


def test_scattered_array_outside_cluster_raises(data):
    """Check that an unpickled ScatteredArray outside a cluster says what to do."""
    _, _, tables = data
    shared = ScatteredArray("no-such-key", tables.shape, tables.dtype)
    with pytest.raises(RuntimeError, match="loky"):
        shared[:2]


def test_n_jobs_loky_limits_backend_threads(data, fresh_loky_workers):
    """Check that n_jobs=2 (loky) fits with n_jobs x intra-op threads <= cores."""
    X, y, tables = data
    grid = {"misclass_weights": [None, W_COSTLY]}

    def search(estimator, n_jobs):
        return GridSearchCV(
            estimator, grid, cv=2, n_jobs=n_jobs, scoring=THREAD_SCORING, refit=False
        ).fit(X, y, sample_tables=tables)

    parallel = search(_mlp(), n_jobs=2).cv_results_
    sequential = search(_mlp(), n_jobs=1).cv_results_
    for split in range(2):
        intra = parallel[f"split{split}_test_intra"]
        np.testing.assert_array_equal(parallel[f"split{split}_test_inter"], 1)
        assert np.all(intra >= 1) and np.all(2 * intra <= cpu_count())
        np.testing.assert_array_equal(
            parallel[f"split{split}_test_accuracy"],
            sequential[f"split{split}_test_accuracy"],
        )


def test_limit_backend_threads_after_start_keeps_settings(monkeypatch):
    """Check that a started runtime keeps its pools: silent budget, warned values."""
    import tensorflow as tf

    tf.constant(1.0) + 1.0  # make sure the runtime has started
    current = (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
    from skweighted import _parallel

    monkeypatch.setattr(_parallel, "_thread_budget", lambda: None)
    assert limit_backend_threads() == current
    # a budget (as in a worker) that comes too late is skipped silently
    monkeypatch.setattr(_parallel, "_thread_budget", lambda: current[0] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert limit_backend_threads() == current
    with pytest.warns(RuntimeWarning, match="already started"):
        assert limit_backend_threads(current[0] + 1, 1) == current


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"intra_op": 0}, ValueError, "intra_op must be >= 1"),
        ({"inter_op": -2}, ValueError, "inter_op must be >= 1"),
        ({"intra_op": 1.5}, TypeError, "intra_op must be an int"),
        ({"inter_op": True}, TypeError, "inter_op must be an int"),
    ],
)
def test_limit_backend_threads_checks_values(params, error, match):
    """Check that limit_backend_threads rejects bad thread counts."""
    with pytest.raises(error, match=match):
        limit_backend_threads(**params)


@pytest.mark.parametrize("kind", ["one_device", "mirrored"])
def test_distribution_strategy_single_cpu_matches_default(data, kind):
    """Check that fitting in a one-CPU tf.distribute strategy equals a plain fit."""
    import tensorflow as tf

    X, y, tables = data
    if kind == "one_device":
        strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    else:
        strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    expected = _mlp(misclass_weights=W_COSTLY).fit(X, y, sample_tables=tables)

    with strategy.scope():
        scoped = _mlp(misclass_weights=W_COSTLY).fit(X, y, sample_tables=tables)
    assert scoped.model_.distribute_strategy is strategy

    np.testing.assert_array_equal(scoped.predict_proba(X), expected.predict_proba(X))
