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


class ReusingMLP(CompiledMLP):
    """Reuse of the compiled model between fits: now part of the package.

    ``WeightedMLPClassifier`` keeps compiled models in a small pool keyed by
    its configuration (see ``skweighted._classifier``), so this class adds
    nothing; it stays so that the runner's rows keep their names. Combined
    with ``BatchLoopMLP`` (which bypasses ``_fit_keras_model``) no model goes
    back to the pool, so that row measures the batch loop alone.
    """


class BatchLoopMLP(CompiledMLP):
    """Skip ``Model.fit``'s tf.data pipeline: shuffle in numpy and call
    ``train_on_batch`` per batch (the lever for tiny data sets).

    Only what the benchmark needs: no callbacks, no validation, no history
    beyond the mean loss per epoch.
    """

    def _fit_data(self, inputs, targets, sample_weight, fit_args, kwargs):
        return (inputs, targets, sample_weight), kwargs  # the loop takes arrays

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
