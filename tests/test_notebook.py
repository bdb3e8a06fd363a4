"""docs/notebook.py, a jupytext notebook, runs as written in a Jupyter kernel: every cell, in
order, without an error, and says what the page says it shows."""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebook.py"


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        out.append(o.get("text", ""))
        data = o.get("data", {})
        out.append(data.get("text/markdown", "") + data.get("text/plain", ""))
    return "\n".join(out)


def test_the_notebook_runs_in_a_kernel(tmp_path, monkeypatch):
    # The kernel inherits these: its scratch results, Jupyter's and IPython's files stay in tmp_path.
    for var in ("TMPDIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
        (tmp_path / var.lower()).mkdir()
    nb = jupytext.read(NOTEBOOK)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on a cell's error
    seconds = time.perf_counter() - t0
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)
    shown = "\n".join(_text(c) for c in code)
    assert "qingyang: " in shown and "jobs, utilisation" in shown
    assert "'report.html'" in shown and "'timeseries.parquet'" in shown
    assert "image/png" in str([o.get("data", {}).keys() for c in code for o in c.get("outputs", [])])
    assert "NPV " in shown and "M CNY at" in shown
    assert "The claim audit" in shown
    # The session's result set went to its scratch folder (under TMPDIR), not into the repository.
    assert len(list(tmp_path.glob("tmpdir/computesim-notebook-*/qingyang-60d/report.html"))) == 1
    print(f"docs/notebook.py ran in {seconds:.1f} s")
