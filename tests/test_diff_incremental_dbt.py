"""An incremental model's column change, as dbt-duckdb really runs it: the pull request's fresh
build passes, `dbtgate diff` says what production's next incremental run will do, and that run,
on the base build's table, does it (fails, or keeps the dropped column, or syncs)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest
from cli_support import dbtgate
from policy_support import read_json

from dbtgate.base import find_dbt

pytestmark = pytest.mark.slow

POLICIES = ("ignore", "append_new_columns", "sync_all_columns")


def write_models(project: Path, columns: str) -> None:
    for policy in POLICIES:
        (project / "models" / f"events_{policy}.sql").write_text(
            f"{{{{ config(materialized='incremental', on_schema_change='{policy}') }}}}\n"
            f"select {columns}\n",
            encoding="utf-8",
        )


def dbt(project: Path, database: Path, target: str, *args: str) -> subprocess.CompletedProcess:
    (project / "profiles.yml").write_text(
        "inc:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{database}'\n      threads: 1\n",
        encoding="utf-8",
    )
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [find_dbt(os.environ), *args, "--profiles-dir", str(project), "--target-path", target]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)


def test_the_next_incremental_run_does_what_the_diff_says(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    production = tmp_path / "production.duckdb"
    write_models(project, "1 as id, 2 as discount")
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, production, "base", *args)
        assert done.returncode == 0, done.stdout
    # The pull request drops `discount` and adds `channel`, built afresh as CI builds it.
    write_models(project, "1 as id, 'web' as channel")
    ci = tmp_path / "ci.duckdb"
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, ci, "target", *args)
        assert done.returncode == 0, done.stdout

    report = tmp_path / "diff.json"
    done = dbtgate(
        "diff", "--base", "base", "--json", str(report), "--artifacts", "target", cwd=project
    )
    assert done.stderr == ""
    reasons = {
        change["unique_id"]: change["reason"]
        for change in read_json(report)["sections"]["diff"]["changes"]
        if change["code"] == "risky.incremental_schema_change"
    }
    assert reasons == {
        "model.inc.events_ignore": "events_ignore: incremental model (on_schema_change: ignore): "
        "its next incremental run fails: the table keeps discount, which the model no longer "
        "selects; channel not added to the existing table: readers that select it fail",
        "model.inc.events_append_new_columns": "events_append_new_columns: incremental model "
        "(on_schema_change: append_new_columns): the table keeps discount, NULL in new rows",
    }

    # Production's next run, incremental on the base build's tables, does just that.
    done = dbt(project, production, "production", "run")
    assert done.returncode == 1
    for policy, outcome in (("ignore", "ERROR creating"), ("append_new_columns", "OK created")):
        assert f"{outcome} sql incremental model main.events_{policy} " in done.stdout
    with duckdb.connect(str(production), read_only=True) as connection:
        columns = {
            policy: [
                row[0]
                for row in connection.execute(
                    "select column_name from information_schema.columns "
                    f"where table_name = 'events_{policy}' order by ordinal_position"
                ).fetchall()
            ]
            for policy in POLICIES
        }
    assert columns == {
        "ignore": ["id", "discount"],
        "append_new_columns": ["id", "discount", "channel"],
        "sync_all_columns": ["id", "channel"],
    }
