"""A snapshot's change, as dbt-duckdb really runs it: the pull request's fresh build makes a new
snapshot table, but production's next `dbt snapshot` writes into the table it already has, which
keeps its column types, or starts an empty one when the snapshot moves to another schema.
`dbtgate diff` says what that run does, and the run does it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from cli_support import dbtgate
from policy_support import read_json
from test_diff_incremental_dbt import dbt

pytestmark = pytest.mark.slow


def write_snapshots(project: Path, strategy: str, schema: str) -> None:
    """`kept` versions rows by `strategy`; `moved` lives in `schema` (dbt <1.9's config)."""
    for name, config in (
        ("kept", f"target_schema='snapshots', unique_key='id', {strategy}"),
        ("moved", f"target_schema='{schema}', unique_key='id', strategy='check', check_cols='all'"),
    ):
        (project / "snapshots" / f"{name}.sql").write_text(
            f"{{% snapshot {name} %}}\n{{{{ config({config}) }}}}\n"
            "select id, updated_at from {{ ref('customers') }}\n{% endsnapshot %}\n",
            encoding="utf-8",
        )


def column_types(database: Path) -> dict[str, str]:
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema || '.' || table_name || '.' || column_name, data_type "
            "from information_schema.columns where table_name in ('kept', 'moved', 'history')"
        ).fetchall()
    return dict(rows)


def test_a_snapshots_next_run_keeps_its_types_and_a_moved_one_starts_empty(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    for folder in ("models", "snapshots"):
        (project / folder).mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: inc\nversion: '1.0'\nprofile: inc\n", encoding="utf-8"
    )
    customers = project / "models" / "customers.sql"
    customers.write_text(
        "select 1 as id, date '2024-01-01' as updated_at, 'a@b' as email\n", encoding="utf-8"
    )
    (project / "models" / "history.sql").write_text(
        "select id, dbt_valid_from from {{ ref('kept') }}\n", encoding="utf-8"
    )
    production = tmp_path / "production.duckdb"
    write_snapshots(project, "strategy='timestamp', updated_at='updated_at'", "snapshots")
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, production, "base", *args)
        assert done.returncode == 0, done.stdout
    # The pull request versions `kept` by its columns (dbt_valid_from: now, a TIMESTAMP, where
    # the timestamp strategy wrote updated_at, a DATE), moves `moved` to another schema, and
    # drops a column of customers that neither snapshot selects.
    write_snapshots(project, "strategy='check', check_cols='all'", "history")
    customers.write_text("select 1 as id, date '2024-01-01' as updated_at\n", encoding="utf-8")
    ci = tmp_path / "ci.duckdb"
    for args in (("build",), ("docs", "generate")):
        done = dbt(project, ci, "target", *args)
        assert done.returncode == 0, done.stdout
    assert column_types(ci)["snapshots.kept.dbt_valid_from"] == "TIMESTAMP"

    report = tmp_path / "diff.json"
    done = dbtgate(
        "diff", "--base", "base", "--json", str(report), "--artifacts", "target", cwd=project
    )
    assert done.returncode == 0, done.stdout
    reasons = {
        (change["code"], change["name"], change.get("column")): change["reason"]
        for change in read_json(report)["sections"]["diff"]["changes"]
        if change["code"].startswith(("risky.", "breaking."))
    }
    # dbt <1.12 writes no compiled file of a snapshot: its SQL, in the manifest, shows that
    # neither selects email.
    assert reasons[("risky.column_removed", "customers", "email")] == (
        "customers: column email removed; no reader selects it (kept, moved)"
    )
    assert reasons[("risky.type_changed", "kept", "dbt_valid_from")] == (
        "kept: dbt_valid_from type changed (DATE -> TIMESTAMP); the snapshot's table keeps "
        "DATE: dbt snapshot never retypes a column and casts new values to it, or fails"
    )
    assert reasons[("risky.relation_renamed", "moved", None)] == (
        "moved: relation renamed (target_schema snapshots -> history): dbt builds it under the "
        "new name and leaves the old relation in place, no longer updated; the new snapshot "
        "starts empty, the history recorded so far stays in the old one; tools outside dbt that "
        "query the old name read stale data"
    )

    # Production's next run keeps kept's DATE, which its reader goes on reading, and starts
    # moved afresh in the new schema, the old table left where it was.
    done = dbt(project, production, "production", "build")
    assert done.returncode == 0, done.stdout
    types = column_types(production)
    assert types["snapshots.kept.dbt_valid_from"] == "DATE"
    assert types["main.history.dbt_valid_from"] == "DATE"
    assert {"snapshots.moved.id", "history.moved.id"} <= types.keys()
