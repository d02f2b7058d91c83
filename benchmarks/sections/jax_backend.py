"""The JAX backend: sections run again in a ``KERAS_BACKEND=jax`` subprocess.

A process has one Keras backend, so the sections that compare backends
(``levers``, ``small``, ``gridsearch``) run in a child process, each with its
own MLPClassifier reference measured there. The child runs the ones chosen
with ``--only`` (all three when only ``jax`` is chosen). Without JAX
installed the section reports the error and the rest of the run goes on.
"""

import sys

from _common import FULL, HERE, QUICK, quiet, run_child

SECTIONS = ("levers", "small", "gridsearch")


def run(cfg, quick, chosen=()):
    names = [s for s in SECTIONS if s in chosen] or list(SECTIONS)
    code = (
        f"import sys, json; sys.path.insert(0, {str(HERE)!r}); "
        "from sections import jax_backend; "
        f"print(json.dumps(jax_backend.child({quick!r}, {names!r})))"
    )
    try:
        return run_child(code, env={"KERAS_BACKEND": "jax"}, timeout=1800)
    except Exception as exc:  # report, do not hide the rest of the run
        return {"error": str(exc)[-2000:]}


def child(quick, names=SECTIONS):
    """Run ``names`` on the JAX backend; called in the subprocess."""
    quiet()
    cfg = QUICK if quick else FULL
    import jax
    import keras

    from sections import gridsearch, levers, small

    assert keras.backend.backend() == "jax"
    modules = {"levers": levers, "small": small, "gridsearch": gridsearch}
    out = {"jax_version": jax.__version__}
    for name in names:
        out[name] = modules[name].run(cfg, backend="jax")
    out["tf_imported_under_jax"] = "tensorflow" in sys.modules
    return out
