"""Helpers for running many fits at once: thread limits and shared tables.

Nothing here imports Keras, TensorFlow or Dask at module level: the backend
and the cluster client are imported inside the functions that need them.
"""

import multiprocessing
import os
import sys
import threading
import warnings

import numpy as np

from ._tables import _is_dataframe

__all__ = ["ScatteredArray", "limit_backend_threads", "scatter_array"]

# Variables that joblib's loky backend sets in its workers (to
# max(cpu_count() // n_jobs, 1)) and that dask's nanny sets to 1 in its worker
# processes; the first one found is the thread budget of this process.
_BUDGET_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _thread_budget():
    """The per-process thread budget set by the parallel backend, or None.

    Dask writes its workers' variables into the environment of the process
    that starts them too, and leaves them there: the main process of a
    session that has loaded ``distributed`` (and is not a Dask worker) takes
    no budget from the environment.
    """
    if _may_have_started_dask_workers():
        return None
    for var in _BUDGET_VARS:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return None


def _may_have_started_dask_workers():
    """Whether this is the main process of a session that loaded Dask.

    A worker process (loky's, or Dask's under its nanny) has a parent
    process; so has not a Dask worker started on its own (``dask worker
    --no-nanny``), which takes its budget too. A Dask worker that runs in
    threads of the main process (``LocalCluster(processes=False)``, whose
    scheduler runs there as well) must not take the budget that an earlier
    cluster of worker processes left in the environment.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None or multiprocessing.parent_process() is not None:
        return False  # no Dask here, or a worker process (loky's, Dask's)
    try:
        distributed.get_worker()
    except ValueError:
        return True  # the main process, not a worker
    # a worker in this process: threads of the main process, or its own
    return bool(getattr(distributed.Scheduler, "_instances", ()))


def _tf_threading():
    """``tf.config.threading`` when Keras runs on TensorFlow, else None."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    return tf.config.threading


def limit_backend_threads(intra_op=None, inter_op=None):
    """Cap the thread pools of the Keras backend in this process.

    Run several fits side by side (``n_jobs=2`` in a grid search, or a Dask
    worker per core) and each TensorFlow runtime would otherwise start one
    thread per core for its intra-op pool and as many for its inter-op pool:
    ``n_jobs x cores`` busy threads fighting for ``cores``. This sets the
    pools of the calling process before TensorFlow starts its runtime.

    Called without arguments, it reads the budget that the parallel backend
    gave this process: joblib's loky workers get ``OMP_NUM_THREADS =
    max(cpu_count() // n_jobs, 1)`` (``inner_max_num_threads`` of
    :func:`joblib.parallel_config` overrides it) and Dask's worker processes
    get ``OMP_NUM_THREADS=1``; the intra-op pool then gets that many threads
    and the inter-op pool one, so ``n_jobs x threads <= cores``. Where no
    budget is set (a plain Python session), nothing changes; nor in the main
    process of a session that has loaded ``dask.distributed``, where Dask
    leaves its workers' variables.

    Parameters
    ----------
    intra_op : int, default=None
        Threads that one operation (a matrix product) may use. None reads
        the budget from the environment as described above.
    inter_op : int, default=None
        Threads that run independent operations concurrently. None means 1
        when a limit applies, otherwise TensorFlow's default.

    Returns
    -------
    threads : tuple of (int, int) or None
        The intra-op and inter-op settings now in force, as reported by
        ``tf.config.threading`` (0 means TensorFlow's default: one thread
        per core). None when the Keras backend is not TensorFlow: JAX reads
        its thread settings from ``XLA_FLAGS`` when it is imported, and
        PyTorch from ``torch.set_num_threads``.

    Warns
    -----
    RuntimeWarning
        When explicit values are asked for after TensorFlow has started its
        runtime (the first TensorFlow operation in the process): the pools
        can no longer change. The budget read from the environment is
        skipped silently in that case.

    See Also
    --------
    joblib.parallel_config : ``inner_max_num_threads`` sets the budget.
    scatter_array : Send large per-example tables to a Dask cluster once.

    Notes
    -----
    The estimators call this at the start of ``fit``, so a worker process is
    capped before its first training step. TensorFlow also reads
    ``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` from the
    environment when its runtime starts, which suits a job script.

    .. versionadded:: 0.1

    Examples
    --------
    In a process with no budget set and no explicit values, nothing changes:

    >>> import os
    >>> from skweighted import limit_backend_threads
    >>> threads = limit_backend_threads()
    >>> threads is None or len(threads) == 2
    True

    In a worker process, before the first fit (shown here by a child
    process, which starts with a fresh TensorFlow runtime):

    >>> import subprocess, sys
    >>> code = ("from skweighted import limit_backend_threads; "
    ...         "print(limit_backend_threads(1, 1))")
    >>> env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    >>> subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
    ...                text=True, check=True).stdout.strip()
    '(1, 1)'
    """
    explicit = intra_op is not None or inter_op is not None
    for name, value in (("intra_op", intra_op), ("inter_op", inter_op)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (int, np.integer))
        ):
            raise TypeError(f"{name} must be an int or None, got {value!r}.")
        if value is not None and value < 1:
            raise ValueError(f"{name} must be >= 1, got {value!r}.")
    threading = _tf_threading()
    if threading is None:
        return None
    if intra_op is None:
        intra_op = _thread_budget()
        if intra_op is None and not explicit:
            return _current(threading)
    if inter_op is None and intra_op is not None:
        inter_op = 1
    try:
        if intra_op is not None:
            threading.set_intra_op_parallelism_threads(int(intra_op))
        if inter_op is not None:
            threading.set_inter_op_parallelism_threads(int(inter_op))
    except RuntimeError as exc:
        if explicit:
            warnings.warn(
                f"TensorFlow's runtime has already started with {_current(threading)} "
                f"(intra-op, inter-op) threads, so ({intra_op}, {inter_op}) cannot be "
                "applied. Call limit_backend_threads before the first TensorFlow "
                "operation, or set TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS "
                f"before starting Python ({exc}).",
                RuntimeWarning,
                stacklevel=2,
            )
    return _current(threading)


