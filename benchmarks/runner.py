"""Parent side: run one measurement in a child process, under a time limit.

A run that would take far too long is stopped early, from its own progress lines, and
reported with the projected time instead of leaving `make bench` hanging.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_FRACTION = 0.05  # project only from this much of the horizon onwards

# One thread per numeric library, whatever the machine: the targets are per core.
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def run_child(kind: str, args: dict, limit_s: float, label: str) -> dict:
    """Run benchmarks.child; returns its result, or {"status": "aborted"|"error", ...}."""
    cmd = [sys.executable, "-m", "benchmarks.child", kind, json.dumps(args)]
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True,
                                env={**os.environ, **CHILD_ENV})
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        t0 = time.monotonic()
        result = None
        shown = 0.0
        while True:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                line = ""
            elapsed = time.monotonic() - t0
            if line is None:
                break
            if line.startswith("result "):
                result = json.loads(line[len("result "):])
            elif line.startswith("progress "):
                frac, secs = (float(x) for x in line.split()[1:3])
                projected = secs / frac
                if frac >= shown + 0.25:
                    shown = frac
                    print(f"    {label}: {frac:.0%} after {secs:.0f} s, about {projected:.0f} s in all",
                          flush=True)
                if frac >= MIN_FRACTION and projected > limit_s:
                    proc.kill()
                    proc.wait()
                    return {"status": "aborted", "elapsed_s": elapsed, "fraction_done": frac,
                            "projected_s": projected, "limit_s": limit_s}
            if elapsed > limit_s:
                proc.kill()
                proc.wait()
                return {"status": "aborted", "elapsed_s": elapsed, "fraction_done": None,
                        "projected_s": None, "limit_s": limit_s}
        code = proc.wait()
        if code != 0 or result is None:
            err.seek(0)
            tail = err.read()[-2000:]
            return {"status": "error", "exit_code": code, "stderr_tail": tail}
    result["status"] = "ok"
    result["process_wall_s"] = time.monotonic() - t0
    return result
