"""A catalog.json older than its manifest is warned of only when something may have changed the
warehouse since it was written: a run that built a model after it, or a model's code parsed
after it. CI's `dbt build`, `dbt docs generate`, `dbt test` rewrites the manifest after the
catalog and builds nothing: no warning. (test_catalog_age_dbt.py does it with dbt itself.)"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from dbtgate.artifacts import load_artifacts

MANIFEST_AT = "2026-12-01T10:00:00Z"
CATALOG_AT = "2026-12-01T09:59:50Z"  # by `dbt docs generate`, ten seconds before the manifest
BEFORE, AFTER = "2026-12-01T09:59:40Z", "2026-12-01T10:00:05Z"
SCHEMA = "https://schemas.getdbt.com/dbt/{}.json"


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def build(
    folder: Path,
    *,
    parsed: str | None,
    run: tuple[str, str, list[tuple[str, str]]] | None,
) -> list[str]:
    """Write a build whose model `orders` was parsed at `parsed` (None: a manifest without
    `created_at`) and whose run_results.json is `run` ((command, written at, [(unique id,
    status)]), None: none); return the catalog's warnings."""
    model = {"resource_type": "model", "name": "orders", "unique_id": "model.shop.orders"}
    if parsed is not None:
        model["created_at"] = epoch(parsed)
    test = {"resource_type": "test", "name": "t", "unique_id": "test.shop.t", "created_at": 1.0}
    manifest = {
        "metadata": {
            "dbt_schema_version": SCHEMA.format("manifest/v12"),
            "generated_at": MANIFEST_AT,
            "invocation_id": "i",
        },
        "nodes": {"model.shop.orders": model, "test.shop.t": test},
    }
    table: dict[str, Any] = {"metadata": {"type": "BASE TABLE", "name": "orders"}, "columns": {}}
    catalog = {
        "metadata": {"dbt_schema_version": SCHEMA.format("catalog/v1"), "generated_at": CATALOG_AT},
        "nodes": {"model.shop.orders": table},
        "sources": {},
    }
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "catalog.json").write_text(json.dumps(catalog))
    if run is not None:
        command, written, results = run
        run_results = {
            "metadata": {
                "dbt_schema_version": SCHEMA.format("run-results/v6"),
                "generated_at": written,
                "invocation_id": "i",
            },
            "args": {"which": command},
            "results": [{"unique_id": uid, "status": status} for uid, status in results],
        }
        (folder / "run_results.json").write_text(json.dumps(run_results))
    return [w for w in load_artifacts(folder).warnings if "catalog.json" in w]


TESTED = [("test.shop.t", "pass")]
BUILT = [("model.shop.orders", "success")]
PREDATE = "the warehouse's columns it lists may predate this build"
NEWER = "the tables the run built are newer"


@pytest.mark.parametrize(
    ("parsed", "run", "warned"),
    [
        # build, docs generate, then test / run-operation: nothing built since the catalog.
        (BEFORE, ("test", AFTER, TESTED), None),
        (BEFORE, ("run-operation", AFTER, [("macro.shop.grant", "success")]), None),
        # ... then source freshness or parse: run_results.json is docs generate's, before it.
        (BEFORE, ("generate", BEFORE, BUILT), None),
        # A run built a model after the catalog was written.
        (BEFORE, ("run", AFTER, BUILT), NEWER),
        (BEFORE, ("build", AFTER, [*BUILT, *TESTED]), NEWER),
        # A model that failed to build left its table as it was.
        (BEFORE, ("run", AFTER, [("model.shop.orders", "error")]), None),
        # The model's file was edited and parsed anew after the catalog: a run in between,
        # whose results `dbt test` overwrote, may have built it.
        (AFTER, ("test", AFTER, TESTED), PREDATE),
        # No run_results.json, or a manifest without `created_at` (dbt before 1.0): no telling.
        (BEFORE, None, PREDATE),
        (None, ("test", AFTER, TESTED), PREDATE),
    ],
    ids=[
        "test",
        "run-operation",
        "freshness-or-parse",
        "run",
        "build",
        "run-errored",
        "edited",
        "no-run-results",
        "no-created-at",
    ],
)
def test_an_older_catalog_is_warned_of_when_the_warehouse_may_have_changed_since(
    tmp_path: Path, parsed: str | None, run: Any, warned: str | None
) -> None:
    warnings = build(tmp_path / "target", parsed=parsed, run=run)
    if warned is None:
        assert warnings == []
    else:
        [warning] = warnings
        assert "catalog.json: written 10 s before the manifest (by an earlier `dbt docs" in warning
        assert warned in warning, warning


def test_lint_reads_no_catalog_so_says_nothing_of_its_age(tmp_path: Path) -> None:
    """`dbtgate check` warns of the catalog older than the build; `dbtgate lint` (the
    pre-commit hook's) reads SQL files, not the warehouse's columns: the warning was noise."""
    from cli_support import dbtgate

    build(tmp_path / "target", parsed=BEFORE, run=("build", AFTER, [*BUILT, *TESTED]))
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "orders.sql").write_text("select 1 as id\n")
    (tmp_path / "dbtgate.yml").write_text("version: 1\nlint: {enabled: true, dialect: duckdb}\n")
    checked = dbtgate("check", cwd=tmp_path)
    assert "catalog.json: written 10 s before the manifest" in checked.stdout + checked.stderr
    linted = dbtgate("lint", "--all", cwd=tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "lint: 1 file" in linted.stdout + linted.stderr
    assert "catalog.json" not in linted.stdout + linted.stderr
