"""governance.seed_size: the seeds' row counts and sizes as catalog.json records them (the dbt 1.9
build of jaffle_shop on BigQuery, its catalog edited into other adapters' keys), and builds whose
catalog records none (DuckDB's)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from corpus import corpus_dir
from policy_support import by_code, corpus_project, gate, rule_config

from dbtgate.artifacts import ArtifactSet, load_catalog, load_manifest
from dbtgate.errors import DbtgateError
from dbtgate.project import Project

CODE = "governance.seed_size"
PAYMENTS = "seed.jaffle_shop.raw_payments"
CUSTOMERS = "seed.jaffle_shop.raw_customers"


def bigquery_build(tmp_path: Path, edit: Callable[[dict], None] | None = None) -> Project:
    """The dbt 1.9 `dbt build` on BigQuery in schema-versions/: its manifest and its catalog.json
    (which records num_rows and num_bytes of each table), with `edit(catalog)` applied."""
    folder = corpus_dir("schema-versions")
    catalog = json.loads((folder / "catalog_v1.json").read_text())
    if edit is not None:
        edit(catalog)
    target = tmp_path / "target"
    target.mkdir(parents=True)
    (target / "catalog.json").write_text(json.dumps(catalog))
    artifacts = ArtifactSet(
        folder,
        load_manifest(folder / "manifest_v12_dbt1.9.json"),
        catalog=load_catalog(target / "catalog.json"),
    )
    return Project.from_artifacts(artifacts)


def seed_stats() -> dict[str, tuple[int, int]]:
    """The truth, read with plain json: each seed's rows and bytes in the BigQuery catalog."""
    catalog = json.loads((corpus_dir("schema-versions") / "catalog_v1.json").read_text())
    return {
        unique_id: (table["stats"]["num_rows"]["value"], table["stats"]["num_bytes"]["value"])
        for unique_id, table in catalog["nodes"].items()
        if unique_id.startswith("seed.")
    }


def findings(project: Project, tmp_path: Path, setting: str) -> dict[str, str]:
    config = rule_config(tmp_path, CODE, setting)
    return {f.unique_id: f.message for f in by_code(gate(project, config).findings, CODE)}


def test_seeds_over_max_rows_in_a_real_bigquery_catalog(tmp_path):
    """raw_customers has 100 rows, raw_orders 99, raw_payments 113; a seed at the limit passes.
    The build's models have row counts too (customers 100): the rule judges seeds only."""
    stats = seed_stats()
    assert len(stats) == 3
    over = {unique_id for unique_id, (rows, _) in stats.items() if rows > 100}
    assert over == {PAYMENTS}
    found = findings(bigquery_build(tmp_path), tmp_path, "{max_rows: 100}")
    assert set(found) == over
    assert found[PAYMENTS] == "raw_payments holds 113 rows in the warehouse; at most 100 rows"
    assert findings(bigquery_build(tmp_path / "b"), tmp_path, "{max_rows: 113}") == {}


def test_seeds_over_max_megabytes_and_both_limits(tmp_path):
    """raw_orders takes 3,406 bytes and raw_payments 4,158: a megabyte is 10^6 bytes."""
    stats = seed_stats()
    assert {u for u, (_, size) in stats.items() if size > 3500} == {PAYMENTS}
    project = bigquery_build(tmp_path)
    assert findings(project, tmp_path, "{max_megabytes: 0.0035}") == {
        PAYMENTS: "raw_payments takes 0.004 MB (4,158 bytes) in the warehouse; at most 0.0035 MB"
    }
    config = rule_config(tmp_path, CODE, "{max_rows: 99, max_megabytes: 0.0035}")
    both = by_code(gate(project, config).findings, CODE)
    assert {f.unique_id: f.message for f in both} == {
        CUSTOMERS: "raw_customers holds 100 rows in the warehouse; at most 99 rows",
        PAYMENTS: "raw_payments holds 113 rows and takes 0.004 MB (4,158 bytes) in the "
        "warehouse; at most 99 rows and 0.0035 MB",
    }
    payments = next(f for f in both if f.unique_id == PAYMENTS)
    assert payments.details == {
        "rows": 113,
        "bytes": 4158,
        "max_rows": 99,
        "max_megabytes": 0.0035,
        "policy": "*",
    }