def _current(threading):
    return (
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    )


# Arrays fetched in this (worker) process, by the key of their Dask future,
# the most recent few kept so that later tasks on this worker reuse them.
_FETCHED = {}
_FETCHED_MAX = 2
_FETCHED_LOCK = threading.Lock()


def _rebuild(key, shape, dtype):
    return ScatteredArray(key, shape, dtype)


def _fetch(key):
    """The scattered array ``key``, from this worker's memory if it is here.

    The tasks of a worker run in threads: one fetches, the others wait for
    its copy.
    """
    array = _FETCHED.get(key)
    if array is not None:
        return array
    try:
        from distributed import get_client, get_worker
    except ImportError as exc:  # pragma: no cover - no dask in this process
        raise RuntimeError(_NOT_ON_CLUSTER) from exc
    with _FETCHED_LOCK:
        array = _FETCHED.get(key)
        if array is not None:  # fetched by another task meanwhile
            return array
        try:
            worker = get_worker()
        except ValueError:
            worker = None
        if worker is not None and key in worker.data:
            array = worker.data[key]
        else:
            # Dask's memory manager drops replicas that no task lists as a
            # dependency, so this worker may have lost its copy: fetch the
            # published dataset (registered with the scheduler, unlike a key).
            try:
                client = get_client()
            except ValueError as exc:
                raise RuntimeError(_NOT_ON_CLUSTER) from exc
            try:
                array = client.get_dataset(key).result()
            except KeyError as exc:
                raise RuntimeError(
                    f"The scattered array {key!r} is not published on this Dask "
                    "cluster: it was scattered through a client of another "
                    "cluster, or unpublished since. Call scatter_array with the "
                    "client of the cluster that runs the search."
                ) from exc
        while len(_FETCHED) >= _FETCHED_MAX:
            _FETCHED.pop(next(iter(_FETCHED)), None)
        _FETCHED[key] = array
    return array


_NOT_ON_CLUSTER = (
    "A ScatteredArray can be read only in the process that created it or in a "
    "task on its Dask cluster. With joblib's loky backend (n_jobs=...), pass the "
    "plain array: loky memory-maps large arrays by itself."
)


class ScatteredArray:
    """A read-only array that lives on a Dask cluster; see :func:`scatter_array`.

    It has ``shape``, ``dtype``, ``ndim``, ``len`` and numpy indexing, so
    scikit-learn splits it per fold like any array, but pickling it (what
    joblib's Dask backend does with each task's parameters) sends only the
    reference to the data already held by the workers. In the process that
    created it, it reads the local array; in a worker, it reads the
    worker's copy (one per process, fetched at most once at a time).

    Parameters
    ----------
    key : str
        The Dask key of the scattered data.
    shape : tuple of int
        The shape of the scattered array.
    dtype : numpy.dtype
        Its data type.
    local : ndarray, default=None
        The same data in this process, if at hand.
    future : distributed.Future, default=None
        The future that keeps the data on the cluster (held in the process
        that scattered it, never pickled).

    Attributes
    ----------
    key : str
        The Dask key of the scattered data.
    future : distributed.Future or None
        The future that keeps the data on the cluster, in the process that
        scattered it; None in a worker, after unpickling.
    shape : tuple of int
        The shape of the array.
    dtype : numpy.dtype
        Its data type.
    ndim : int
        The number of dimensions, ``len(shape)``.

    See Also
    --------
    scatter_array : Create one.

    Notes
    -----
    .. versionadded:: 0.1

    Examples
    --------
    Made by :func:`scatter_array` on a cluster; here with the data at hand, as
    in the process that scattered it:

    >>> import numpy as np
    >>> from skweighted import ScatteredArray
    >>> data = np.arange(6.0).reshape(3, 2)
    >>> tables = ScatteredArray("tables-0", data.shape, data.dtype, local=data)
    >>> tables
    ScatteredArray(shape=(3, 2), dtype=float64, key='tables-0')
    >>> tables[[0, 2]]
    array([[0., 1.],
           [4., 5.]])
    >>> len(tables), tables.ndim
    (3, 2)
    """

    def __init__(self, key, shape, dtype, local=None, future=None):
        self.key = key
        self.future = future
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self._local = local

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def nbytes(self):
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return (
            f"ScatteredArray(shape={self.shape}, dtype={self.dtype}, key={self.key!r})"
        )

    def __reduce__(self):
        return (_rebuild, (self.key, self.shape, self.dtype.str))

    def _array(self):
        if self._local is None:
            self._local = _fetch(self.key)
        return self._local

    def __array__(self, dtype=None, copy=None):
        # numpy 2's copy semantics: True copies, False refuses to, None may
        array = self._array()
        if copy:
            return np.array(array, dtype=dtype, copy=True)
        if copy is False and dtype is not None and np.dtype(dtype) != array.dtype:
            raise ValueError(
                f"A copy is needed to read the scattered {array.dtype} array as "
                f"{np.dtype(dtype)}; pass copy=None or copy=True."
            )
        return np.asarray(array, dtype=dtype)

    def __getitem__(self, key):
        return self._array()[key]

    def take(self, indices, axis=None):
        """Take elements along an axis, as :meth:`numpy.ndarray.take`.

        Parameters
        ----------
        indices : array-like of int
            The indices of the elements to take.
        axis : int, default=None
            The axis to take them along; None takes from the flattened array.

        Returns
        -------
        taken : ndarray
            The elements, read from this process's copy of the data.
        """
        return self._array().take(indices, axis=axis)


