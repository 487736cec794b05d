"""schemathesis against the live server: every operation, every check, a fixed time budget.

The real server (`python -m app.cli serve`, its worker processes, its middleware, uvicorn's
HTTP parsing) is fuzzed through its own /openapi.json: the coverage phase (each schema
boundary, each wrong type, each wrong method), fuzzing and stateful links (create → read →
stream → export → delete). Every check schemathesis has runs but one:
`positive_data_acceptance` says any request the schema allows must succeed, and this API
has rules a JSON Schema cannot state (a formula's grammar, optimizers × starts × steps
under a budget, a loss that fits the dataset's task); those are 422s naming the field,
tested where they are defined. The in-process suite (test_schemathesis.py) keeps checking
each operation's responses against the schema on every run of `make test`.

Limits are lowered so a generated run is cheap (the schema carries the lowered limits).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.test_server import running

BUDGET_S = 150  # the whole run, all phases; CI's clock, not a speed claim

LIMITS = {
    "DESCENTLAB_MAX_LANE_STEPS": "20000",
    "DESCENTLAB_MAX_STEPS": "5000",
    "DESCENTLAB_MAX_MLP_WORK": "2e8",
    "DESCENTLAB_MAX_OUTPUT_VALUES": "2e6",
    "DESCENTLAB_MAX_BASIN_LANE_STEPS": "200000",
    "DESCENTLAB_MAX_GRID_N": "60",
    "DESCENTLAB_MAX_WIDTH": "32",
    "DESCENTLAB_MAX_RUNS_PER_CLIENT": "64",
    "DESCENTLAB_RUN_WALL_TIME_S": "20",
    "DESCENTLAB_WORKERS": "2",
}


def _schemathesis() -> str | None:
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.exists() else shutil.which("schemathesis")


@pytest.mark.skipif(_schemathesis() is None, reason="schemathesis is a test dependency")
def test_the_live_server_passes_every_schemathesis_check(tmp_path):
    with running(tmp_path, **LIMITS) as (base, proc, log):
        done = subprocess.run(
            [
                _schemathesis(),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                "positive_data_acceptance",
                "--max-time",
                str(BUDGET_S),
                "--workers",
                "2",
                "--suppress-health-check",
                "all",
                "--request-timeout",
                "30",
                "--seed",
                "20261203",
                "--no-color",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            capture_output=True,
            text=True,
            timeout=BUDGET_S + 240,
        )
        assert proc.poll() is None, "the server died under the fuzzer"
        log.seek(0)
        server_log = log.read()
    summary = done.stdout[-6000:]
    assert done.returncode == 0, summary
    assert "Traceback" not in server_log, server_log[-3000:]
    generated = re.search(r"(\d+) generated", summary)
    assert generated and int(generated.group(1)) >= 1000, summary  # it did explore
