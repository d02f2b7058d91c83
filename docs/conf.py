"""Sphinx configuration for the skweighted documentation.

``make docs`` builds everything (the gallery is executed); ``make docs-check``
passes ``-D plot_gallery=0`` so the examples are rendered but not run.
"""

import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# Quiet TensorFlow and draw off-screen while the gallery runs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
warnings.filterwarnings(
    "ignore", message="Matplotlib is currently using agg", category=UserWarning
)

import skweighted  # noqa: E402

project = "skweighted"
author = "skweighted developers"
copyright = "skweighted developers"
version = release = skweighted.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
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
# The class template lists the methods itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Doctest prompts in rendered examples are copyable without ">>>".
pygments_style = "sphinx"
default_role = "literal"

# -- MyST (markdown pages: scaling, benchmarks) -------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # plot_*.py are executed at build time; other scripts are shown as code.
    # The scaling example starts a local Dask cluster, whose worker processes
    # do not come back inside sphinx-gallery's in-process run: it is shown
    # (and run by its own tests), not executed here.
    "filename_pattern": r"/plot_(?!scaling_grid_search)",
    "ignore_pattern": r"__init__\.py|/_",
    "within_subsection_order": "FileNameSortKey",
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
html_static_path = ["_static"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "navbar_align": "left",
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": [], "getting_started": []}
html_show_sourcelink = True
html_copy_source = True


# -- pages written separately ---------------------------------------------------
# scaling.md and benchmarks.md come from the benchmarks work; until a page
# exists, its toctree entry is dropped instead of failing the -W build.
OPTIONAL_PAGES = ("scaling", "benchmarks")


def _drop_missing_pages(app, docname, source):
    if docname != root_doc:
        return
    lines = source[0].splitlines(keepends=True)
    missing = {
        page
        for page in OPTIONAL_PAGES
        if not any((HERE / f"{page}{suffix}").exists() for suffix in source_suffix)
    }
    source[0] = "".join(line for line in lines if line.strip() not in missing)


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
        title = first.strip()
        source[0] = head + title + "\n" + "=" * len(title) + "\n" + after


def setup(app):
    app.connect("source-read", _drop_missing_pages)
    app.connect("source-read", _title_untitled_examples)
    app.connect("autodoc-process-docstring", _escape_trailing_underscores, priority=400)
