"""Helpers shared by the tests."""


def small_mlp(**params):
    """A tiny WeightedMLPClassifier for fast tests."""
    from skweighted import WeightedMLPClassifier

    defaults = dict(hidden_layer_sizes=(8,), epochs=3, batch_size=32, random_state=0)
    defaults.update(params)
    return WeightedMLPClassifier(**defaults)
