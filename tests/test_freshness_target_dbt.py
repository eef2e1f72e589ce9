"""`dbt source freshness` run into the build's target/, as a newcomer runs it after `dbt build`:
dbt writes a manifest.json of its own there (without the compiled SQL), so the run's results no
longer match the manifest. The gate says which command did it and how to run it instead, and
its note on a missing sources.json gives that way from the start (dbt-duckdb, really run)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate

from dbtgate.base import find_dbt

pytestmark = pytest.mark.slow

SOURCES = """\
version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: orders
        loaded_at_field: loaded_at
        freshness: {error_after: {count: 1, period: day}}
"""


def dbt(project: Path, *args: str) -> None:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [find_dbt(os.environ), *args, "--profiles-dir", str(project)]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr


def test_freshness_run_into_the_builds_target_is_named_with_the_way_to_run_it(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "seeds").mkdir()
    (project / "dbt_project.yml").write_text(
        "name: fresh\nversion: '1.0'\nprofile: fresh\n", encoding="utf-8"
    )
    (project / "profiles.yml").write_text(
        "fresh:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{tmp_path / 'fresh.duckdb'}'\n      threads: 1\n",
        encoding="utf-8",
    )
    (project / "seeds" / "orders.csv").write_text(
        "id,loaded_at\n1,2020-01-01 00:00:00\n", encoding="utf-8"
    )
    (project / "models" / "_sources.yml").write_text(SOURCES, encoding="utf-8")
    (project / "models" / "stg_orders.sql").write_text(
        "-- depends_on: {{ ref('orders') }}\nselect id from {{ source('raw', 'orders') }}\n",
        encoding="utf-8",
    )
    (project / "dbtgate.yml").write_text("version: 1\n", encoding="utf-8")
    dbt(project, "build")

    done = dbtgate("check", "-q", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    (note,) = [line for line in done.stdout.splitlines() if "sources.json absent" in line]
    assert "`dbt source freshness --target-path freshness-target` after the build" in note
    assert note.endswith(
        "copy its sources.json into target/: a target path of its own keeps the build's "
        "manifest.json)"
    )

    dbt(project, "source", "freshness")  # into target/: its manifest replaces the build's
    done = dbtgate("check", "-q", cwd=project)
    (warning,) = [line for line in done.stdout.splitlines() if "dbt invocation" in line]
    assert warning.startswith("warning: target/run_results.json: written by dbt invocation")
    assert warning.endswith(
        "`dbt source freshness` rewrote manifest.json after the build (sources.json is of its "
        "invocation): run `dbt build` again, and `dbt source freshness --target-path "
        "freshness-target` after it, copying back only its sources.json"
    )
