"""Speed prototypes measured by the benchmark (not part of the package).

Each one is the smallest change to the estimator that a lever needs, written as
a subclass so that the package's own files stay untouched. The proposed
patches in ``docs/benchmarks.md`` are these subclasses folded back in.
"""

import numpy as np

from skweighted import WeightedMLPClassifier


class CompiledMLP(WeightedMLPClassifier):
    """WeightedMLPClassifier with extra ``Model.compile`` options.

    ``compile_options`` is a class attribute (not a parameter), e.g.
    ``{"steps_per_execution": 32, "jit_compile": True}``.
    """

    compile_options = {}

    def _get_compile_kwargs(self):
        kwargs = super()._get_compile_kwargs()
        kwargs.update(self.compile_options)
        return kwargs


def with_options(**options):
    """Return a CompiledMLP subclass whose compile options are ``options``."""
    name = "MLP_" + "_".join(f"{k}{v}" for k, v in sorted(options.items()))
    return type(name, (CompiledMLP,), {"compile_options": dict(options)})


# Trained models kept for reuse, keyed by everything their traced functions
# depend on. A prototype: see docs/benchmarks.md for the caveats.
_POOL = {}


def _reset_optimizer(optimizer):
    lr = getattr(optimizer, "_learning_rate", None)
    for variable in optimizer.variables:
        if variable is lr:
            continue
        variable.assign(np.zeros(variable.shape, dtype=variable.dtype))


class ReusingMLP(CompiledMLP):
    """Reuse the compiled model (and its traced train function) across fits.

    A fresh network is built (fresh random initial weights, no tracing); its
    weights are copied into a pooled model of the same configuration, whose
    optimizer state is zeroed. After ``fit``, ``model_`` is detached: a new
    uncompiled ``TableWeightedModel`` holding a copy of the trained weights, so
    two estimators never share a model; the pooled one goes back to the pool.
    """

    def _pool_key(self):
        return (
            type(self).__name__,
            self.n_features_in_,
            self.n_classes_,
            self._hidden_sizes(),
            self.activation,
            float(self.alpha),
            float(self.dropout),
            self.optimizer,
            float(self.learning_rate),
            int(self.batch_size),
            self.weighting,
            tuple(sorted(self.compile_options.items())),
        )

    def _build_weighted_model(self):
        from skweighted.keras import TableWeightedModel

        key = self._pool_key()
        pooled = _POOL.pop(key, None)
        if pooled is None:
            model = super()._build_weighted_model()
        else:
            fresh = self._build_network()  # fresh initial weights, no tracing
            pooled.network.set_weights(fresh.get_weights())
            _reset_optimizer(pooled.optimizer)
            model = pooled
        self._pool_key_ = key
        assert isinstance(model, TableWeightedModel)
        return model

    def _fit_keras_model(self, *args, **kwargs):
        from skweighted.keras import TableWeightedModel

        super()._fit_keras_model(*args, **kwargs)
        trained = self.model_
        network = self._build_network()
        network.set_weights(trained.network.get_weights())
        self.model_ = TableWeightedModel(network, weighting=self.weighting)
        _POOL[self._pool_key_] = trained


class BatchLoopMLP(CompiledMLP):
    """Skip ``Model.fit``'s tf.data pipeline: shuffle in numpy and call
    ``train_on_batch`` per batch (the lever for tiny data sets).

    Only what the benchmark needs: no callbacks, no validation, no history
    beyond the mean loss per epoch.
    """

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        model = self.model_
        n = len(y)
        rng = np.random.default_rng(self._seed())
        losses = []
        for _ in range(epochs):
            order = rng.permutation(n)
            total = 0.0
            for start in range(0, n, self.batch_size):
                idx = order[start : start + self.batch_size]
                xb = (
                    {k: v[idx] for k, v in X.items()} if isinstance(X, dict) else X[idx]
                )
                sw = None if sample_weight is None else sample_weight[idx]
                total += float(model.train_on_batch(xb, y[idx], sample_weight=sw))
            losses.append(total / max(1, -(-n // self.batch_size)))
        self.history_ = {"loss": losses}
