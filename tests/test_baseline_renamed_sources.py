"""A source renamed in its YAML (`name:` changed, `identifier:` keeping the table) is the same
source: with a base build to show which table the old name read, its recorded debt follows it.
A source that reads another table is another source, and its findings are new."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import dbtgate
from policy_support import read_json, write_config
from test_baseline import CONFIG, PKG, baseline, check, manifest, workdir, write_build

__all__ = ["workdir"]  # the fixture, used by name

OLD = f"source.{PKG}.dummy_source.customers"
NEW = f"source.{PKG}.dummy_source.clients"
FRESHNESS = CONFIG + "freshness: {missing_tiers: [3], severity: {missing: error}}\n"


def without_freshness(data: dict) -> dict:
    for source in data["sources"].values():
        source["freshness"] = source["config"]["freshness"] = None
    return data


def renamed_source(table: str = "customers") -> dict:
    """The pull request's manifest: the source `customers` renamed `clients` in the YAML, its
    readers' `source()` calls with it, reading `table`."""
    data = without_freshness(manifest())
    data = json.loads(json.dumps(data).replace(f'"{OLD}"', f'"{NEW}"'))
    source = data["sources"][NEW]
    source["name"], source["identifier"] = "clients", table
    source["fqn"][-1] = "clients"
    source["relation_name"] = source["relation_name"].replace('"customers"', f'"{table}"')
    data["metadata"]["invocation_id"] = "the pull request's build"
    return data


def setup(workdir: Path) -> None:
    write_config(workdir, FRESHNESS)
    write_build(workdir / "target", without_freshness(manifest()))
    write_build(workdir / "base", without_freshness(manifest()))
    baseline(workdir)
    entries = read_json(workdir / "dbtgate-baseline.json")["findings"]
    assert [e["code"] for e in entries if e["unique_id"] == OLD] == ["freshness.missing"]


def test_a_source_renamed_on_the_same_table_keeps_its_debt(workdir):
    setup(workdir)
    write_build(workdir / "pr", renamed_source())
    returncode, stdout, report = check(
        workdir, "pr", "--base", "base", "--baseline", "dbtgate-baseline.json"
    )
    on_new = [f for f in report["findings"] if f.get("unique_id") == NEW]
    assert [(f["code"], f["disposition"]) for f in on_new] == [("freshness.missing", "baselined")]
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["fixed"] == []
    assert [
        (c["entry"]["unique_id"], c["unique_id"], c["relation"]) for c in section["carried"]
    ] == [(OLD, NEW, "dbt.main.customers")]
    assert (
        "1 entry matched under a renamed source's new name, reading the same table "
        f"(dbt.main.customers; freshness.missing on {OLD} -> {NEW})"
    ) in " ".join(stdout.split())
    assert returncode == 0, stdout

    pruned = dbtgate(
        "baseline", "--artifacts", "pr", "--base", "base", "--prune", "-o",
        "dbtgate-baseline.json", cwd=workdir,
    )  # fmt: skip
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "moved 1 entry to a renamed resource's name" in pruned.stdout
    after = read_json(workdir / "dbtgate-baseline.json")["findings"]
    assert [e["unique_id"] for e in after if e["code"] == "freshness.missing"].count(NEW) == 1
    assert OLD not in {e["unique_id"] for e in after}


def test_a_source_renamed_onto_another_table_or_without_a_base_starts_afresh(workdir):
    setup(workdir)
    write_build(workdir / "pr", renamed_source(table="clients"))
    returncode, _, report = check(
        workdir, "pr", "--base", "base", "--baseline", "dbtgate-baseline.json"
    )
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []
    assert [f["disposition"] for f in report["findings"] if f.get("unique_id") == NEW] == [
        "blocking"
    ]
    # The same table, but no base build to say which table the old name read.
    write_build(workdir / "pr", renamed_source())
    returncode, _, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []


def test_a_renamed_source_given_its_freshness_threshold_reads_fixed(workdir):
    """Renamed on the same table and given a threshold in the same pull request: the entry
    was fixed, not left on a source deleted."""
    setup(workdir)
    data = renamed_source()
    threshold = {"warn_after": {"count": 1, "period": "day"}, "error_after": {}, "filter": None}
    data["sources"][NEW]["freshness"] = data["sources"][NEW]["config"]["freshness"] = threshold
    write_build(workdir / "pr", data)
    returncode, stdout, report = check(
        workdir, "pr", "--base", "base", "--baseline", "dbtgate-baseline.json"
    )
    assert returncode == 0, stdout
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["carried"] == []
    assert [(e["code"], e["unique_id"]) for e in section["fixed"]] == [("freshness.missing", OLD)]
