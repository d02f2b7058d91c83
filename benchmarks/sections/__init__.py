"""The benchmark sections, one module each, in the order a full run takes them.

Each module has ``run(cfg)`` returning a JSON-ready dict (``jax_backend.run``
also takes the ``--quick`` flag and the chosen sections).
"""

SECTIONS = (
    "imports",
    "memory",
    "overhead",
    "kloop",
    "small",
    "levers",
    "scaling",
    "gridsearch",
    "jax",
)
