"""A column renamed keeps its baseline debt when the schema diff reads the rename: the column's
undocumented state is the same debt under its new name, and a pull request that only renamed
it must not block on it. The rename itself (`risky`/`breaking.column_renamed`) is news about
this change, never debt."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import dbtgate
from policy_support import read_json
from test_baseline import BOUNCER, baseline, check, manifest, workdir, write_build

__all__ = ["workdir"]  # the fixture, used by name


def column_entry(workdir: Path) -> dict:
    """An entry of the recorded baseline on a column the catalog has (the diff's witness)."""
    catalog = json.loads((BOUNCER / "catalog.json").read_text())
    entries = read_json(workdir / "dbtgate-baseline.json")["findings"]
    for entry in entries:
        table = catalog["nodes"].get(entry.get("unique_id") or "", {}).get("columns", {})
        if entry.get("column_name") in table:
            return entry
    raise AssertionError("the corpus project must have an undocumented column in its catalog")


def write_rename(workdir: Path, entry: dict, new: str) -> None:
    """The base build (`base`, as recorded) and the pull request's (`pr`), in which the entry's
    column is renamed to `new` in the YAML and the warehouse: same position, same type."""
    catalog = json.loads((BOUNCER / "catalog.json").read_text())
    write_build(workdir / "base", manifest())
    (workdir / "base" / "catalog.json").write_text(json.dumps(catalog))
    data = manifest()
    data["metadata"]["invocation_id"] = "the pull request's build"
    columns = data["nodes"][entry["unique_id"]]["columns"]
    column = columns.pop(entry["column_name"])
    columns[new] = {**column, "name": new}
    write_build(workdir / "pr", data)
    table = catalog["nodes"][entry["unique_id"]]["columns"]
    table[new] = {**table.pop(entry["column_name"]), "name": new}
    (workdir / "pr" / "catalog.json").write_text(json.dumps(catalog))


def test_a_renamed_columns_debt_follows_the_rename_and_prune_moves_it(workdir):
    baseline(workdir)
    entry = column_entry(workdir)
    old, new = entry["column_name"], f"{entry['column_name']}_renamed"
    write_rename(workdir, entry, new)
    returncode, stdout, report = check(
        workdir, "pr", "--base", "base", "--baseline", "dbtgate-baseline.json"
    )
    on_new = [
        f
        for f in report["findings"]
        if f.get("unique_id") == entry["unique_id"] and f.get("column_name") == new
    ]
    debt = [f for f in on_new if f["code"] == entry["code"]]
    assert [f["disposition"] for f in debt] == ["baselined"]
    # The rename itself (on the old name) is this change's, never baselined.
    rename = [
        f
        for f in report["findings"]
        if f["code"].endswith("column_renamed") and f.get("column_name") == old
    ]
    assert [f["details"]["new"] for f in rename] == [new]
    assert rename[0]["disposition"] != "baselined"
    section = report["sections"]["baseline"]
    assert section["gone"] == [] and section["fixed"] == []
    assert [(c["entry"]["column_name"], c["column_name"]) for c in section["carried"]] == [
        (old, new)
    ]
    assert section["matched"] == section["entries"]
    assert (
        f"1 entry matched under a renamed column's new name, as the schema diff reads the rename "
        f"({entry['code']} on {entry['unique_id']}.{old} -> {new})"
    ) in " ".join(stdout.split())
    assert returncode == (1 if any(f["disposition"] == "blocking" for f in rename) else 0)

    pruned = dbtgate(
        "baseline", "--artifacts", "pr", "--base", "base", "--prune", "-o",
        "dbtgate-baseline.json", cwd=workdir,
    )  # fmt: skip
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "moved 1 entry to a renamed column's name" in pruned.stdout
    after = read_json(workdir / "dbtgate-baseline.json")["findings"]
    assert [e.get("column_name") for e in after if e["fingerprint"] == debt[0]["fingerprint"]] == [
        new
    ]
    assert not [
        e for e in after if (e.get("unique_id"), e.get("column_name")) == (entry["unique_id"], old)
    ]
    # Pruned, the file holds what a baseline written on the pull request's build holds.
    baseline(workdir, "--artifacts", "pr", "-o", "fresh.json")
    assert (workdir / "dbtgate-baseline.json").read_bytes() == (workdir / "fresh.json").read_bytes()


def test_without_a_base_build_a_renamed_columns_findings_are_new(workdir):
    """No base build, no diff: nothing tells a rename from a column dropped and another added,
    so the new column's finding blocks and the entry is named as gone."""
    baseline(workdir)
    entry = column_entry(workdir)
    new = f"{entry['column_name']}_renamed"
    write_rename(workdir, entry, new)
    returncode, stdout, report = check(workdir, "pr", "--baseline", "dbtgate-baseline.json")
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []
    blocking = [
        f
        for f in report["findings"]
        if f["disposition"] == "blocking" and f.get("column_name") == new
    ]
    assert [f["code"] for f in blocking] == [entry["code"]]
    assert "and a column's when no base build shows the rename (`--base`)" in " ".join(
        stdout.split()
    )


def test_a_column_renamed_to_another_type_is_not_carried(workdir):
    """A column dropped and one of another type added at its place is not read as a rename:
    its debt is not carried, and the new column's finding blocks."""
    baseline(workdir)
    entry = column_entry(workdir)
    new = f"{entry['column_name']}_renamed"
    write_rename(workdir, entry, new)
    catalog = read_json(workdir / "pr" / "catalog.json")
    column = catalog["nodes"][entry["unique_id"]]["columns"][new]
    column["type"] = "BLOB" if column["type"].upper() != "BLOB" else "INTEGER"
    (workdir / "pr" / "catalog.json").write_text(json.dumps(catalog))
    returncode, _, report = check(
        workdir, "pr", "--base", "base", "--baseline", "dbtgate-baseline.json"
    )
    assert returncode == 1
    assert report["sections"]["baseline"]["carried"] == []
    assert [
        f["disposition"]
        for f in report["findings"]
        if f.get("column_name") == new and f["code"] == entry["code"]
    ] == ["blocking"]
