"""Run the gallery examples end to end, as a user would, each in its own process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# The examples of the documentation gallery written with the docs; other
# engineers' scripts in examples/ are tested with their own features.
GALLERY = [
    "from_keras/plot_keras_four_steps.py",
    "applications/plot_breast_cancer_screening.py",
    "applications/plot_digits_cheap_confusions.py",
    "applications/plot_example_dependent_costs.py",
    "model_selection/plot_grid_search_tables.py",
    "applications/plot_cost_matrix_display.py",
    "applications/plot_digits_cnn_costly_confusion.py",
]


def test_examples_gallery_listed():
    """Check that every listed gallery example exists and has a title."""
    for name in GALLERY:
        source = (EXAMPLES / name).read_text(encoding="utf-8")
        assert source.startswith('"""\n='), f"{name} lacks a sphinx-gallery title"


@pytest.mark.slow
@pytest.mark.parametrize("name", GALLERY)
def test_examples_run(name, tmp_path):
    """Check that the example runs to completion with a non-interactive backend."""
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONHASHSEED": "0",
    }
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, (
        f"{name} exited with {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-3000:]}\n"
        f"--- stderr ---\n{result.stderr[-5000:]}"
    )
