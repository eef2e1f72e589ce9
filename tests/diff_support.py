"""Small dbt builds written as real artifact files, for the schema diff's tests.

Each helper returns the JSON a dbt build writes (manifest v12, catalog v1) for the few fields the
diff reads; `write_build` puts them on disk and loads them through the real loader, so the tests
exercise the same path as a user's artifacts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project

PACKAGE = "proj"
MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"
CATALOG_SCHEMA = "https://schemas.getdbt.com/dbt/catalog/v1.json"
RUN_RESULTS_SCHEMA = "https://schemas.getdbt.com/dbt/run-results/v6.json"

Json = dict[str, Any]
ColumnSpec = tuple[str, str | None] | tuple[str, str | None, list[Json]]


def model(
    name: str,
    columns: Iterable[ColumnSpec] = (),
    *,
    contract: bool = False,
    version: int | None = None,
    latest_version: int | None = None,
    access: str = "protected",
    materialized: str = "table",
    constraints: list[Json] | None = None,
    depends_on: Iterable[str] = (),
    deprecation_date: str | None = None,
    description: str = "",
    checksum: str = "c0",
    schema: str = "main",
    custom_schema: str | None = None,
    custom_alias: str | None = None,
    meta: Json | None = None,
    resource_type: str = "model",
    enabled: bool = True,
) -> Json:
    suffix = f".v{version}" if version is not None else ""
    uid = f"{resource_type}.{PACKAGE}.{name}{suffix}"
    declared = {}
    for spec in columns:
        column_name, data_type = spec[0], spec[1]
        declared[column_name] = {
            "name": column_name,
            "data_type": data_type,
            "description": "",
            "constraints": spec[2] if len(spec) > 2 else [],
        }
    alias = custom_alias or (f"{name}_v{version}" if version is not None else name)
    return {
        "unique_id": uid,
        "resource_type": resource_type,
        "name": name,
        "package_name": PACKAGE,
        "path": f"{name}.sql",
        "original_file_path": f"models/{name}.sql",
        "patch_path": f"{PACKAGE}://models/schema.yml",
        # As dbt writes a version's fqn: its name, then `v1` (selectors match by it).
        "fqn": [PACKAGE, name, *([f"v{version}"] if version is not None else [])],
        "description": description,
        "columns": declared,
        "config": {
            "enabled": enabled,
            "materialized": materialized,
            "access": access,
            # As configured (`+schema: finance`); the node's `schema` is what the environment
            # made of it (`generate_schema_name`).
            "schema": custom_schema,
            "alias": custom_alias,
            "meta": meta or {},
            "contract": {"enforced": contract, "alias_types": True},
        },
        "depends_on": {"nodes": list(depends_on)},
        "access": access,
        "contract": {"enforced": contract, "alias_types": True},
        "constraints": constraints or [],
        "version": version,
        "latest_version": latest_version,
        "deprecation_date": deprecation_date,
        "checksum": {"name": "sha256", "checksum": checksum},
        "database": "db",
        "schema": schema,
        "alias": alias,
        "relation_name": f'"db"."{schema}"."{alias}"',
        "compiled_path": f"target/compiled/{PACKAGE}/models/{name}.sql",
        "language": "sql",
    }


def data_test(kind: str, model_uid: str, column: str | None) -> Json:
    # Named as dbt names it (`not_null_orders_v1_id`): the model's name and version both, so
    # tests on `a.v1` and `b.v1` never share a unique_id (one would silently replace the other).
    model_part = "_".join(model_uid.split(".")[2:])
    uid = f"test.{PACKAGE}.{kind}_{model_part}_{column or 'model'}"
    return {
        "unique_id": uid,
        "resource_type": "test",
        "name": uid.split(".")[-1],
        "package_name": PACKAGE,
        "column_name": column,
        "attached_node": model_uid,
        "test_metadata": {"name": kind, "kwargs": {"column_name": column}},
        "depends_on": {"nodes": [model_uid]},
        "config": {"severity": "ERROR"},
    }


def exposure(name: str, depends_on: Iterable[str], owner: str = "BI team") -> Json:
    return {
        "unique_id": f"exposure.{PACKAGE}.{name}",
        "resource_type": "exposure",
        "name": name,
        "package_name": PACKAGE,
        "original_file_path": "models/exposures.yml",
        "type": "dashboard",
        "owner": {"name": owner},
        "depends_on": {"nodes": list(depends_on)},
    }


def semantic_model(name: str, model_uid: str, dimensions: Iterable[str] = ()) -> Json:
    """A semantic model on `model_uid` (dbt's semantic layer), one categorical dimension per
    column named."""
    return {
        "unique_id": f"semantic_model.{PACKAGE}.{name}",
        "resource_type": "semantic_model",
        "name": name,
        "package_name": PACKAGE,
        "original_file_path": "models/semantic.yml",
        "depends_on": {"nodes": [model_uid]},
        "entities": [],
        "measures": [],
        "dimensions": [{"name": column, "type": "categorical"} for column in dimensions],
    }


def constraint(kind: str, columns: list[str] | None = None) -> Json:
    return {"type": kind, "name": None, "expression": None, "columns": columns or []}


def write_build(
    directory: Path,
    nodes: Iterable[Json],
    *,
    catalog: dict[str, list[tuple[str, str]]] | None = None,
    exposures: Iterable[Json] = (),
    semantic_models: Iterable[Json] = (),
    disabled: Iterable[Json] = (),
    dbt_version: str = "1.11.2",
    adapter: str = "duckdb",
    compiled: dict[str, str] | None = None,
    results: dict[str, str] | None = None,
    unit_tests: Iterable[Json] = (),
    groups: Iterable[Json] = (),
) -> Project:
    """Write manifest.json (and catalog.json when given, compiled SQL when given, and the
    run_results.json of a `dbt build` when given: unique_id -> status) under `directory/target`
    and load them as dbtgate does."""
    target = directory / "target"
    target.mkdir(parents=True, exist_ok=True)
    nodes = list(nodes)
    node_map = {node["unique_id"]: node for node in nodes}
    # A manifest cannot hold two nodes under one unique_id: a helper that makes two must fail
    # here, not make "the same build" differ by which duplicate was written last.
    assert len(node_map) == len(nodes), sorted(n["unique_id"] for n in nodes)
    manifest = {
        "metadata": {
            "dbt_schema_version": MANIFEST_SCHEMA,
            "dbt_version": dbt_version,
            "adapter_type": adapter,
            "project_name": PACKAGE,
        },
        "nodes": node_map,
        "sources": {},
        "exposures": {e["unique_id"]: e for e in exposures},
        "semantic_models": {s["unique_id"]: s for s in semantic_models},
        "groups": {g["unique_id"]: g for g in groups},
        "disabled": {node["unique_id"]: [node] for node in disabled},
        "unit_tests": {u["unique_id"]: u for u in unit_tests},
    }
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if catalog is not None:
        tables = {}
        for uid, columns in catalog.items():
            tables[uid] = {
                "unique_id": uid,
                "metadata": {"type": "BASE TABLE", "schema": "main", "name": uid.split(".")[-1]},
                "columns": {
                    name: {"name": name, "type": data_type, "index": index}
                    for index, (name, data_type) in enumerate(columns, 1)
                },
            }
        document = {
            "metadata": {"dbt_schema_version": CATALOG_SCHEMA},
            "nodes": tables,
            "sources": {},
        }
        (target / "catalog.json").write_text(json.dumps(document), encoding="utf-8")
    if results is not None:
        run = {
            "metadata": {"dbt_schema_version": RUN_RESULTS_SCHEMA, "dbt_version": dbt_version},
            "args": {"which": "build"},
            "results": [{"unique_id": uid, "status": status} for uid, status in results.items()],
        }
        (target / "run_results.json").write_text(json.dumps(run), encoding="utf-8")
    for uid, sql in (compiled or {}).items():
        path = directory / node_map[uid]["compiled_path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
    return Project.from_artifacts(load_artifacts(target), directory)
