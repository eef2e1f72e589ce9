"""What dbtgate assumes of a snapshot in the manifest, checked on what dbt 1.10, 1.11, 1.12 and
Fusion wrote of the same project (the corpus's bouncer-dbt110/111/112/20: two snapshots defined
in a properties file, dbt 1.9's form). The diff's snapshot findings were built on dbt 1.11's
manifest; these hold them to the other versions'. The corpus holds no snapshot of dbt 1.8 or 1.9
(schema-versions/ and ticketswap-dbt19 have none)."""

from __future__ import annotations

import json

import pytest
from corpus import corpus_dir

from dbtgate.artifacts import load_artifacts
from dbtgate.diff.sql import SqlFiles
from dbtgate.project import SNAPSHOT_COLUMNS, Project

SNAPSHOT = "snapshot.dbt_bouncer_test_project.snapshot_orders"
BUILDS = ["bouncer-dbt110", "bouncer-dbt111", "bouncer-dbt112", "bouncer-dbt20"]


def project(name: str) -> Project:
    return Project.from_artifacts(load_artifacts(corpus_dir(name)))


@pytest.mark.parametrize("name", BUILDS)
def test_the_diff_reads_a_snapshots_query_from_every_version(name):
    """dbt before 1.12 writes no compiled file of a snapshot (compiled_path null), so the query
    is read from the manifest (`SqlFiles.text`); 1.12 and Fusion name the file they wrote."""
    built = project(name)
    node = built.nodes[SNAPSHOT]
    text = SqlFiles.of(built).text(node)
    if name in ("bouncer-dbt110", "bouncer-dbt111"):
        assert node.compiled_path is None
        assert text is not None and "from __dbt__cte__stg_raw_orders_for_snapshot" in text
    else:
        assert node.compiled_path  # the file dbt wrote, which the diff reads from target/


@pytest.mark.parametrize("name", ["bouncer-dbt110", "bouncer-dbt111", "bouncer-dbt112"])
def test_the_columns_dbt_adds_to_a_snapshot_are_those_it_records(name):
    """dbt-core (1.9+) records the meta columns it adds in each snapshot's
    snapshot_meta_column_names (null: the default name); the columns the rules leave out of a
    snapshot's documentation are those defaults, in 1.10 as in 1.11 and 1.12. Fusion records
    none."""
    manifest = json.loads((corpus_dir(name) / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] == "snapshot":
            names = node["config"]["snapshot_meta_column_names"]
            assert set(names) == SNAPSHOT_COLUMNS
            assert set(names.values()) == {None}


@pytest.mark.parametrize("name", BUILDS)
def test_a_snapshot_defined_in_a_properties_file_is_read_as_every_version_writes_it(name):
    """dbt 1.9+'s YAML snapshot: its file is the properties file in every version, its schema
    the one dbt resolved (no legacy target_schema), its strategy and key as configured."""
    node = project(name).nodes[SNAPSHOT]
    assert node.original_file_path == "snapshots/_snapshots.yml"
    assert node.schema == "main_dbt_pslattery"
    assert node.config is not None
    assert (node.config.strategy, node.config.unique_key) == ("timestamp", "id")
