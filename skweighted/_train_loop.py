"""Training in one call: every epoch of a fit inside one traced function.

``keras.Model.fit`` runs a Python loop over the epochs, with an input
pipeline, callbacks and logs around each call of the traced train function.
On a small fit (a fold of a grid search) that costs several times more than
the optimizer steps themselves. When a fit needs none of it (the user passed
no callbacks and no ``validation_split``, no progress bar is shown; held-out
``validation_data`` is evaluated here too), the estimators run all its epochs
in one call of a traced TensorFlow function instead (on JAX, see below),
which does exactly what ``Model.fit`` would:

- the same batches: each epoch is the stateless shuffle of (seed, epoch
  number) of :func:`skweighted._fit_data.epoch_batches`, cut into batches of
  ``batch_size`` (the last one smaller);
- the same optimizer steps: the model's own ``train_step``, on the same
  tensors (one-hot targets travel as class indices and are expanded in each
  step, so that a batch does not gather a ``(batch, K)`` array of zeros and
  ones, and a global table's rows are looked up from those indices instead
  of being gathered from a copy per example; see :meth:`EpochLoop.fit`);
- the same logs: the model's metrics are reset at the start of each epoch
  and read at its end, as ``history_``;
- the same held-out evaluation: after each epoch the model's own
  ``test_step`` on the validation batches, in order, logged as ``val_*``;
- the same stopping rule: the one of ``keras.callbacks.EarlyStopping``
  (:class:`Stopping`) on the training or validation loss, evaluated between
  epochs inside the function, with the best epoch's weights restored at the
  end when the rule says so.

On TensorFlow all the epochs run in one call of a traced function; on JAX
each epoch is one call of a jitted function (JAX needs static shapes, so the
data are not traced as a whole) shuffled by JAX's generator from the seed,
so there the same seed gives the same model from one fit to the next but not
the model of ``Model.fit`` (fed by :class:`~skweighted._fit_data.SeededBatches`,
shuffled by numpy's generator from the same seed). The traced functions are kept
with the compiled model they belong to (see ``_model_reuse``), so later fits
of the same configuration skip tracing.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stopping:
    """When training stops early: the rule of ``keras.callbacks.EarlyStopping``.

    Training stops once ``monitor`` has not decreased by more than
    ``min_delta`` for ``patience`` epochs (never after the first epoch).

    Attributes
    ----------
    monitor : str
        The logged quantity watched ("loss" or "val_loss").
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        The least decrease that counts as an improvement.
    restore_best_weights : bool
        Whether the weights of the best epoch are restored at the end.
    """

    monitor: str
    patience: int
    min_delta: float
    restore_best_weights: bool = False

    def callback(self):
        """The ``keras.callbacks.EarlyStopping`` callback of this rule."""
        import keras

        return keras.callbacks.EarlyStopping(
            monitor=self.monitor,
            min_delta=self.min_delta,
            patience=self.patience,
            restore_best_weights=self.restore_best_weights,
        )


def trains_in_one_call(*, callbacks, stopping, fit_kwargs, run_eagerly):
    """Whether a fit can run all its epochs in one call (see the module).

    Parameters
    ----------
    callbacks : list of keras.callbacks.Callback
        The user's callbacks (any one needs ``Model.fit``).
    stopping : Stopping or None
        The estimator's stopping rule.
    fit_kwargs : dict
        The remaining ``Model.fit`` arguments; anything but ``verbose=0``
        and held-out data as a ``FitData`` (``validation_data``) needs
        ``Model.fit`` (e.g. ``steps_per_epoch``).
    run_eagerly : bool
        Whether the model runs eagerly (then ``Model.fit`` is used).

    Returns
    -------
    bool
    """
    import keras

    from ._fit_data import FitData
    from ._model_reuse import in_distribution_scope

    held_out = isinstance(fit_kwargs.get("validation_data"), FitData)
    rest = {
        k: v
        for k, v in fit_kwargs.items()
        if not (k == "verbose" and not v) and not (k == "validation_data" and held_out)
    }
    monitors = ("loss", "val_loss") if held_out else ("loss",)
    return (
        keras.backend.backend() in ("tensorflow", "jax")
        and not callbacks
        and not rest
        and not run_eagerly
        and (stopping is None or stopping.monitor in monitors)
        and not in_distribution_scope()
    )


class EpochLoop:
    """All the epochs of a fit of ``model`` in one traced call.

    Parameters
    ----------
    model : keras.Model
        A compiled model (TensorFlow backend); the loop trains it in place.
    """

    def __init__(self, model):
        self.model = model
        # One traced function per structure of the data (with or without
        # rows, sample weights), each with an unknown number of examples.
        self._functions = {}

    def fit(
        self,
        arrays,
        *,
        batch_size,
        epochs,
        seed=None,
        stopping=None,
        validation=None,
        one_hot=None,
        rows_table=None,
        validation_rows_table=None,
    ):
        """Train the model; return its history as ``Model.fit`` would.

        Parameters
        ----------
        arrays : tuple
            ``(x, y)`` or ``(x, y, sample_weight)`` as ``Model.fit`` takes
            them (``x`` an array, or a dict, tuple or list of arrays).
        batch_size : int
            Examples per batch.
        epochs : int
            The most epochs to run.
        seed : int or None, default=None
            Shuffle seed; None keeps the order of the examples.
        stopping : Stopping or None, default=None
            Stop early on the training loss ("loss") or the loss on
            ``validation`` ("val_loss").
        validation : tuple or None, default=None
            Held-out ``(x, y)`` or ``(x, y, sample_weight)``, evaluated after
            each epoch in batches of ``batch_size``.
        one_hot : int or None, default=None
            The number of classes K when ``y`` (in ``arrays`` and
            ``validation``) holds class indices that the model takes as
            one-hot rows: each batch's ``y`` is then expanded to float32
            one-hot rows of width K before the step, the tensor that
            ``Model.fit`` would feed, without gathering K numbers per example.
        rows_table : ndarray of shape (K, K) or None, default=None
            A global table (float32) whose rows weight the examples of
            ``arrays``, which then have no ``x["rows"]``: each batch's
            ``x["rows"]`` is looked up in it from the class indices before
            the step, the tensor ``Model.fit`` would feed, without gathering
            K numbers per example.
        validation_rows_table : ndarray of shape (K, K) or None, default=None
            The same for ``validation``.

        Returns
        -------
        history : dict of str to list
            Each logged quantity per epoch run.
        """
        import keras

        data = {"train": tuple(arrays)}
        if validation is not None:
            data["validation"] = tuple(validation)
        if rows_table is not None:
            data["train_rows"] = rows_table
        if validation_rows_table is not None:
            data["validation_rows"] = validation_rows_table
        if keras.backend.backend() == "jax":
            return self._fit_jax(data, batch_size, epochs, seed, stopping, one_hot)
        import tensorflow as tf

        monitor = _monitor(stopping, validation)
        restore = stopping is not None and stopping.restore_best_weights

        data = tf.nest.map_structure(tf.convert_to_tensor, data)
        specs = tf.nest.map_structure(
            lambda a: tf.TensorSpec((None, *a.shape[1:]), a.dtype), data
        )
        key = (repr(specs), monitor, one_hot)
        if key not in self._functions:
            self._build(data["train"], one_hot, data.get("train_rows"))
            self._functions[key] = self._trace(specs, monitor, one_hot)
        patience = np.iinfo(np.int32).max if stopping is None else stopping.patience
        min_delta = 0.0 if stopping is None else abs(stopping.min_delta)
        logs = self._functions[key](
            data,
            tf.constant(0 if seed is None else seed, tf.int64),
            tf.constant(seed is not None),
            tf.constant(batch_size, tf.int32),
            tf.constant(epochs, tf.int32),
            tf.constant(min(patience, np.iinfo(np.int32).max), tf.int32),
            tf.constant(stopping is not None),
            tf.constant(min_delta, tf.float64),
            tf.constant(restore),
        )
        return {
            name: [_python(value) for value in values.numpy()]
            for name, values in logs.items()
        }

    def _fit_jax(self, data, batch_size, epochs, seed, stopping, one_hot):
        """:meth:`fit` on JAX: one jitted call per epoch (and evaluation).

        ``data``: as :meth:`fit` gathers its arguments.
        """
        import jax.numpy as jnp
        from keras import tree

        data = tree.map_structure(jnp.asarray, data)
        arrays, validation = data["train"], data.get("validation")
        table, val_table = data.get("train_rows"), data.get("validation_rows")
        monitor = _monitor(stopping, validation)
        restore = stopping is not None and stopping.restore_best_weights
        model = self.model
        n = tree.flatten(arrays)[0].shape[0]
        batch_size = min(batch_size, n)
        shapes = tree.map_structure(lambda a: (a.shape[1:], str(a.dtype)), arrays)
        key = ("jax", n, batch_size, repr(shapes), one_hot, table is not None)
        if key not in self._functions:
            self._build(arrays, one_hot, table)
            self._functions[key] = self._jit_epoch(n, batch_size, one_hot)
        run_epoch = self._functions[key]
        evaluate = None
        if validation is not None:
            n_val = tree.flatten(validation)[0].shape[0]
            val_batch_size = min(batch_size, n_val)
            val_key = (
                "jax-evaluate",
                n_val,
                val_batch_size,
                repr(shapes),
                one_hot,
                val_table is not None,
            )
            if val_key not in self._functions:
                self._functions[val_key] = self._jit_evaluate(
                    n_val, val_batch_size, one_hot
                )
            evaluate = self._functions[val_key]
        model.reset_metrics()
        fresh_metrics = [v.value for v in model.metrics_variables]
        state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            [v.value for v in model.optimizer.variables],
            fresh_metrics,
        )
        # EarlyStopping saves and restores model.weights: their places in state
        where = {
            id(v): (group, i)
            for group, variables in enumerate(
                (model.trainable_variables, model.non_trainable_variables)
            )
            for i, v in enumerate(variables)
        }
        places = [where[id(w)] for w in model.weights]
        best_weights = None
        history = {}
        best, wait = np.float32(np.inf), 0
        seed_word = np.uint32(0 if seed is None else seed % 2**32)
        for epoch in range(epochs):
            logs, state = run_epoch(
                (*state[:3], fresh_metrics),
                arrays,
                table,
                seed_word,
                epoch,
                seed is not None,
            )
            if evaluate is not None:
                val_logs, metrics = evaluate(
                    (*state[:2], fresh_metrics), validation, val_table
                )
                state = (*state[:3], metrics)
                logs = {**logs, **{"val_" + k: v for k, v in val_logs.items()}}
            for name, value in logs.items():
                history.setdefault(name, []).append(_python(value))
            if stopping is None:
                continue
            # keras.callbacks.EarlyStopping, as on TensorFlow
            loss = history[monitor][-1]
            if epoch == 0 or np.float32(loss + abs(stopping.min_delta)) < best:
                best, wait = np.float32(loss), 0
                if restore:  # arrays are immutable: keeping them is a copy
                    best_weights = [state[g][i] for g, i in places]
            else:
                wait += 1
                if wait >= stopping.patience:
                    break
        owners = (
            model.trainable_variables,
            model.non_trainable_variables,
            model.optimizer.variables,
            model.metrics_variables,
        )
        for variables, values in zip(owners, state, strict=True):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
        if best_weights is not None:
            for weight, value in zip(model.weights, best_weights, strict=True):
                weight.assign(value)
        return history

    def _jit_evaluate(self, n, batch_size, one_hot):
        """A jitted evaluation of ``n`` held-out examples in order.

        ``(logs, metrics variables)`` from ``(trainable, non-trainable,
        fresh metrics variables)``, as ``Model.evaluate`` with ``test_step``.
        """
        import jax
        import jax.numpy as jnp

        @jax.jit
        def run(state, arrays, table):
            step = _expanding(self.model.test_step, one_hot, table)
            order = jnp.arange(n)
            logs, state = _jax_batches(step, state, arrays, order, batch_size)
            return logs, state[2]

        return run

    def _jit_epoch(self, n, batch_size, one_hot):
        """A jitted epoch of ``n`` examples: ``(logs, state)`` from ``state``."""
        import jax
        import jax.numpy as jnp

        @jax.jit
        def run(state, arrays, table, seed, epoch, shuffle):
            step = _expanding(self.model.train_step, one_hot, table)
            key = jax.random.fold_in(jax.random.key(seed), epoch)
            order = jnp.where(shuffle, jax.random.permutation(key, n), jnp.arange(n))
            return _jax_batches(step, state, arrays, order, batch_size)

        return run

    def _build(self, arrays, one_hot=None, rows_table=None):
        """Create the model's, loss', metrics' and optimizer's state eagerly.

        What ``Model.fit`` does before its first step; no variable may be
        created inside the traced function. ``one_hot``, ``rows_table``: as
        in :meth:`fit`.
        """
        from keras import tree

        model = self.model
        one = _expand(tree.map_structure(lambda a: a[:1], arrays), one_hot, rows_table)
        x, y, sample_weight = (*one, None)[:3]
        y_pred = model(x, training=False)
        model.compute_loss(x, y, y_pred, sample_weight, training=False)
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.reset_metrics()

    def _trace(self, specs, monitor, one_hot):
        """The traced fit of data of structure ``specs``, stopping on ``monitor``.

        ``specs``: of the data as :meth:`fit` gathers it; ``one_hot``: as in
        :meth:`fit`.
        """
        import tensorflow as tf

        model = self.model
        weights = model.weights  # what EarlyStopping saves and restores

        @tf.function(
            input_signature=[specs, *[tf.TensorSpec((), d) for d in _SCALARS]],
            autograph=False,
        )
        def run(
            data, seed, shuffle, batch_size, epochs, patience, stops, min_delta, restore
        ):
            arrays, validation = data["train"], data.get("validation")
            train_step = _expanding(model.train_step, one_hot, data.get("train_rows"))
            test_step = _expanding(
                model.test_step, one_hot, data.get("validation_rows")
            )
            n = tf.shape(tf.nest.flatten(arrays)[0])[0]
            logs0 = model.get_metrics_result()
            logged = dict(logs0)  # Model.fit's history: the epoch's logs, then val_*
            if validation is not None:
                logged.update({"val_" + name: v for name, v in logs0.items()})
            history0 = {
                name: tf.TensorArray(
                    value.dtype, size=0, dynamic_size=True, element_shape=value.shape
                )
                for name, value in logged.items()
            }

            def batches(data, order, size, step):
                """Run ``step`` on each batch of ``data`` in ``order``."""
                count = tf.shape(order)[0]

                def body(i, logs):
                    idx = order[i * size : tf.minimum((i + 1) * size, count)]
                    batch = tf.nest.map_structure(lambda a: tf.gather(a, idx), data)
                    return i + 1, dict(step(batch))

                for metric in model.metrics:
                    metric.reset_state()
                steps = (count + size - 1) // size
                return tf.while_loop(
                    lambda i, _: i < steps, body, (tf.constant(0), logs0)
                )[1]

            def epoch(number, stop, best, wait, best_weights, history):
                order = tf.cond(
                    shuffle,
                    lambda: tf.random.experimental.stateless_shuffle(
                        tf.range(n),
                        seed=tf.stack([seed, tf.cast(number, tf.int64)]),
                    ),
                    lambda: tf.range(n),
                )
                logs = batches(arrays, order, batch_size, train_step)
                if validation is not None:  # as Model.fit's evaluate, in order
                    n_val = tf.shape(tf.nest.flatten(validation)[0])[0]
                    val_logs = batches(
                        validation, tf.range(n_val), batch_size, test_step
                    )
                    logs.update({"val_" + k: v for k, v in val_logs.items()})
                history = {
                    name: history[name].write(number, logs[name]) for name in history
                }
                # keras.callbacks.EarlyStopping: the first epoch is an
                # improvement (even a NaN loss), later ones when
                # loss + min_delta < best, compared in float32.
                loss = logs[monitor]
                shifted = tf.cast(tf.cast(loss, tf.float64) + min_delta, tf.float32)
                improved = (number == 0) | (shifted < best)
                best = tf.where(improved, tf.cast(loss, tf.float32), best)
                best_weights = tf.cond(
                    improved & restore,
                    lambda: [tf.identity(w.value) for w in weights],
                    lambda: best_weights,
                )
                wait = tf.where(improved, 0, wait + 1)
                stop = stops & ~improved & (wait >= patience) & (number > 0)
                return number + 1, stop, best, wait, best_weights, history

            *_, best_weights, history = tf.while_loop(
                lambda number, stop, *_: (number < epochs) & ~stop,
                epoch,
                (
                    tf.constant(0),
                    tf.constant(False),
                    tf.constant(np.inf, tf.float32),
                    tf.constant(0),
                    [tf.identity(w.value) for w in weights],
                    history0,
                ),
            )

            # EarlyStopping(restore_best_weights=True) restores at the end
            def restore_best():
                for w, b in zip(weights, best_weights, strict=True):
                    w.assign(b)
                return tf.constant(True)

            tf.cond(restore, restore_best, lambda: tf.constant(False))
            return {name: values.stack() for name, values in history.items()}

        return run


def _jax_batches(step, state, arrays, order, batch_size):
    """``step`` over the batches of ``arrays`` taken in ``order`` (traced by JAX).

    Batches of ``batch_size`` (the last one smaller), looped but for the last
    step, whose ``(logs, state)`` are returned: its logs are the epoch's.
    """
    import jax
    import jax.numpy as jnp

    n = order.shape[0]
    full, rest = divmod(n, batch_size)
    last = rest or batch_size
    looped = full if rest else full - 1

    def take(idx):
        return jax.tree_util.tree_map(lambda a: jnp.take(a, idx, axis=0), arrays)

    def body(i, state):
        idx = jax.lax.dynamic_slice_in_dim(order, i * batch_size, batch_size)
        return step(state, take(idx))[1]

    state = jax.lax.fori_loop(0, looped, body, state)
    return step(state, take(order[n - last :]))


def _expand(batch, one_hot, rows_table=None):
    """``(x, y[, sample_weight])`` as ``Model.fit`` would feed it.

    The class indices ``y`` become float32 one-hot rows of width ``one_hot``,
    as :func:`~skweighted._fit_data.encode_targets` makes them, and
    ``x["rows"]`` each example's row of the global table ``rows_table``, from
    its class in ``y`` (indices, or a float32 column of them without
    ``one_hot``); each part is left out when its argument is None.
    """
    if one_hot is None and rows_table is None:
        return batch
    from keras import ops

    from .keras._model import ROWS

    x, y, *rest = batch
    if rows_table is not None:
        classes = y  # int32 indices
        if one_hot is None:
            classes = ops.cast(ops.reshape(y, (-1,)), "int32")
        x = {**x, ROWS: _rows_of(rows_table, classes)}
    if one_hot is not None:
        y = ops.one_hot(y, one_hot, dtype="float32")
    return (x, y, *rest)


def _rows_of(table, classes):
    """``table[classes]``: the rows of a global table, one per example.

    On TensorFlow one gather: ``keras.ops.take`` adds about five operations
    for negative indices to every training step.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.gather(table, classes)
    return keras.ops.take(table, classes, axis=0)


def _expanding(step, one_hot, rows_table=None):
    """``step`` on batches passed through :func:`_expand` first.

    The batch is the step's last argument (JAX's steps take the state first).
    """
    if one_hot is None and rows_table is None:
        return step
    return lambda *args: step(*args[:-1], _expand(args[-1], one_hot, rows_table))


def _monitor(stopping, validation):
    """The logged quantity the stopping rule watches ("loss" without a rule)."""
    monitor = "loss" if stopping is None else stopping.monitor
    if monitor == "val_loss" and validation is None:
        raise ValueError("Stopping on val_loss needs validation data.")
    return monitor


#: dtypes of the scalar arguments of the traced function, after the data.
_SCALARS = ("int64", "bool", "int32", "int32", "int32", "bool", "float64", "bool")


def _python(value):
    """A logged value as ``Model.fit``'s history holds it."""
    value = np.asarray(value)
    return value.item() if value.ndim == 0 else value
