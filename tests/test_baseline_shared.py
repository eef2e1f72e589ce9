"""`dbtgate baseline --prune` on a finding several resources share (a properties file of several
kinds, a schema spelled in another case than the warehouse's): it is put on one of them, which
the policy need not select, and known by what they share (its key). Once fixed, its entry is
fixed where the run judged what the key names, through any resource the policy selects, and
kept where it did not. The corpus's bouncer build as dbt wrote it, edited to hold the finding,
and the real command line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import corpus_dir
from policy_support import read_json, write_config

PKG = "dbt_bouncer_test_project"
FINANCE_YML = "models/marts/finance/_finance__models.yml"
CRM_SOURCE = f"source.{PKG}.dummy_source.customers"
POLICY = """\
version: 1
scope: all
policies:
  - select: "{select}"
    rules:
      {code}: error
"""


def write_build(
    target: Path,
    manifest: Callable[[dict], None] = lambda data: None,
    catalog: Callable[[dict], None] = lambda data: None,
) -> None:
    """The bouncer build into `target`, its manifest and catalog edited as given."""
    folder = corpus_dir("bouncer-dbt112")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name, edit in (("manifest.json", manifest), ("catalog.json", catalog)):
        data = json.loads((folder / name).read_text())
        edit(data)
        (target / name).write_text(json.dumps(data))


def source_in_models_file(manifest: dict) -> None:
    """The crm source declared among the finance models: the models file's finding, on the
    source (the entry to move)."""
    manifest["sources"][CRM_SOURCE]["original_file_path"] = FINANCE_YML


def marts_upper_in_warehouse(catalog: dict) -> None:
    """The warehouse (Snowflake) stores the marts schema in upper case: one finding, on the
    first of its relations by name (customers.v1)."""
    for table in catalog["nodes"].values():
        if table["metadata"]["schema"] == "main_marts":
            table["metadata"]["schema"] = "MAIN_MARTS"


def marts_spelled_as_the_warehouse(manifest: dict) -> None:
    """The fix the rule asks for: the project writes the schema as the warehouse stores it."""
    for node in manifest["nodes"].values():
        if node.get("schema") == "main_marts":
            node["schema"] = "MAIN_MARTS"


def record_then_prune(
    folder: Path,
    code: str,
    recorded: Callable[[Path], None],
    fixed: Callable[[Path], None],
    select: str,
) -> tuple[dict, str]:
    """The baseline written on the `recorded` build by a policy on every model, then pruned on
    the `fixed` one by a policy on `select`: the one entry written, and the prune's summary."""
    write_config(folder, POLICY.format(select="resource_type:model", code=code))
    recorded(folder / "target")
    done = dbtgate("baseline", "--artifacts", "target", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    (entry,) = read_json(folder / "dbtgate-baseline.json")["findings"]
    assert entry["code"] == code
    write_config(folder, POLICY.format(select=select, code=code))
    fixed(folder / "target")
    done = dbtgate("baseline", "--prune", "--artifacts", "target", cwd=folder)
    assert done.returncode == 0, done.stdout + done.stderr
    return entry, " ".join(done.stdout.split())


DROPPED = "pruned dbtgate-baseline.json: dropped 1 entry (1 fixed); 0 entries left"
KEPT = "pruned dbtgate-baseline.json: nothing to drop; kept 1 this run did not check; 1 entry left"


@pytest.mark.parametrize(
    ("select", "summary"),
    [
        ("resource_type:model", DROPPED),  # the finance models judged the file
        ("orders", DROPPED),  # one of them is enough
        ("stg_orders", KEPT),  # declared in another file: the finance file was not judged
    ],
)
def test_a_properties_file_of_one_kind_again_is_fixed_where_a_resource_in_it_was_judged(
    tmp_path, select, summary
):
    """The source moved back to its own file; no policy selects sources, so the resource the
    entry is on was not judged, the finance file was."""
    entry, pruned = record_then_prune(
        tmp_path,
        "docs.properties_one_kind",
        lambda target: write_build(target, manifest=source_in_models_file),
        write_build,
        select,
    )
    assert (entry["unique_id"], entry["key"]) == (CRM_SOURCE, FINANCE_YML)
    assert pruned == summary


@pytest.mark.parametrize(
    ("select", "summary"),
    [
        ("orders", DROPPED),  # in the marts schema, as customers.v1 the finding was on
        ("stg_orders", KEPT),  # in another schema: the marts' spelling was not judged
    ],
)
def test_a_schema_spelled_as_the_warehouse_stores_it_is_fixed_where_a_relation_in_it_was_judged(
    tmp_path, select, summary
):
    """The project now writes MAIN_MARTS, as the warehouse stores it: the entry's key names
    the old spelling, which no relation has any more; the relations of the schema were judged,
    as names warehouses compare regardless of case."""
    entry, pruned = record_then_prune(
        tmp_path,
        "naming.location_case",
        lambda target: write_build(target, catalog=marts_upper_in_warehouse),
        lambda target: write_build(
            target, manifest=marts_spelled_as_the_warehouse, catalog=marts_upper_in_warehouse
        ),
        select,
    )
    assert (entry["unique_id"], entry["key"]) == (f"model.{PKG}.customers.v1", "schema main_marts")
    assert pruned == summary
