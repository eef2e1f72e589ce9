"""What dbt-core's own classes make of artifacts, asked in a child process.

Tests that check an artifact is one dbt would accept (the benchmark generator's builds, the run
statuses dbtgate knows) ask dbt-core itself, but never in pytest's process: importing dbt-core
loads some 250 modules, configures logging and sets global state the tests run after it would
inherit. `dbt_read(...)` runs this file as a script with the same interpreter and returns what
it printed, as JSON; any error dbt raises (an artifact it refuses) fails the calling test with
dbt's traceback. Importing this module imports nothing of dbt.

    python dbt_read.py artifacts FOLDER...   {FOLDER: {"models": N}} once dbt read every file
    python dbt_read.py node-statuses         the values of dbt's NodeStatus
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import installed

# Looked up by its installed distribution, not imported (importing it imports dbt).
needs_dbt_core = pytest.mark.skipif(
    not installed("dbt-core"), reason="dbt-core is not installed (pip install -e '.[dev]')"
)


def dbt_read(*args: str) -> Any:
    """This script's answer to `args` (see the module docstring), from a child process."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def read_artifacts(folders: list[str]) -> dict[str, dict[str, int]]:
    """Each folder's manifest.json, catalog.json and run_results.json read by dbt-core's
    artifact classes, which check the schema version and every field; the models dbt counted."""
    from dbt.artifacts.schemas.catalog import CatalogArtifact
    from dbt.artifacts.schemas.run import RunResultsArtifact
    from dbt.contracts.graph.manifest import WritableManifest

    read: dict[str, dict[str, int]] = {}
    for folder in folders:
        manifest = WritableManifest.read_and_check_versions(str(Path(folder, "manifest.json")))
        CatalogArtifact.read_and_check_versions(str(Path(folder, "catalog.json")))
        RunResultsArtifact.read_and_check_versions(str(Path(folder, "run_results.json")))
        models = sum(1 for node in manifest.nodes.values() if node.resource_type == "model")
        read[folder] = {"models": models}
    return read


def node_statuses() -> list[str]:
    """Every status dbt-core writes in run_results.json (its NodeStatus enum)."""
    from dbt.artifacts.schemas.results import NodeStatus

    return sorted(status.value for status in NodeStatus)


def main(command: str, *args: str) -> None:
    if command == "artifacts":
        answer: Any = read_artifacts(list(args))
    elif command == "node-statuses":
        answer = node_statuses()
    else:
        raise SystemExit(f"dbt_read.py: unknown command {command!r}")
    print(json.dumps(answer))


if __name__ == "__main__":
    main(*sys.argv[1:])
