"""GPU rows: the grid search, n=100,000 and weighting overhead on an accelerator.

Usage::

    KERAS_BACKEND=jax python benchmarks/gpu.py --out results-gpu

Runs, in this order and on the Keras backend of the environment, the
sections ``gridsearch``, ``levers`` (n=100,000), ``overhead`` (K=100 only,
fewer repeats) and ``small`` of ``run.py``, each against its scikit-learn
reference measured in the same process (scikit-learn runs on the CPU). The
JSON is rewritten after each section, so a run stopped at a time limit keeps
the sections it finished. It records which device Keras trains on, and
refuses to run when the backend sees no GPU (the rows would be CPU rows).
"""

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import FULL, QUICK, environment, log, quiet, timed  # noqa: E402

ORDER = ("gridsearch", "levers", "overhead", "small")


def accelerator(backend):
    """The devices the backend trains on, as text."""
    if backend == "jax":
        import jax

        return [f"{d.platform}: {d.device_kind}" for d in jax.devices()]
    if backend == "tensorflow":
        import tensorflow as tf

        return [
            f"GPU: {tf.config.experimental.get_device_details(d).get('device_name')}"
            for d in tf.config.list_physical_devices("GPU")
        ]
    return []


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(ORDER))
    parser.add_argument(
        "--allow-cpu", action="store_true", help="run without a GPU (to try it)"
    )
    args = parser.parse_args(argv)
    quiet()
    import keras

    backend = keras.backend.backend()
    devices = accelerator(backend)
    if not args.allow_cpu and not any(d.lower().startswith("gpu") for d in devices):
        raise SystemExit(f"no GPU seen by the {backend} backend: {devices}")
    cfg = dict(QUICK if args.quick else FULL)
    # K=100 only, and fewer repeats: a GPU lease is minutes
    cfg.update(overhead_ks=[100], overhead_repeats=7, overhead_model_fit_repeats=2)
    env = environment(shared=False)
    env.update(gpu=devices, keras_backend=backend)
    res = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "config": cfg,
        "environment": env,
        "sections": {},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"gpu-{backend}.json"
    chosen = [s for s in args.only.split(",") if s]
    for name in (s for s in ORDER if s in chosen):
        log(f"[{name}] on {backend}: {devices}")
        module = __import__(f"sections.{name}", fromlist=["run"])
        try:
            if name == "overhead":
                seconds, result = timed(lambda m=module: m.run(cfg))
            else:
                seconds, result = timed(lambda m=module: m.run(cfg, backend=backend))
            result["section_s"] = seconds
            res["sections"][name] = result
        except Exception as exc:  # keep the other sections
            log(traceback.format_exc())
            res.setdefault("errors", {})[name] = repr(exc)
        path.write_text(json.dumps(res, indent=1, default=str))
    log(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
