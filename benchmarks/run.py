"""Benchmark runner for skweighted: one command, every speed and memory target.

Usage::

    python benchmarks/run.py            # full run (about 25 min on 2 cores)
    python benchmarks/run.py --quick    # small sizes, for development
    python benchmarks/run.py --only gridsearch,jax

Every number that is judged against a target is a ratio against a reference
measured in the same process, interleaved with it, and the median of repeats:
absolute times on a shared machine are noisy, ratios much less. Results go to
``benchmarks/results/`` (JSON, markdown and a PNG plot).

The sections live in ``sections/`` (one module each), the shared helpers in
``_common.py`` and the report in ``_report.py``. The JAX backend and the
memory measurement run in subprocesses (a process has one Keras backend; peak
RSS needs a clean process); each subprocess measures its own reference.
"""

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for _common, _report, sections when run as a script

from _common import FULL, QUICK, environment, log, quiet, timed  # noqa: E402
from _report import render, verdicts, write_json  # noqa: E402
from sections import SECTIONS  # noqa: E402


def run_section(name, cfg, quick, chosen):
    module = importlib.import_module(
        "sections.jax_backend" if name == "jax" else f"sections.{name}"
    )
    if name == "jax":
        return module.run(cfg, quick, chosen)
    return module.run(cfg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, for development"
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {SECTIONS}",
    )
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--plot-copy", default=None, help="also copy the PNG here")
    parser.add_argument(
        "--from-json",
        default=None,
        help="only recompute the verdicts and re-render markdown and plot from a JSON",
    )
    args = parser.parse_args(argv)
    if args.from_json:
        path = Path(args.from_json)
        res = json.loads(path.read_text())
        res["verdicts"] = verdicts(res["sections"])
        write_json(res, path)
        return render(res, path.parent, path.stem, args.plot_copy)
    quiet()
    cfg = QUICK if args.quick else FULL
    chosen = [s for s in args.only.split(",") if s]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "quick": args.quick,
        "config": cfg,
        "environment": environment(shared=True),
        "sections": {},
    }
    for name in SECTIONS:
        if name not in chosen:
            continue
        log(f"[{time.perf_counter() - t0:6.0f}s] {name}")
        try:
            seconds, result = timed(
                lambda n=name: run_section(n, cfg, args.quick, chosen)
            )
        except Exception as exc:  # keep the other sections' results
            log(traceback.format_exc())
            res.setdefault("errors", {})[name] = repr(exc)
            continue
        result["section_s"] = seconds
        res["sections"][name] = result
    res["wall_s"] = time.perf_counter() - t0
    res["verdicts"] = verdicts(res["sections"])
    stem = "benchmarks-quick" if args.quick else "benchmarks"
    write_json(res, out / f"{stem}.json")
    return render(res, out, stem, args.plot_copy)


if __name__ == "__main__":
    main()
