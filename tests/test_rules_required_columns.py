"""governance.required_columns (the presence half of dbt-checkpoint's
check-model-has-columns-with-types): each judged resource has a column of each name, declared or
in the warehouse's table; on a small project written here and on the bouncer build, where the
truth is computed with plain json."""

from __future__ import annotations

import json
import re

import pytest
from corpus import corpus_dir
from policy_support import by_code, corpus_project, gate, rule_config, small_project

from dbtgate.errors import DbtgateError

CODE = "governance.required_columns"

MODELS_YML = """\
    version: 2

    models:
      - name: fct_orders
        columns:
          - name: order_id
      - name: dim_customers
        columns:
          - name: customer_id
          - name: _LOADED_AT
    """


def _project(tmp_path):
    yml = "models/_models.yml"
    return small_project(
        tmp_path,
        [
            {
                "name": name,
                "original_file_path": f"models/{name}.sql",
                "patch_path": f"p://{yml}",
                "columns": {c: {"name": c} for c in columns},
            }
            for name, columns in (
                ("fct_orders", ["order_id"]),
                ("dim_customers", ["customer_id", "_LOADED_AT"]),
                ("stg_orders", []),
            )
        ],
        catalog={
            # The warehouse's columns count: fct_orders has _loaded_at there.
            "model.p.fct_orders": {
                "metadata": {"database": "shop", "schema": "main"},
                "columns": {"ORDER_ID": "INTEGER", "_LOADED_AT": "TIMESTAMP"},
            }
        },
        files={yml: MODELS_YML},
    )


def test_a_resource_without_a_required_column_is_reported_on_its_entry(tmp_path):
    config = rule_config(tmp_path / "c", CODE, "{columns: [_loaded_at, order_id]}")
    findings = by_code(gate(_project(tmp_path / "p"), config).findings, CODE)
    assert sorted((f.unique_id, f.path, f.line, f.message) for f in findings) == [
        (
            "model.p.dim_customers",
            "models/_models.yml",
            7,
            "dim_customers has no column order_id (judged by the columns its YAML declares)",
        ),
        (
            "model.p.stg_orders",
            "models/stg_orders.sql",
            1,
            "stg_orders has no column _loaded_at, order_id "
            "(judged by the columns its YAML declares)",
        ),
    ]


def test_declared_columns_only(tmp_path):
    config = rule_config(
        tmp_path / "c", CODE, "{columns: [_loaded_at], use_catalog: false}", "fct_orders"
    )
    (finding,) = by_code(gate(_project(tmp_path / "p"), config).findings, CODE)
    assert finding.details["missing"] == ["_loaded_at"]


def test_columns_are_required(tmp_path):
    config = rule_config(tmp_path / "c", CODE)
    with pytest.raises(DbtgateError, match=re.escape("dbtgate.yml:5: ")) as error:
        gate(_project(tmp_path / "p"), config)
    assert str(error.value).endswith(
        "columns: required: give at least one (an empty list would check nothing)"
    )


def test_the_bouncer_builds_models_without_a_column(tmp_path):
    """Which of the bouncer project's models lack an `id` column, declared or in catalog.json
    (computed here with plain json; a model the catalog does not list has its declared
    columns only)."""
    folder = corpus_dir("bouncer-dbt112")
    manifest = json.loads((folder / "manifest.json").read_text())
    catalog = json.loads((folder / "catalog.json").read_text())["nodes"]
    expected = set()
    for uid, node in manifest["nodes"].items():
        if (
            node["resource_type"] != "model"
            or node["package_name"] != manifest["metadata"]["project_name"]
        ):
            continue
        if not node["config"].get("enabled", True):
            continue
        names = {c["name"].lower() for c in node["columns"].values()}
        names |= {c["name"].lower() for c in catalog.get(uid, {}).get("columns", {}).values()}
        if "id" not in names:
            expected.add(uid)
    assert (
        0
        < len(expected)
        < len([n for n in manifest["nodes"].values() if n["resource_type"] == "model"])
    )
    config = rule_config(tmp_path, CODE, "{columns: [ID]}", "resource_type:model")
    findings = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, CODE)
    assert {f.unique_id for f in findings} == expected