def _as_adapter(rows_key: str, bytes_key: str) -> Callable[[dict], None]:
    """An edit of the catalog: each table's BigQuery statistics under another adapter's keys."""

    def edit(catalog: dict) -> None:
        for table in catalog["nodes"].values():
            stats = table["stats"]
            if "num_rows" in stats:
                stats[rows_key] = {**stats.pop("num_rows"), "id": rows_key}
                stats[bytes_key] = {**stats.pop("num_bytes"), "id": bytes_key}

    return edit


@pytest.mark.parametrize(
    ("rows_key", "bytes_key", "judged"),
    [
        ("row_count", "bytes", {PAYMENTS}),  # Snowflake
        ("rows", "bytes", {PAYMENTS}),  # Databricks, Spark
        ("rows", "size", set()),  # Redshift: `size` counts 1 MB blocks and is not read
    ],
)
def test_other_adapters_keys(tmp_path, rows_key, bytes_key, judged):
    project = bigquery_build(tmp_path, _as_adapter(rows_key, bytes_key))
    assert set(findings(project, tmp_path, "{max_rows: 100}")) == {PAYMENTS}
    assert set(findings(project, tmp_path, "{max_megabytes: 0.0035}")) == judged


def test_a_seed_the_catalog_records_no_count_of_is_not_judged(tmp_path):
    def drop_payments_stats(catalog: dict) -> None:
        catalog["nodes"][PAYMENTS]["stats"] = {
            "has_stats": {"id": "has_stats", "label": "Has Stats?", "value": False}
        }

    project = bigquery_build(tmp_path, drop_payments_stats)
    assert set(findings(project, tmp_path, "{max_rows: 99, max_megabytes: 0.001}")) == {
        CUSTOMERS,
        "seed.jaffle_shop.raw_orders",
    }


def test_a_catalog_without_seed_counts_checks_nothing_and_says_so(tmp_path):
    """DuckDB's catalog (the bouncer project built by dbt 1.12) records only has_stats."""
    config = rule_config(tmp_path, CODE, "{max_rows: 1}")
    result = gate(corpus_project("bouncer-dbt112"), config)
    assert by_code(result.findings, CODE) == []
    assert [note for note in result.notes if CODE in note] == [
        f"{tmp_path / 'dbtgate.yml'}:5: governance.seed_size reads the row counts or sizes of "
        "seeds that the adapter records in catalog.json (`dbt docs generate` on BigQuery, "
        "Snowflake, Databricks or Redshift), which this build does not have, so it checked "
        "nothing"
    ]
    # With BigQuery's catalog the same rule is no note.
    with_stats = gate(bigquery_build(tmp_path), config)
    assert not [note for note in with_stats.notes if CODE in note]
    assert len(by_code(with_stats.findings, CODE)) == 3


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("{}", r"set `max_rows` and/or `max_megabytes`"),
        ("{max_rows: -1}", r"max_rows: expected a number of rows above 0, got -1"),
        ("{max_rows: 0}", r"max_rows: expected a number of rows above 0"),
        ("{max_megabytes: -0.5}", r"max_megabytes: expected a number of megabytes above 0"),
        ("{max_rows: 10, max_megabytes: 0}", r"max_megabytes: expected a number of megabytes"),
    ],
)
def test_no_limit_or_a_limit_below_one_is_a_config_error_at_its_line(tmp_path, setting, problem):
    config = rule_config(tmp_path, CODE, setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{problem}"):
        gate(bigquery_build(tmp_path), config)


def test_counts_that_moved_with_the_data_leave_a_table_the_same_for_the_base_comparison(tmp_path):
    """The schema diff and the base build's KPIs skip what both builds built alike: a seed
    loaded again with more rows is still the same table, one with another column is not."""
    base = bigquery_build(tmp_path / "base")

    def more_rows(catalog: dict) -> None:
        catalog["nodes"][PAYMENTS]["stats"]["num_rows"]["value"] = 5000

    def another_column(catalog: dict) -> None:
        columns = catalog["nodes"][PAYMENTS]["columns"]
        columns["note"] = {"type": "STRING", "index": len(columns) + 1, "name": "note"}

    assert bigquery_build(tmp_path / "rows", more_rows).same_built(base, PAYMENTS)
    assert not bigquery_build(tmp_path / "column", another_column).same_built(base, PAYMENTS)