def scatter_array(array, *, client=None, broadcast=True):
    """Send a large array to a Dask cluster once, for many tasks to share.

    scikit-learn passes fit parameters such as ``sample_tables`` inside a
    dict to every task of a search, and joblib's Dask backend only scatters
    large top-level arguments, so an ``(n_samples, K, K)`` table would be
    pickled into every task. Wrap it with this function first: the array is
    copied to the workers once and each task carries a small reference.

    Parameters
    ----------
    array : array-like
        The data, e.g. ``sample_tables`` of shape ``(n_samples, K, K)``. Not
        a DataFrame: its column labels would be lost.
    client : distributed.Client, default=None
        Defaults to the current client (``distributed.get_client()``).
    broadcast : bool, default=True
        Copy the array to every worker now. Recommended when every task
        needs it (the folds of a search all do); with False it goes to one
        worker and the others fetch it when a task needs it.

    Returns
    -------
    scattered : ScatteredArray
        Pass it where the array would go, e.g.
        ``search.fit(X, y, sample_tables=scattered)``. The final refit in
        the calling process reads the local array, with no transfer. The
        data stays on the cluster, published as a dataset named
        ``scattered.key``, until ``client.unpublish_dataset(scattered.key)``:
        the scheduler keeps it after the client closes, for as long as the
        cluster runs, so unpublish it when the work is done on a cluster
        that outlives the client.

    See Also
    --------
    limit_backend_threads : Keep parallel fits from oversubscribing cores.

    Notes
    -----
    Dask's memory manager may drop the extra copies of data that no task
    lists as a dependency; a worker that lost its copy fetches it again and
    keeps the last two arrays it fetched for the next tasks.

    Use it with the Dask backend only. With joblib's default loky backend,
    pass the plain array: loky memory-maps arrays larger than ``max_nbytes``
    (1 MB by default) instead of pickling them into each task.

    .. versionadded:: 0.1

    Examples
    --------
    >>> import numpy as np
    >>> from distributed import Client, LocalCluster
    >>> from skweighted import scatter_array
    >>> cluster = LocalCluster(n_workers=1, processes=False, protocol="tcp",
    ...                        host="127.0.0.1", dashboard_address=None)
    >>> client = Client(cluster)
    >>> tables = np.ones((1000, 3, 3))
    >>> shared = scatter_array(tables, client=client)
    >>> shared.shape, len(shared), shared[:2].shape
    ((1000, 3, 3), 1000, (2, 3, 3))
    >>> client.submit(lambda t: float(t[10:20].sum()), shared).result()
    90.0
    >>> client.unpublish_dataset(shared.key)
    >>> client.list_datasets()
    ()
    >>> client.close(); cluster.close()
    """
    if isinstance(array, ScatteredArray):
        return array
    if _is_dataframe(array):
        raise TypeError(
            "scatter_array takes an array, not a DataFrame: its column labels "
            "(by which a DataFrame of per-example rows is read) would be lost. "
            "Pass frame[list(classes)].to_numpy(), the columns in the order of "
            "the estimator's classes."
        )
    local = np.asarray(array)
    if client is None:
        from distributed import get_client

        client = get_client()
    future = client.scatter(local, broadcast=broadcast, hash=False)
    # Published under its key: the scheduler keeps it, and any worker can get
    # it by name (free it with ``client.unpublish_dataset(scattered.key)``).
    client.publish_dataset(**{future.key: future})
    return ScatteredArray(
        future.key, local.shape, local.dtype, local=local, future=future
    )
