"""Every third-party internal skweighted relies on is still there."""

import ast
import importlib
import pathlib
import random

import pytest

import skweighted
from skweighted import _seam

PACKAGE = pathlib.Path(skweighted.__file__).parent


@pytest.mark.parametrize(
    "module, attribute, purpose",
    _seam.INTERNALS,
    ids=[f"{m}.{a}" for m, a, _ in _seam.INTERNALS],
)
def test_internal_still_exists(module, attribute, purpose):
    """Check each listed internal can be looked up, naming what an upgrade removed."""
    try:
        found = importlib.import_module(module)
        if attribute:
            found = getattr(found, attribute)
    except (ImportError, AttributeError) as exc:
        pytest.fail(
            f"{module}.{attribute} is gone after an upgrade ({exc}); skweighted "
            f"used it for: {purpose}. Update skweighted/_seam.py."
        )
    assert found is not None


def test_keras_default_seeds_come_from_python_random():
    """Check Keras still draws unseeded layers' seeds from Python's random."""
    assert _seam.keras_default_seed_source() is random


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name


def test_only_the_seam_uses_internals():
    """Check no other module imports SciKeras or Keras internals."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_seam.py":
            continue
        for module, name in _imports(path):
            internal = module.startswith(("scikeras", "keras.src")) or (
                module.startswith("keras") and (name or "").startswith("_")
            )
            if internal:
                offenders.append(f"{path.relative_to(PACKAGE)}: {module} {name}")
    assert offenders == [], offenders
