"""Check the docstrings the API pages are built from.

Every public object (``__all__`` of the public packages) and every method its
page shows is validated with numpydoc's own validator; fitted estimators are
compared with the attributes their docstrings list.
"""

import importlib.util
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate
from sklearn.datasets import load_iris

DOCS = Path(__file__).resolve().parent.parent / "docs"

_spec = importlib.util.spec_from_file_location("_public_api", DOCS / "_public_api.py")
public_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(public_api)

# numpydoc's checks that make a page incomplete or wrong for a reader:
# GL08 no docstring, SS01 no summary, PR01 a parameter not documented, PR02 a
# documented parameter that does not exist, PR04 no type, PR07 no description,
# PR10 "name:type" without spaces, RT03 a return value with no description.
CHECKS = {"GL08", "SS01", "PR01", "PR02", "PR04", "PR07", "PR10", "RT03"}
# A public class or function also needs an Examples section (house style).
OBJECT_CHECKS = CHECKS | {"EX01"}


def _targets():
    """(import path, checks) for each public object and each documented method."""
    targets = []
    for _, _, obj in public_api.public_objects():
        path = f"{obj.__module__}.{obj.__qualname__}"
        targets.append(pytest.param(path, OBJECT_CHECKS, id=path))
        if inspect.isclass(obj):
            for method in public_api.documented_methods(obj):
                method_path = f"{path}.{method}"
                targets.append(pytest.param(method_path, CHECKS, id=method_path))
    return targets


@pytest.mark.parametrize("path, checks", _targets())
def test_docstring_complete(path, checks):
    """Check that a public docstring documents every parameter and return value."""
    errors = [
        f"{code}: {message}"
        for code, message in validate(path)["errors"]
        if code in checks
    ]
    assert not errors, f"{path}:\n" + "\n".join(errors)


def _public_classes():
    return [
        pytest.param(obj, id=f"{modname}.{name}")
        for modname, name, obj in public_api.public_objects()
        if inspect.isclass(obj)
    ]


def _attributes(cls):
    doc = ClassDoc(cls, config={"show_class_members": False})
    return {item.name: " ".join(item.desc).strip() for item in doc["Attributes"]}


@pytest.mark.parametrize("cls", _public_classes())
def test_attributes_described(cls):
    """Check that every attribute a class docstring lists has a description."""
    missing = [name for name, text in _attributes(cls).items() if not text]
    assert not missing, f"{cls.__name__}: attributes without description {missing}"


def _fitted_estimators():
    from skweighted import MinimumCostClassifier, WeightedMLPClassifier

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    mlp = WeightedMLPClassifier(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    mlp.fit(X, y)
    decider = MinimumCostClassifier(mlp, cost_matrix=np.ones((3, 3)) - np.eye(3))
    return [mlp, decider.fit(X, y)]


def test_fitted_attributes_documented():
    """Check that every public attribute set by fit is listed and described."""
    problems = []
    for estimator in _fitted_estimators():
        documented = _attributes(type(estimator))
        fitted = [
            name
            for name in vars(estimator)
            if re.fullmatch(r"[a-z]\w*_", name)
            and name not in estimator.get_params(deep=False)
        ]
        assert fitted, f"{type(estimator).__name__} set no fitted attribute"
        for name in fitted:
            if not documented.get(name):
                problems.append(f"{type(estimator).__name__}.{name}")
    assert not problems, f"fitted attributes not described: {problems}"


def test_api_page_lists_every_public_object():
    """Check that docs/api.rst gives every public object a page."""
    listed = set()
    module = None
    for line in (DOCS / "api.rst").read_text(encoding="utf-8").splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif re.fullmatch(r" {3}[A-Za-z_]\w*", line):
            listed.add(f"{module}.{line.strip()}")
    public = {f"{modname}.{name}" for modname, name, _ in public_api.public_objects()}
    assert public - listed == set(), f"missing from docs/api.rst: {public - listed}"


def _public_modules():
    return sorted({obj.__module__ for _, _, obj in public_api.public_objects()})


@pytest.mark.parametrize("module", _public_modules())
def test_source_pages_can_be_built(module):
    """Check that Sphinx can parse each module with a public object.

    The [source] links of the API pages (sphinx.ext.viewcode) need the module's
    tags; a module Sphinx cannot parse gets no source page and no links.
    """
    from sphinx.pycode import ModuleAnalyzer

    tags = ModuleAnalyzer.for_module(module).find_tags()
    names = [
        obj.__qualname__
        for _, _, obj in public_api.public_objects()
        if obj.__module__ == module
    ]
    assert all(name in tags for name in names), (module, names, sorted(tags))


def _python_blocks(page):
    """The ``.. code-block:: python`` blocks of a docs page, dedented."""
    import textwrap

    text = (DOCS / page).read_text(encoding="utf-8")
    pattern = r"\.\. code-block:: python\n\n((?:(?: {3}.*)?\n)+)"
    return [textwrap.dedent(block) for block in re.findall(pattern, text)]


@pytest.mark.slow
def test_landing_page_example_runs():
    """Check that the five-line example of the landing page runs as shown."""
    (block,) = _python_blocks("index.rst")
    namespace = {}
    exec(compile(block, "index.rst", "exec"), namespace)
    clf, X, y = namespace["clf"], namespace["X"], namespace["y"]
    assert set(clf.classes_) == set(np.unique(y))
    assert clf.score(X, y) > 0.9
