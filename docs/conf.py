"""Sphinx configuration for the skweighted documentation.

``make docs`` builds everything (the gallery is executed); ``make docs-check``
passes ``-D plot_gallery=0`` so the examples are rendered but not run.
"""

import inspect
import logging
import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

# Quiet TensorFlow and draw off-screen while the gallery runs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings(
    "ignore", message="Matplotlib is currently using agg", category=UserWarning
)

from _public_api import class_methods, public_objects  # noqa: E402

import skweighted  # noqa: E402

project = "skweighted"
author = "skweighted developers"
copyright = "skweighted developers"
version = release = skweighted.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sphinx_copybutton",
    # MathJax 3 served from this site's _static/, not from a CDN: formulas
    # render offline (the package ships the MathJax files).
    "sphinx-mathjax-offline",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
# Build output of the gallery: sphinx-gallery writes it, Sphinx reads it.
exclude_patterns += ["auto_examples/*.ipynb", "auto_examples/*.py"]

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
# "fit()" in a page's table of contents, not "WeightedMLPClassifier.fit()".
toc_object_entries_show_parents = "hide"
# The class template lists the methods itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Types in "Parameters" link to their documentation (scikit-learn's grammar:
# words such as "of", "shape" or "default" stay plain text).
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "DataFrame": "pandas.DataFrame",
    "dict": "dict",
    "list": "list",
    "tuple": "tuple",
    "RandomState": "numpy.random.RandomState",
    "Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "keras.Model": "keras.Model",
    "keras.losses.Loss": "keras.losses.Loss",
    # numpydoc's defaults for these use :term:/:ref: roles, which warn (and
    # fail a -W build) when the inventory cannot be fetched; plain Python
    # objects instead are links online and text offline.
    "array-like": "numpy.typing.ArrayLike",
    "array_like": "numpy.typing.ArrayLike",
    "bool": "bool",
    "boolean": "bool",
    "int": "int",
    "float": "float",
    "str": "str",
    "string": "str",
    "None": "None",
    "True": "True",
    "False": "False",
    "callable": "callable",
    "scalar": "numbers.Number",
    "iterable": "collections.abc.Iterable",
    "sequence": "collections.abc.Sequence",
}

# The methods shown on each class page (see _public_api.py).
autosummary_context = {"class_methods": class_methods()}
# Doctest prompts in rendered examples are copyable without ">>>".
pygments_style = "sphinx"
default_role = "literal"

# -- MyST (markdown pages: scaling, benchmarks) -------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- links to other projects ----------------------------------------------------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
    "pandas": ("https://pandas.pydata.org/docs/", None),
    "matplotlib": ("https://matplotlib.org/stable/", None),
    "joblib": ("https://joblib.readthedocs.io/en/stable/", None),
    "distributed": ("https://distributed.dask.org/en/stable/", None),
    "scikeras": ("https://adriangb.com/scikeras/stable/", None),
}
intersphinx_timeout = 10
# Keras' site publishes no Sphinx inventory: the Keras names used in these
# pages point to its API pages directly.
KERAS_API = "https://keras.io/api/"
KERAS_PAGES = {
    "keras.Input": "layers/core_layers/input/",
    "keras.Model": "models/model/",
    "keras.Model.compile": "models/model_training_apis/#compile-method",
    "keras.Model.fit": "models/model_training_apis/#fit-method",
    "keras.Model.compute_loss": "models/model_training_apis/",
    "keras.callbacks.Callback": "callbacks/base_callback/",
    "keras.layers.Layer": "layers/base_layer/",
    "keras.losses": "losses/",
    "keras.losses.Loss": "losses/#loss-class",
    "keras.ops": "ops/",
    "keras.saving.register_keras_serializable": "models/model_saving_apis/serialization_utils/",
    "keras.wrappers.SKLearnClassifier": "utils/sklearn_wrappers/",
}


def _keras_reference(app, env, node, contnode):
    """Resolve ``keras.*`` Python references to Keras' API pages."""
    from docutils import nodes

    target = node.get("reftarget", "")
    if node.get("refdomain") != "py" or not target.startswith("keras."):
        return None
    page = KERAS_PAGES.get(target)
    if page is None:
        page = KERAS_PAGES.get(target.rsplit(".", 1)[0], "")
    reference = nodes.reference("", "", internal=False, refuri=KERAS_API + page)
    reference.append(contnode)
    return reference


class _OfflineInventories(logging.Filter):
    """Report an unreachable inventory as information, not as a warning.

    An offline build (``-W``) then succeeds: the names of that project are
    shown as text instead of links, and the glossary terms and labels of other
    projects that inherited docstrings refer to (scikit-learn's ``score``
    refers to its ``accuracy_score`` section) are left as text too. With the
    network, a missing term or label is a warning, unless it comes from the
    docstring of an installed package (which this project cannot fix).
    """

    def __init__(self):
        super().__init__()
        self.unreachable = []

    def filter(self, record):
        message = record.getMessage()
        if message.startswith("failed to reach any of the inventories"):
            record.levelno, record.levelname = logging.INFO, "INFO"
            url = re.search(r"'(\S+objects\.inv)'", message)
            self.unreachable.append(url.group(1) if url else message)
            record.msg = "inventory not reached, its names stay plain text: %s\n"
            record.args = (self.unreachable[-1],)
        return True

    def missing_reference(self, app, env, node, contnode):
        """Leave a term or label of another project as text."""
        if node.get("refdomain") != "std":
            return None
        source = str(node.source or "")
        if self.unreachable or ("site-packages" in source and "docstring of" in source):
            return contnode
        return None


# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # Every example is executed at build time (``make docs``).
    "filename_pattern": r"/(plot_|demo)",
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "FileNameSortKey",
    "subsection_order": [
        "../examples/applications",
        "../examples/model_selection",
        "../examples/from_keras",
    ],
    "doc_module": ("skweighted",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skweighted": None},
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
    "download_all_examples": True,
    "abort_on_example_error": True,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib", "seaborn"),
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skweighted {release}"
html_short_title = "skweighted"
html_static_path = ["_static"]
html_css_files = ["skweighted.css"]
html_theme_options = {
    "logo": {"text": "skweighted"},
    "navigation_with_keys": False,
    # The left sidebar shows the pages of the current section, two levels.
    "navigation_depth": 2,
    "show_nav_level": 1,
    "collapse_navigation": True,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
    "navbar_start": ["navbar-logo", "version"],
    "navbar_center": ["navbar-nav"],
    # Search as an icon button: a search field does not fit beside the links.
    "navbar_persistent": [],
    "navbar_end": ["search-button", "theme-switcher"],
    # Only "On this page": pages without sections get the full width.
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_prev_next": True,
}
# Pages without sub-pages get no (empty) left column.
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "from_keras",
        "scaling",
        "benchmarks",
        "faq",
        "glossary",
        "changelog",
        "api",
    )
}
html_show_sourcelink = False
html_copy_source = False

# -- copy button ----------------------------------------------------------------
# Copy code without the ">>> " / "... " prompts and without the output.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True


# -- small fixes applied while reading ------------------------------------------
# "of shape (n_features_in_,)" in a docstring: a word ending in "_" is a
# reference in reStructuredText. Escape it (outside doctest lines).
_TRAILING_UNDERSCORE = re.compile(r"(?<=[(,\s])([A-Za-z]\w*?)_(?=[,)])")


def _escape_trailing_underscores(app, what, name, obj, options, lines):
    for k, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith((">>>", "...")) or "shape (" not in line:
            continue
        lines[k] = _TRAILING_UNDERSCORE.sub(r"\1\\_", line)


# A gallery script whose docstring opens with a one-line paragraph but no
# underline gets that line as its title, so the page can be linked; a title
# whose over/underline is too short gets longer ones.
_RULE_CHARS = "=-~^*#+"
_GALLERY_LABEL = re.compile(r"^\.\. _sphx_glr_auto_examples_.*\.py:\n\n", re.M)


def _title_untitled_examples(app, docname, source):
    if not docname.startswith("auto_examples/"):
        return
    text = source[0]
    match = _GALLERY_LABEL.search(text)
    if match is None:
        return
    body = text[match.end() :]
    rest = body.lstrip("\n")
    head = text[: match.end()] + body[: len(body) - len(rest)]
    # An over- and underlined title whose lines are shorter than the title
    # (a docutils error): lengthen them.
    lines = rest.split("\n", 3)
    if (
        len(lines) == 4
        and lines[0].strip()
        and set(lines[0].strip()) <= set(_RULE_CHARS)
        and lines[2] == lines[0]
        and len(lines[0]) < len(lines[1].strip())
    ):
        rule = lines[0][0] * len(lines[1].strip())
        source[0] = head + "\n".join([rule, lines[1].strip(), rule, lines[3]])
        return
    first, _, after = rest.partition("\n")
    underline = after.partition("\n")[0]
    if (
        first.strip()
        and not set(first.strip()) <= set(_RULE_CHARS)
        and not (underline.strip() and set(underline.strip()) <= set(_RULE_CHARS))
    ):
        title = first.strip().rstrip(".")
        source[0] = head + title + "\n" + "=" * len(title) + "\n" + after


# Keras classes create their instances in ``__new__`` (``*args, **kwargs``),
# so autodoc would show that signature: show ``__init__``'s instead.
def _init_signature(app, what, name, obj, options, signature, return_annotation):
    if what != "class" or signature not in (None, "(*args, **kwargs)"):
        return None
    try:
        init = inspect.signature(obj.__init__)
    except (TypeError, ValueError):
        return None
    parameters = list(init.parameters.values())[1:]  # without self
    return str(init.replace(parameters=parameters)), return_annotation


# [source] of an inherited method: viewcode looks for "Subclass.method" in the
# module's source, which only has "Base.method". Add those names, for the
# public classes whose methods come from a base class of the same module.
def _inherited_source_tags(app, modname):
    if not modname.startswith("skweighted"):
        return None
    from sphinx.pycode import ModuleAnalyzer

    analyzer = ModuleAnalyzer.for_module(modname)
    tags = dict(analyzer.find_tags())
    shown = autosummary_context["class_methods"]
    for public_module, name, obj in public_objects():
        if not inspect.isclass(obj) or obj.__module__ != modname:
            continue
        for method in shown[f"{public_module}.{name}"]:
            for base in obj.__mro__[1:]:
                if method in vars(base):
                    tag = tags.get(f"{base.__qualname__}.{method}")
                    if tag is not None and base.__module__ == modname:
                        tags.setdefault(f"{obj.__qualname__}.{method}", tag)
                    break
    return analyzer.code, tags


def setup(app):
    app.connect("viewcode-find-source", _inherited_source_tags)
    inventories = _OfflineInventories()
    logging.getLogger("sphinx.sphinx.ext.intersphinx").addFilter(inventories)
    app.connect("missing-reference", inventories.missing_reference, priority=900)
    app.connect("missing-reference", _keras_reference)
    app.connect("autodoc-process-signature", _init_signature)
    app.connect("source-read", _title_untitled_examples)
    app.connect("autodoc-process-docstring", _escape_trailing_underscores, priority=400)
